"""The recommendations register's writes: recording and updating a recommendation,
the owner's response, closing it, and entering many at once from a spreadsheet.

Forms validate and shape; every rule about dates, states and links is decided here.
The due date always comes from the source's rule (``scrutiny.rules``) when it has
one; the editor gives it only when none applies.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.actors import Writer
from core.history import attribute_to
from deliverables.mapping import read_table
from deliverables.models import Deliverable
from deliverables.upload_errors import ImportFailed, RowError
from plans.models import Organisation, Plan
from plans.permissions import edits_plan
from plans.selectors import NOT_WORKED_WITH, owner_allowed, owner_stored, works_with
from scrutiny import rules
from scrutiny.models import ScrutinyAction
from scrutiny.recommendations.models import Recommendation
from scrutiny.recommendations.permissions import may_respond

State = Recommendation.State
Source = Recommendation.Source

DUE_BEFORE_PUBLISHED = "The due date must be on or after the date it was published."
#: The most recommendations one file may bring.
MAX_IMPORT_ROWS = 1000


def _check(
    recommendation: Recommendation,
    *,
    due_on_given: datetime.date | None,
    deliverables: Iterable[Deliverable],
    actions: Iterable[ScrutinyAction],
) -> dict[str, str]:
    """Set the due date from the source's rule and list what is wrong, by field."""
    errors: dict[str, str] = {}
    plan = recommendation.plan
    published = recommendation.published_on
    if published is not None and recommendation.source:
        due = rules.response_due_on(recommendation.source, published)
        recommendation.due_on = due_on_given if due is None else due
    else:
        recommendation.due_on = due_on_given
    due = recommendation.due_on
    if published is not None and due is not None and due < published:
        errors["due_on"] = DUE_BEFORE_PUBLISHED
    reference = (recommendation.reference or "").strip()
    recommendation.reference = reference
    if (
        reference
        and Recommendation.objects.filter(plan=plan, reference=reference)
        .exclude(pk=recommendation.pk)
        .exists()
    ):
        errors["reference"] = (
            f"The plan already has a recommendation with the reference {reference}."
        )
    if any(d.plan_id != plan.pk for d in deliverables):
        errors["deliverables"] = "Choose deliverables of this plan only."
    if any(a.plan_id != plan.pk for a in actions):
        errors["actions"] = "Choose scrutiny actions of this plan only."
    return errors


@transaction.atomic
def save_recommendation(
    *,
    plan: Plan,
    by: Writer,
    recommendation: Recommendation | None = None,
    deliverables: Iterable[Deliverable] | None = None,
    actions: Iterable[ScrutinyAction] | None = None,
    due_on: datetime.date | None = None,
    **fields: Any,
) -> Recommendation:
    """Record (no ``recommendation``) or update a recommendation of ``plan``.

    The due date is the source's rule applied to the publication date; ``due_on``
    is used only when the source has no rule. A due date before publication, a
    reference the plan already has, or a deliverable or action of another plan are
    refused with nothing written, and so is an owner the plan's body does not work
    with (``plans.selectors.works_with``) unless it is the one already stored. Plan
    editors only. ``deliverables`` and
    ``actions``, when given, replace the links."""
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors record recommendations.")
    recommendation = recommendation or Recommendation(plan=plan)
    if recommendation.pk and recommendation.plan_id != plan.pk:
        raise PermissionDenied("This recommendation belongs to another plan.")
    stored_owner = owner_stored(Recommendation, recommendation)
    for name, value in fields.items():
        setattr(recommendation, name, value)
    recommendation.plan = plan
    linked = list(deliverables) if deliverables is not None else []
    acted = list(actions) if actions is not None else []
    errors = _check(
        recommendation, due_on_given=due_on, deliverables=linked, actions=acted
    )
    if not owner_allowed(plan, recommendation.owner_id, stored=stored_owner):
        errors["owner"] = NOT_WORKED_WITH
    if errors:
        raise ValidationError(errors)
    attribute_to(recommendation, by=by)
    recommendation.save()
    if deliverables is not None:
        recommendation.deliverables.set(linked)
    if actions is not None:
        recommendation.actions.set(acted)
    return recommendation


@transaction.atomic
def respond_to_recommendation(
    *,
    recommendation: Recommendation,
    by: Writer,
    response: str,
    responded_on: datetime.date | None = None,
) -> Recommendation:
    """The owning organisation's response (or a plan editor's, on its behalf) to a
    recommendation awaiting one: it is responded to on ``responded_on`` (a response
    given at a meeting, recorded later), else today; never before it was published
    nor in the future."""
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Enter your response."})
    today = timezone.localdate()
    if responded_on is not None and responded_on > today:
        raise ValidationError(
            {"responded_on": "The date of the response must not be in the future."}
        )
    recommendation = (
        Recommendation.objects.select_related("plan")
        .select_for_update(of=("self",))
        .get(pk=recommendation.pk)
    )
    if recommendation.state != State.OPEN:
        raise ValidationError(
            {"response": "This recommendation has already been responded to."}
        )
    if not may_respond(by, recommendation):
        raise PermissionDenied(
            "Only the plan's editors and the owner's staff respond to it."
        )
    if responded_on is not None and responded_on < recommendation.published_on:
        raise ValidationError(
            {
                "responded_on": "The date of the response must be on or after the "
                "date the recommendation was published."
            }
        )
    recommendation.response = response
    recommendation.state = State.RESPONDED
    recommendation.responded_on = responded_on or today
    attribute_to(recommendation, by=by)
    recommendation.save()
    return recommendation


@transaction.atomic
def close_recommendation(
    *,
    recommendation: Recommendation,
    by: Writer,
    closed_on: datetime.date | None = None,
) -> Recommendation:
    """A plan editor closes a responded recommendation: nothing more is expected of
    it. Closed on ``closed_on`` (not before the response), else today."""
    recommendation = (
        Recommendation.objects.select_related("plan")
        .select_for_update(of=("self",))
        .get(pk=recommendation.pk)
    )
    if not edits_plan(by, recommendation.plan):
        raise PermissionDenied("Only the plan's editors close recommendations.")
    if recommendation.state != State.RESPONDED:
        raise ValidationError(
            {
                "closed_on": "Only a recommendation that has been responded to can "
                "be closed."
            }
        )
    closed_on = closed_on or timezone.localdate()
    if recommendation.responded_on and closed_on < recommendation.responded_on:
        raise ValidationError(
            {"closed_on": "The date closed must be on or after the response."}
        )
    recommendation.state = State.CLOSED
    recommendation.closed_on = closed_on
    attribute_to(recommendation, by=by)
    recommendation.save()
    return recommendation


# Importing from a spreadsheet -------------------------------------------------------

#: The columns of an import file, by the field each feeds: the first name is the
#: one documented (docs/recommendations.md); the others are accepted too.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref"),
    "text": ("recommendation", "text", "area for improvement"),
    "source": ("source",),
    "source_title": ("source title", "report", "report title"),
    "published_on": ("published", "published on", "date published"),
    "due_on": ("due", "due on", "response due"),
    "owner": ("owner", "owner organisation"),
    "deliverables": ("deliverables", "linked deliverables"),
}
REQUIRED_COLUMNS = ("text", "source", "source_title", "published_on", "owner")
#: The words a source cell may hold, beyond its value and label.
SOURCE_WORDS = {
    "hmicfrs": Source.HMICFRS,
    "hmicfrs report": Source.HMICFRS,
    "inspection": Source.HMICFRS,
    "panel": Source.PANEL_REPORT,
    "panel report": Source.PANEL_REPORT,
    "annual review": Source.ANNUAL_REVIEW,
    "annual report review": Source.ANNUAL_REVIEW,
    "annual-report review": Source.ANNUAL_REVIEW,
    "other": Source.OTHER,
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")


def _heading(text: str) -> str:
    """A column's heading as looked up: "Due (optional)" is "due"."""
    return " ".join(re.sub(r"[^a-z]+", " ", text.lower().split("(")[0]).split())


def _words(text: str) -> str:
    return " ".join(re.sub(r"[_()]+", " ", text.lower()).split())


def _source_of(text: str) -> str | None:
    words = _words(text)
    for source in Source:
        if words in {source.value, _words(source.label), _words(source.value)}:
            return source.value
    return SOURCE_WORDS.get(words)


def _day(text: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


@contextmanager
def _on_disk(file: str | Path | UploadedFile | IO[bytes]) -> Iterator[Path]:
    """The file as a path on disk, named for its type, for the spreadsheet reader."""
    if isinstance(file, str | Path):
        yield Path(file)
        return
    name = Path(getattr(file, "name", "") or "upload.csv").name
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    if hasattr(file, "seek"):
        file.seek(0)
    content = b"".join(file.chunks()) if isinstance(file, UploadedFile) else file.read()
    with tempfile.TemporaryDirectory(prefix="recommendations-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        yield path


@dataclass
class _Row:
    number: int
    fields: dict[str, Any]
    due_on: datetime.date | None
    deliverables: list[Deliverable]


def _columns(header: list[str], header_row: int) -> tuple[dict[str, int], list]:
    """Which column holds each field, and the header's problems."""
    names = {
        alias: field for field, aliases in IMPORT_COLUMNS.items() for alias in aliases
    }
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(header):
        if not cell:
            continue
        field = names.get(_heading(cell))
        if field is None:
            errors.append(
                RowError(
                    header_row,
                    cell,
                    "We do not know this column. Use: "
                    + ", ".join(a[0] for a in IMPORT_COLUMNS.values())
                    + ".",
                )
            )
        elif field in found:
            errors.append(RowError(header_row, cell, "This column is given twice."))
        else:
            found[field] = index
    for field in REQUIRED_COLUMNS:
        if field not in found:
            name = IMPORT_COLUMNS[field][0]
            errors.append(RowError(header_row, name, f'Add a column "{name}".'))
    return found, errors


def _read_import(plan: Plan, path: Path) -> list[_Row]:
    """Every row of the file checked; raises ImportFailed listing every problem."""
    table = read_table(
        path,
        max_rows=MAX_IMPORT_ROWS,
        too_many=f"The file has too many rows: import at most {MAX_IMPORT_ROWS:,} "
        "recommendations at once.",
    )
    found, errors = _columns(table.header, table.header_row)
    if errors:
        raise ImportFailed(errors)
    organisations: dict[str, Organisation] = {}
    # Names are matched only among the organisations the plan's body works with,
    # so that a file cannot probe which others the service holds.
    for organisation in works_with([plan.owner_id]).order_by("pk"):
        organisations.setdefault(organisation.name.lower(), organisation)
        if organisation.short_name:
            organisations.setdefault(organisation.short_name.lower(), organisation)
    deliverables = {
        d.reference.lower(): d for d in Deliverable.objects.filter(plan=plan)
    }
    taken = set(
        Recommendation.objects.filter(plan=plan)
        .exclude(reference="")
        .values_list("reference", flat=True)
    )
    seen: dict[str, int] = {}
    rows: list[_Row] = []
    for number, cells in table.rows:

        def cell(field: str, cells: list[str] = cells) -> str:
            return cells[found[field]].strip() if field in found else ""

        def bad(field: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, IMPORT_COLUMNS[field][0], message))

        reference = cell("reference")
        if reference:
            if len(reference) > 50:
                bad("reference", "Give a reference of at most 50 characters.")
            elif reference in taken:
                bad("reference", f"The plan already has a recommendation {reference}.")
            elif reference in seen:
                bad("reference", f"Row {seen[reference]} has the same reference.")
            seen.setdefault(reference, number)
        text = cell("text")
        if not text:
            bad("text", "Enter the recommendation.")
        source = _source_of(cell("source"))
        if source is None:
            bad(
                "source",
                "Use one of: " + ", ".join(s.label for s in Source) + ".",
            )
        title = cell("source_title")
        if not title:
            bad("source_title", "Enter the title of the report it comes from.")
        elif len(title) > 300:
            bad("source_title", "Give a title of at most 300 characters.")
        published = _day(cell("published_on"))
        if published is None:
            bad(
                "published_on",
                "Enter the date it was published, such as 2024-03-14 or 14/03/2024.",
            )
        due = None
        if cell("due_on"):
            due = _day(cell("due_on"))
            if due is None:
                bad(
                    "due_on",
                    "Enter the due date, such as 2024-05-09, or leave it empty.",
                )
        if source is not None and published is not None:
            ruled = rules.response_due_on(source, published)
            if ruled is not None and due is not None and due != ruled:
                bad(
                    "due_on",
                    f"The response is due {ruled:%d/%m/%Y} by the source's rule: "
                    "leave it empty or give that date.",
                )
            due = ruled if ruled is not None else due
            if due is not None and due < published:
                bad("due_on", DUE_BEFORE_PUBLISHED)
        owner = organisations.get(cell("owner").lower()) if cell("owner") else None
        if owner is None:
            bad(
                "owner",
                "Enter the name or short name of an organisation your body works with."
                if cell("owner")
                else "Enter the organisation that must respond.",
            )
        linked: list[Deliverable] = []
        unknown: list[str] = []
        for ref in filter(None, (r.strip() for r in cell("deliverables").split(","))):
            found_deliverable = deliverables.get(ref.lower())
            if found_deliverable is None:
                unknown.append(ref)
            elif found_deliverable not in linked:
                linked.append(found_deliverable)
        if unknown:
            bad(
                "deliverables",
                "This plan has no deliverable " + ", ".join(unknown) + ".",
            )
        rows.append(
            _Row(
                number=number,
                fields={
                    "reference": reference,
                    "text": text,
                    "source": source,
                    "source_title": title,
                    "published_on": published,
                    "owner": owner,
                },
                due_on=due,
                deliverables=linked,
            )
        )
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed(
            [RowError(table.header_row + 1, "file", "The file has no rows.")]
        )
    return rows


@transaction.atomic
def import_recommendations(
    *, plan: Plan, file: str | Path | UploadedFile | IO[bytes], by: Writer
) -> list[Recommendation]:
    """Record many recommendations of ``plan`` from a CSV or XLSX file (its columns:
    docs/recommendations.md), all or nothing: any problem in any row raises
    ImportFailed listing every problem with its row and column, and nothing is
    written. Plan editors only. Returns the recommendations recorded."""
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors import recommendations.")
    with _on_disk(file) as path:
        rows = _read_import(plan, path)
    created = []
    for row in rows:
        try:
            created.append(
                save_recommendation(
                    plan=plan,
                    by=by,
                    deliverables=row.deliverables,
                    due_on=row.due_on,
                    **row.fields,
                )
            )
        except ValidationError as error:
            # Checked above; a race with another writer lands here.
            raise ImportFailed(
                [
                    RowError(row.number, IMPORT_COLUMNS.get(f, (f,))[0], m)
                    for f, ms in error.message_dict.items()
                    for m in ms
                ]
            ) from error
    return created
