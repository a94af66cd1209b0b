"""Domain writes on deliverables. Views, the API, imports and commands all
call these.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from core import audit
from core.actors import Writer
from core.conflicts import StaleVersion
from core.history import attribute_to
from deliverables import fuzzydates, rules, states, tasks, visibility
from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    Rag,
    ReviewState,
    Status,
    UpdateReview,
)
from deliverables.permissions import needs_review
from plans.models import Objective, Plan, ReportingPeriod, Strand
from plans.permissions import edits_plan, edits_structure
from plans.selectors import (
    NOT_WORKED_WITH,
    owner_allowed,
    owner_stored,
    period_for_day,
    works_with,
)
from plans.services import reference_free
from plans.webhooks import events as webhook_events
from plans.webhooks import services as webhooks
from plans.webhooks.models import Event

_UNCHANGED: Any = object()


@dataclass
class Change:
    """One progress update to record on one deliverable; ``None`` keeps the current
    value. ``if_match`` is the deliverable's ETag as the caller read it: the change
    is refused with ``StaleVersion`` if someone wrote since. ``group`` is shared by
    the changes of one step to several deliverables (``change_several``, a merge),
    so the summary of changes can show them as one."""

    deliverable: Deliverable
    narrative: str
    status: str | None = None
    rag: str | None = None
    percent_complete: Any = _UNCHANGED
    forecast_date: str | None = None
    reason: str = ""
    merged_into: Deliverable | None = None
    period: ReportingPeriod | None = None
    if_match: str | None = None
    group: uuid.UUID | None = None


class ProgressRefused(ValidationError):
    """Some changes were refused, so none was recorded.

    ``errors`` maps each refused change's position to its fields' messages. As a
    ``ValidationError`` it carries the first refused change's fields, which is all a
    caller recording one change needs (a form shows them beside its fields)."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        self.errors = errors
        super().__init__(errors[min(errors)])


@transaction.atomic
def record_progress(
    *,
    changes: Sequence[Change],
    by: Writer,
    source: str = ProgressUpdate.Source.BROWSER,
    api_client: Any = None,
    recorded_at: datetime.datetime | None = None,
    locked: bool = False,
) -> list[ProgressUpdate]:
    """Append progress updates and bring each deliverable's current state into step:
    the one write of progress, whatever the door (browser, API single or bulk,
    returns, import, merge, split, admin, demo). A single update is a list of one.

    All or nothing: every change is checked against its deliverable's current state
    (several changes to one deliverable apply in order) and ``ProgressRefused`` lists
    every refused change's problems, having written nothing. Anything left as
    ``None`` keeps the deliverable's current value; a reason is required when the
    status or the forecast date changes. A change with ``if_match`` that no longer
    matches raises ``StaleVersion``.

    The deliverables are locked for the length of the transaction, in id order (so
    two writers cannot deadlock); pass ``locked=True`` when the caller already holds
    them, with their plans, selected for update. An update from a contributor waits
    for review when the plan asks for it: stored, but the deliverable changes only
    when an editor accepts it. With ``recorded_at`` (a return or history brought in
    late), an update older than an accepted one stays in the log but does not
    overwrite the newer state.

    History and the audit log are written the same way for every door: one INSERT of
    the updates, one UPDATE of the deliverables they change, one INSERT of history
    rows and the audit events, whatever the number of changes. Each returned update's
    ``deliverable`` is the saved, current row.
    """
    if locked:
        current_of = {change.deliverable.pk: change.deliverable for change in changes}
    else:
        # FOR NO KEY UPDATE (of the deliverables and their plans): writers and a
        # report being published still wait for each other, but the share locks
        # that the foreign-key checks take at commit do not, so two writers to one
        # plan cannot deadlock there.
        current_of = {
            d.pk: d
            for d in Deliverable.objects.select_for_update(no_key=True)
            .select_related("plan")
            .filter(pk__in=sorted({change.deliverable.pk for change in changes}))
            .order_by("pk")  # a fixed order, so two writers cannot deadlock
        }
    for change in changes:
        current = current_of[change.deliverable.pk]
        if change.if_match is not None and change.if_match.strip() not in {
            current.etag,
            "*",
        }:
            raise StaleVersion(current.etag)
    # Fresh: a period may just have locked.
    periods = _periods_of({d.plan_id for d in current_of.values()})
    now = recorded_at or timezone.now()
    updates, applies = _judge(
        changes,
        current_of=current_of,
        periods=periods,
        by=by,
        recorded_at=now,
        backdated=recorded_at is not None,
        source=source,
        api_client=api_client,
    )
    ProgressUpdate.objects.bulk_create(updates)
    touched: dict[int, Deliverable] = {}
    for update, applied in zip(updates, applies, strict=True):
        # Just written: no review yet.
        ProgressUpdate.review.related.set_cached_value(update, None)
        if applied:
            deliverable = current_of[update.deliverable_id]
            deliverable.updated_at = timezone.now() if recorded_at else now
            attribute_to(deliverable, by=by, reason=f"Progress update {update.pk}")
            touched[deliverable.pk] = deliverable
    changed = list(touched.values())
    _bulk_set(changed, APPLIED_FIELDS)
    Deliverable.history.bulk_history_create(changed, default_user=by, update=True)
    # The bulk writes above bypass the model signals: record each row here.
    audit.record_many(updates, audit.Action.CREATED)
    audit.record_many(changed, audit.Action.CHANGED)
    states.changed(current_of)
    _announce_recorded(updates, current_of, periods, source=source)
    return updates


#: Updates from these doors are not announced by webhook: an import of a plan, its
#: history or a quarterly return brings in many at once (docs/webhooks.md).
UNANNOUNCED_SOURCES = {ProgressUpdate.Source.IMPORT, ProgressUpdate.Source.DEMO}


def _announce_recorded(
    updates: Sequence[ProgressUpdate],
    current_of: Mapping[int, Deliverable],
    periods: Mapping[int, Sequence[ReportingPeriod]],
    *,
    source: str,
) -> None:
    """``update.recorded`` for each update, one emit per plan."""
    if source in UNANNOUNCED_SOURCES or not updates:
        return
    period_of = {p.pk: p for plan_periods in periods.values() for p in plan_periods}
    by_plan: dict[int, list[ProgressUpdate]] = {}
    for update in updates:
        update.deliverable = current_of[update.deliverable_id]
        if update.period_id in period_of:
            update.period = period_of[update.period_id]
        by_plan.setdefault(update.deliverable.plan_id, []).append(update)
    for plan_updates in by_plan.values():
        counted = [u for u in plan_updates if not u.requires_review]
        waiting = [u for u in plan_updates if u.requires_review]
        plan = plan_updates[0].deliverable.plan
        if counted:
            webhooks.emit_many(
                Event.UPDATE_RECORDED,
                plan=plan,
                items=[webhook_events.update_data(u) for u in counted],
            )
        if waiting:
            # Internal to the plan's bodies until accepted (deliverables.visibility).
            webhooks.emit_many(
                Event.UPDATE_RECORDED,
                plan=plan,
                items=[webhook_events.update_data(u) for u in waiting],
                internal_to=functools.partial(
                    visibility.organisations_seeing_internal, waiting[0]
                ),
            )


def check_progress(
    *, changes: Sequence[Change], by: Writer, source: str = ProgressUpdate.Source.ADMIN
) -> None:
    """Judge changes exactly as ``record_progress`` would, writing nothing: for a
    form that shows the problems beside its fields before its save step (the
    admin's). Raises ``ProgressRefused``."""
    current_of = {
        d.pk: d
        for d in Deliverable.objects.select_related("plan").filter(
            pk__in={change.deliverable.pk for change in changes}
        )
    }
    periods = _periods_of({d.plan_id for d in current_of.values()})
    # Copies read for the check, never saved: judging them changes nothing stored.
    _judge(
        changes,
        current_of=current_of,
        periods=periods,
        by=by,
        recorded_at=timezone.now(),
        backdated=False,
        source=source,
        api_client=None,
    )


def _judge(
    changes: Sequence[Change],
    *,
    current_of: dict[int, Deliverable],
    periods: dict[int, list[ReportingPeriod]],
    by: Writer,
    recorded_at: datetime.datetime,
    backdated: bool,
    source: str,
    api_client: Any,
) -> tuple[list[ProgressUpdate], list[bool]]:
    """Each change checked against its deliverable's state in turn (a change that
    applies is copied onto the deliverable in memory, so the next one sees it): the
    unsaved updates and whether each applies, or ``ProgressRefused`` listing every
    refused change."""
    updates: list[ProgressUpdate] = []
    applies: list[bool] = []
    errors: dict[int, dict[str, list[str]]] = {}
    # The start of the latest period each deliverable has a counted update for: an
    # update for an earlier period (an editor bringing history up to date) goes into
    # the log for its period, but the deliverable keeps its newer state. Read (once)
    # only when an update is for a period that a later one, begun by now, follows:
    # an update for the current period never needs it.
    latest: dict[int, datetime.date] | None = None
    applied_from: dict[int, datetime.date] = {}  # by this batch's earlier changes
    today = timezone.localdate()
    for index, change in enumerate(changes):
        current = current_of[change.deliverable.pk]
        try:
            update = _build(
                deliverable=current,
                change=change,
                by=by,
                recorded_at=recorded_at,
                source=source,
                api_client=api_client,
                periods=periods,
            )
        except ValidationError as error:
            errors[index] = error.message_dict
            continue
        updates.append(update)
        starts = update.period.starts_on
        followed = any(
            starts < p.starts_on <= today for p in periods.get(current.plan_id, [])
        )
        if followed and latest is None:
            latest = _latest_counted_starts(current_of)
        newest = max(
            (latest or {}).get(current.pk, starts),
            applied_from.get(current.pk, starts),
        )
        applied = (
            not update.requires_review
            and (not backdated or not _newer_accepted_exists(update))
            and starts >= newest
        )
        applies.append(applied)
        if applied:
            _copy_onto(deliverable=current, update=update)
            applied_from[current.pk] = starts
    if errors:
        raise ProgressRefused(errors)
    return updates, applies


def _bulk_set(objects: list[Deliverable], names: list[str], batch: int = 500) -> None:
    """Write these fields of many rows in one statement per batch.

    Django's bulk_update builds a CASE expression per row and field, which costs
    seconds for a thousand rows; an UPDATE joined to a list of VALUES costs
    milliseconds. Both PostgreSQL and SQLite (3.33+) support the join.
    """
    if not objects:
        return
    fields: list[Any] = [Deliverable._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(Deliverable._meta.db_table)
    columns: list[str] = ["id", *[field.column for field in fields]]
    sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns[1:])
    if connection.vendor == "postgresql":
        types = ["bigint", *[field.db_type(connection) for field in fields]]
        row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    else:
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    names_sql = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start : start + batch]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                params += [
                    field.get_db_prep_save(getattr(obj, field.attname), connection)
                    for field in fields
                ]
            values = ", ".join([row] * len(chunk))
            if connection.vendor == "postgresql":
                sql = (
                    f"UPDATE {table} SET {sets} FROM (VALUES {values}) "
                    f"AS v({names_sql}) WHERE {table}.id = v.id"
                )
            else:
                sql = (
                    f"WITH v({names_sql}) AS (VALUES {values}) "
                    f"UPDATE {table} SET {sets} FROM v WHERE {table}.id = v.id"
                )
            cursor.execute(sql, params)


def _periods_of(plan_ids: Iterable[int]) -> dict[int, list[ReportingPeriod]]:
    found: dict[int, list[ReportingPeriod]] = {}
    # No order (the default one joins the plans): callers sort what they need.
    for period in ReportingPeriod.objects.filter(plan_id__in=plan_ids).order_by():
        found.setdefault(period.plan_id, []).append(period)
    return found


def _build(
    *,
    deliverable: Deliverable,
    change: Change,
    by: Writer,
    recorded_at: datetime.datetime,
    source: str,
    api_client: Any,
    periods: dict[int, list[ReportingPeriod]] | None,
) -> ProgressUpdate:
    """Check one change against the deliverable's current state; return the unsaved
    update, or raise ValidationError keyed by field."""

    errors: dict[str, str] = {}
    new_status = change.status or deliverable.status
    if new_status not in Status.values:
        errors["status"] = "Choose a status from the list."
    new_rag = deliverable.rag if change.rag is None else change.rag
    if new_rag not in ["", *Rag.values]:
        errors["rag"] = "Choose green, amber or red, or leave it blank."
    new_percent = (
        deliverable.percent_complete
        if change.percent_complete is _UNCHANGED
        else change.percent_complete
    )
    if new_percent is not None and not 0 <= new_percent <= 100:
        errors["percent_complete"] = "Enter a whole number from 0 to 100."

    forecast = deliverable.fuzzy("forecast_date")
    if change.forecast_date is not None:
        try:
            forecast = fuzzydates.parse(
                change.forecast_date, default_year=deliverable.plan.year
            )
        except fuzzydates.FuzzyDateError as exc:
            errors["forecast_date"] = str(exc)

    if not (change.narrative or "").strip():
        errors["narrative"] = "Say what progress has been made."
    changed = (
        new_status != deliverable.status or forecast.text != deliverable.forecast_date
    )
    reason = (change.reason or "").strip()
    if changed and not reason:
        errors["reason"] = "Give a reason when the status or forecast date changes."

    merged_into = change.merged_into
    if new_status == Status.MERGED:
        if merged_into is None:
            errors["merged_into"] = "Choose the deliverable this one merged into."
        elif merged_into.pk == deliverable.pk:
            errors["merged_into"] = "A deliverable cannot merge into itself."
        elif merged_into.plan_id != deliverable.plan_id:
            errors["merged_into"] = "Choose a deliverable of the same plan."
    elif merged_into is not None:
        errors["merged_into"] = (
            "Only a merged deliverable has a deliverable to merge into."
        )

    period = change.period
    if period is not None:
        # Judge the period as stored now, not as the caller read it.
        fresh = {p.pk: p for p in (periods or {}).get(deliverable.plan_id, [])}
        period = fresh.get(period.pk, period)
    if period is None:
        day = timezone.localdate(recorded_at)
        period = period_for_day((periods or {}).get(deliverable.plan_id, []), day)
        if period is None:
            errors["period"] = "The plan has no reporting period for this date."
    elif period.plan_id != deliverable.plan_id:
        errors["period"] = "Choose a reporting period of the deliverable's plan."
    if period is not None and period.is_locked and "period" not in errors:
        errors["period"] = period.locked_message()

    if errors:
        raise ValidationError(errors)
    previous = deliverable.fuzzy("forecast_date")
    return ProgressUpdate(
        deliverable=deliverable,
        period=period,
        recorded_by=by,
        recorded_at=recorded_at,
        source=source,
        status=new_status,
        rag=new_rag,
        percent_complete=new_percent,
        forecast_date=forecast.text,
        forecast_date_start=forecast.start,
        forecast_date_end=forecast.end,
        merged_into=merged_into,
        narrative=change.narrative.strip(),
        reason=reason,
        previous_status=deliverable.status,
        previous_forecast_date=previous.text,
        previous_forecast_date_start=previous.start,
        previous_forecast_date_end=previous.end,
        api_client=api_client,
        requires_review=needs_review(by, deliverable),
        group=change.group,
    )


def _latest_counted_starts(
    current_of: Mapping[int, Deliverable],
) -> dict[int, datetime.date]:
    """For each deliverable, the start of the latest period it has an update for
    that counts as made (one query)."""
    return dict(
        ProgressUpdate.objects.filter(deliverable_id__in=list(current_of))
        .filter(rules.counts_as_made())
        .order_by()
        .values("deliverable_id")
        .annotate(latest=Max("period__starts_on"))
        .values_list("deliverable_id", "latest")
    )


def _newer_accepted_exists(update: ProgressUpdate) -> bool:
    # Only an update of the same period or a later one can be newer: one for an
    # earlier period recorded since (history brought up to date) is older news.
    return (
        ProgressUpdate.objects.filter(
            deliverable_id=update.deliverable_id,
            recorded_at__gt=update.recorded_at,
            period__starts_on__gte=update.period.starts_on,
        )
        .filter(rules.counts_as_made())
        .exists()
    )


#: The deliverable's fields that follow its latest accepted update.
APPLIED_FIELDS = [
    "status",
    "rag",
    "percent_complete",
    "forecast_date",
    "forecast_date_start",
    "forecast_date_end",
    "merged_into",
    "completed_on",
    "updated_at",
]


def _copy_onto(*, deliverable: Deliverable, update: ProgressUpdate) -> None:
    """Copy an accepted update's values onto the deliverable (in memory)."""
    deliverable.status = update.status
    deliverable.rag = update.rag
    deliverable.percent_complete = update.percent_complete
    deliverable.forecast_date = update.forecast_date
    deliverable.forecast_date_start = update.forecast_date_start
    deliverable.forecast_date_end = update.forecast_date_end
    deliverable.merged_into = update.merged_into
    if update.status == Status.COMPLETED and deliverable.completed_on is None:
        deliverable.completed_on = timezone.localdate(update.recorded_at)
    elif update.status != Status.COMPLETED:
        deliverable.completed_on = None


@transaction.atomic
def accept_update(
    *, update: ProgressUpdate, by: Writer, comment: str = ""
) -> UpdateReview:
    """Accept an update that waited for review; the deliverable takes its values."""
    return _review(update=update, by=by, decision=ReviewState.ACCEPTED, comment=comment)


@transaction.atomic
def return_update(*, update: ProgressUpdate, by: Writer, comment: str) -> UpdateReview:
    """Return an update to its author with a comment; the deliverable is unchanged."""
    return _review(update=update, by=by, decision=ReviewState.RETURNED, comment=comment)


@states.batch()
def _review(
    *, update: ProgressUpdate, by: Writer, decision: str, comment: str
) -> UpdateReview:
    deliverable = (
        Deliverable.objects.select_for_update(no_key=True)
        .select_related("plan")
        .get(pk=update.deliverable_id)
    )
    if not edits_plan(by, deliverable.plan):
        raise PermissionDenied("Only the plan's editors review updates.")
    if (
        not update.requires_review
        or UpdateReview.objects.filter(update=update).exists()
    ):
        raise ValidationError({"update": "This update is not waiting for review."})
    if decision == ReviewState.ACCEPTED:
        period = ReportingPeriod.objects.get(pk=update.period_id)
        if period.is_locked:
            raise ValidationError({"update": period.locked_message()})
    if decision == ReviewState.RETURNED and not comment.strip():
        raise ValidationError({"comment": "Say why the update is being returned."})
    review = UpdateReview.objects.create(
        update=update, decision=decision, comment=comment.strip(), reviewed_by=by
    )
    later = _latest_counted_starts({deliverable.pk: deliverable}).get(deliverable.pk)
    if (
        decision == ReviewState.ACCEPTED
        and not _newer_accepted_exists(update)
        and (later is None or update.period.starts_on >= later)
    ):
        _copy_onto(deliverable=deliverable, update=update)
        attribute_to(deliverable, by=by, reason=f"Accepted progress update {update.pk}")
        deliverable.save()
    # The author hears once the decision is committed (deliverables.notifications).
    tasks.queue_review_notice(review)
    update.deliverable = deliverable
    webhooks.emit(
        Event.UPDATE_ACCEPTED
        if decision == ReviewState.ACCEPTED
        else Event.UPDATE_RETURNED,
        plan=deliverable.plan,
        data=webhook_events.update_data(update, review=review),
        # A returned update stays internal to the plan's bodies.
        internal_to=None
        if decision == ReviewState.ACCEPTED
        else functools.partial(visibility.organisations_seeing_internal, update),
    )
    return review


def _locked(ids: Iterable[int]) -> dict[int, Deliverable]:
    """These deliverables as stored now, with their plans, locked until the
    transaction ends: in id order, as ``record_progress`` locks them, so that two
    writers cannot deadlock (and a plan's row is held, so two steps that add to one
    plan take their turns)."""
    return {
        d.pk: d
        for d in Deliverable.objects.select_for_update(no_key=True)
        .select_related("plan")
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    }


def _in_order(
    asked: Iterable[Deliverable], current: Mapping[int, Deliverable]
) -> list[Deliverable]:
    """``asked`` as ``_locked`` read them, once each, in the caller's order (any
    deleted since left out)."""
    return list({d.pk: current[d.pk] for d in asked if d.pk in current}.values())


def _check_versions(
    current: Iterable[Deliverable], if_match: Mapping[int, str] | None
) -> None:
    """With ``if_match`` (each deliverable's ETag as read, by id; "*" for any),
    ``StaleVersion`` unless every one of ``current`` is unchanged."""
    if if_match is None:
        return
    for deliverable in current:
        expected = (if_match.get(deliverable.pk) or "").strip()
        if expected not in {deliverable.etag, "*"}:
            raise StaleVersion(deliverable.etag)


#: How a message names each closed status (``rules.CLOSED_STATUSES``).
_CLOSED_AS = {
    Status.COMPLETED: "is completed",
    Status.WILL_NOT_PROCEED: "was stopped (will not proceed)",
    Status.MERGED: "is already merged",
    Status.SPLIT: "was split",
}


def _closed_as(deliverable: Deliverable) -> str:
    status = Status(deliverable.status)
    said = _CLOSED_AS.get(status, f"is {status.label.lower()}")
    return f"{deliverable.reference} {said}"


def _closed_message(deliverable: Deliverable, doing: str) -> str:
    """Why a closed deliverable (``rules.is_closed``) cannot be ``doing``."""
    return f"{_closed_as(deliverable)}: only open work can be {doing}."


def _merge_problems(umbrella_plan: Plan, merged: Iterable[Deliverable]) -> list[str]:
    """Why some of ``merged`` cannot merge into a deliverable of ``umbrella_plan``."""
    problems = []
    for deliverable in merged:
        if deliverable.plan_id != umbrella_plan.pk:
            problems.append(
                f"{deliverable.reference} is in another plan: only work of "
                f"{umbrella_plan.reference} can be merged here."
            )
        elif deliverable.is_closed:
            problems.append(_closed_message(deliverable, "merged"))
    return problems


def _problems_by_field(
    refused: ProgressRefused,
    changes: Sequence[Change],
    *,
    asked: Collection[str],
    rest: str,
) -> dict[str, list[str]]:
    """A refused step's problems, for one form: those of the fields the caller
    asked about (``asked``, the same for every deliverable) once each; the rest
    under ``rest``, each named by its deliverable's reference (a period's problem
    once, unnamed, when the caller did not ask for the period)."""
    found: dict[str, list[str]] = {}
    for index, fields in sorted(refused.errors.items()):
        reference = changes[index].deliverable.reference
        for name, messages in fields.items():
            for message in messages:
                if name in asked:
                    key, text = name, message
                elif name == "period":
                    key, text = rest, message
                else:
                    key, text = rest, f"{reference}: {message}"
                if text not in found.setdefault(key, []):
                    found[key].append(text)
    return found


@transaction.atomic
@states.batch()
def merge_deliverables(
    *,
    umbrella: Deliverable,
    merged: list[Deliverable],
    reason: str,
    by: Writer,
    period: ReportingPeriod | None = None,
    if_match: Mapping[int, str] | None = None,
) -> list[ProgressUpdate]:
    """Merge several deliverables into one umbrella deliverable of the same plan.

    Each merged deliverable gets a progress update saying what it joined and why,
    for ``period`` (by default the one an update written today belongs to), so the
    merge shows in its timeline and in the summary of changes; the updates share
    one ``group``, so the summary shows the merge as one. Only open deliverables of
    the umbrella's plan merge, into an open one. Plan editors only. With
    ``if_match`` (each deliverable's ETag as read, by id), the merge goes ahead
    only if the umbrella and every merged one are unchanged, else ``StaleVersion``.
    All or nothing: ``ValidationError`` keyed by ``merged``, ``reason``,
    ``umbrella`` and (when the caller chose it) ``period``.
    """

    if not edits_plan(by, umbrella.plan):
        raise PermissionDenied("Only the plan's editors merge deliverables.")
    current = _locked([umbrella.pk, *(d.pk for d in merged)])
    _check_versions(current.values(), if_match)
    umbrella = current.get(umbrella.pk, umbrella)
    chosen = _in_order(merged, current)
    errors: dict[str, list[str]] = {}
    if not chosen:
        errors["merged"] = ["Choose the deliverables to merge into this one."]
    if not (reason or "").strip():
        errors["reason"] = ["Say why they are being merged."]
    if any(d.pk == umbrella.pk for d in chosen):
        errors.setdefault("merged", []).append(
            "A deliverable cannot merge into itself."
        )
    elif problems := _merge_problems(umbrella.plan, chosen):
        errors.setdefault("merged", []).extend(problems)
    if umbrella.is_closed:
        errors["umbrella"] = [
            f"{_closed_as(umbrella)}: choose an open deliverable to merge into."
        ]
    if errors:
        raise ValidationError(errors)
    group = uuid.uuid4()
    changes = [
        Change(
            deliverable=deliverable,
            narrative=f"Merged into {umbrella.reference} {umbrella.title}.",
            status=Status.MERGED,
            merged_into=umbrella,
            reason=reason.strip(),
            period=period,
            group=group,
        )
        for deliverable in chosen
    ]
    try:
        updates = record_progress(changes=changes, by=by, locked=True)
    except ProgressRefused as refused:
        asked = {"period"} if period is not None else set()
        raise ValidationError(
            _problems_by_field(refused, changes, asked=asked, rest="merged")
        ) from refused
    webhooks.emit(
        Event.DELIVERABLE_MERGED,
        plan=umbrella.plan,
        data=webhook_events.deliverable_data(
            umbrella,
            merged=[webhook_events.deliverable_summary(u.deliverable) for u in updates],
        ),
    )
    return updates


_PLAIN_NUMBER = r"^[0-9]+$"


def next_free_number(used: set[str], prefix: str = "") -> str:
    """The next plain number after the highest one used under ``prefix`` ("12" after
    "1" to "11"; "3.4" under "3." after "3.1" to "3.3"); ``used`` gains it."""
    highest = 0
    for reference in used:
        reference = reference.strip()
        tail = reference.removeprefix(prefix) if prefix else reference
        if (not prefix or reference.startswith(prefix)) and tail.isdigit():
            highest = max(highest, int(tail))
    found = f"{prefix}{highest + 1}"
    used.add(found)
    return found


def next_free_reference(*, plan: Plan, taken: Iterable[str] | None = None) -> str:
    """The reference a new deliverable of ``plan`` takes when none is given: the
    next plain number ("101" when 1 to 100 exist; "1" when none is). ``taken``: the
    references in use, when the caller holds them, else read from the plan."""
    if taken is None:
        taken = Deliverable.objects.filter(
            plan=plan, reference__regex=_PLAIN_NUMBER
        ).values_list("reference", flat=True)
    return next_free_number(set(taken))


def _shared(values: Iterable[Any]) -> Any:
    """The one value all of ``values`` share, else None."""
    found = set(values)
    return found.pop() if len(found) == 1 else None


@transaction.atomic
@states.batch()
def merge_into_new(
    *,
    plan: Plan,
    merged: list[Deliverable],
    title: str,
    reference: str = "",
    objective: Objective | None = None,
    reason: str,
    by: Writer,
    period: ReportingPeriod | None = None,
    if_match: Mapping[int, str] | None = None,
) -> Deliverable:
    """Create an umbrella deliverable of ``plan`` and merge ``merged`` into it, in one
    step: both or neither.

    The umbrella takes ``title`` and ``reference`` (when blank, the next free plain
    number: ``next_free_reference``); the objective given, else the one the merged
    deliverables share (none in a flat plan, or when they differ); their lead
    organisation when they share one, else the plan's owner; the strands they all
    share; in progress when any of them was, else future. It joins the plan in the
    period of the merge (so the dashboard lists it as newly identified there), and
    the merge is ``merge_deliverables``'s, for ``period``. Plan editors only.
    ``ValidationError`` keyed by field, having written nothing. With ``if_match``
    (each merged deliverable's ETag as read, by id), ``StaleVersion`` unless every
    one is unchanged.
    """
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors merge deliverables.")
    current = _locked(d.pk for d in merged)
    chosen = _in_order(merged, current)
    _check_versions(chosen, if_match)
    title, reference = (title or "").strip(), (reference or "").strip()
    errors: dict[str, list[str]] = {}
    if not chosen:
        errors["merged"] = ["Choose the deliverables to merge."]
    elif problems := _merge_problems(plan, chosen):
        errors["merged"] = problems
    if not title:
        errors["title"] = ["Give the new deliverable a title."]
    elif len(title) > 300:
        errors["title"] = ["Keep the title to 300 characters or fewer."]
    if len(reference) > 50:
        errors["reference"] = ["Keep the reference to 50 characters or fewer."]
    elif (
        reference
        and Deliverable.objects.filter(plan=plan, reference=reference).exists()
    ):
        errors["reference"] = [
            f"{reference} is already a deliverable of this plan: give another "
            "reference, or leave it blank for the next free number."
        ]
    if objective is not None and objective.plan_id != plan.pk:
        errors["objective"] = ["Choose an objective of this plan."]
    if not (reason or "").strip():
        errors["reason"] = ["Say why they are being merged."]
    if period is not None and period.plan_id != plan.pk:
        errors["period"] = ["Choose a reporting period of this plan."]
    if errors:
        raise ValidationError(errors)
    day = timezone.localdate()
    if period is not None:
        day = min(max(day, period.starts_on), period.ends_on)
    strands = [set(ids) for ids in _strands_of([d.pk for d in chosen]).values()]
    in_all = set.intersection(*strands) if len(strands) == len(chosen) else set()
    umbrella = Deliverable(
        plan=plan,
        objective_id=(
            objective.pk if objective else _shared(d.objective_id for d in chosen)
        ),
        reference=reference or next_free_reference(plan=plan),
        title=title,
        lead_organisation_id=(
            _shared(d.lead_organisation_id for d in chosen) or plan.owner_id
        ),
        status=(
            Status.IN_PROGRESS
            if any(d.status == Status.IN_PROGRESS for d in chosen)
            else Status.FUTURE
        ),
        position=min(d.position for d in chosen),
        identified_on=day if plan.starts_on <= day else None,
    )
    save_deliverable(deliverable=umbrella, by=by)
    if in_all:
        umbrella.strands.set(sorted(in_all))
    merge_deliverables(
        umbrella=umbrella, merged=chosen, reason=reason, by=by, period=period
    )
    return umbrella


def _strands_of(deliverable_ids: list[int]) -> dict[int, list[int]]:
    """Each deliverable's strands (one query)."""
    found: dict[int, list[int]] = {}
    for deliverable_id, strand_id in Deliverable.strands.through.objects.filter(
        deliverable_id__in=deliverable_ids
    ).values_list("deliverable_id", "strand_id"):
        found.setdefault(deliverable_id, []).append(strand_id)
    return found


class GroupAction(models.TextChoices):
    """What ``change_several`` does to each deliverable chosen."""

    HOLD = "hold", "Put on hold"
    RESUME = "resume", "Resume after a hold"
    REDATE = "redate", "Re-date"
    STOP = "stop", "Stop: will not proceed"


def _unsuitable(
    deliverable: Deliverable, *, plan: Plan, action: str, forecast: str | None
) -> str | None:
    """Why ``action`` makes no sense for ``deliverable``, or None. ``forecast``: a
    re-dating's new forecast date as stored (None when it does not parse)."""
    if deliverable.plan_id != plan.pk:
        return (
            f"{deliverable.reference} is in another plan: choose deliverables of "
            f"{plan.reference} only."
        )
    if action == GroupAction.RESUME:
        if deliverable.status != Status.ON_HOLD:
            return f"{deliverable.reference} is not on hold."
        return None
    doing = {
        GroupAction.HOLD: "put on hold",
        GroupAction.REDATE: "re-dated",
        GroupAction.STOP: "stopped",
    }[GroupAction(action)]
    if deliverable.is_closed:
        return _closed_message(deliverable, doing)
    if action == GroupAction.HOLD and deliverable.status == Status.ON_HOLD:
        return f"{deliverable.reference} is already on hold."
    if action == GroupAction.REDATE and forecast == deliverable.forecast_date:
        return f"{deliverable.reference} is already forecast for {forecast}."
    return None


@transaction.atomic
def change_several(
    *,
    plan: Plan,
    deliverables: Sequence[Deliverable],
    action: str,
    reason: str,
    by: Writer,
    period: ReportingPeriod | None = None,
    forecast_date: str = "",
    if_match: Mapping[int, str] | None = None,
) -> list[ProgressUpdate]:
    """Change several deliverables of ``plan`` in one step, for one reason: put them
    on hold, resume them after a hold, re-date them (``forecast_date``, required) or
    stop them (will not proceed).

    Each gets its own progress update, for ``period`` (by default the one an update
    written today belongs to), all recorded by one ``record_progress`` and sharing
    one ``group``, so the summary of changes shows them as one. All or nothing: a
    deliverable of another plan, or one the change makes no sense for (a closed one,
    by ``rules.is_closed``; one already on hold; one not on hold to resume), refuses
    the whole step. ``ValidationError`` keyed by ``deliverables``, ``action``,
    ``reason``, ``forecast_date`` and ``period``. Plan editors only. With
    ``if_match`` (each deliverable's ETag as read, by id), ``StaleVersion`` unless
    every one is unchanged.
    """
    if not edits_structure(by, plan):
        raise PermissionDenied("Only the plan's editors change deliverables together.")
    current = _locked(d.pk for d in deliverables)
    chosen = _in_order(deliverables, current)
    _check_versions(chosen, if_match)
    errors: dict[str, list[str]] = {}
    if action not in GroupAction.values:
        errors["action"] = ["Choose what to do with them."]
    if not chosen:
        errors["deliverables"] = ["Choose the deliverables to change."]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["Say why they are changing."]
    forecast_date = (forecast_date or "").strip()
    forecast: str | None = None
    if action == GroupAction.REDATE:
        if not forecast_date:
            errors["forecast_date"] = ["Give the new forecast date."]
        else:
            try:
                forecast = fuzzydates.parse(forecast_date, default_year=plan.year).text
            except fuzzydates.FuzzyDateError as exc:
                errors["forecast_date"] = [str(exc)]
    if "action" not in errors:
        problems = [
            problem
            for d in chosen
            if (problem := _unsuitable(d, plan=plan, action=action, forecast=forecast))
        ]
        if problems:
            errors.setdefault("deliverables", []).extend(problems)
    if errors:
        raise ValidationError(errors)
    status, narrative = {
        GroupAction.HOLD: (Status.ON_HOLD, "Put on hold."),
        GroupAction.RESUME: (Status.IN_PROGRESS, "Resumed after a hold."),
        GroupAction.REDATE: (None, f"Forecast date moved to {forecast}."),
        GroupAction.STOP: (Status.WILL_NOT_PROCEED, "Stopped: will not proceed."),
    }[GroupAction(action)]
    group = uuid.uuid4()
    changes = [
        Change(
            deliverable=deliverable,
            narrative=narrative,
            status=status,
            forecast_date=forecast_date if action == GroupAction.REDATE else None,
            reason=reason,
            period=period,
            group=group,
        )
        for deliverable in chosen
    ]
    try:
        return record_progress(changes=changes, by=by, locked=True)
    except ProgressRefused as refused:
        raise ValidationError(
            _problems_by_field(
                refused,
                changes,
                asked={"period", "forecast_date", "reason"},
                rest="deliverables",
            )
        ) from refused


@transaction.atomic
@states.batch()
def split_deliverable(
    *,
    deliverable: Deliverable,
    titles: list[str],
    reason: str,
    by: Writer,
    if_match: str | None = None,
) -> list[Deliverable]:
    """Split a deliverable into new ones, each taking a part of its scope.

    The parts keep its objective, lead, owners and dates, get references ``<ref>.1``,
    ``<ref>.2``... (the first free ones) and point back at it; the original is closed
    with the status "split" and a progress update that names the parts and the reason.
    Plan editors only. With ``if_match``, the split goes ahead only if the
    deliverable's ETag still matches, else ``StaleVersion``.
    """

    original = (
        Deliverable.objects.select_for_update(no_key=True)
        .select_related("plan")
        .get(pk=deliverable.pk)
    )
    if not edits_plan(by, original.plan):
        raise PermissionDenied("Only the plan's editors split deliverables.")
    if if_match is not None and if_match.strip() not in {original.etag, "*"}:
        raise StaleVersion(original.etag)
    titles = [t.strip() for t in titles if t.strip()]
    errors: dict[str, str] = {}
    if len(titles) < 2:
        errors["titles"] = "Give at least two new deliverables, one title per line."
    elif any(len(t) > 300 for t in titles):
        errors["titles"] = "Keep each title to 300 characters or fewer."
    if not (reason or "").strip():
        errors["reason"] = "Say why it is being split."
    if original.is_closed:
        errors["titles"] = "Only an open deliverable can be split."
    if errors:
        raise ValidationError(errors)
    taken = set(original.plan.deliverables.values_list("reference", flat=True))
    roles = list(original.owners.values_list("role", "organisation_id"))
    parts, number = [], 0
    for title in titles:
        number += 1
        while f"{original.reference}.{number}" in taken:
            number += 1
        part = Deliverable(
            plan=original.plan,
            objective=original.objective,
            reference=f"{original.reference}.{number}",
            title=title,
            description=original.description,
            lead_organisation=original.lead_organisation,
            lead_user=original.lead_user,
            delivering_unit=original.delivering_unit,
            expected_benefits=original.expected_benefits,
            status=original.status,
            rag=original.rag,
            baseline_date=original.baseline_date,
            forecast_date=original.forecast_date,
            split_from=original,
            position=original.position,
            identified_on=timezone.localdate(),
        )
        attribute_to(part, by=by, reason=f"Split from {original.reference}")
        part.save()
        for position, (role, organisation_id) in enumerate(roles):
            part.owners.create(
                role=role, organisation_id=organisation_id, position=position
            )
        part.strands.set(original.strands.all())
        parts.append(part)
    names = ", ".join(f"{p.reference} {p.title}" for p in parts)
    record_progress(
        changes=[
            Change(
                deliverable=original,
                status=Status.SPLIT,
                narrative=f"Split into {names}.",
                reason=reason.strip(),
            )
        ],
        locked=True,
        by=by,
    )
    webhooks.emit(
        Event.DELIVERABLE_SPLIT,
        plan=original.plan,
        data=webhook_events.deliverable_data(
            original, parts=[webhook_events.deliverable_summary(p) for p in parts]
        ),
    )
    return parts


def owner_roles(roles: Iterable[str]) -> list[str]:
    """Owner roles as given, trimmed, blanks and repeats left out, in order."""
    return list(dict.fromkeys(role.strip() for role in roles if role.strip()))


def _part_problems(
    deliverable: Deliverable,
    owners: list[str] | None,
    strands: Sequence[Strand] | None,
) -> dict[str, list[str]]:
    """The rules of a deliverable's owners and strands, which its model does not
    hold: each role fits its column, each strand is one of the same plan's."""
    problems: dict[str, list[str]] = {}
    if owners is not None and any(len(role) > OWNER_ROLE_LENGTH for role in owners):
        problems["owners"] = ["Keep each owner to 200 characters or fewer."]
    if strands is not None:
        others = [s.name for s in strands if s.plan_id != deliverable.plan_id]
        if others:
            problems["strands"] = [
                f"Choose strands of the same plan: {', '.join(others)} is not."
            ]
    return problems


#: How long an owner's role may be (``DeliverableOwner.role``).
OWNER_ROLE_LENGTH = 200


@transaction.atomic
def save_deliverable(
    *,
    deliverable: Deliverable,
    by: Writer,
    owners: list[str] | None = None,
    strands: Sequence[Strand] | None = None,
) -> Deliverable:
    """Add or change a deliverable of a plan, with its owner roles in order when
    ``owners`` is given and exactly ``strands`` when given; raises
    ``ValidationError`` keyed by field (an objective or strand of another plan, a
    reference the plan already uses, a lead organisation the plan's body does not
    work with unless it is the one stored), having written nothing. Progress (status,
    RAG, dates forecast) is ``record_progress``'s."""
    if owners is not None:
        owners = owner_roles(owners)
    errors = _part_problems(deliverable, owners, strands)
    if deliverable.plan_id and not owner_allowed(
        deliverable.plan,
        deliverable.lead_organisation_id,
        stored=owner_stored(Deliverable, deliverable, "lead_organisation_id"),
    ):
        errors["lead_organisation"] = [NOT_WORKED_WITH]
    try:
        if deliverable.plan_id:
            reference_free(
                Deliverable, instance=deliverable, plan_id=deliverable.plan_id
            )
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        # A reference used twice is told beside its field, not again as a whole.
        deliverable.full_clean(validate_constraints="reference" not in errors)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    attribute_to(deliverable, by=by)
    created = deliverable._state.adding
    deliverable.save()
    if owners is not None:
        sync_owners(deliverable, owners, by=by)
    if strands is not None:
        deliverable.strands.set(strands)
    webhooks.emit(
        Event.DELIVERABLE_CREATED if created else Event.DELIVERABLE_CHANGED,
        plan=deliverable.plan,
        data=webhook_events.deliverable_data(deliverable),
    )
    return deliverable


@dataclass
class NewDeliverable:
    """One deliverable to add by ``add_deliverables``: the row, not yet saved, with
    its owner roles and strands."""

    deliverable: Deliverable
    owners: list[str]
    strands: list[Strand]


class DeliverablesRefused(ValidationError):
    """Some of the deliverables to add were refused, so none was added.

    ``errors`` maps each refused one's position to its fields' messages."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        self.errors = errors
        super().__init__(errors[min(errors)])


#: Relations a bulk addition checks from the rows it has read, not one query each.
_RELATIONS = [
    "plan",
    "objective",
    "lead_organisation",
    "lead_user",
    "merged_into",
    "split_from",
]


@transaction.atomic
def add_deliverables(
    *, plan: Plan, items: Sequence[NewDeliverable], by: Writer
) -> list[Deliverable]:
    """Add many deliverables to ``plan`` at once, all or nothing, by the rules of
    ``save_deliverable`` (the same fields, an objective and strands of the same
    plan, each reference once in the plan) but written in bulk, as the importer
    writes: a few statements however many there are, with the same history rows and
    audit events. Every item is checked before anything is written;
    ``DeliverablesRefused`` lists every refused one's problems.

    The caller gives each row its objective, lead organisation and strands already
    read (the API reads them in one query each)."""
    Plan.objects.select_for_update().filter(pk=plan.pk).first()  # one adder at a time
    taken = set(plan.deliverables.values_list("reference", flat=True))
    partners = set(works_with([plan.owner_id]).values_list("pk", flat=True))
    first_use: dict[str, int] = {}
    errors: dict[int, dict[str, list[str]]] = {}
    for index, item in enumerate(items):
        deliverable = item.deliverable
        deliverable.plan = plan
        item.owners = owner_roles(item.owners)
        problems = _part_problems(deliverable, item.owners, item.strands)
        if deliverable.lead_organisation_id not in partners:
            problems["lead_organisation"] = [NOT_WORKED_WITH]
        try:
            deliverable.clean_fields(exclude=_RELATIONS)
            deliverable.clean()
        except ValidationError as error:
            problems = {**error.message_dict, **problems}
        reference = deliverable.reference
        if reference in taken:
            problems.setdefault("reference", []).append(
                f"The reference {reference} is already used in the plan."
            )
        elif reference in first_use:
            problems.setdefault("reference", []).append(
                f"The reference {reference} is also given to item "
                f"{first_use[reference]}: give each deliverable its own."
            )
        first_use.setdefault(reference, index)
        if problems:
            errors[index] = problems
    if errors:
        raise DeliverablesRefused(errors)
    added = [attribute_to(item.deliverable, by=by) for item in items]
    Deliverable.objects.bulk_create(added, batch_size=500)
    Deliverable.history.bulk_history_create(added, default_user=by)
    audit.record_many(added, audit.Action.CREATED)
    owners = [
        attribute_to(
            DeliverableOwner(
                deliverable=item.deliverable, role=role, position=position
            ),
            by=by,
        )
        for item in items
        for position, role in enumerate(item.owners)
    ]
    DeliverableOwner.objects.bulk_create(owners, batch_size=500)
    DeliverableOwner.history.bulk_history_create(owners, default_user=by)
    audit.record_many(owners, audit.Action.CREATED)
    through: Any = Deliverable.strands.through
    through.objects.bulk_create(
        [
            through(deliverable_id=item.deliverable.pk, strand_id=strand.pk)
            for item in items
            for strand in dict.fromkeys(item.strands)
        ],
        batch_size=500,
    )
    states.changed([d.pk for d in added])
    webhooks.emit_many(
        Event.DELIVERABLE_CREATED,
        plan=plan,
        items=[webhook_events.deliverable_data(d) for d in added],
    )
    return added


def sync_owners(deliverable: Deliverable, roles: list[str], *, by: Writer) -> bool:
    """Make the deliverable's owner roles exactly ``roles``, in order; say whether
    anything changed."""
    current = list(deliverable.owners.all())
    if [o.role for o in current] == roles:
        return False
    keep = {o.role: o for o in current}
    for owner in current:
        if owner.role not in roles:
            attribute_to(owner, by=by)
            owner.delete()
    for position, role in enumerate(roles):
        owner = keep.get(role) or DeliverableOwner(deliverable=deliverable, role=role)
        if owner.pk is None or owner.position != position:
            owner.position = position
            attribute_to(owner, by=by)
            owner.save()
    return True


@transaction.atomic
def save_milestone(*, milestone: Milestone, by: Writer) -> Milestone:
    """Add or change a deliverable's milestone, checked by the model's rules."""
    milestone.full_clean()
    attribute_to(milestone, by=by)
    milestone.save()
    return milestone
