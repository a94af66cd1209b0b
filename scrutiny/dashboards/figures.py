"""The quarterly dashboard of a plan: every figure as it stood at the end of a period.

``build_dashboard`` answers "what did this plan look like at the end of Q3?" from the
progress updates that belonged to Q3 or earlier, not from today's state, and returns
plain data (strings, numbers, ISO dates) so that a published report can store exactly
what it showed. Updates still waiting for review, or returned to their authors, never
count.

It reads each deliverable's state at the end of the period and the one before from
``PeriodState`` (kept by ``deliverables.states`` as updates are recorded), and counts
and lists in SQL: the figures in one grouped query, the strands in another, and every
list's first ``SHOWN`` rows in one query with window functions. Its cost is the same
queries whatever the plan holds, and the work of each grows with the database's own,
not with Python loops over every deliverable or update; the page shows the same number
of rows at any size. ``dashboard_rows`` gives every row, for drill-downs, spreadsheets
and the record a published report keeps.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    RowRange,
    Sum,
    Value,
    When,
    Window,
)
from django.utils import timezone

from deliverables import rollup, rules
from deliverables.filtersets import YES, YES_NO_FILTERS
from deliverables.models import (
    Deliverable,
    Milestone,
    PeriodState,
    Rag,
    StatesStamp,
    Status,
)
from plans.measures import change_heading, changes_in_words
from plans.models import (
    Indicator,
    IndicatorChange,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.variations.models import PlanVariation
from plans.variations.structure import plan_as_at, priorities_as_at, variations_of
from scrutiny.commentary.selectors import commentary_for
from scrutiny.models import DecisionNotice, ScrutinyAction

#: The statuses a dashboard counts, in the lifecycle's order.
COUNTED = [
    Status.COMPLETED,
    Status.IN_PROGRESS,
    Status.FUTURE,
    Status.NOT_YET_COMMENCED,
    Status.ON_HOLD,
    Status.WILL_NOT_PROCEED,
    Status.MERGED,
    Status.SPLIT,
]
NOT_ASSESSED = "none"


def effective(updates):
    """The updates that count as made (``rules.counts_as_made``), with their period
    and author."""
    return updates.filter(rules.counts_as_made()).select_related(
        "period", "recorded_by"
    )


#: How many rows each list of the dashboard shows before "see all": the same at any
#: plan size, so the page weighs the same for 150 deliverables or 5,000.
SHOWN = 10
#: How many exceptions the summary lists before "see all".
EXCEPTIONS_SHOWN = SHOWN

#: The columns of a period state that a row of the dashboard shows.
ROW_COLUMNS = (
    "deliverable_id",
    "deliverable__reference",
    "deliverable__title",
    "deliverable__lead_organisation__short_name",
    "deliverable__lead_organisation__name",
    "priority_id",
    "deliverable__baseline_date",
    "deliverable__position",
    "status",
    "rag",
    "forecast_date",
    "late",
    "forecast_after_milestone",
    "new",
    "completed",
    "started",
    "change",
    "redated_id",
    "latest__narrative",
    "latest__period__label",
    "latest__recorded_by__first_name",
    "latest__recorded_by__last_name",
    "latest__recorded_by__username",
)
#: What the summary of changes adds to a row: the update that made the change (with
#: the step it was part of, and whether what it merged into joined the plan in the
#: period), and the one that re-dated it.
CHANGE_COLUMNS = (
    "change_update__status",
    "change_update__reason",
    "change_update__narrative",
    "change_update__group",
    "change_update__merged_into_id",
    "change_update__merged_into__reference",
    "change_update__merged_into__title",
    "change_update__merged_into__identified_on",
    "period__starts_on",
    "period__ends_on",
    "redated__forecast_date",
    "redated__previous_forecast_date",
    "redated__reason",
    "redated__narrative",
    "redated__group",
)
#: The plan's order, for every list.
IN_PLAN_ORDER = ("position", "reference", "deliverable_id")


def _states(plan: Plan, deliverables, periods) -> QuerySet[PeriodState]:
    """The period states of the plan's deliverables among ``deliverables`` (the
    caller's visible ones) at the end of each of ``periods``: the periods are the
    plan's, so a reader who sees the whole plan reads the states alone."""
    states = PeriodState.objects.filter(
        period__in=[p for p in periods if p is not None and p.plan_id == plan.pk]
    )
    if deliverables.query.has_filters():
        # Their deliverables by the plan's index, then the reader's scope.
        states = states.filter(deliverable__plan=plan, deliverable__in=deliverables)
    return states.order_by()


def neighbours(plan: Plan, period: ReportingPeriod, periods=None):
    """The plan's periods (read unless given, in order), and the ones before and
    after ``period``."""
    if periods is None:
        periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("starts_on"))
    index = next(i for i, p in enumerate(periods) if p.pk == period.pk)
    previous = periods[index - 1] if index > 0 else None
    following = periods[index + 1] if index + 1 < len(periods) else None
    return periods, previous, following


def current_period(plan: Plan, today: datetime.date | None = None):
    """The latest period that has ended, or else the first; None when there are none.

    A dashboard is read after a quarter closes, so the default is the last full one.
    """
    periods = ReportingPeriod.objects.filter(plan=plan).order_by("starts_on")
    today = today or datetime.date.today()
    ended = periods.filter(ends_on__lt=today).last()
    return ended or periods.first()


# ---------------------------------------------------------------------------- data


def _period(period: ReportingPeriod | None) -> dict | None:
    if period is None:
        return None
    return {
        "id": period.pk,
        "label": period.label,
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
    }


def _row(values: dict, show_names: bool, top_of: dict) -> dict:
    """A deliverable's row as the dashboard shows it, from its period state."""
    status, rag = values["status"], values["rag"]
    milestone = values["deliverable__baseline_date"] or "TBA"
    who = ""
    if show_names and values["latest__narrative"] is not None:
        who = (
            f"{values['latest__recorded_by__first_name']} "
            f"{values['latest__recorded_by__last_name']}"
        ).strip() or values["latest__recorded_by__username"]
    return {
        "id": values["deliverable_id"],
        "reference": values["deliverable__reference"],
        "title": values["deliverable__title"],
        "lead": values["deliverable__lead_organisation__short_name"]
        or values["deliverable__lead_organisation__name"],
        "status": status,
        "status_label": Status(status).label,
        "rag": rag or NOT_ASSESSED,
        "rag_label": Rag(rag).label if rag else "Not assessed",
        "milestone": milestone,
        "forecast": values["forecast_date"] or milestone,
        # Labels, shown as they are; "" when the rule does not hold.
        "late": rules.LATE_LABEL if values["late"] else "",
        "forecast_after_milestone": (
            rules.FORECAST_AFTER_MILESTONE_LABEL
            if values["forecast_after_milestone"]
            else ""
        ),
        "narrative": values["latest__narrative"] or "",
        "narrative_period": values["latest__period__label"] or "",
        "recorded_by": who,
        # The top-level priority it stood under at the period's end (its state's).
        "priority_id": top_of.get(values["priority_id"]),
        "new": values["new"],
        "completed": values["completed"],
        "started": values["started"],
        "change": values["change"],
        "redated": values["redated_id"] is not None,
    }


#: The id of the "No strand" row of the strand breakdown.
NO_STRAND = "none"
#: Likewise the group of a flat plan's deliverables, under no priority.
NO_PRIORITY = "none"


def _grouped(groups, now: dict, then: dict | None) -> list[dict]:
    """Counts by status for each group (``now`` maps a group's id to its counter of
    statuses); with ``then``, the counts at the end of the previous period, each
    group also carries its counts then and the change, so movement can be read per
    group."""
    rows = []
    for group_id, label, title in groups:
        counter = now.get(group_id, Counter())
        row = {
            "id": group_id,
            "label": label,
            "title": title,
            "counts": {s.value: counter[s.value] for s in COUNTED},
            "total": sum(counter.values()),
        }
        if then is not None:
            earlier = then.get(group_id, Counter())
            row["previous_counts"] = {s.value: earlier[s.value] for s in COUNTED}
            row["previous_total"] = sum(earlier.values())
            row["change"] = {
                s.value: counter[s.value] - earlier[s.value] for s in COUNTED
            }
            row["total_change"] = row["total"] - row["previous_total"]
        rows.append(row)
    return rows


def _columns(groups: list[dict]) -> list[str]:
    """The statuses a breakdown needs a column for: those any group counts, now or
    at the end of the period before (a column of zeros says nothing)."""
    return [
        s.value
        for s in COUNTED
        if any(
            g["counts"][s.value] or (g.get("previous_counts") or {}).get(s.value)
            for g in groups
        )
    ]


def top_priorities(
    plan: Plan,
    day: datetime.date | None = None,
    variations: list[PlanVariation] | None = None,
) -> tuple[list[Priority], dict[int | None, int]]:
    """The plan's top-level priorities, and the top-level ancestor of every priority:
    as they stood on ``day`` when given with the plan's ``variations``
    (``plans.variations.structure``), else as they are."""
    priorities = list(
        Priority.objects.filter(plan=plan)
        .order_by("position")
        .only(
            "pk",
            "parent_id",
            "reference",
            "title",
            "position",
            "overview",
            "success_statement",
        )
    )
    if day is not None and variations:
        priorities = priorities_as_at(priorities, day, variations)
    parent = {p.pk: p.parent_id for p in priorities}
    top: dict[int | None, int] = {}
    for p in priorities:
        node, seen = p.pk, set()
        above = parent.get(node)
        while above and node not in seen:
            seen.add(node)
            node, above = above, parent.get(above)
        top[p.pk] = node
    return [p for p in priorities if p.parent_id is None], top


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _change(value, other) -> dict | None:
    if value is None or other is None:
        return None
    difference = value - other
    percent = None if other == 0 else round(100 * difference / other, 1)
    return {"by": round(difference, 2), "percent": percent}


def takes_effect_in(
    change: IndicatorChange, periods: list[ReportingPeriod]
) -> ReportingPeriod | None:
    """The first period measured the new way: the one the editor named, or else the
    period the change was made in (the first, for a change made before the plan
    began); None for a change made after the plan's last period."""
    if change.from_period is not None:
        return change.from_period
    day = timezone.localtime(change.changed_at).date()
    for p in periods:
        if day <= p.ends_on:
            return p
    return None


def _text_number(text: str) -> float | None:
    return float(text) if text else None


def _definition_changes(
    indicator: dict, changes: list, periods, period, show_names: bool
):
    """The indicator's definition as it stood in ``period`` (later changes undone),
    and the changes in force by then, oldest first, in words."""
    definition = {
        "unit": indicator["unit"],
        "direction": indicator["direction"],
        "baseline_value": _number(indicator["baseline_value"]),
        "baseline_label": indicator["baseline_label"],
        "target_value": _number(indicator["target_value"]),
    }
    shown, later = [], []
    for change in changes:
        starts = takes_effect_in(change, periods)
        if starts is not None and starts.starts_on <= period.starts_on:
            shown.append((change, starts))
        else:
            later.append(change)
    for change in sorted(later, key=lambda c: (c.changed_at, c.pk), reverse=True):
        for name, (old, _new) in change.changes.items():
            if name in ("baseline_value", "target_value"):
                definition[name] = _text_number(old)
            elif name in definition:
                definition[name] = old
    rows = []
    for change, starts in sorted(shown, key=lambda cs: (cs[0].changed_at, cs[0].pk)):
        changed_on = timezone.localtime(change.changed_at).date()
        heading = change_heading(
            change.from_period.label if change.from_period else "", changed_on
        )
        what = changes_in_words(change.changes)
        rows.append(
            {
                "from_period": starts.label,
                "from_period_id": starts.pk,
                "changed_on": changed_on.isoformat(),
                "fields": sorted(change.changes),
                "what": what,
                "reason": change.reason,
                "summary": f"{heading}: {what}. Reason: {change.reason}",
                "by": _person(change.changed_by) if show_names else "",
            }
        )
    return definition, rows


def _person(user) -> str:
    return user.get_full_name() or user.username


INDICATOR_COLUMNS = (
    "pk",
    "reference",
    "title",
    "unit",
    "direction",
    "baseline_value",
    "baseline_label",
    "target_value",
    "changed",
)


def _compared(value, other, *, lower: bool, like_for_like: bool):
    """The change from ``other`` to ``value``, and whether it is "better", "worse" or
    "same" by the indicator's direction: "" when there is nothing to compare, or the
    two were measured differently (they are compared, but not called either)."""
    change = _change(value, other)
    if change is None or not like_for_like:
        return change, ""
    if not change["by"]:
        return change, "same"
    return change, "better" if (change["by"] < 0) == lower else "worse"


def _indicators(
    plan: Plan,
    periods: list[ReportingPeriod],
    period,
    previous,
    show_names: bool = True,
    only: int | None = None,
):
    """Each indicator with its values up to ``period`` (or only the one whose id is
    ``only``): one query for both (a left join), and one more for definition changes
    only when an indicator has any.

    A withheld figure has no value and its reason instead; a comparison that would
    use one is skipped and says so. Each quarter is also compared with the same
    quarter a year before: the plan's period starting exactly a year earlier."""
    upto = [p for p in periods if p.starts_on <= period.starts_on]
    by_period = {p.pk: p for p in periods}
    starts = {(p.starts_on.year, p.starts_on.month, p.starts_on.day): p for p in upto}
    # (29 February has no day a year before it, so no such quarter.)
    year_before = {
        p.pk: starts.get((p.starts_on.year - 1, p.starts_on.month, p.starts_on.day))
        for p in upto
    }
    indicators: dict[int, dict] = {}
    values: dict[int, dict[int, float | None]] = defaultdict(dict)
    withheld: dict[int, dict[int, str]] = defaultdict(dict)
    notes: dict[int, dict[int, str]] = defaultdict(dict)
    of_plan = Indicator.objects.filter(plan=plan)
    if only is not None:
        of_plan = of_plan.filter(pk=only)
    for *row, period_id, value, reason, note in (
        of_plan.annotate(
            changed=Exists(IndicatorChange.objects.filter(indicator=OuterRef("pk"))),
            measured=FilteredRelation(
                "values", condition=Q(values__period_id__in=[p.pk for p in upto])
            ),
        )
        .order_by("position", "title", "pk")
        .values_list(
            *INDICATOR_COLUMNS,
            "measured__period_id",
            "measured__value",
            "measured__withheld_reason",
            "measured__note",
        )
    ):
        indicators.setdefault(row[0], dict(zip(INDICATOR_COLUMNS, row, strict=True)))
        if period_id is not None:
            values[row[0]][period_id] = _number(value)
            withheld[row[0]][period_id] = reason or ""
            notes[row[0]][period_id] = note or ""
    changes: dict[int, list] = defaultdict(list)
    changed = [pk for pk, i in indicators.items() if i["changed"]]
    if changed:
        for change in IndicatorChange.objects.filter(
            indicator_id__in=changed
        ).select_related("changed_by"):
            if change.from_period_id in by_period:
                change.from_period = by_period[change.from_period_id]
            changes[change.indicator_id].append(change)
    last = year_before.get(period.pk)
    rows = []
    for indicator in indicators.values():
        series = values[indicator["pk"]]
        reasons = withheld[indicator["pk"]]
        value = series.get(period.pk)
        before = series.get(previous.pk) if previous else None
        definition, described = _definition_changes(
            indicator, changes[indicator["pk"]], periods, period, show_names
        )
        baseline = definition["baseline_value"]
        target = definition["target_value"]
        lower = definition["direction"] == Indicator.Direction.LOWER_IS_BETTER
        # A change that takes effect in this period makes this period's value and
        # the one before incomparable: say so rather than call it better or worse.
        like_for_like = previous is None or not any(
            c["from_period_id"] == period.pk for c in described
        )
        # Likewise a year back, for any change taking effect since that quarter.
        like_for_like_last_year = last is None or not any(
            c["from_period_id"] in by_period
            and by_period[c["from_period_id"]].starts_on > last.starts_on
            for c in described
        )
        # Each withheld figure a comparison would have used, in words.
        skipped = []
        if reasons.get(period.pk):
            skipped.append("this quarter withheld")
        if previous is not None and reasons.get(previous.pk):
            skipped.append("previous quarter withheld")
        if last is not None and reasons.get(last.pk):
            skipped.append("same quarter last year withheld")
        vs_previous, movement = _compared(
            value, before, lower=lower, like_for_like=like_for_like
        )
        vs_last_year, movement_last_year = _compared(
            value,
            series.get(last.pk) if last else None,
            lower=lower,
            like_for_like=like_for_like_last_year,
        )
        met = None
        if value is not None and target is not None:
            met = value <= target if lower else value >= target
        rows.append(
            {
                "id": indicator["pk"],
                "reference": indicator["reference"],
                "title": indicator["title"],
                "unit": definition["unit"],
                "direction": definition["direction"],
                "direction_label": Indicator.Direction(definition["direction"]).label,
                "value": value,
                "withheld": reasons.get(period.pk, ""),
                "quality_note": notes[indicator["pk"]].get(period.pk, ""),
                "previous": before,
                "vs_previous": vs_previous,
                "movement": movement,
                "like_for_like": like_for_like,
                "last_year": None
                if last is None
                else {
                    "label": last.label,
                    "value": series.get(last.pk),
                    "withheld": reasons.get(last.pk, ""),
                },
                "vs_last_year": vs_last_year,
                "movement_last_year": movement_last_year,
                "like_for_like_last_year": like_for_like_last_year,
                "skipped": skipped,
                "changes": described,
                "baseline": baseline,
                "baseline_label": definition["baseline_label"],
                "vs_baseline": _change(value, baseline),
                "target": target,
                "target_met": met,
                "series": [
                    {
                        "label": p.label,
                        "value": series.get(p.pk),
                        "withheld": reasons.get(p.pk, ""),
                    }
                    for p in upto
                ],
                "series_last_year": [
                    {
                        "label": a_year_before.label if a_year_before else "",
                        "value": series.get(a_year_before.pk)
                        if a_year_before
                        else None,
                        "withheld": reasons.get(a_year_before.pk, "")
                        if a_year_before
                        else "",
                    }
                    for a_year_before in (year_before[p.pk] for p in upto)
                ],
            }
        )
    return rows


def indicator_rows(
    plan: Plan,
    period: ReportingPeriod,
    *,
    periods: list[ReportingPeriod] | None = None,
    indicator: int | None = None,
    show_names: bool = True,
) -> list[dict]:
    """The dashboard's indicator rows for ``plan`` at the end of ``period``, as
    ``build_dashboard`` gives them (or only the row of the indicator whose id is
    ``indicator``), in the same one or two queries however many there are;
    ``periods`` are the plan's periods in order, when the caller has read them."""
    periods, previous, _following = neighbours(plan, period, periods)
    return _indicators(plan, periods, period, previous, show_names, only=indicator)


@dataclass
class _Sums:
    """What one period's states add up to, counted in SQL."""

    total: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_priority: dict = field(default_factory=lambda: defaultdict(Counter))
    tallies: dict = field(default_factory=lambda: defaultdict(list))
    rag: Counter = field(default_factory=Counter)
    late: int = 0
    off_track: int = 0
    both: int = 0
    forecast_after_milestone: int = 0
    new: int = 0
    completed: int = 0
    started: int = 0
    redated: int = 0
    changes: Counter = field(default_factory=Counter)

    def counts(self) -> dict[str, int]:
        """How many rows each list of the dashboard has in all."""
        return {
            "late": self.late,
            "off_track": self.off_track,
            "forecast_after_milestone": self.forecast_after_milestone,
            "new": self.new,
            "completed": self.completed,
            "started": self.started,
            "redated": self.redated,
            **{c.value: self.changes[c.value] for c in CHANGES},
        }


#: The changes of status the summary of changes lists, in its order.
CHANGES = [
    PeriodState.Change.MERGED,
    PeriodState.Change.ON_HOLD,
    PeriodState.Change.RESUMED,
    PeriodState.Change.STOPPED,
    PeriodState.Change.SPLIT,
]


def _sum_rows(states) -> list[dict]:
    """The grouped query ``_sums`` adds up: a row per period, priority, status and
    RAG, however many deliverables there are."""
    return list(
        states.values("period_id", "priority_id", "status", "rag").annotate(
            n=Count("pk"),
            with_percent=Count("percent_complete"),
            percent_sum=Sum("percent_complete"),
            late_n=Count("pk", filter=Q(late=True)),
            forecast_after_milestone_n=Count(
                "pk", filter=Q(forecast_after_milestone=True)
            ),
            new_n=Count("pk", filter=Q(new=True)),
            completed_n=Count("pk", filter=Q(completed=True)),
            started_n=Count("pk", filter=Q(started=True)),
            redated_n=Count("redated"),
            **{f"{c.value}_n": Count("pk", filter=Q(change=c)) for c in CHANGES},
        )
    )


def _sums(rows: list[dict], top_of: dict) -> dict[int, _Sums]:
    """Each period's sums, from the rows of ``_sum_rows``."""
    sums: dict[int, _Sums] = defaultdict(_Sums)
    for row in rows:
        s, n, status, rag = sums[row["period_id"]], row["n"], row["status"], row["rag"]
        top = top_of.get(row["priority_id"])
        s.total += n
        s.statuses[status] += n
        s.by_priority[top][status] += n
        s.tallies[top].append(
            rollup.Tally(status, rag, n, row["with_percent"], row["percent_sum"] or 0)
        )
        if not rules.is_closed(status):
            s.rag[rag or NOT_ASSESSED] += n
            if rag == Rag.RED:
                s.off_track += n
                s.both += row["late_n"]
        s.late += row["late_n"]
        s.forecast_after_milestone += row["forecast_after_milestone_n"]
        s.new += row["new_n"]
        s.completed += row["completed_n"]
        s.started += row["started_n"]
        s.redated += row["redated_n"]
        for change in CHANGES:
            s.changes[change.value] += row[f"{change.value}_n"]
    return sums


def _strand_rows(states, period_ids: list[int], scoped: bool) -> list[tuple]:
    """Each period's counts by strand and status, from one grouped query: rows of
    (period, strand or None, status, count).

    A reader who sees the whole plan has the states joined to their strands
    directly, in SQL of our own: the ORM's path goes through the table of every
    deliverable in the service, which the database would read whole."""
    if scoped:
        return list(
            states.values("period_id", "deliverable__strands", "status")
            .annotate(n=Count("pk"))
            .values_list("period_id", "deliverable__strands", "status", "n")
        )
    quote = connection.ops.quote_name
    through = Deliverable.strands.through._meta.db_table
    sql = (
        f"SELECT s.period_id, t.strand_id, s.status, COUNT(*) "
        f"FROM {quote(PeriodState._meta.db_table)} s "
        f"LEFT JOIN {quote(through)} t ON t.deliverable_id = s.deliverable_id "
        f"WHERE s.period_id IN ({', '.join(['%s'] * len(period_ids))}) "
        f"GROUP BY s.period_id, t.strand_id, s.status"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, period_ids)
        return [tuple(row) for row in cursor.fetchall()]


def _strand_sums(rows: list[tuple]) -> dict:
    """Each period's counts by strand and status from ``_strand_rows`` (a
    deliverable in two strands counts in both; one in none, under ``NO_STRAND``)."""
    sums: dict[int, dict[Any, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for period_id, strand_id, status, n in rows:
        sums[period_id][NO_STRAND if strand_id is None else strand_id][status] += n
    return sums


def _place(condition: Q) -> Window:
    """Each row's place in the plan's order among the rows meeting ``condition``
    (a running count): every place shares one ordering, so the database sorts the
    period's states once for all of them."""
    return Window(
        Sum(Case(When(condition, then=Value(1)), default=Value(0))),
        order_by=[F(column).asc() for column in IN_PLAN_ORDER],
        frame=RowRange(start=None, end=0),
    )


def _places(states, period_id: int) -> list[int]:
    """The states every list of the dashboard shows: the first ``SHOWN`` of each
    (the exceptions of each kind, completed, started, newly identified, each change
    of status and re-dated) in the plan's order, in one query."""
    lists = {
        "late_red": Q(late=True, rag=Rag.RED),
        "late_only": Q(late=True) & ~Q(rag=Rag.RED),
        "red_only": Q(late=False, rag=Rag.RED) & ~rules.closed(),
        "completed": Q(completed=True),
        "started": Q(started=True),
        "new": Q(new=True),
        "redated": Q(redated__isnull=False),
        **{change.value: Q(change=change) for change in CHANGES},
    }
    kept, listed = Q(), Q()
    for name, condition in lists.items():
        kept |= condition & Q(**{f"{name}_place__lte": SHOWN})
        listed |= condition
    # The places are worked out over the states alone; ``_listed`` reads the words
    # of the few rows kept. (As one query, the database joins every state of the
    # period to its update before it keeps any.)
    return list(
        # Rows in no list add nothing to any running count: left out first.
        states.filter(listed, period_id=period_id)
        .annotate(
            **{f"{name}_place": _place(condition) for name, condition in lists.items()}
        )
        .filter(kept)
        .values_list("pk", flat=True)
    )


def _listed(places: list[int]) -> list[dict]:
    """The words of the rows ``_places`` chose, in the plan's order, each with how
    bad an exception it is (``worst``: 0 late and red, 1 late, 2 red, 3 neither)."""
    worst = Case(
        When(late=True, rag=Rag.RED, then=Value(0)),
        When(late=True, then=Value(1)),
        When(Q(rag=Rag.RED) & ~rules.closed(), then=Value(2)),
        default=Value(3),
    )
    return list(
        PeriodState.objects.filter(pk__in=places)
        .order_by(*IN_PLAN_ORDER)
        .annotate(worst=worst)
        .values(*ROW_COLUMNS, *CHANGE_COLUMNS, "worst")
    )


def _change_entries(v: dict, parts: dict[int, list[str]]) -> dict[str, dict]:
    """What a state says happened in its period, for the summary of changes: its
    change of status (by kind) and its re-dating, each with the reason its update
    gave, and the ``group`` of the step that changed several deliverables at once
    (only when there was one)."""
    base = {
        "id": v["deliverable_id"],
        "reference": v["deliverable__reference"],
        "title": v["deliverable__title"],
    }
    entries: dict[str, dict] = {}
    if kind := v["change"]:
        extra: dict[str, Any] = {
            "reason": v["change_update__reason"] or v["change_update__narrative"]
        }
        if kind == PeriodState.Change.MERGED:
            joined = v["change_update__merged_into__identified_on"]
            extra |= {
                "into_id": v["change_update__merged_into_id"],
                "into_reference": v["change_update__merged_into__reference"],
                "into_title": v["change_update__merged_into__title"],
                # New work of the period, as the dashboard's "newly identified".
                "into_new": joined is not None
                and v["period__starts_on"] <= joined <= v["period__ends_on"],
            }
        elif kind == PeriodState.Change.SPLIT:
            extra["parts"] = parts.get(v["deliverable_id"], [])
        elif kind == PeriodState.Change.RESUMED:
            extra["status"] = Status(v["change_update__status"]).label
        if v["change_update__group"] is not None:
            extra["group"] = str(v["change_update__group"])
        entries[kind] = base | extra
    if v["redated_id"] is not None:
        entries["redated"] = base | {
            "old": v["redated__previous_forecast_date"]
            or v["deliverable__baseline_date"]
            or "TBA",
            "new": v["redated__forecast_date"],
            "reason": v["redated__reason"] or v["redated__narrative"],
        }
        if v["redated__group"] is not None:
            entries["redated"]["group"] = str(v["redated__group"])
    return entries


#: The lists of the summary of changes, in its order.
CHANGE_LISTS = (*(c.value for c in CHANGES), "redated")
#: What each deliverable of a group says for itself; the rest (the reason, what
#: they merged into, the new date) the group's step says for all of them.
MEMBER_KEYS = ("id", "reference", "title", "old", "parts", "status")


def _changes(listed: list[dict], parts: dict[int, list[str]]) -> dict:
    """The summary of changes for the period: the first ``SHOWN`` of each kind.

    The deliverables changed in one step (a ``group``: merged, put on hold,
    re-dated or stopped together, for one reason) are one entry, with its
    ``members`` in the plan's order, at the place of the first. The lists hold the
    rows ``_places`` chose, so a group whose members run past the first ``SHOWN``
    of its kind shows those among them; "see all" lists every one."""
    changes: dict[str, list[dict]] = {name: [] for name in CHANGE_LISTS}
    groups: dict[tuple[str, str], dict] = {}
    for v in listed:
        for kind, entry in _change_entries(v, parts).items():
            if len(changes[kind]) >= SHOWN and (kind, entry.get("group")) not in groups:
                continue
            if "group" not in entry:
                changes[kind].append(entry)
                continue
            together = groups.get((kind, entry["group"]))
            if together is None:
                together = {k: x for k, x in entry.items() if k not in MEMBER_KEYS}
                together["members"] = []
                groups[kind, entry["group"]] = together
                changes[kind].append(together)
            together["members"].append(
                {k: x for k, x in entry.items() if k in MEMBER_KEYS}
            )
    for kind, entries in changes.items():
        # A step that changed one deliverable reads as any other change.
        changes[kind] = [
            e["members"][0] | {k: x for k, x in e.items() if k != "members"}
            if len(e.get("members", ())) == 1
            else e
            for e in entries
        ]
    return changes


def _shown(changes: dict) -> dict[str, int]:
    """How many deliverables each list of the summary of changes shows (a group
    counts its members), for its "see all"."""
    return {
        kind: sum(len(e.get("members", ())) or 1 for e in entries)
        for kind, entries in changes.items()
    }


def _split_parts(deliverables, listed: list[dict]) -> dict[int, list[str]]:
    """The references each listed split deliverable was split into (a query only
    when the period split any)."""
    split = [v["deliverable_id"] for v in listed if v["change"] == "split"]
    parts: dict[int, list[str]] = defaultdict(list)
    if split:
        for parent, reference in (
            deliverables.filter(split_from_id__in=split)
            .order_by("position", "reference", "pk")
            .values_list("split_from_id", "reference")
        ):
            parts[parent].append(reference)
    return parts


def _milestones_due(
    states, period, following, limit: int | None = SHOWN
) -> tuple[list[dict], int]:
    """The first ``limit`` milestones (all, with None) due in ``following`` (not
    completed before it starts) of the deliverables among ``states`` open at the
    end of ``period``, soonest first, and how many there are in all: one query,
    which finds the milestones by their date."""
    if following is None:
        return [], 0
    open_then = states.filter(period=period).exclude(rules.closed())
    milestones = Milestone.objects.filter(
        deliverable_id__in=open_then.values("deliverable_id"),
        due_date_end__gte=following.starts_on,
        due_date_end__lte=following.ends_on,
    ).filter(Q(completed_on__isnull=True) | Q(completed_on__gt=following.starts_on))
    rows = list(
        milestones.annotate(in_all=Window(Count("pk")))
        .order_by("due_date_end", "deliverable__position", "deliverable_id", "pk")
        .values(
            "deliverable_id",
            "deliverable__reference",
            "deliverable__title",
            "title",
            "due_date",
            "in_all",
        )[:limit]
    )
    return [
        {
            "id": m["deliverable_id"],
            "reference": m["deliverable__reference"],
            "title": m["deliverable__title"],
            "milestone": m["title"],
            "due": m["due_date"],
        }
        for m in rows
    ], (rows[0]["in_all"] if rows else 0)


def _tile(key: str, label: str, count: int, previous: int | None, href: str) -> dict:
    return {
        "key": key,
        "label": label,
        "count": count,
        "previous": previous,
        "change": None if previous is None else count - previous,
        "href": href,
    }


def _summary(statuses, now: _Sums, then: _Sums | None) -> list[dict]:
    """The headline tiles, in reading order: each status the plan has (with its
    movement), then late, off track (rated red), re-dated, newly identified and
    stopped this period, each against the period before and linking to its list."""
    tiles = [
        _tile(
            row["status"],
            row["label"],
            row["count"],
            row.get("previous"),
            f"deliverables/?status={row['status']}",
        )
        for row in statuses
        if row["count"] or row.get("previous")
    ]

    def was(figure: str) -> int | None:
        return None if then is None else getattr(then, figure)

    stopped = PeriodState.Change.STOPPED
    return tiles + [
        _tile("late", "Late", now.late, was("late"), "deliverables/?late=true"),
        _tile(
            "red",
            "Off track (red)",
            now.off_track,
            was("off_track"),
            "deliverables/?rag=red",
        ),
        _tile(
            "redated",
            "Re-dated this period",
            now.redated,
            was("redated"),
            "#redated",
        ),
        _tile("new", "Newly identified", now.new, was("new"), "deliverables/?new=true"),
        _tile(
            "stopped",
            "Stopped this period",
            now.changes[stopped],
            None if then is None else then.changes[stopped],
            "#stopped",
        ),
    ]


def _exceptions(rows: list[dict], sums: _Sums) -> dict:
    """Late and off-track deliverables in one list, the worst first: late and rated
    red, then late, then red; within each, the plan's order. The first
    ``EXCEPTIONS_SHOWN``; the counts say how many there are in all."""
    return {
        "rows": rows[:EXCEPTIONS_SHOWN],
        "total": sums.late + sums.off_track - sums.both,
        "late": sums.late,
        "off_track": sums.off_track,
        "both": sums.both,
    }


#: How long the counts of a plan's states are kept: a new ``StatesStamp`` makes them
#: unreadable at once, so this only lets the cache forget counts no longer read.
KEPT_FOR = 24 * 60 * 60


def _counted(plan: Plan, period, previous, following, deliverables) -> dict:
    """What the dashboard counts from the plan's period states: the figures of the
    period and the one before, by strand, the places of every list's first rows,
    how many need an update and the milestones due next.

    For a reader who sees the whole plan they are kept in the cache under the
    plan's ``StatesStamp``, which every write that changes them replaces in its own
    transaction: a read after a write counts again (one query per figure), and
    every read until the next write costs two lookups, whatever the plan holds. A
    scoped reader's counts are their own, and always counted."""
    scoped = deliverables.query.has_filters()

    def count() -> dict:
        states = _states(plan, deliverables, [period, previous])
        return {
            "sums": _sum_rows(states),
            "strands": _strand_rows(
                states, [p.pk for p in (period, previous) if p is not None], scoped
            ),
            "places": _places(states, period.pk),
            "needs_update": deliverables.filter(plan=plan, period_states__period=period)
            .filter(rules.needs_update(period))
            .count(),
            "milestones": _milestones_due(states, period, following),
        }

    if scoped:
        return count()
    # The token first: counts made after a write that changed it are kept under
    # the old token, which no later read asks for.
    token = (
        StatesStamp.objects.filter(plan=plan).values_list("token", flat=True).first()
    )
    if token is None:
        return count()
    key = ":".join(
        str(part)
        for part in (
            "dashboard-counts",
            plan.pk,
            period.pk,
            previous.pk if previous else "",
            following.pk if following else "",
            token,
        )
    )
    kept = cache.get(key)
    if kept is None:
        kept = count()
        cache.set(key, kept, KEPT_FOR)
    return kept


def build_dashboard(
    plan: Plan,
    period: ReportingPeriod,
    deliverables=None,
    *,
    show_names: bool = True,
    today: datetime.date | None = None,
    periods: list[ReportingPeriod] | None = None,
    commentary: bool = False,
    variations: list[PlanVariation] | None = None,
) -> dict:
    """Everything the quarterly dashboard shows for ``plan`` at the end of ``period``.

    ``deliverables`` is the caller's visible queryset (scoping is the caller's
    choice); ``show_names`` says whether people's names may appear; ``periods`` are
    the plan's periods in order, when the caller has read them already;
    ``commentary`` says whether the body's own words for the period (drafts until
    published: the plan's editors' alone) are read and shown, at one query more;
    ``variations`` are the plan's (``variations_of``), when the caller has read them.

    Figures are counted in SQL and lists are the first ``SHOWN`` rows with their
    counts in ``counts``; every row is in ``dashboard_rows``.
    """

    if deliverables is None:
        deliverables = Deliverable.objects.all()
    periods, previous, following = neighbours(plan, period, periods)
    # The plan as it stood at the period's end: variations since are undone.
    varied = (
        variations_of([plan.pk]).get(plan.pk, []) if variations is None else variations
    )
    tops, top_of = top_priorities(plan, period.ends_on, varied)
    as_stood = plan_as_at(plan, period.ends_on, varied)
    tallied = _counted(plan, period, previous, following, deliverables)
    sums = _sums(tallied["sums"], top_of)
    now = sums[period.pk]
    then = sums[previous.pk] if previous is not None else None

    statuses = []
    for counted in COUNTED:
        row = {
            "status": counted.value,
            "label": counted.label,
            "count": now.statuses[counted.value],
        }
        if then is not None:
            row["previous"] = then.statuses[counted.value]
            row["change"] = now.statuses[counted.value] - then.statuses[counted.value]
        statuses.append(row)

    priority_groups: list[tuple[Any, str, str]] = [
        (p.pk, p.reference, p.title) for p in tops
    ]
    if None in now.by_priority or (then is not None and None in then.by_priority):
        # A flat plan's work, under no priority: a row of its own, so none vanishes.
        priority_groups.append((None, "No priority", "No priority"))
    by_priority = _grouped(
        priority_groups,
        now.by_priority,
        then.by_priority if then is not None else None,
    )
    words = commentary_for(period) if commentary else None
    about = {p.pk: p for p in tops}
    for group in by_priority:
        # RAG and percent complete as they stood at the end of the period.
        group.update(rollup.from_tallies(now.tallies.get(group["id"], [])).as_dict())
        if group["id"] is None:
            group["id"] = NO_PRIORITY
            continue
        group["overview"] = about[group["id"]].overview
        group["success_statement"] = about[group["id"]].success_statement
        if words is not None:
            group["narrative"] = words["priorities"].get(group["id"], "")

    strands = list(
        Strand.objects.filter(plan=plan)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    by_strand_sums = _strand_sums(tallied["strands"]) if strands else {}
    strand_now = by_strand_sums.get(period.pk, {})
    strand_then = by_strand_sums.get(previous.pk, {}) if previous is not None else None
    strand_groups: list[tuple[Any, str, str]] = [
        (pk, name, name) for pk, name in strands
    ]
    if strands and (NO_STRAND in strand_now or NO_STRAND in (strand_then or {})):
        # Work in no strand is still work: a row of its own, so none vanishes.
        strand_groups.append((NO_STRAND, "No strand", "No strand"))
    by_strand = _grouped(strand_groups, strand_now, strand_then)

    rag = [
        {"rag": r.value, "label": r.label, "count": now.rag[r.value]} for r in Rag
    ] + [{"rag": NOT_ASSESSED, "label": "Not assessed", "count": now.rag[NOT_ASSESSED]}]

    listed = _listed(tallied["places"])
    rows = {v["deliverable_id"]: _row(v, show_names, top_of) for v in listed}

    def first(flag: str) -> list[dict]:
        return [r for r in rows.values() if r[flag]][:SHOWN]

    # In the plan's order within each kind, as listed (the sort keeps it).
    worst_first = sorted(
        (v for v in listed if v["worst"] < 3), key=lambda v: v["worst"]
    )
    milestones_next, milestones_count = tallied["milestones"]
    counts = now.counts() | {"milestones_next": milestones_count}

    return {
        "schema": 3,
        "plan": {
            "id": plan.pk,
            "title": as_stood["title"],
            "reference": as_stood["reference"],
            "owner": plan.owner.name,
        },
        "period": _period(period),
        "previous": _period(previous),
        "next": _period(following),
        "total": now.total,
        "previous_total": then.total if then is not None else None,
        # The one rule of "needs an update", applied to this period, as it is now.
        "needs_update": tallied["needs_update"],
        "statuses": statuses,
        "by_priority": by_priority,
        "priority_columns": _columns(by_priority),
        "by_strand": by_strand,
        "strand_columns": _columns(by_strand),
        "rag": rag,
        "counts": counts,
        "summary": _summary(statuses, now, then),
        "commentary": (
            None
            if words is None
            else {
                "summary": words["summary"],
                "forward_look": words["forward_look"],
                "updated_at": words["updated_at"],
            }
        ),
        "exceptions": _exceptions(
            [rows[v["deliverable_id"]] for v in worst_first], now
        ),
        "changes": (changes := _changes(listed, _split_parts(deliverables, listed))),
        "changes_shown": _shown(changes),
        "completed": first("completed"),
        "started": first("started"),
        "new": first("new"),
        "milestones_next": milestones_next,
        "indicators": _indicators(plan, periods, period, previous, show_names),
        "decisions": _decisions(plan, period),
        "actions": _actions(plan, period, previous),
        "generated_on": (today or datetime.date.today()).isoformat(),
    }


def dashboard_rows(
    plan: Plan,
    period: ReportingPeriod,
    deliverables=None,
    *,
    show_names: bool = True,
    query=None,
    periods: list[ReportingPeriod] | None = None,
) -> list[dict]:
    """Every deliverable's row at the end of ``period`` (those ``query`` chooses,
    as ``matching`` does, when given), in the plan's order: for drill-downs, the
    spreadsheets and a published report's record of what it showed. Each row also
    carries its strands, whether it needs an update, what changed in the period
    (``changes``, with reasons) and its milestones due in the next period. A few
    queries, whatever the plan holds; the rows grow with it, so the dashboard's own
    page never reads them."""
    if deliverables is None:
        deliverables = Deliverable.objects.all()
    periods, _previous, following = neighbours(plan, period, periods)
    varied = variations_of([plan.pk]).get(plan.pk, [])
    _tops, top_of = top_priorities(plan, period.ends_on, varied)
    states = _states(plan, deliverables, [period]).annotate(
        needs_update=Exists(
            Deliverable.objects.filter(pk=OuterRef("deliverable_id")).filter(
                rules.needs_update(period)
            )
        )
    )
    strands_of: dict[int, list[int]] = defaultdict(list)
    for deliverable_id, strand_id in Deliverable.strands.through.objects.filter(
        deliverable__plan=plan
    ).values_list("deliverable_id", "strand_id"):
        strands_of[deliverable_id].append(strand_id)
    listed = list(
        states.order_by(*IN_PLAN_ORDER).values(
            *ROW_COLUMNS, *CHANGE_COLUMNS, "needs_update"
        )
    )
    due: dict[int, list[dict]] = defaultdict(list)
    for m in _milestones_due(states, period, following, limit=None)[0]:
        due[m["id"]].append({"milestone": m["milestone"], "due": m["due"]})
    parts = _split_parts(deliverables, listed)
    rows = []
    for v in listed:
        row = _row(v, show_names, top_of)
        row["strand_ids"] = sorted(strands_of.get(row["id"], []))
        row["needs_update"] = v["needs_update"]
        row["changes"] = _change_entries(v, parts)
        row["milestones_due"] = due.get(row["id"], [])
        rows.append(row)
    return rows if query is None else matching(rows, query)


def _decisions(plan: Plan, period: ReportingPeriod) -> list[dict]:
    """The decision notices approved in the period, each with the deliverables it
    names: one row per notice and deliverable (a left join), in one query."""
    notices: dict[int, dict] = {}
    for (
        pk,
        reference,
        generated,
        title,
        approved_on,
        precision,
        decided_by,
        url,
        named,
    ) in (
        DecisionNotice.objects.filter(
            plan=plan,
            approved_on__gte=period.starts_on,
            approved_on__lte=period.ends_on,
        )
        .order_by(
            *DecisionNotice.OLDEST_FIRST,
            "pk",
            "deliverables__position",
            "deliverables__reference",
        )
        .values_list(
            "pk",
            "reference",
            "reference_generated",
            "title",
            "approved_on",
            "approved_on_precision",
            "decided_by__name",
            "url",
            "deliverables__reference",
        )
    ):
        notice = notices.setdefault(
            pk,
            {
                "id": pk,
                "reference": reference,
                "reference_generated": generated,
                "title": title,
                "approved_on": approved_on.isoformat(),
                "approved_on_precision": precision,
                "decided_by": decided_by,
                "url": url,
                "deliverables": [],
            },
        )
        if named is not None:
            notice["deliverables"].append(named)
    return list(notices.values())


def _actions(plan: Plan, period: ReportingPeriod, previous) -> dict:
    """Scrutiny actions open at the end of the period, and those answered in it."""
    actions = ScrutinyAction.objects.filter(
        plan=plan, raised_on__lte=period.ends_on
    ).select_related("owner")
    open_actions, answered = [], []
    for a in actions.order_by("due_on", "raised_on", "pk"):
        row = {
            "id": a.pk,
            "kind": a.get_kind_display(),
            "text": a.text,
            "raised_by": a.raised_by,
            "raised_on": a.raised_on.isoformat(),
            "owner": a.owner.name,
            "due_on": a.due_on.isoformat() if a.due_on else "",
            "response": a.response,
            "answered_on": a.answered_on.isoformat() if a.answered_on else "",
        }
        if a.answered_on is None or a.answered_on > period.ends_on:
            row["response"] = ""
            open_actions.append(row)
        elif previous is None or a.answered_on > previous.ends_on:
            answered.append(row)
    return {"open": open_actions, "answered": answered}


#: The yes/no filters of a drill-down: the named rules, and what happened in the
#: period (so that every capped list of the dashboard has its "see all").
DRILL_DOWN_FILTERS = (
    *YES_NO_FILTERS,
    "completed",
    "started",
    "redated",
    "milestones_due",
)


def matching(rows: list[dict], query) -> list[dict]:
    """The rows behind a dashboard figure, chosen by the drill-down's query: status,
    RAG, top-level priority, strand, change of status, and the yes/no filters late,
    forecast after milestone, new, needs an update, completed, started and re-dated
    (``=true``; see ``respelt`` for old links)."""
    status = query.get("status", "")
    rag = query.get("rag", "")
    priority = query.get("priority", "")
    strand = query.get("strand", "")
    change = query.get("change", "")
    if status:
        rows = [r for r in rows if r["status"] == status]
    if rag:
        rows = [r for r in rows if r["rag"] == rag and not rules.is_closed(r["status"])]
    if priority.isdigit():
        rows = [r for r in rows if r["priority_id"] == int(priority)]
    elif priority == NO_PRIORITY:
        rows = [r for r in rows if r["priority_id"] is None]
    if strand.isdigit():
        rows = [r for r in rows if int(strand) in r["strand_ids"]]
    elif strand == NO_STRAND:
        rows = [r for r in rows if not r["strand_ids"]]
    if change:
        rows = [r for r in rows if r.get("change") == change]
    # A report published before a figure existed has no such key in its rows; a
    # report's "late" is what it showed as late when it was published.
    for name in DRILL_DOWN_FILTERS:
        if query.get(name) == YES:
            rows = [r for r in rows if r.get(name)]
    return rows


def describe(query, data: dict) -> str:
    """The drill-down's filter in words, such as "Completed in 3.1 Keep people safe"."""
    words = []
    labels = {r["status"]: r["label"] for r in data["statuses"]}
    if query.get("status") in labels:
        words.append(labels[query["status"]])
    rags = {r["rag"]: r["label"] for r in data["rag"]}
    if query.get("rag") in rags:
        words.append(f"RAG {rags[query['rag']]}")
    if query.get("late") == YES:
        words.append("Late")
    if query.get("forecast_after_milestone") == YES:
        words.append("Forecast after its milestone")
    if query.get("new") == YES:
        words.append("Newly identified")
    if query.get("needs_update") == YES:
        words.append(f"Without an update for {data['period']['label']}")
    label = data["period"]["label"]
    for name, said in (
        ("completed", f"Completed in {label}"),
        ("started", f"Started in {label}"),
        ("redated", f"Re-dated in {label}"),
        ("milestones_due", "With a milestone due next period"),
    ):
        if query.get(name) == YES:
            words.append(said)
    if query.get("change") in PeriodState.Change.values and query.get("change"):
        words.append(f"{PeriodState.Change(query['change']).label} in {label}")
    groups = [
        ("priority", "by_priority", "in"),
        ("strand", "by_strand", "in strand"),
    ]
    for param, key, word in groups:
        for group in data[key]:
            if query.get(param) == str(group["id"]):
                label = group["label"]
                if group["title"] != label:
                    label = f"{label} {group['title']}"
                words.append(f"{word} {label}")
    return " ".join(words) or "All deliverables"
