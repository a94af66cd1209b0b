"""Importing a plan's action table from CSV or XLSX (layout: docs/import-layout.md).

Every row is validated before anything is written, and every problem is reported with
its row and column; if any row is bad nothing is written. Rows are matched by reference,
so importing the same file again changes nothing and a corrected file updates in place.

This lives in ``deliverables`` rather than ``plans`` because it writes deliverables, and
imports only run ``plans`` <- ``deliverables``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from core.actors import Writer
from core.history import attribute_to
from deliverables import fuzzydates, states
from deliverables.models import (
    Deliverable,
    Milestone,
    ProgressUpdate,
    Rag,
    Status,
)
from deliverables.services import Change, record_progress, sync_owners
from deliverables.upload_errors import ImportFailed, RowError
from deliverables.uploads import check_xlsx_package
from plans.models import (
    Objective,
    Organisation,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.selectors import open_period
from plans.services import ensure_quarterly_periods, save_plan

COLUMNS = (
    "priority_ref",
    "priority_title",
    "sub_priority_ref",
    "sub_priority_title",
    "objective_ref",
    "objective_title",
    "deliverable_ref",
    "deliverable_title",
    "description",
    "milestone_date",
    "owners",
    "lead_organisation",
    "delivering_unit",
    "expected_benefits",
    "strands",
    "status",
    "rag",
    "percent_complete",
    "forecast_date",
    "merged_into",
)
REQUIRED = (
    "priority_ref",
    "priority_title",
    "objective_ref",
    "objective_title",
    "deliverable_ref",
    "deliverable_title",
)
MAX_LENGTHS = {
    "priority_title": 300,
    "sub_priority_title": 300,
    "objective_title": 500,
    "deliverable_title": 300,
    "delivering_unit": 200,
}
REFERENCE = re.compile(r"^[A-Za-z0-9]+([.\-/][A-Za-z0-9]+)*$")
PLAN_MILESTONE_TITLE = "Milestone date in the plan"

RAG_WORDS = {
    "green": Rag.GREEN,
    "on track": Rag.GREEN,
    "amber": Rag.AMBER,
    "at risk": Rag.AMBER,
    "red": Rag.RED,
    "off track": Rag.RED,
}


def _words(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


STATUS_WORDS = {_words(s.value): s for s in Status} | {
    _words(s.label): s for s in Status
}
STATUS_WORDS |= {"current": Status.IN_PROGRESS, "cancelled": Status.WILL_NOT_PROCEED}


@dataclass
class ImportResult:
    """What an import did, counted per kind of row: created, updated, unchanged."""

    plan: Plan
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    refused: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for kind in ("priorities", "objectives", "deliverables"):
            parts.append(
                f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
                f"{self.unchanged[kind]} unchanged"
            )
        return "; ".join(parts)


# Reading ---------------------------------------------------------------------------


def _header_key(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"[ \t]+", " ", str(value)).strip()


#: The most deliverables one file may hold, and the longest text a cell may hold.
MAX_ROWS = 5_000
MAX_CELL = 10_000


def read_rows(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV or XLSX file into ``(row number, {column: text})`` pairs.

    Raises ImportFailed when the file cannot be read (a workbook with macros, one
    that unpacks to far more than it weighs, more than ``MAX_ROWS`` rows), its header
    is wrong, or a cell holds more than ``MAX_CELL`` characters.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            table = _read_xlsx(path)
        elif path.suffix.lower() in {".csv", ".txt"}:
            table = _read_csv(path)
        else:
            raise ImportFailed([RowError(0, "file", "Give a .csv or .xlsx file.")])
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as exc:
        raise ImportFailed(
            [RowError(0, "file", f"The file could not be read: {exc}")]
        ) from exc
    if not table:
        raise ImportFailed([RowError(1, "header", "The file is empty.")])
    if len(table) > MAX_ROWS + 1:
        raise ImportFailed(
            [
                RowError(
                    0,
                    "file",
                    f"The file has too many rows: a plan has at most {MAX_ROWS:,} "
                    "deliverables.",
                )
            ]
        )
    header = [_header_key(h) for h in table[0]]
    errors = [
        RowError(1, name or f"column {i + 1}", "This is not a column we know.")
        for i, name in enumerate(header)
        if name not in COLUMNS and name
    ]
    errors += [
        RowError(1, name, "This column is missing.")
        for name in REQUIRED
        if name not in header
    ]
    repeated = [name for name, n in Counter(header).items() if name and n > 1]
    errors += [RowError(1, name, "This column appears twice.") for name in repeated]
    if errors:
        raise ImportFailed(errors)
    rows, too_long = [], []  # cells refused before the rows are checked
    for number, cells in enumerate(table[1:], start=2):
        values = {
            name: _cell_text(cells[i] if i < len(cells) else None)
            for i, name in enumerate(header)
            if name
        }
        too_long += [
            RowError(number, name, f"Keep this to {MAX_CELL:,} characters or fewer.")
            for name, text in values.items()
            if len(text) > MAX_CELL
        ]
        too_long += [
            RowError(
                number, name, "Take out the null character (NUL): text cannot hold one."
            )  # fmt: skip
            for name, text in values.items()
            if "\x00" in text
        ]
        if any(values.values()):
            rows.append((number, {c: values.get(c, "") for c in COLUMNS}))
    if too_long:
        raise ImportFailed(too_long)
    return rows


def _read_csv(path: Path) -> list[list[Any]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _read_xlsx(path: Path) -> list[list[Any]]:
    # openpyxl is loaded only when a workbook is read: CSV imports never need it.
    from openpyxl import load_workbook

    # The same checks as a return's: a plain workbook, no macros, no zip bomb.
    check_xlsx_package(
        path,
        not_xlsx="The file is not an Excel workbook (.xlsx): save it as one, or as "
        "a CSV file, and upload it again.",
    )
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure means "unreadable"
        raise _unreadable(exc) from exc
    try:
        sheet = workbook.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > MAX_ROWS + 1:
                break  # enough to say there are too many, without reading them all
        return table
    except Exception as exc:  # noqa: BLE001 - a sheet is parsed as it is read
        raise _unreadable(exc) from exc
    finally:
        workbook.close()


def _unreadable(exc: Exception) -> ImportFailed:
    return ImportFailed(
        [RowError(0, "file", f"The file could not be read as a workbook: {exc}")]
    )


# Validating ------------------------------------------------------------------------


@dataclass
class CleanRow:
    number: int
    priority_ref: str
    priority_title: str
    sub_priority_ref: str
    sub_priority_title: str
    objective_ref: str
    objective_title: str
    reference: str
    title: str
    description: str
    milestone_date: str
    owners: list[str]
    lead_organisation: Organisation
    delivering_unit: str
    expected_benefits: str
    strands: list[str]
    status: str | None
    rag: str | None
    percent_complete: int | None
    forecast_date: str
    merged_into: str


def _split(value: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in value.split(";"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def validate(
    rows: list[tuple[int, dict[str, str]]],
    *,
    plan_year: int,
    default_lead: Organisation,
    existing_refs: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[CleanRow]:
    """Check every row; return clean rows, or raise ImportFailed listing every
    problem.
    """
    errors: list[RowError] = []
    organisations = _organisation_lookup()
    clean: list[CleanRow] = []
    titles: dict[tuple[str, str], tuple[str, int]] = {}
    parents: dict[str, tuple[str, int]] = {}
    seen_refs: dict[str, int] = {}
    if not rows:
        raise ImportFailed([RowError(2, "deliverable_ref", "The file has no rows.")])

    for number, row in rows:

        def bad(column: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, column, message))

        for column in REQUIRED:
            if not row[column]:
                bad(column, "This cell is empty.")
        for column, limit in MAX_LENGTHS.items():
            if len(row[column]) > limit:
                bad(column, f"Keep this to {limit} characters or fewer.")
        for column in (
            "priority_ref",
            "sub_priority_ref",
            "objective_ref",
            "deliverable_ref",
            "merged_into",
        ):
            value = row[column]
            if value and (len(value) > 50 or not REFERENCE.match(value)):
                bad(column, f'"{value}" is not a reference such as 3.1.2 or A-4.')

        priority_ref, sub_ref = row["priority_ref"], row["sub_priority_ref"]
        if sub_ref:
            if not sub_ref.startswith(priority_ref + "."):
                bad("sub_priority_ref", f"This should start with {priority_ref}.")
            if not row["sub_priority_title"]:
                bad("sub_priority_title", "Give the sub-priority's title.")
        elif row["sub_priority_title"]:
            bad("sub_priority_ref", "Give the sub-priority's reference.")

        # The same reference must mean the same thing on every row.
        for kind, ref, title_col in (
            ("priority", priority_ref, "priority_title"),
            ("priority", sub_ref, "sub_priority_title"),
            ("objective", row["objective_ref"], "objective_title"),
        ):
            if not ref:
                continue
            first = titles.setdefault((kind, ref), (row[title_col], number))
            if first[0] != row[title_col]:
                bad(title_col, f"{ref} has a different title on row {first[1]}.")
        objective_parent = sub_ref or priority_ref
        first_parent = parents.setdefault(
            row["objective_ref"], (objective_parent, number)
        )
        if first_parent[0] != objective_parent:
            bad(
                "objective_ref",
                f"This objective is under another priority on row {first_parent[1]}.",
            )

        ref = row["deliverable_ref"]
        if ref in seen_refs:
            bad("deliverable_ref", f"{ref} is already used on row {seen_refs[ref]}.")
        seen_refs.setdefault(ref, number)

        dates = {}
        for column in ("milestone_date", "forecast_date"):
            try:
                dates[column] = fuzzydates.parse(
                    row[column], default_year=plan_year
                ).text
            except fuzzydates.FuzzyDateError as exc:
                bad(column, str(exc))

        owners = _split(row["owners"])
        for owner in owners:
            if len(owner) > 200:
                bad("owners", "Keep each owner to 200 characters or fewer.")

        lead: Organisation | None = default_lead
        if row["lead_organisation"]:
            lead = organisations.get(row["lead_organisation"].lower())
            if lead is None:
                bad(
                    "lead_organisation",
                    f'No organisation is called "{row["lead_organisation"]}".',
                )

        status = None
        if row["status"]:
            status = STATUS_WORDS.get(_words(row["status"]))
            if status is None:
                bad(
                    "status",
                    "Use one of: " + ", ".join(s.label.lower() for s in Status) + ".",
                )

        rag = None
        if row["rag"]:
            rag = RAG_WORDS.get(_words(row["rag"]))
            if rag is None:
                bad("rag", "Use green, amber or red.")

        percent = None
        if row["percent_complete"]:
            value = row["percent_complete"].rstrip("%").strip()
            if not value.isdigit() or not 0 <= int(value) <= 100:
                bad("percent_complete", "Enter a whole number from 0 to 100.")
            else:
                percent = int(value)

        if status == Status.MERGED and not row["merged_into"]:
            bad("merged_into", "Give the reference this deliverable merged into.")
        if row["merged_into"] and status != Status.MERGED:
            bad(
                "merged_into",
                "Only a merged deliverable has a reference to merge into.",
            )
        if row["merged_into"] == ref and ref:
            bad("merged_into", "A deliverable cannot merge into itself.")

        clean.append(
            CleanRow(
                number=number,
                priority_ref=priority_ref,
                priority_title=row["priority_title"],
                sub_priority_ref=sub_ref,
                sub_priority_title=row["sub_priority_title"],
                objective_ref=row["objective_ref"],
                objective_title=row["objective_title"],
                reference=ref,
                title=row["deliverable_title"],
                description=row["description"],
                milestone_date=dates.get("milestone_date", ""),
                owners=owners,
                lead_organisation=lead or default_lead,
                delivering_unit=row["delivering_unit"],
                expected_benefits=row["expected_benefits"],
                strands=_split(row["strands"]),
                status=status,
                rag=rag,
                percent_complete=percent,
                forecast_date=dates.get("forecast_date", ""),
                merged_into=row["merged_into"],
            )
        )

    known = set(seen_refs) | set(existing_refs)
    for checked in clean:
        if checked.merged_into and checked.merged_into not in known:
            errors.append(
                RowError(
                    checked.number,
                    "merged_into",
                    f"No deliverable {checked.merged_into} in this plan.",
                )
            )
    if errors:
        raise ImportFailed(errors)
    return clean


def _organisation_lookup() -> dict[str, Organisation]:
    lookup: dict[str, Organisation] = {}
    for organisation in Organisation.objects.all():
        lookup[organisation.name.lower()] = organisation
        if organisation.short_name:
            lookup.setdefault(organisation.short_name.lower(), organisation)
    return lookup


# Writing ---------------------------------------------------------------------------


def _upsert(
    model: type[Model],
    result: ImportResult,
    kind: str,
    by: Writer,
    lookup: dict[str, Any],
    values: dict[str, Any],
) -> Any:
    """Create the row, or update only the fields that differ; count which it was."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        attribute_to(instance, by=by)
        instance.save()
        result.created[kind] += 1
        return instance
    changed = [
        name for name, value in values.items() if getattr(instance, name) != value
    ]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        attribute_to(instance, by=by)
        instance.save()
        result.updated[kind] += 1
    else:
        result.unchanged[kind] += 1
    return instance


@transaction.atomic
@states.batch()
def import_plan(
    *,
    path: str | Path,
    owner: Organisation,
    plan_reference: str,
    by: Writer,
    plan_title: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    lead_organisation: Organisation | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda rows: rows,
) -> ImportResult:
    """Import a plan's action table; see the module docstring and docs/import-layout.md.

    The plan is found by ``owner`` and ``plan_reference``, or created from
    ``plan_title``, ``starts_on`` and ``ends_on``. Raises ImportFailed having written
    nothing.
    """
    plan = Plan.objects.filter(owner=owner, reference=plan_reference).first()
    if plan is None:
        missing = [
            RowError(0, option, "Needed to create a new plan.")
            for option, value in (
                ("--title", plan_title),
                ("--starts", starts_on),
                ("--ends", ends_on),
            )
            if not value
        ]
        if missing:
            raise ImportFailed(missing)
        year = starts_on.year  # type: ignore[union-attr]
        existing_refs: set[str] = set()
    else:
        year = plan.year
        existing_refs = set(plan.deliverables.values_list("reference", flat=True))

    rows = validate(
        read_rows(path),
        plan_year=year,
        default_lead=lead_organisation or owner,
        existing_refs=existing_refs,
    )

    if plan is None:
        assert starts_on is not None and ends_on is not None  # checked above
        plan = save_plan(
            by=by,
            owner=owner,
            reference=plan_reference,
            title=plan_title,
            starts_on=starts_on,
            ends_on=ends_on,
        )
    else:
        ensure_quarterly_periods(plan=plan)
    result = ImportResult(plan=plan)
    source_name = Path(path).name
    priorities: dict[str, Priority] = {}
    objectives: dict[str, Objective] = {}
    deliverables: dict[str, Deliverable] = {}
    seen_priorities: set[str] = set()
    seen_objectives: set[str] = set()

    def priority(ref: str, title: str, parent: Priority | None) -> Priority:
        if ref not in priorities:
            priorities[ref] = _upsert(
                Priority,
                result,
                "priorities",
                by,
                {"plan": plan, "reference": ref},
                {"title": title, "parent": parent, "position": len(priorities)},
            )
        return priorities[ref]

    for row in progress(rows):
        top = priority(row.priority_ref, row.priority_title, None)
        parent = (
            priority(row.sub_priority_ref, row.sub_priority_title, top)
            if row.sub_priority_ref
            else top
        )
        seen_priorities.update({row.priority_ref, row.sub_priority_ref} - {""})
        if row.objective_ref not in objectives:
            objectives[row.objective_ref] = _upsert(
                Objective,
                result,
                "objectives",
                by,
                {"plan": plan, "reference": row.objective_ref},
                {
                    "title": row.objective_title,
                    "priority": parent,
                    "position": len(objectives),
                },
            )
        seen_objectives.add(row.objective_ref)
        deliverables[row.reference] = _write_deliverable(
            plan=plan,
            row=row,
            objective=objectives[row.objective_ref],
            position=len(deliverables),
            by=by,
            result=result,
            source_name=source_name,
        )

    _write_merges(
        plan=plan,
        rows=rows,
        deliverables=deliverables,
        by=by,
        source_name=source_name,
        result=result,
    )
    if result.refused:
        raise ImportFailed(result.refused)
    return result


def _write_deliverable(
    *,
    plan: Plan,
    row: CleanRow,
    objective: Objective,
    position: int,
    by: Writer,
    result: ImportResult,
    source_name: str,
) -> Deliverable:
    """Create or update one deliverable with its owners, strands and plan milestone."""
    existing = Deliverable.objects.filter(plan=plan, reference=row.reference).first()
    definition = {
        "objective": objective,
        "title": row.title,
        "description": row.description,
        "lead_organisation": row.lead_organisation,
        "delivering_unit": row.delivering_unit,
        "expected_benefits": row.expected_benefits,
        "baseline_date": row.milestone_date,
        "position": position,
    }
    if existing is None:
        # A new deliverable starts in the state the file gives; that is not a change.
        definition |= {
            "status": row.status or Status.FUTURE,
            "rag": row.rag or "",
            "percent_complete": row.percent_complete,
            "forecast_date": row.forecast_date or row.milestone_date,
        }
    before = (result.created["deliverables"], result.updated["deliverables"])
    deliverable = _upsert(
        Deliverable,
        result,
        "deliverables",
        by,
        {"plan": plan, "reference": row.reference},
        definition,
    )
    changed = sync_owners(deliverable, row.owners, by=by)
    changed = _sync_strands(deliverable, plan, row.strands) or changed
    changed = _sync_plan_milestone(deliverable, row.milestone_date, by) or changed

    if existing is not None and row.status != Status.MERGED:
        # A corrected file's status columns become a progress update, so the log
        # explains the change and the current state stays the latest update's.
        wanted: dict[str, Any] = {
            "status": row.status,
            "rag": row.rag,
            "percent_complete": row.percent_complete,
            "forecast_date": row.forecast_date or None,
        }
        differs = {
            name: value
            for name, value in wanted.items()
            if value is not None and getattr(deliverable, name) != value
        }
        if differs:
            _record(
                result,
                row.number,
                "status",
                Change(
                    deliverable=deliverable,
                    period=_import_period(plan),
                    narrative=f"Updated by importing {source_name}.",
                    reason=f"Changed in the imported file {source_name}.",
                    **differs,
                ),
                by=by,
            )
            changed = True
    counted_as_unchanged = before == (
        result.created["deliverables"],
        result.updated["deliverables"],
    )
    if changed and counted_as_unchanged:
        result.unchanged["deliverables"] -= 1
        result.updated["deliverables"] += 1
    return deliverable


def _sync_strands(deliverable: Deliverable, plan: Plan, names: list[str]) -> bool:
    """Tag the deliverable with exactly these strands, creating any new ones."""
    current = {s.name for s in deliverable.strands.all()}
    if current == set(names):
        return False
    strands = [Strand.objects.get_or_create(plan=plan, name=name)[0] for name in names]
    deliverable.strands.set(strands)
    return True


def _sync_plan_milestone(deliverable: Deliverable, due: str, by: Writer) -> bool:
    """Keep the milestone that records the plan's own date for this deliverable."""
    milestone = deliverable.milestones.filter(title=PLAN_MILESTONE_TITLE).first()
    if milestone is None:
        if not due:
            return False
        milestone = Milestone(deliverable=deliverable, title=PLAN_MILESTONE_TITLE)
    elif milestone.due_date == due:
        return False
    milestone.due_date = due
    attribute_to(milestone, by=by)
    milestone.save()
    return True


def _write_merges(
    *,
    plan: Plan,
    rows: list[CleanRow],
    deliverables: dict[str, Deliverable],
    by: Writer,
    source_name: str,
    result: ImportResult,
) -> None:
    """Record merges once every deliverable exists, as progress updates."""
    for row in rows:
        if row.status != Status.MERGED:
            continue
        deliverable = deliverables[row.reference]
        target = deliverables.get(row.merged_into) or Deliverable.objects.get(
            plan=plan, reference=row.merged_into
        )
        if (
            deliverable.status == Status.MERGED
            and deliverable.merged_into_id == target.pk
        ):
            continue
        _record(
            result,
            row.number,
            "merged_into",
            Change(
                deliverable=deliverable,
                status=Status.MERGED,
                merged_into=target,
                period=_import_period(plan),
                narrative=(
                    f"Merged into {target.reference}, as recorded in {source_name}."
                ),
                reason=(
                    f"Merged into {target.reference} in the imported file "
                    f"{source_name}."
                ),
            ),
            by=by,
        )


def _record(
    result: ImportResult, number: int, column: str, change: Change, *, by: Writer
) -> None:
    """Record a progress update for a row; a refusal (such as a locked period) is
    kept against the row, so the import can list every one and write nothing."""
    try:
        record_progress(changes=[change], by=by, source=ProgressUpdate.Source.IMPORT)
    except ValidationError as error:
        for messages in error.message_dict.values():
            result.refused += [RowError(number, column, m) for m in messages]


def _import_period(plan: Plan) -> ReportingPeriod | None:
    """The plan's period open for updates today; else the one containing today, or
    the nearest one for a past or future plan.
    """
    today = timezone.localdate()
    periods = plan.reporting_periods.all()
    return (
        open_period(plan, today)
        or periods.filter(starts_on__lte=today, ends_on__gte=today).first()
        or periods.filter(starts_on__lte=today).order_by("-starts_on").first()
        or periods.order_by("starts_on").first()
    )


class _Preview(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


def preview_import(**kwargs: Any) -> ImportResult:
    """What ``import_plan`` would create, update and leave alone, writing nothing.

    It runs the real import inside a transaction and rolls it back, so the preview
    cannot differ from what confirming does. Raises ImportFailed like the import.
    """
    try:
        with transaction.atomic():
            raise _Preview(import_plan(**kwargs))
    except _Preview as preview:
        return preview.result
