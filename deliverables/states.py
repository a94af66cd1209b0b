"""Each deliverable's state at the end of every period of its plan, kept in
``PeriodState`` rows so that a quarterly dashboard counts and lists in SQL.

The state at the end of a period is read from the update log, never from today's
state: the latest update that counts as made (``rules.counts_as_made``) of that period
or an earlier one; before its first update, the state that update started from; with
no updates at all, the deliverable as it stands. A deliverable has a row for a period
once it is in the plan by then: identified by the period's end (or part of the plan
from its start), or reported on.

The rows are derived, never edited: ``refresh`` works them out again for some
deliverables (all their periods at once, a few queries whatever their number), and
every write that can change them calls it: ``record_progress`` and reviews through
the services, and the model signals for anything saved one row at a time
(deliverables, updates, reviews, a plan's periods). ``batch`` gathers the signals'
work into one refresh at its end, for a write that saves many rows. ``manage.py
rebuild_period_states`` works out every row again.

Every refresh also gives the deliverables' plans a new ``StatesStamp`` token, in the
same transaction, as do the signals for what the dashboard counts beside the states
(a deliverable deleted or moved between strands, a milestone saved or deleted): the
dashboard keeps its counts in the cache under the token, so none is read after a
change.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from deliverables import rules
from deliverables.models import (
    Deliverable,
    PeriodState,
    ProgressUpdate,
    StatesStamp,
    Status,
)
from deliverables.rollup import ancestors
from plans.models import Priority, ReportingPeriod
from plans.variations.structure import undone, variations_of

NOT_STARTED = (Status.FUTURE, Status.NOT_YET_COMMENCED)

#: How many deliverables one round of ``refresh`` reads and writes at a time.
CHUNK = 500

_DELIVERABLE_COLUMNS = (
    "pk",
    "plan_id",
    "objective__priority_id",
    "position",
    "reference",
    "status",
    "rag",
    "percent_complete",
    "forecast_date",
    "forecast_date_end",
    "baseline_date",
    "baseline_date_start",
    "baseline_date_end",
    "identified_on",
    "objective_id",
)
_UPDATE_COLUMNS = (
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
)


@dataclass(slots=True)
class _Deliverable:
    pk: int
    plan_id: int
    priority_id: int | None  # None in a flat plan
    position: int
    reference: str
    status: str
    rag: str
    percent_complete: int | None
    forecast_date: str
    forecast_date_end: datetime.date | None
    baseline_date: str
    baseline_date_start: datetime.date | None
    baseline_date_end: datetime.date | None
    identified_on: datetime.date | None
    objective_id: int | None = None
    # Its top-level priority in the periods that ended before a variation of the
    # plan moved it (by period id); any other period's is ``priority_id``.
    priority_then: dict[int, int | None] | None = None


@dataclass(slots=True)
class _Update:
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


def change_of(update) -> str:
    """The change of status an update made, as ``PeriodState.Change`` ("" if none)."""
    if update.status == update.previous_status:
        return PeriodState.Change.NONE
    if update.status == Status.MERGED and update.merged_into_id is not None:
        return PeriodState.Change.MERGED
    if update.status == Status.ON_HOLD:
        return PeriodState.Change.ON_HOLD
    if update.status == Status.WILL_NOT_PROCEED:
        return PeriodState.Change.STOPPED
    if update.status == Status.SPLIT:
        return PeriodState.Change.SPLIT
    if update.previous_status == Status.ON_HOLD:
        return PeriodState.Change.RESUMED
    return PeriodState.Change.NONE


def moved_forecast(update, baseline_start, baseline_end) -> bool:
    """Whether an update re-dated an open deliverable: it gives a forecast whose
    window differs from the one before (or, with none before, from the milestone's)."""
    old = (update.previous_forecast_date_start, update.previous_forecast_date_end)
    if not update.previous_forecast_date:
        old = (baseline_start, baseline_end)
    new = (update.forecast_date_start, update.forecast_date_end)
    return (
        bool(update.forecast_date) and new != old and not rules.is_closed(update.status)
    )


def states_of(
    deliverable: _Deliverable,
    periods: list[ReportingPeriod],
    log: list[_Update],
) -> list[PeriodState]:
    """The unsaved rows of one deliverable: ``periods`` are its plan's, in order;
    ``log`` its counted updates, oldest first."""
    starts = {p.pk: p.starts_on for p in periods}
    rows: list[PeriodState] = []
    previous: PeriodState | None = None
    for period in periods:
        before = [u for u in log if starts[u.period_id] <= period.starts_on]
        in_plan = (
            deliverable.identified_on is None
            or deliverable.identified_on <= period.ends_on
            or bool(before)
        )
        if not in_plan:
            previous = None
            continue
        if before:
            latest = before[-1]
            state = PeriodState(
                status=latest.status,
                rag=latest.rag,
                percent_complete=latest.percent_complete,
                forecast_date=latest.forecast_date,
                latest_id=latest.pk,
            )
            forecast_end = latest.forecast_date_end
        elif log:
            # Not reported on yet: as it was before its first update.
            first = log[0]
            state = PeriodState(
                status=first.previous_status, forecast_date=first.previous_forecast_date
            )
            forecast_end = first.previous_forecast_date_end
        else:
            state = PeriodState(
                status=deliverable.status,
                rag=deliverable.rag,
                percent_complete=deliverable.percent_complete,
                forecast_date=deliverable.forecast_date,
            )
            forecast_end = deliverable.forecast_date_end
        state.deliverable_id = deliverable.pk
        state.period_id = period.pk
        state.priority_id = (
            deliverable.priority_then.get(period.pk, deliverable.priority_id)
            if deliverable.priority_then
            else deliverable.priority_id
        )
        state.position = deliverable.position
        state.reference = deliverable.reference
        state.late = rules.is_late(
            state.status,
            forecast_end,
            deliverable.baseline_date_end,
            rules.end_of(period),
        )
        state.forecast_after_milestone = rules.is_forecast_after_milestone(
            state.status, forecast_end, deliverable.baseline_date_end
        )
        state.new = (
            previous is None
            and deliverable.identified_on is not None
            and deliverable.identified_on >= period.starts_on
        )
        was = previous.status if previous is not None else None
        for update in (u for u in log if u.period_id == period.pk):
            if (
                update.status == Status.COMPLETED
                and (was or update.previous_status) != Status.COMPLETED
            ):
                state.completed = True
            if (
                update.status == Status.IN_PROGRESS
                and update.previous_status in NOT_STARTED
            ):
                state.started = True
            if change := change_of(update):
                state.change, state.change_update_id = change, update.pk
            if moved_forecast(
                update, deliverable.baseline_date_start, deliverable.baseline_date_end
            ):
                state.redated_id = update.pk
        rows.append(state)
        previous = state
    return rows


def _trees_then(
    periods: list[ReportingPeriod],
    parents: dict[Hashable, Hashable | None],
    variations: list,
) -> dict[int, tuple[dict, dict]]:
    """For each period of a plan that ended before one of its variations took
    effect: the priority tree then (each priority's parent) and the priority of each
    objective a variation moved, as they stood at the period's end
    (``plans.variations.structure``)."""
    moved = {
        entry["id"]: entry["values"]["priority_id"][1]
        for variation in variations
        for entry in variation.changes
        if entry.get("part") == "objective" and "priority_id" in entry.get("values", {})
    }
    trees: dict[int, tuple[dict, dict]] = {}
    for period in periods:
        if not any(v.takes_effect_on > period.ends_on for v in variations):
            continue
        tree = undone(
            {pk: {"parent_id": parent} for pk, parent in parents.items()},
            "priority",
            variations,
            period.ends_on,
        )
        placed = undone(
            {pk: {"priority_id": now} for pk, now in moved.items()},
            "objective",
            variations,
            period.ends_on,
        )
        trees[period.pk] = (
            {pk: row.get("parent_id") for pk, row in tree.items()},
            # Only the objectives whose place was undone: any other is where it
            # is today.
            {
                pk: row["priority_id"]
                for pk, row in placed.items()
                if row["priority_id"] != moved[pk]
            },
        )
    return trees


def _priority_then(
    deliverable: _Deliverable, trees: dict[int, tuple[dict, dict]]
) -> dict[int, int | None]:
    """The deliverable's top-level priority at the end of each period in ``trees``."""
    then: dict[int, int | None] = {}
    for period_id, (tree, placed) in trees.items():
        own = placed.get(deliverable.objective_id, deliverable.priority_id)
        chain = ancestors(own, tree)
        then[period_id] = chain[-1] if chain else None
    return then


def refresh(deliverable_ids: Iterable[int]) -> None:
    """Work out again every period's row of these deliverables (those that no longer
    exist are skipped): a few queries for each ``CHUNK`` of them."""
    ids = sorted(set(deliverable_ids))
    for start in range(0, len(ids), CHUNK):
        _refresh_chunk(ids[start : start + CHUNK])


# Inside a write's own transaction (as it almost always is), no savepoint: a failure
# here fails the write.
@transaction.atomic(savepoint=False)
def _refresh_chunk(ids: list[int]) -> None:
    deliverables = [
        _Deliverable(*row)
        for row in Deliverable.objects.filter(pk__in=ids)
        .order_by()
        .values_list(*_DELIVERABLE_COLUMNS)
    ]
    periods_of: dict[int, list[ReportingPeriod]] = defaultdict(list)
    for period in ReportingPeriod.objects.filter(
        plan_id__in={d.plan_id for d in deliverables}
    ).order_by("starts_on", "pk"):
        periods_of[period.plan_id].append(period)
    starts = {p.pk: p.starts_on for ps in periods_of.values() for p in ps}
    # Each state counts under its deliverable's top-level priority.
    parents: dict[Hashable, Hashable | None] = dict(
        Priority.objects.filter(plan_id__in={d.plan_id for d in deliverables})
        .order_by()
        .values_list("pk", "parent_id")
    )
    varied = variations_of({d.plan_id for d in deliverables})
    trees = {
        plan_id: _trees_then(periods_of[plan_id], parents, variations)
        for plan_id, variations in varied.items()
    }
    for deliverable in deliverables:
        if trees.get(deliverable.plan_id):
            deliverable.priority_then = _priority_then(
                deliverable, trees[deliverable.plan_id]
            )
        # A flat plan's deliverable is under no priority.
        chain = ancestors(deliverable.priority_id, parents)
        deliverable.priority_id = chain[-1] if chain else None
    logs: dict[int, list[_Update]] = defaultdict(list)
    for row in (
        ProgressUpdate.objects.filter(deliverable_id__in=ids)
        .filter(rules.counts_as_made())
        .order_by()
        .values_list(*_UPDATE_COLUMNS)
    ):
        update = _Update(*row)
        logs[update.deliverable_id].append(update)
    rows: list[PeriodState] = []
    for deliverable in deliverables:
        log = sorted(
            logs[deliverable.pk],
            key=lambda u: (starts[u.period_id], u.recorded_at, u.pk),
        )
        rows += states_of(deliverable, periods_of[deliverable.plan_id], log)
    PeriodState.objects.filter(deliverable_id__in=ids).delete()
    PeriodState.objects.bulk_create(rows, batch_size=1000)
    stamp({d.plan_id for d in deliverables})


def stamp(plan_ids: Iterable[int]) -> None:
    """Give these plans a new ``StatesStamp`` token, in the transaction under way:
    whatever was kept of their dashboard figures is not read again. One query."""
    if plan_ids := sorted(set(plan_ids)):
        # In the plans' order, so that two writers never wait on each other's rows.
        StatesStamp.objects.bulk_create(
            [StatesStamp(plan_id=pk, token=uuid.uuid4()) for pk in plan_ids],
            update_conflicts=True,
            unique_fields=["plan"],
            update_fields=["token"],
        )


def restamp(plan_id: int) -> None:
    """A new token for a plan that has one (nothing is kept for a plan without, and
    a plan being deleted may be gone already)."""
    StatesStamp.objects.filter(plan_id=plan_id).update(token=uuid.uuid4())


def refresh_plans(plan_ids: Iterable[int]) -> set[int]:
    """Work out again the rows of every deliverable of these plans; return their
    ids."""
    ids = set(
        Deliverable.objects.filter(plan_id__in=list(plan_ids))
        .order_by()
        .values_list("pk", flat=True)
    )
    refresh(ids)
    return ids


# Gathering the signals' work --------------------------------------------------

_pending: contextvars.ContextVar[tuple[set[int], set[int]] | None] = (
    contextvars.ContextVar("pending_period_states", default=None)
)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Refresh once, at the end, the rows of everything saved inside the block
    (nested blocks join the outermost)."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set((set(), set()))
    try:
        yield
        deliverable_ids, plan_ids = _pending.get() or (set(), set())
    finally:
        _pending.reset(token)
    if plan_ids:
        refreshed = refresh_plans(plan_ids)
        deliverable_ids = set(deliverable_ids) - refreshed
    refresh(deliverable_ids)


def changed(deliverable_ids: Iterable[int] = (), plan_ids: Iterable[int] = ()) -> None:
    """Say that these deliverables (or every deliverable of these plans) changed:
    refreshed now, or at the end of the ``batch`` under way."""
    pending = _pending.get()
    if pending is not None:
        pending[0].update(deliverable_ids)
        pending[1].update(plan_ids)
        return
    if plan_ids := list(plan_ids):
        refresh_plans(plan_ids)
    refresh(deliverable_ids)


def on_deliverable_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        changed([instance.pk])


def on_update_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        changed([instance.deliverable_id])


def on_deliverable_deleted(sender, instance, **kwargs) -> None:
    # Its states went with it (a cascade): the plan's figures change all the same.
    restamp(instance.plan_id)


def on_strands_changed(sender, instance, action, **kwargs) -> None:
    # The dashboard counts by strand: a deliverable moved between strands (from
    # either side of the relation; both belong to one plan) changes those counts.
    if action in ("post_add", "post_remove", "post_clear"):
        restamp(instance.plan_id)


def on_strand_deleted(sender, instance, **kwargs) -> None:
    restamp(instance.plan_id)


def on_milestone_changed(sender, instance, raw=False, **kwargs) -> None:
    # The dashboard lists the milestones due next quarter with its counts.
    if not raw:
        StatesStamp.objects.filter(
            plan_id__in=Deliverable.objects.filter(pk=instance.deliverable_id).values(
                "plan_id"
            )
        ).update(token=uuid.uuid4())


def on_review_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        changed([instance.update.deliverable_id])


def on_period_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        changed(plan_ids=[instance.plan_id])


def _moved(instance, field: str) -> bool:
    """Whether the save just made moved ``instance`` (a priority under another
    parent, an objective under another priority): its two latest history records
    differ in ``field``. One query; a rename moves nothing."""
    kept = list(
        instance.history.order_by("-history_id").values_list(field, flat=True)[:2]
    )
    return len(kept) < 2 or kept[0] != kept[1]


def on_objective_saved(sender, instance, raw=False, created=False, **kwargs) -> None:
    # Its deliverables' states carry its top-level priority, which changes only when
    # it moves (a new objective has no work yet).
    if not raw and not created and _moved(instance, "priority_id"):
        changed(
            Deliverable.objects.filter(objective=instance).values_list("pk", flat=True)
        )


def on_variation_saved(
    sender, instance, raw=False, update_fields=None, **kwargs
) -> None:
    """A variation moved to another day changes which quarters show the plan as it
    stood before it: the plan's states are worked out again. Its changes are
    counted as they are made (by the parts' own saves), so nothing else does."""
    if raw or not instance.changes:
        return
    if update_fields is not None and "takes_effect_on" not in update_fields:
        return
    changed(plan_ids=[instance.plan_id])


def on_priority_saved(sender, instance, raw=False, created=False, **kwargs) -> None:
    """A priority moved under another changes the top-level priority of the work
    beneath it: only the deliverables whose states now name the wrong one are
    worked out again (a title changed costs one query). Where the plan was varied,
    states of quarters before the variation rightly name the old one, and are
    worked out again too: moving a priority is rare."""
    if raw or created or not _moved(instance, "parent_id"):
        return
    parents: dict[Hashable, Hashable | None] = dict(
        Priority.objects.filter(plan_id=instance.plan_id).values_list("pk", "parent_id")
    )
    wrong = Q()
    for priority in parents:
        top = ancestors(priority, parents)[-1]
        wrong |= Q(deliverable__objective__priority_id=priority) & ~Q(priority_id=top)
    changed(
        PeriodState.objects.filter(deliverable__plan_id=instance.plan_id)
        .filter(wrong)
        .values_list("deliverable_id", flat=True)
        .distinct()
    )
