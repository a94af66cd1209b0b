"""The quarterly dashboard of a plan: every figure, reconstructed from the update log.

``build_dashboard`` answers "what did this plan look like at the end of Q3?" from the
progress updates that belonged to Q3 or earlier, not from today's state, and returns
plain data (strings, numbers, ISO dates) so that a published report can store exactly
what it showed. Updates still waiting for review, or returned to their authors, never
count.

It costs the same eight queries whatever the plan holds (seven when no indicator's
definition has changed), each filtered to the plan: its visible deliverables (with
what needs an update and the milestones due next), strands, priorities, update log,
decision notices, scrutiny actions, indicators with their values, and their definition
changes. Rows are read as tuples into small records rather than model instances,
because a plan's log holds thousands of updates.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Exists,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.utils import timezone

from deliverables import rollup, rules
from deliverables.filtersets import YES, YES_NO_FILTERS
from deliverables.models import Deliverable, ProgressUpdate, Rag, Status
from plans.measures import change_heading, changes_in_words
from plans.models import (
    Indicator,
    IndicatorChange,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
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
NOT_STARTED = (Status.FUTURE, Status.NOT_YET_COMMENCED)
NOT_ASSESSED = "none"


def effective(updates):
    """The updates that count as made (``rules.counts_as_made``), with their period
    and author."""
    return updates.filter(rules.counts_as_made()).select_related(
        "period", "recorded_by"
    )


@dataclass(slots=True, eq=False)
class Item:
    """A deliverable of the plan as the dashboard reads it: one row of one query."""

    pk: int
    reference: str
    title: str
    lead: str
    priority_id: int | None
    baseline_date: str
    baseline_date_start: datetime.date | None
    baseline_date_end: datetime.date | None
    status: str
    rag: str
    percent_complete: int | None
    forecast_date: str
    forecast_date_end: datetime.date | None
    merged_into_id: int | None
    split_from_id: int | None
    identified_on: datetime.date | None
    position: int
    needs_update: bool
    strand_ids: list[int] = field(default_factory=list)
    milestones_due: list[dict] = field(default_factory=list)


#: The columns of a progress update that the dashboard reads, in ``Entry``'s order.
ENTRY_COLUMNS = (
    "pk",
    "deliverable_id",
    "period_id",
    "recorded_at",
    "status",
    "rag",
    "percent_complete",
    "forecast_date",
    "forecast_date_start",
    "forecast_date_end",
    "merged_into_id",
    "previous_status",
    "previous_forecast_date",
    "previous_forecast_date_start",
    "previous_forecast_date_end",
    "narrative",
    "reason",
    "merged_into_reference",
    "merged_into_title",
    "recorded_by__first_name",
    "recorded_by__last_name",
    "recorded_by__username",
)


@dataclass(slots=True, eq=False)
class Entry:
    """One accepted progress update in a plan's log, as the dashboard reads it."""

    pk: int
    deliverable_id: int
    period_id: int
    recorded_at: datetime.datetime
    status: str
    rag: str
    percent_complete: int | None
    forecast_date: str
    forecast_date_start: datetime.date | None
    forecast_date_end: datetime.date | None
    merged_into_id: int | None
    previous_status: str
    previous_forecast_date: str
    previous_forecast_date_start: datetime.date | None
    previous_forecast_date_end: datetime.date | None
    narrative: str
    reason: str
    merged_into_reference: str | None
    merged_into_title: str | None
    first_name: str
    last_name: str
    username: str
    period: Any = None
    deliverable: Any = None

    @property
    def recorded_by(self) -> str:
        """As ``User.get_full_name()``, or the username when there is no name."""
        return f"{self.first_name} {self.last_name}".strip() or self.username


@dataclass
class State:
    """A deliverable as it stood at the end of a period."""

    deliverable: Item
    status: str
    rag: str = ""
    percent_complete: int | None = None
    forecast: str = ""
    forecast_end: datetime.date | None = None
    merged_into_id: int | None = None
    latest: Entry | None = None
    strand_ids: list[int] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return rules.is_closed(self.status)

    def is_late(self, period: ReportingPeriod) -> bool:
        """``rules.is_late`` at the end of ``period``, on the state as it stood then."""
        return rules.is_late(
            self.status,
            self.forecast_end,
            self.deliverable.baseline_date_end,
            rules.end_of(period),
        )

    def is_forecast_after_milestone(self) -> bool:
        return rules.is_forecast_after_milestone(
            self.status, self.forecast_end, self.deliverable.baseline_date_end
        )


def _state(deliverable: Item, source, strands, latest=None) -> State:
    """The state held by ``source``: an update, or the deliverable itself."""
    return State(
        deliverable,
        status=source.status,
        rag=source.rag,
        percent_complete=source.percent_complete,
        forecast=source.forecast_date,
        forecast_end=source.forecast_date_end,
        merged_into_id=source.merged_into_id,
        latest=latest,
        strand_ids=strands,
    )


def _of_merge_target(column: str):
    """A column of the deliverable a merge joined, which the reader may not otherwise
    see: looked up only for the rare update that names one, because a join would
    read the whole table of deliverables."""
    target = Deliverable.objects.filter(pk=OuterRef("merged_into_id")).order_by()
    return Case(
        When(merged_into_id__isnull=False, then=Subquery(target.values(column)[:1])),
        default=None,
    )


def period_key(update) -> tuple:
    return (update.period.starts_on, update.recorded_at, update.pk)


def _items(plan: Plan, deliverables, period, following) -> list[Item]:
    """The plan's deliverables among ``deliverables`` in one query, each with whether
    it needs an update for ``period`` and the milestones due in ``following``."""
    rows = (
        deliverables.filter(plan=plan)
        .with_needs_update(period)
        .order_by("position", "reference", "pk")
    )
    columns = [
        "pk",
        "reference",
        "title",
        "lead_organisation__short_name",
        "lead_organisation__name",
        "objective__priority_id",
        "baseline_date",
        "baseline_date_start",
        "baseline_date_end",
        "status",
        "rag",
        "percent_complete",
        "forecast_date",
        "forecast_date_end",
        "merged_into_id",
        "split_from_id",
        "identified_on",
        "position",
        "needs_update",
    ]
    if following is not None:
        # One row per milestone due in the next period (a left join: one row when
        # there is none), rather than a query of their own.
        rows = rows.annotate(
            due=FilteredRelation(
                "milestones",
                condition=Q(
                    milestones__due_date_end__gte=following.starts_on,
                    milestones__due_date_end__lte=following.ends_on,
                )
                & (
                    Q(milestones__completed_on__isnull=True)
                    | Q(milestones__completed_on__gt=following.starts_on)
                ),
            )
        )
        columns += ["due__pk", "due__title", "due__due_date", "due__due_date_end"]
    items: dict[int, Item] = {}
    for row in rows.values_list(*columns):
        item = items.get(row[0])
        if item is None:
            pk, ref, title, short, name, *rest = row[:19]
            item = items[pk] = Item(pk, ref, title, short or name, *rest)
        if following is not None and row[19] is not None:
            item.milestones_due.append(
                {"pk": row[19], "title": row[20], "due": row[21], "end": row[22]}
            )
    return list(items.values())


class Reconstruction:
    """Every visible deliverable of a plan, with its accepted updates loaded once (as
    tuples), so that the state at the end of any period can be read without more
    queries."""

    def __init__(
        self,
        plan: Plan,
        deliverables,
        *,
        periods: list[ReportingPeriod],
        period: ReportingPeriod,
        following: ReportingPeriod | None = None,
    ):
        self.plan = plan
        self.deliverables = _items(plan, deliverables, period, following)
        self.by_pk = {item.pk: item for item in self.deliverables}
        # The plan's strands and their deliverables in one query (a left join).
        strands: dict[int, str] = {}
        for strand_id, name, deliverable_id in (
            Strand.objects.filter(plan=plan)
            .order_by("name", "pk")
            .values_list("pk", "name", "deliverables")
        ):
            strands[strand_id] = name
            item = self.by_pk.get(deliverable_id)
            if item is not None:
                item.strand_ids.append(strand_id)
        self.strands = list(strands.items())
        by_period = {p.pk: p for p in periods}
        self.updates: dict[int, list[Entry]] = defaultdict(list)
        for row in (
            ProgressUpdate.objects.filter(
                deliverable_id__in=[item.pk for item in self.deliverables]
            )
            .filter(rules.counts_as_made())
            .annotate(
                merged_into_reference=_of_merge_target("reference"),
                merged_into_title=_of_merge_target("title"),
            )
            .order_by()
            .values_list(*ENTRY_COLUMNS)
        ):
            entry = Entry(*row)
            entry.period = by_period[entry.period_id]
            entry.deliverable = self.by_pk[entry.deliverable_id]
            self.updates[entry.deliverable_id].append(entry)
        for log in self.updates.values():
            log.sort(key=period_key)

    def exists_at(self, deliverable: Item, period: ReportingPeriod) -> bool:
        """In the plan by the end of ``period``: identified by then, or reported on."""
        if deliverable.identified_on is None or deliverable.identified_on <= (
            period.ends_on
        ):
            return True
        log = self.updates.get(deliverable.pk, [])
        return bool(log) and log[0].period.starts_on <= period.starts_on

    def states_at(self, period: ReportingPeriod | None) -> list[State]:
        """Each deliverable in the plan at the end of ``period`` and its state then."""
        if period is None:
            return []
        states = []
        for deliverable in self.deliverables:
            if not self.exists_at(deliverable, period):
                continue
            log = self.updates.get(deliverable.pk, [])
            before = [u for u in log if u.period.starts_on <= period.starts_on]
            strands = list(deliverable.strand_ids)
            if before:
                state = _state(deliverable, before[-1], strands, latest=before[-1])
            elif log:
                # Not reported on yet: as it was before its first update.
                first = log[0]
                state = State(
                    deliverable,
                    status=first.previous_status,
                    forecast=first.previous_forecast_date,
                    forecast_end=first.previous_forecast_date_end,
                    strand_ids=strands,
                )
            else:
                state = _state(deliverable, deliverable, strands)
            states.append(state)
        return states

    def updates_in(self, period: ReportingPeriod) -> list[Entry]:
        found = [
            u for log in self.updates.values() for u in log if u.period_id == period.pk
        ]
        return sorted(found, key=lambda u: (u.deliverable.position, period_key(u)))


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


def _who(update: Entry | None, show_names: bool) -> str:
    if update is None or not show_names:
        return ""
    return update.recorded_by


def _row(state: State, period: ReportingPeriod, show_names: bool, **extra) -> dict:
    d = state.deliverable
    latest = state.latest
    return {
        "id": d.pk,
        "reference": d.reference,
        "title": d.title,
        "lead": d.lead,
        "status": state.status,
        "status_label": Status(state.status).label,
        "rag": state.rag or NOT_ASSESSED,
        "rag_label": Rag(state.rag).label if state.rag else "Not assessed",
        "milestone": d.baseline_date or "TBA",
        "forecast": state.forecast or d.baseline_date or "TBA",
        # Labels, shown as they are; "" when the rule does not hold.
        "late": rules.LATE_LABEL if state.is_late(period) else "",
        "forecast_after_milestone": (
            rules.FORECAST_AFTER_MILESTONE_LABEL
            if state.is_forecast_after_milestone()
            else ""
        ),
        "narrative": latest.narrative if latest else "",
        "narrative_period": latest.period.label if latest else "",
        "recorded_by": _who(latest, show_names),
    } | extra


def _counts(states: list[State]) -> Counter:
    return Counter(s.status for s in states)


#: The id of the "No strand" row of the strand breakdown.
NO_STRAND = "none"


def _grouped(states, groups, key, before=None) -> list[dict]:
    """Counts by status for each group; ``key(state)`` gives the group ids it is in.

    With ``before`` (the states at the end of the previous period), each group also
    carries its counts then and the change, so movement can be read per group."""
    by_group: dict[Any, Counter] = defaultdict(Counter)
    for state in states:
        for group in key(state):
            by_group[group][state.status] += 1
    then: dict[Any, Counter] = defaultdict(Counter)
    for state in before or []:
        for group in key(state):
            then[group][state.status] += 1
    rows = []
    for group_id, label, title in groups:
        counter = by_group[group_id]
        row = {
            "id": group_id,
            "label": label,
            "title": title,
            "counts": {s.value: counter[s.value] for s in COUNTED},
            "total": sum(counter.values()),
        }
        if before is not None:
            earlier = then[group_id]
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


def top_priorities(plan: Plan) -> tuple[list[Priority], dict[int | None, int]]:
    """The plan's top-level priorities, and the top-level ancestor of every priority."""
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


def _changes(updates: list[Entry], recon: Reconstruction) -> dict:
    """The summary of changes for the period, from its updates, each with its reason."""
    merged, on_hold, redated, stopped, split, resumed = [], [], [], [], [], []
    parts = defaultdict(list)
    for d in recon.deliverables:
        if d.split_from_id:
            parts[d.split_from_id].append(d.reference)
    for u in updates:
        d = u.deliverable
        base = {"id": d.pk, "reference": d.reference, "title": d.title}
        reason = u.reason or u.narrative
        changed = u.status != u.previous_status
        if changed and u.status == Status.MERGED and u.merged_into_id is not None:
            merged.append(
                base
                | {
                    "into_id": u.merged_into_id,
                    "into_reference": u.merged_into_reference,
                    "into_title": u.merged_into_title,
                    "reason": reason,
                }
            )
        elif changed and u.status == Status.ON_HOLD:
            on_hold.append(base | {"reason": reason})
        elif changed and u.status == Status.WILL_NOT_PROCEED:
            stopped.append(base | {"reason": reason})
        elif changed and u.status == Status.SPLIT:
            split.append(base | {"parts": parts[d.pk], "reason": reason})
        elif changed and u.previous_status == Status.ON_HOLD:
            resumed.append(base | {"status": Status(u.status).label, "reason": reason})
        old = (u.previous_forecast_date_start, u.previous_forecast_date_end)
        if not u.previous_forecast_date:
            old = (d.baseline_date_start, d.baseline_date_end)
        new = (u.forecast_date_start, u.forecast_date_end)
        if u.forecast_date and new != old and not rules.is_closed(u.status):
            redated.append(
                base
                | {
                    "old": u.previous_forecast_date or d.baseline_date or "TBA",
                    "new": u.forecast_date,
                    "reason": u.reason or u.narrative,
                }
            )
    return {
        "merged": merged,
        "on_hold": on_hold,
        "resumed": resumed,
        "redated": redated,
        "stopped": stopped,
        "split": split,
    }


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
):
    """Each indicator with its values up to ``period``: one query for both (a left
    join), and one more for definition changes only when an indicator has any.

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
    for *row, period_id, value, reason, note in (
        Indicator.objects.filter(plan=plan)
        .annotate(
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


def _milestones_due(states: list[State]) -> list[dict]:
    rows = []
    for state in states:
        if state.is_closed:
            continue
        d = state.deliverable
        for m in d.milestones_due:
            rows.append(
                (
                    (m["end"], d.position, d.pk, m["pk"]),
                    {
                        "id": d.pk,
                        "reference": d.reference,
                        "title": d.title,
                        "milestone": m["title"],
                        "due": m["due"],
                    },
                )
            )
    return [row for _key, row in sorted(rows, key=lambda r: r[0])]


#: How many exceptions the summary lists before "see all".
EXCEPTIONS_SHOWN = 10


def _tile(key: str, label: str, count: int, previous: int | None, href: str) -> dict:
    return {
        "key": key,
        "label": label,
        "count": count,
        "previous": previous,
        "change": None if previous is None else count - previous,
        "href": href,
    }


def _summary(
    statuses, *, late, off_track, changes, new, before, previous, recon
) -> list[dict]:
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
    was: dict[str, int | None] = dict.fromkeys(
        ("late", "red", "redated", "new", "stopped")
    )
    if before is not None and previous is not None:
        earlier = _changes(recon.updates_in(previous), recon)
        was = {
            "late": sum(1 for st in before if st.is_late(previous)),
            "red": sum(1 for st in before if st.rag == Rag.RED and not st.is_closed),
            "redated": len(earlier["redated"]),
            "new": sum(
                1
                for st in before
                if st.deliverable.identified_on is not None
                and previous.starts_on <= st.deliverable.identified_on
                and st.deliverable.identified_on <= previous.ends_on
            ),
            "stopped": len(earlier["stopped"]),
        }
    return tiles + [
        _tile("late", "Late", len(late), was["late"], "deliverables/?late=true"),
        _tile(
            "red",
            "Off track (red)",
            len(off_track),
            was["red"],
            "deliverables/?rag=red",
        ),
        _tile(
            "redated",
            "Re-dated this period",
            len(changes["redated"]),
            was["redated"],
            "#redated",
        ),
        _tile(
            "new", "Newly identified", len(new), was["new"], "deliverables/?new=true"
        ),
        _tile(
            "stopped",
            "Stopped this period",
            len(changes["stopped"]),
            was["stopped"],
            "#stopped",
        ),
    ]


def _exceptions(late: list[dict], off_track: list[dict]) -> dict:
    """Late and off-track deliverables in one list, the worst first: late and rated
    red, then late, then red; within each, the plan's order. Capped at
    ``EXCEPTIONS_SHOWN``; the counts say how many there are in all."""
    red_ids = {r["id"] for r in off_track}
    late_ids = {r["id"] for r in late}
    both = [r for r in late if r["id"] in red_ids]
    rows = both + [r for r in late if r["id"] not in red_ids]
    rows += [r for r in off_track if r["id"] not in late_ids]
    return {
        "rows": rows[:EXCEPTIONS_SHOWN],
        "total": len(rows),
        "late": len(late),
        "off_track": len(off_track),
        "both": len(both),
    }


def build_dashboard(
    plan: Plan,
    period: ReportingPeriod,
    deliverables=None,
    *,
    show_names: bool = True,
    today: datetime.date | None = None,
    periods: list[ReportingPeriod] | None = None,
    commentary: bool = False,
) -> dict:
    """Everything the quarterly dashboard shows for ``plan`` at the end of ``period``.

    ``deliverables`` is the caller's visible queryset (scoping is the caller's
    choice); ``show_names`` says whether people's names may appear; ``periods`` are
    the plan's periods in order, when the caller has read them already;
    ``commentary`` says whether the body's own words for the period (drafts until
    published: the plan's editors' alone) are read and shown, at one query more.
    """

    if deliverables is None:
        deliverables = Deliverable.objects.all()
    periods, previous, following = neighbours(plan, period, periods)
    recon = Reconstruction(
        plan, deliverables, periods=periods, period=period, following=following
    )
    states = recon.states_at(period)
    before = recon.states_at(previous)
    now, then = _counts(states), _counts(before)

    statuses = []
    for counted in COUNTED:
        row = {
            "status": counted.value,
            "label": counted.label,
            "count": now[counted.value],
        }
        if previous is not None:
            row["previous"] = then[counted.value]
            row["change"] = now[counted.value] - then[counted.value]
        statuses.append(row)

    tops, top_of = top_priorities(plan)
    earlier = before if previous is not None else None
    by_priority = _grouped(
        states,
        [(p.pk, p.reference, p.title) for p in tops],
        lambda st: [top_of.get(st.deliverable.priority_id)],
        earlier,
    )
    # RAG and percent complete as they stood at the end of the period.
    rollups = rollup.by_key(
        (
            top_of.get(st.deliverable.priority_id),
            rollup.Row(st.status, st.rag, st.percent_complete),
        )
        for st in states
    )
    words = commentary_for(period) if commentary else None
    about = {p.pk: p for p in tops}
    for group in by_priority:
        group.update(rollups.get(group["id"], rollup.Rollup()).as_dict())
        group["overview"] = about[group["id"]].overview
        group["success_statement"] = about[group["id"]].success_statement
        if words is not None:
            group["narrative"] = words["priorities"].get(group["id"], "")
    strand_groups: list[tuple[Any, str, str]] = [
        (pk, name, name) for pk, name in recon.strands
    ]
    if strand_groups and any(not s.strand_ids for s in [*states, *before]):
        # Work in no strand is still work: a row of its own, so none vanishes.
        strand_groups.append((NO_STRAND, "No strand", "No strand"))
    by_strand = _grouped(
        states,
        strand_groups,
        lambda st: st.strand_ids or [NO_STRAND],
        earlier,
    )

    rags = Counter(s.rag or NOT_ASSESSED for s in states if not s.is_closed)
    rag = [{"rag": r.value, "label": r.label, "count": rags[r.value]} for r in Rag] + [
        {"rag": NOT_ASSESSED, "label": "Not assessed", "count": rags[NOT_ASSESSED]}
    ]

    before_ids = {s.deliverable.pk for s in before}
    rows: dict[int, dict[str, Any]] = {}
    for s in states:
        d = s.deliverable
        rows[d.pk] = _row(
            s,
            period,
            show_names,
            priority_id=top_of.get(d.priority_id),
            strand_ids=s.strand_ids,
            # The one rule of "needs an update", applied to this period, as it is now.
            needs_update=d.needs_update,
            new=bool(
                d.pk not in before_ids
                and d.identified_on is not None
                and d.identified_on >= period.starts_on
            ),
        )
    late = [r for r in rows.values() if r["late"]]
    forecast_after_milestone = [
        r for r in rows.values() if r["forecast_after_milestone"]
    ]
    off_track = [
        r
        for r in rows.values()
        if r["rag"] == Rag.RED and not rules.is_closed(r["status"])
    ]

    in_period = recon.updates_in(period)
    status_then = {s.deliverable.pk: s.status for s in before}
    completed: dict[int, dict[str, Any]] = {}
    started: dict[int, dict[str, Any]] = {}
    for u in in_period:
        found = rows.get(u.deliverable_id)
        if found is None:
            continue
        was = status_then.get(u.deliverable_id, u.previous_status)
        if u.status == Status.COMPLETED and was != Status.COMPLETED:
            completed[u.deliverable_id] = found
        if u.status == Status.IN_PROGRESS and u.previous_status in NOT_STARTED:
            started[u.deliverable_id] = found
    new = [r for r in rows.values() if r["new"]]
    changes = _changes(in_period, recon)
    summary = _summary(
        statuses,
        late=late,
        off_track=off_track,
        changes=changes,
        new=new,
        before=before if previous is not None else None,
        previous=previous,
        recon=recon,
    )

    # One row per notice and deliverable it names (a left join), rather than a
    # query for the notices and another for their deliverables.
    notices: dict[int, dict] = {}
    for pk, reference, title, approved_on, decided_by, url, named in (
        DecisionNotice.objects.filter(
            plan=plan,
            approved_on__gte=period.starts_on,
            approved_on__lte=period.ends_on,
        )
        .order_by(
            "approved_on",
            "reference",
            "pk",
            "deliverables__position",
            "deliverables__reference",
        )
        .values_list(
            "pk",
            "reference",
            "title",
            "approved_on",
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
                "title": title,
                "approved_on": approved_on.isoformat(),
                "decided_by": decided_by,
                "url": url,
                "deliverables": [],
            },
        )
        if named is not None:
            notice["deliverables"].append(named)
    decisions = list(notices.values())

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

    return {
        "schema": 2,
        "plan": {
            "id": plan.pk,
            "title": plan.title,
            "reference": plan.reference,
            "owner": plan.owner.name,
        },
        "period": _period(period),
        "previous": _period(previous),
        "next": _period(following),
        "total": len(states),
        "previous_total": len(before) if previous else None,
        "needs_update": sum(1 for r in rows.values() if r["needs_update"]),
        "statuses": statuses,
        "by_priority": by_priority,
        "priority_columns": _columns(by_priority),
        "by_strand": by_strand,
        "strand_columns": _columns(by_strand),
        "rag": rag,
        "late": late,
        "forecast_after_milestone": forecast_after_milestone,
        "off_track": off_track,
        "summary": summary,
        "commentary": (
            None
            if words is None
            else {
                "summary": words["summary"],
                "forward_look": words["forward_look"],
                "updated_at": words["updated_at"],
            }
        ),
        "exceptions": _exceptions(late, off_track),
        "changes": changes,
        "completed": list(completed.values()),
        "started": list(started.values()),
        "new": new,
        "deliverables": list(rows.values()),
        "milestones_next": _milestones_due(states),
        "indicators": _indicators(plan, periods, period, previous, show_names),
        "decisions": decisions,
        "actions": {"open": open_actions, "answered": answered},
        "generated_on": (today or datetime.date.today()).isoformat(),
    }


def matching(rows: list[dict], query) -> list[dict]:
    """The rows behind a dashboard figure, chosen by the drill-down's query: status,
    RAG, top-level priority, strand, and the yes/no filters late, forecast after
    milestone, new and needs an update (``=true``; see ``respelt`` for old links)."""
    status = query.get("status", "")
    rag = query.get("rag", "")
    priority = query.get("priority", "")
    strand = query.get("strand", "")
    if status:
        rows = [r for r in rows if r["status"] == status]
    if rag:
        rows = [r for r in rows if r["rag"] == rag and not rules.is_closed(r["status"])]
    if priority.isdigit():
        rows = [r for r in rows if r["priority_id"] == int(priority)]
    if strand.isdigit():
        rows = [r for r in rows if int(strand) in r["strand_ids"]]
    elif strand == NO_STRAND:
        rows = [r for r in rows if not r["strand_ids"]]
    # A report published before a figure existed has no such key in its rows; a
    # report's "late" is what it showed as late when it was published.
    for name in YES_NO_FILTERS:
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
