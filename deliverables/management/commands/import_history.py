"""``manage.py import_history FILE --plan REF --organisation NAME``: bring a plan's
earlier quarters in from a history file (docs/import-history.md).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core import audit
from deliverables.history_import import import_history, preview_history
from deliverables.management.commands.import_plan import import_user
from deliverables.upload_errors import ImportFailed
from plans.commands import organisation_named
from plans.models import Plan


class Command(BaseCommand):
    help = (
        "Bring a plan's earlier quarters in from a CSV or XLSX file with one row per "
        "deliverable per quarter. Every row is checked first; if any is bad, every "
        "problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file in the history layout.")
        parser.add_argument(
            "--plan", required=True, help="The plan's reference, such as R.4/2017."
        )
        parser.add_argument(
            "--organisation",
            required=True,
            help="Name or short name of the policing body that owns the plan.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what it would record, writing nothing.",
        )
        parser.add_argument(
            "--user",
            help="Username the updates are recorded against (default: import).",
        )

    def handle(self, *args, **options):
        owner = organisation_named(options["organisation"])
        plan = Plan.objects.filter(owner=owner, reference=options["plan"]).first()
        if plan is None:
            raise CommandError(f"{owner.name} has no plan {options['plan']}.")
        by = import_user()
        if options["user"]:
            by = get_user_model().objects.filter(username=options["user"]).first()
            if by is None:
                raise CommandError(f"No user is called {options['user']!r}.")
        try:
            with audit.acting(by=by, via=audit.Via.COMMAND):
                if options["dry_run"]:
                    result = preview_history(plan=plan, path=options["file"], by=by)
                    if result.errors:
                        raise ImportFailed(result.errors)
                else:
                    result = import_history(plan=plan, path=options["file"], by=by)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error) if error.row else error.message)
            raise CommandError(str(failure)) from failure
        verb = "would be brought" if options["dry_run"] else "brought"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.updates:,} update{'' if result.updates == 1 else 's'} "
                f"{verb} in to {plan.reference}."
            )
        )
        for count in result.periods:
            self.stdout.write(
                f"{count.period.label}: {count.updates:,} "
                f"update{'' if count.updates == 1 else 's'}, "
                f"{count.status_changes:,} changing status"
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was recorded.")
