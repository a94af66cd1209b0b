"""``manage.py import_plan FILE``: import a plan's action table
(docs/import-layout.md), in the documented layout or, with ``--mapping``, in the
organisation's own.
"""

import datetime
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core import audit
from deliverables import mapping as columns
from deliverables.history_import import find_period
from deliverables.importing import ImportFailed, import_plan
from plans.commands import command_account, organisation_named
from plans.models import Plan

IMPORT_USERNAME = "import"


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date in the form 2017-01-31.") from exc


def import_user():
    """The account imports are recorded against when no --user is given. It cannot sign
    in."""
    return command_account(IMPORT_USERNAME, "Plan", "import")


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
        parser.add_argument(
            "--mapping",
            type=Path,
            help='A JSON file saying which field each column holds: {"columns": '
            '{"Project": "deliverable_title", "Comments": ""}, "headings": "strand"} '
            "(docs/import-layout.md). Without it the file must use the import layout.",
        )
        parser.add_argument(
            "--period",
            help='The period changes of status are recorded in, such as "Q3 2017" '
            "(default: the one open today).",
        )

    def handle(self, *args, **options):
        owner = organisation_named(options["organisation"])
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

        mapping = _mapping(options["mapping"], options["file"])
        period = None
        if options["period"]:
            plan = Plan.objects.filter(owner=owner, reference=options["plan"]).first()
            periods = list(plan.reporting_periods.all()) if plan else []
            period = find_period(options["period"], periods)
            if period is None:
                raise CommandError(
                    f"The plan has no reporting period {options['period']!r}."
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
                    lead_organisation=organisation_named(lead) if lead else None,
                    by=by,
                    mapping=mapping,
                    period=period,
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


def _mapping(given_path: Path | str | None, file: str) -> columns.Mapping | None:
    """The mapping a JSON file gives, fitted to the file's header; refused, with
    each thing that no longer fits, rather than used in part."""
    if given_path is None:
        return None
    path = Path(given_path)
    try:
        given = json.loads(path.read_text(encoding="utf-8"))
        saved, headings = dict(given["columns"]), str(given.get("headings", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CommandError(
            f"{path} is not a mapping file: {exc}. See docs/import-layout.md."
        ) from exc
    try:
        table = columns.read_table(file, limit=1)
    except ImportFailed as failure:
        raise CommandError(" ".join(str(e) for e in failure.errors)) from failure
    mapping, notes = columns.fit(saved, table)
    if notes:
        raise CommandError("The mapping does not fit the file: " + " ".join(notes))
    mapping.headings = headings
    return mapping
