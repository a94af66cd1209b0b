"""A read return's rows matched to deliverables and judged: each row names one of
the organisation's deliverables and asks for a new status, RAG, percentage or
forecast date (``ReturnRow``), every problem in every row is collected, and
``classify`` decides against the deliverables as stored now whether a row is to be
recorded, already recorded, or blank (``FilledReturn``). Nothing here writes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Subquery

from core.actors import Writer
from deliverables import fuzzydates
from deliverables.layout import RAG_WORDS, STATUS_WORDS
from deliverables.layout import words as _words
from deliverables.models import Deliverable, ProgressUpdate, Rag, ReviewState, Status
from deliverables.permissions import may_record_progress
from deliverables.returns.layout import (
    FILL_COLUMNS,
    MAX_CELL,
    NOT_ASSESSED,
    REQUIRED,
    STATUS_CHOICES,
    _rag_label,
)
from deliverables.returns.selectors import _latest_update_ids, deliverables_of
from deliverables.services import Change
from deliverables.upload_errors import ImportFailed, RowError
from plans.models import Organisation, Plan, ReportingPeriod

RAG_CHOICES = {
    **RAG_WORDS,
    **{_words(label): value for value, label in Rag.choices},
    _words(NOT_ASSESSED): "",
    "none": "",
}


class Outcome:
    RECORD = "record"
    ALREADY_RECORDED = "already recorded"
    BLANK = "blank"


@dataclass
class ReturnRow:
    """One filled row: the deliverable it names, what it asks for, and what will
    happen to it."""

    number: int
    deliverable: Deliverable
    status: str | None = None
    rag: str | None = None
    percent: int | None = None
    forecast: str | None = None
    reason: str = ""
    narrative: str = ""
    outcome: str = Outcome.RECORD
    differences: list[tuple[str, str, str]] = field(default_factory=list)
    requires_review: bool = False

    def change(self, period: ReportingPeriod) -> Change:
        """The update this row records, for ``record_progress``."""
        kwargs: dict[str, Any] = {}
        if self.percent is not None:
            kwargs["percent_complete"] = self.percent
        return Change(
            deliverable=self.deliverable,
            narrative=self.narrative,
            status=self.status,
            rag=self.rag,
            forecast_date=self.forecast,
            reason=self.reason,
            period=period,
            **kwargs,
        )


@dataclass
class FilledReturn:
    """A workbook read and matched to its deliverables; nothing written yet."""

    plan: Plan
    period: ReportingPeriod
    organisation: Organisation
    rows: list[ReturnRow]
    #: Where each column is in the uploaded sheet, as "M (New forecast date)".
    columns: dict[str, str]

    @property
    def to_record(self) -> list[ReturnRow]:
        return [r for r in self.rows if r.outcome == Outcome.RECORD]

    @property
    def already_recorded(self) -> list[ReturnRow]:
        return [r for r in self.rows if r.outcome == Outcome.ALREADY_RECORDED]

    @property
    def blank(self) -> list[ReturnRow]:
        return [r for r in self.rows if r.outcome == Outcome.BLANK]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _percent(cell: Any) -> int:
    """A whole number from the cell; ValueError if it is not one."""
    value = cell.value
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        if "%" in (cell.number_format or ""):
            value = value * 100  # typed as 40% into a percentage cell: stored as 0.4
        if float(value).is_integer():
            return int(value)
        raise ValueError
    return int(_text(value).rstrip("%").strip())


def _match(
    table: list[tuple[int, dict[str, Any]]],
    columns: dict[str, str],
    *,
    plan: Plan,
    period: ReportingPeriod,
    organisation: Organisation,
    by: Writer,
) -> FilledReturn:
    """Match rows to the organisation's deliverables and shape each cell; collect every
    problem."""
    deliverables = {
        d.reference: d
        for d in deliverables_of(plan=plan, organisation=organisation, by=by)
        .select_related("plan")
        .prefetch_related("owners")
    }
    errors: list[RowError] = []
    rows: list[ReturnRow] = []
    seen: dict[str, int] = {}
    for number, cells in table:

        def bad(key: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, columns[key], message))

        text = {}
        for key, cell in cells.items():
            text[key] = _text(cell.value if cell is not None else None)
            if key in REQUIRED and len(text[key]) > MAX_CELL:
                bad(key, f"Keep this to {MAX_CELL:,} characters or fewer.")
        filled = any(text[c.key] for c in FILL_COLUMNS)
        reference = text["reference"].lstrip("'")
        if not reference:
            if filled:
                bad("reference", "Give the deliverable's reference.")
            continue
        deliverable = deliverables.get(reference)
        if deliverable is None:
            bad(
                "reference",
                f"{organisation.name} does not lead or own a deliverable "
                f"{reference[:50]} in this plan.",
            )
            continue
        if reference in seen:
            bad("reference", f"{reference} is already on row {seen[reference]}.")
            continue
        seen[reference] = number
        if not may_record_progress(by, deliverable):
            bad("reference", "You cannot record progress on this deliverable.")
            continue
        row = ReturnRow(
            number=number,
            deliverable=deliverable,
            reason=text["reason"][:MAX_CELL],
            narrative=text["narrative"][:MAX_CELL],
        )
        if text["new_status"]:
            status = STATUS_WORDS.get(_words(text["new_status"]))
            if status in STATUS_CHOICES:
                row.status = status
            elif status == Status.MERGED:
                bad(
                    "new_status",
                    "Merge deliverables on the deliverable's page, not in a return.",
                )
            else:
                bad("new_status", "Choose a status from the list.")
        if text["new_rag"]:
            rag = RAG_CHOICES.get(_words(text["new_rag"]))
            if rag is None:
                bad("new_rag", f"Choose green, amber, red or {NOT_ASSESSED.lower()}.")
            row.rag = rag
        if text["new_percent"]:
            try:
                row.percent = _percent(cells["new_percent"])
            except ValueError:
                bad("new_percent", "Enter a whole number from 0 to 100.")
        if text["new_forecast"]:
            row.forecast = text["new_forecast"]
        rows.append(row)
    if errors:
        raise ImportFailed(errors)
    return FilledReturn(
        plan=plan,
        period=period,
        organisation=organisation,
        rows=rows,
        columns=columns,
    )


def _narrative(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


def classify(filled: FilledReturn) -> None:
    """Mark each row to record, already recorded, or blank, against the deliverables
    as stored now, and note what it changes.

    Already recorded: the deliverable has an update for this period (not returned to
    its author) with the same values and narrative, or it stands as the row asks and
    its latest update has the row's narrative. Blank: no narrative, no reason, and
    nothing different.
    """
    ids = [row.deliverable.pk for row in filled.rows]
    latest = Subquery(_latest_update_ids().values("narrative")[:1])
    current = {
        d.pk: d
        for d in Deliverable.objects.filter(pk__in=ids).annotate(last_narrative=latest)
    }
    recorded: dict[int, set[tuple]] = defaultdict(set)
    for update in (
        ProgressUpdate.objects.filter(deliverable_id__in=ids, period=filled.period)
        .exclude(review__decision=ReviewState.RETURNED)
        .values_list(
            "deliverable_id",
            "status",
            "rag",
            "percent_complete",
            "forecast_date",
            "narrative",
        )
    ):
        recorded[update[0]].add((*update[1:5], _narrative(update[5])))
    for row in filled.rows:
        deliverable = current[row.deliverable.pk]
        before = (
            deliverable.status,
            deliverable.rag,
            deliverable.percent_complete,
            deliverable.forecast_date,
        )
        forecast: Any = deliverable.forecast_date
        if row.forecast is not None:
            try:
                forecast = fuzzydates.parse(
                    row.forecast, default_year=filled.plan.year
                ).text
            except fuzzydates.FuzzyDateError:
                forecast = _Unreadable(row.forecast)  # the service will say why
        after = (
            row.status or deliverable.status,
            deliverable.rag if row.rag is None else row.rag,
            deliverable.percent_complete if row.percent is None else row.percent,
            forecast,
        )
        narrative = _narrative(row.narrative)
        row.differences = _differences(before, after)
        if not narrative and not row.reason and before == after:
            row.outcome = Outcome.BLANK
        elif (*after, narrative) in recorded[deliverable.pk] or (
            before == after
            and narrative
            and narrative == _narrative(deliverable.last_narrative or "")
        ):
            row.outcome = Outcome.ALREADY_RECORDED
        else:
            row.outcome = Outcome.RECORD


@dataclass(frozen=True)
class _Unreadable:
    """A forecast date that does not parse: unequal to every stored date."""

    text: str

    def __str__(self) -> str:
        return self.text


def _differences(before: tuple, after: tuple) -> list[tuple[str, str, str]]:
    """(what, from, to) for each value the row changes, in words."""
    shown = []
    for label, old, new, display in zip(
        ("Status", "RAG", "% complete", "Forecast date"),
        before,
        after,
        (
            lambda v: Status(v).label,
            _rag_label,
            lambda v: "not given" if v is None else f"{v}%",
            lambda v: str(v) or "TBA",
        ),
        strict=True,
    ):
        if old != new:
            shown.append((label, display(old), display(new)))
    return shown
