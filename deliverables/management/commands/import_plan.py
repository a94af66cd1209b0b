"""``manage.py import_plan FILE``: import a plan's action table
(docs/import-layout.md).
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core import audit
from deliverables.importing import ImportFailed, import_plan
from plans.models import Organisation

IMPORT_USERNAME = "import"


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date in the form 2017-01-31.") from exc


def _organisation(value: str) -> Organisation:
    found = Organisation.objects.filter(name__iexact=value).first() or (
        Organisation.objects.filter(short_name__iexact=value).first()
    )
    if found is None:
        raise CommandError(f'No organisation is called "{value}".')
    return found


def import_user():
    """The account imports are recorded against when no --user is given. It cannot sign
    in.
    """
    user, created = get_user_model().objects.get_or_create(
        username=IMPORT_USERNAME,
        defaults={"first_name": "Plan", "last_name": "import", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


class Command(BaseCommand):
    help = (
        "Import a plan's action table from CSV or XLSX. Every row is checked first; "
        "if any is bad, every problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file in the import layout.")
        parser.add_argument(
            "--organisation",
            required=True,
            help="Name or short name of the policing body that owns the plan.",
        )
        parser.add_argument(
            "--plan", required=True, help="The plan's reference, such as R.4/2017."
        )
        parser.add_argument("--title", default="", help="Title of a new plan.")
        parser.add_argument("--starts", type=_date, help="First day of a new plan.")
        parser.add_argument("--ends", type=_date, help="Last day of a new plan.")
        parser.add_argument(
            "--lead-organisation",
            help="Lead organisation for rows that name none (default: the owner).",
        )
        parser.add_argument(
            "--user", help="Username the import is recorded against (default: import)."
        )

    def handle(self, *args, **options):
        owner = _organisation(options["organisation"])
        lead = options["lead_organisation"]
        by = import_user()
        if options["user"]:
            by = get_user_model().objects.filter(username=options["user"]).first()
            if by is None:
                raise CommandError(f"No user is called {options['user']!r}.")

        def progress(rows):
            return tqdm(
                rows,
                desc="Importing",
                unit="row",
                file=self.stderr._out,
                disable=options["verbosity"] < 1,
            )

        try:
            with audit.acting(by=by, via=audit.Via.COMMAND):
                result = import_plan(
                    path=options["file"],
                    owner=owner,
                    plan_reference=options["plan"],
                    plan_title=options["title"],
                    starts_on=options["starts"],
                    ends_on=options["ends"],
                    lead_organisation=_organisation(lead) if lead else None,
                    by=by,
                    progress=progress,
                )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(str(failure)) from failure
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {result.plan}: {result.summary()}.")
            )
