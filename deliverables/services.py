"""Domain writes on deliverables. Views, the API, imports and commands all
call these.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deliverables import fuzzydates
from deliverables.models import (
    Deliverable,
    ProgressUpdate,
    Rag,
    ReviewState,
    Status,
    UpdateReview,
)
from plans.models import ReportingPeriod
from plans.services import attribute_to

_UNCHANGED: Any = object()


class StaleVersion(Exception):
    """The caller's If-Match no longer matches the deliverable: someone wrote first."""

    def __init__(self, current_etag: str):
        self.current_etag = current_etag
        super().__init__("The deliverable has changed since it was read.")


def period_for(
    *, deliverable: Deliverable, on: datetime.date
) -> ReportingPeriod | None:
    """The deliverable's plan period that contains the day ``on``, if there is one."""
    return ReportingPeriod.objects.filter(
        plan_id=deliverable.plan_id, starts_on__lte=on, ends_on__gte=on
    ).first()


@transaction.atomic
def record_progress(
    *,
    deliverable: Deliverable,
    by: Any,
    narrative: str,
    status: str | None = None,
    rag: str | None = None,
    percent_complete: int | None = _UNCHANGED,
    forecast_date: str | None = None,
    reason: str = "",
    merged_into: Deliverable | None = None,
    period: ReportingPeriod | None = None,
    source: str = ProgressUpdate.Source.BROWSER,
    recorded_at: datetime.datetime | None = None,
    api_client: Any = None,
    if_match: str | None = None,
) -> ProgressUpdate:
    """Append a progress update and bring the deliverable's current state into step.

    Anything left as ``None`` keeps the deliverable's current value. A reason is
    required when the status or the forecast date changes. The deliverable row is locked
    for the length of the transaction, so two updates cannot interleave. An update dated
    before the latest one is stored in the log but does not overwrite the newer state.

    An update from a contributor waits for review when the plan asks for it: it is
    stored, but the deliverable changes only when an editor accepts it. With
    ``if_match``, the write goes ahead only if the deliverable's ETag still matches
    (checked under the row lock), else ``StaleVersion``.

    Raises ``ValidationError`` keyed by field name, having written nothing.
    """
    from deliverables.permissions import needs_review

    deliverable = (
        Deliverable.objects.select_for_update()
        .select_related("plan")
        .get(pk=deliverable.pk)
    )
    if if_match is not None and if_match.strip() not in {deliverable.etag, "*"}:
        raise StaleVersion(deliverable.etag)
    recorded_at = recorded_at or timezone.now()
    errors: dict[str, str] = {}

    new_status = status or deliverable.status
    if new_status not in Status.values:
        errors["status"] = "Choose a status from the list."
    new_rag = deliverable.rag if rag is None else rag
    if new_rag not in ["", *Rag.values]:
        errors["rag"] = "Choose green, amber or red, or leave it blank."
    new_percent = (
        deliverable.percent_complete
        if percent_complete is _UNCHANGED
        else percent_complete
    )
    if new_percent is not None and not 0 <= new_percent <= 100:
        errors["percent_complete"] = "Enter a whole number from 0 to 100."

    new_forecast = deliverable.forecast_date
    if forecast_date is not None:
        try:
            new_forecast = fuzzydates.parse(
                forecast_date, default_year=deliverable.plan.year
            ).text
        except fuzzydates.FuzzyDateError as exc:
            errors["forecast_date"] = str(exc)

    if not (narrative or "").strip():
        errors["narrative"] = "Say what progress has been made."
    changed = (
        new_status != deliverable.status or new_forecast != deliverable.forecast_date
    )
    if changed and not (reason or "").strip():
        errors["reason"] = "Give a reason when the status or forecast date changes."

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

    if period is None:
        period = period_for(deliverable=deliverable, on=timezone.localdate(recorded_at))
        if period is None:
            errors["period"] = "The plan has no reporting period for this date."
    elif period.plan_id != deliverable.plan_id:
        errors["period"] = "Choose a reporting period of the deliverable's plan."

    if errors:
        raise ValidationError(errors)

    update = ProgressUpdate(
        deliverable=deliverable,
        period=period,
        recorded_by=by,
        recorded_at=recorded_at,
        source=source,
        status=new_status,
        rag=new_rag,
        percent_complete=new_percent,
        forecast_date=new_forecast,
        merged_into=merged_into,
        narrative=narrative.strip(),
        reason=(reason or "").strip(),
        previous_status=deliverable.status,
        previous_forecast_date=deliverable.forecast_date,
        api_client=api_client,
        requires_review=needs_review(by, deliverable),
    )
    update.save()
    if not update.requires_review:
        _apply_if_latest(deliverable=deliverable, update=update, by=by)
    return update


def _apply_if_latest(
    *, deliverable: Deliverable, update: ProgressUpdate, by: Any
) -> None:
    """Apply an accepted update unless a newer accepted one already stands."""
    newer = (
        deliverable.updates.filter(recorded_at__gt=update.recorded_at)
        .filter(Q(requires_review=False) | Q(review__decision=ReviewState.ACCEPTED))
        .exists()
    )
    if not newer:
        _apply(deliverable=deliverable, update=update, by=by)


@transaction.atomic
def accept_update(
    *, update: ProgressUpdate, by: Any, comment: str = ""
) -> UpdateReview:
    """Accept an update that waited for review; the deliverable takes its values."""
    return _review(update=update, by=by, decision=ReviewState.ACCEPTED, comment=comment)


@transaction.atomic
def return_update(*, update: ProgressUpdate, by: Any, comment: str) -> UpdateReview:
    """Return an update to its author with a comment; the deliverable is unchanged."""
    return _review(update=update, by=by, decision=ReviewState.RETURNED, comment=comment)


def _review(
    *, update: ProgressUpdate, by: Any, decision: str, comment: str
) -> UpdateReview:
    from plans.permissions import edits_plan

    deliverable = (
        Deliverable.objects.select_for_update()
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
    if decision == ReviewState.RETURNED and not comment.strip():
        raise ValidationError({"comment": "Say why the update is being returned."})
    review = UpdateReview.objects.create(
        update=update, decision=decision, comment=comment.strip(), reviewed_by=by
    )
    if decision == ReviewState.ACCEPTED:
        _apply_if_latest(deliverable=deliverable, update=update, by=by)
    return review


def _apply(*, deliverable: Deliverable, update: ProgressUpdate, by: Any) -> None:
    """Copy an update's values onto the deliverable, recording who in its history."""
    deliverable.status = update.status
    deliverable.rag = update.rag
    deliverable.percent_complete = update.percent_complete
    deliverable.forecast_date = update.forecast_date
    deliverable.merged_into = update.merged_into
    if update.status == Status.COMPLETED and deliverable.completed_on is None:
        deliverable.completed_on = timezone.localdate(update.recorded_at)
    elif update.status != Status.COMPLETED:
        deliverable.completed_on = None
    attribute_to(deliverable, by=by, reason=f"Progress update {update.pk}")
    deliverable.save()
