"""Bringing a plan's earlier quarters in from a history workbook (layout:
docs/import-history.md).

A body that starts using the tracker part-way through a plan keeps its earlier
quarters in spreadsheets: one row per deliverable per quarter. Each row becomes the
progress update it would have been, for its quarter, through ``record_progress`` (the
one write of progress, so the same rules judge it), and the period states behind the
dashboards and reports of those quarters are worked out again from the log.

All or nothing: every row is checked first (its deliverable, its period, the order of
a deliverable's rows, its values); then the updates are recorded period by period in
one transaction, and the service's own refusals are kept against their rows. Every
problem is listed with its row and column; if there is any, nothing is written.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core.actors import Writer
from deliverables import fuzzydates, mapping, states
from deliverables.layout import read_state, words
from deliverables.models import Deliverable, ProgressUpdate
from deliverables.permissions import needs_review
from deliverables.services import Change, ProgressRefused, record_progress
from deliverables.upload_errors import ImportFailed, RowError
from plans.models import Plan, ReportingPeriod

COLUMNS = (
    "deliverable_ref",
    "period",
    "status",
    "rag",
    "percent_complete",
    "forecast_date",
    "narrative",
    "reason",
    "merged_into",
)
REQUIRED = ("deliverable_ref", "period", "narrative")

#: The most rows one history file may hold: a plan's deliverables times its quarters
#: (200 deliverables over five years of quarters is 4,000).
MAX_ROWS = 20_000

#: The time of day a quarter's imported update is dated at, on the quarter's last day.
RECORDED_AT = datetime.time(12)


@dataclass
class PeriodCount:
    """What the file brings into one period: its rows, and how many of the updates
    they make change the deliverable's status."""

    period: ReportingPeriod
    updates: int = 0
    status_changes: int = 0


@dataclass
class HistoryResult:
    """What a history import did (or, previewed, would do), period by period in the
    plan's order, and every problem found (none when it was written)."""

    plan: Plan
    periods: list[PeriodCount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def updates(self) -> int:
        return sum(count.updates for count in self.periods)

    def summary(self) -> str:
        def many(n: int, what: str) -> str:
            return f"{n:,} {what}{'' if n == 1 else 's'}"

        return "; ".join(
            f"{count.period.label}: {many(count.updates, 'update')}, "
            f"{count.status_changes:,} changing status"
            for count in self.periods
        )


# Reading ---------------------------------------------------------------------------


def read_history(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV or XLSX history file into ``(row number, {column: text})`` pairs
    (wholly blank rows left out), through ``mapping.read_table`` as a plan's file is
    read.

    Raises ImportFailed when the file cannot be read (see ``mapping.read_table``: a
    workbook with macros, one that unpacks to far more than it weighs, a cell of
    more than ``layout.MAX_CELL`` characters or holding a NUL), has more than
    ``MAX_ROWS`` rows, its header is wrong (``mapping.strict_mapping``) or it has no
    rows.
    """
    table = mapping.read_table(
        path,
        max_rows=MAX_ROWS,
        too_many=f"The file has too many rows: give at most {MAX_ROWS:,} in one "
        "file (bring a long history in a year at a time).",
    )
    columns = mapping.strict_mapping(table, COLUMNS, required=REQUIRED)
    # A history has no heading rows; a row with cells only under columns left out
    # (a blank heading) holds nothing of a history, and is left out as blank.
    rows = [
        (number, row)
        for number, row in mapping.apply(table, columns, fields=COLUMNS)
        if any(row.values())
    ]
    if not rows:
        raise ImportFailed([RowError(2, "deliverable_ref", "The file has no rows.")])
    return rows


# Checking --------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    deliverable: Deliverable
    period: ReportingPeriod
    change: Change


def recorded_at(period: ReportingPeriod, now: datetime.datetime) -> datetime.datetime:
    """When a period's imported update is dated: noon on the period's last day (in
    the service's time zone), or now for a period that has not ended yet. Dated so,
    the log reads in the order things happened, an update recorded since the quarter
    ended (a correction) stays newer than the history, and a quarter completed is
    completed on the quarter's last day."""
    end = timezone.make_aware(datetime.datetime.combine(period.ends_on, RECORDED_AT))
    return min(end, now)


def find_period(text: str, periods: list[ReportingPeriod]) -> ReportingPeriod | None:
    """The period ``text`` names: its name as the plan shows it ("Q3 2017", in any
    case and spacing), or a day inside it (its end date, say), or None."""
    named = {words(p.label): p for p in periods}
    if (found := named.get(words(text))) is not None:
        return found
    try:
        day = fuzzydates.parse(text)
    except fuzzydates.FuzzyDateError:
        return None
    if day.start is None or day.start != day.end:
        return None  # a quarter, month or year is not one day: only a name is exact
    return next((p for p in periods if p.starts_on <= day.start <= p.ends_on), None)


def _check(
    rows: list[tuple[int, dict[str, str]]],
    *,
    plan: Plan,
    periods: list[ReportingPeriod],
    today: datetime.date,
) -> tuple[list[_Row], list[RowError], Counter[int]]:
    """Every row checked against the plan before anything is recorded: the rows that
    may go to the service, every problem found, and how many rows name each period."""
    errors: list[RowError] = []
    in_file: Counter[int] = Counter()
    deliverables = {d.reference: d for d in plan.deliverables.order_by()}
    for each in deliverables.values():
        each.plan = plan
    begun = [p for p in periods if p.starts_on <= today]
    current = begun[-1] if begun else None
    order = {p.pk: i for i, p in enumerate(periods)}
    # For each deliverable, its rows so far by period, and the latest one.
    seen: dict[int, dict[int, int]] = {}
    latest: dict[int, tuple[ReportingPeriod, int]] = {}
    # A deliverable with a bad row is judged no further: its later rows would be
    # judged against a state the file never meant.
    stopped: set[str] = set()
    good: list[_Row] = []

    for number, row in rows:
        problems: list[RowError] = []

        def bad(
            column: str, message: str, number: int = number, problems=problems
        ) -> None:
            problems.append(RowError(number, column, message))

        for column in REQUIRED:
            if not row[column]:
                bad(column, "This cell is empty.")
        reference = row["deliverable_ref"]
        deliverable = deliverables.get(reference)
        if reference and deliverable is None:
            bad("deliverable_ref", f"No deliverable {reference} in this plan.")

        period = None
        if row["period"]:
            period = find_period(row["period"], periods)
            if period is None:
                names = f"{periods[0].label} to {periods[-1].label}" if periods else ""
                bad(
                    "period",
                    f'"{row["period"]}" is not a reporting period of this plan: give '
                    "its name as the plan shows it"
                    + (f" ({names})" if names else "")
                    + ", or a date inside it.",
                )
            elif current is None or period.starts_on > current.starts_on:
                bad(
                    "period",
                    f"{period.label} has not begun: history can be brought in for "
                    + (
                        f"{current.label}, the plan's current period, and earlier "
                        "ones only."
                        if current is not None
                        else "periods that have begun only."
                    ),
                )
            elif period.is_locked:
                bad("period", period.locked_message())
            if period is not None:
                in_file[period.pk] += 1

        if deliverable is not None and period is not None:
            mine = seen.setdefault(deliverable.pk, {})
            before = latest.get(deliverable.pk)
            if period.pk in mine:
                bad(
                    "period",
                    f"Row {mine[period.pk]} is already {reference} for {period.label}: "
                    "give one row for each deliverable and period.",
                )
            elif before is not None and order[period.pk] < order[before[0].pk]:
                bad(
                    "period",
                    f"Row {before[1]} gives {reference} for {before[0].label}, a later "
                    "period: list each deliverable's rows from its earliest period to "
                    "its latest.",
                )
            mine.setdefault(period.pk, number)
            if before is None or order[period.pk] > order[before[0].pk]:
                latest[deliverable.pk] = (period, number)

        status, rag, percent = read_state(row, bad)
        merged_into = None
        if row["merged_into"]:
            merged_into = deliverables.get(row["merged_into"])
            if merged_into is None:
                bad("merged_into", f"No deliverable {row['merged_into']} in this plan.")

        errors += problems
        if problems:
            stopped.add(reference)
            continue
        if reference in stopped:
            continue
        assert deliverable is not None and period is not None  # checked above
        change = Change(
            deliverable=deliverable,
            period=period,
            narrative=row["narrative"],
            status=status,
            rag=rag,
            forecast_date=row["forecast_date"] or None,
            reason=row["reason"],
            merged_into=merged_into,
        )
        if percent is not None:  # blank keeps the one before, as other cells do
            change.percent_complete = percent
        good.append(
            _Row(number=number, deliverable=deliverable, period=period, change=change)
        )
    return good, errors, in_file


# Recording -------------------------------------------------------------------------


def _record(
    *, plan: Plan, rows: list[tuple[int, dict[str, str]]], by: Writer
) -> HistoryResult:
    """Check the rows and record them, period by period in the plan's order, in the
    transaction under way; the result lists every problem (the caller rolls back if
    there is any)."""
    periods = list(plan.reporting_periods.order_by("starts_on"))
    now = timezone.now()
    good, errors, in_file = _check(
        rows, plan=plan, periods=periods, today=timezone.localdate(now)
    )
    result = HistoryResult(plan=plan, errors=errors)
    if good and needs_review(by, good[0].deliverable):
        # History waiting in the review queue would not count as history.
        result.errors.append(
            RowError(
                0,
                "file",
                "Updates from this account wait for an editor's review on this plan: "
                "bring its history in as one of the plan's editors.",
            )
        )
        return result
    stopped: set[int] = set()
    for period in periods:
        if not in_file[period.pk]:
            continue
        count = PeriodCount(period=period, updates=in_file[period.pk])
        result.periods.append(count)
        pending = [
            r
            for r in good
            if r.period.pk == period.pk and r.deliverable.pk not in stopped
        ]
        while pending:
            try:
                updates = record_progress(
                    changes=[r.change for r in pending],
                    by=by,
                    source=ProgressUpdate.Source.IMPORT,
                    recorded_at=recorded_at(period, now),
                )
            except ProgressRefused as refused:
                # Keep each refusal against its row; the rest are judged again
                # without them (each change is judged on its own deliverable).
                for index, fields in refused.errors.items():
                    row = pending[index]
                    stopped.add(row.deliverable.pk)
                    for name, messages in fields.items():
                        column = name if name in COLUMNS else "deliverable_ref"
                        result.errors += [
                            RowError(row.number, column, m) for m in messages
                        ]
                pending = [r for i, r in enumerate(pending) if i not in refused.errors]
                continue
            count.status_changes = sum(
                1 for u in updates if u.status != u.previous_status
            )
            break
    result.errors.sort()
    return result


class _RolledBack(Exception):
    def __init__(self, result: HistoryResult):
        self.result = result


def _run(*, plan: Plan, path: str | Path, by: Writer, keep: bool) -> HistoryResult:
    rows = read_history(path)
    try:
        # One transaction; the period states are worked out once, at its end.
        with transaction.atomic(), states.batch():
            result = _record(plan=plan, rows=rows, by=by)
            if result.errors or not keep:
                raise _RolledBack(result)
    except _RolledBack as rolled:
        return rolled.result
    return result


@transaction.atomic
def import_history(*, plan: Plan, path: str | Path, by: Writer) -> HistoryResult:
    """Bring a plan's earlier quarters in from a history file; see the module
    docstring and docs/import-history.md. Each row is recorded as ``by``'s progress
    update for its period, dated by ``recorded_at``. Raises ImportFailed listing
    every problem, having written nothing."""
    result = _run(plan=plan, path=path, by=by, keep=True)
    if result.errors:
        raise ImportFailed(result.errors)
    return result


def preview_history(*, plan: Plan, path: str | Path, by: Writer) -> HistoryResult:
    """What ``import_history`` would record, period by period, and every problem it
    would refuse the file for, writing nothing: the real import is run and rolled
    back, so the preview cannot differ from what confirming does. Raises
    ImportFailed only for a file that cannot be read at all (its type, its header)."""
    return _run(plan=plan, path=path, by=by, keep=False)
