"""Webhook writes: subscribing, emitting events, attempting deliveries, disabling.

``emit`` is what the rest of the service calls where something happens. It costs one
query when nobody listens; otherwise two or three more (the organisations that may see
the plan, in one query; the message; the deliveries), whatever the number of
endpoints. Sending happens after the transaction commits, never inside it.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from core.actors import Writer
from plans.models import Organisation, Plan
from plans.permissions import administers
from plans.webhooks import delivery
from plans.webhooks.events import plan_summary
from plans.webhooks.models import (
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
    new_secret,
)
from plans.webhooks.tasks import send_webhook

logger = logging.getLogger(__name__)

# -- subscribing ------------------------------------------------------------------


def check_endpoint_url(url: str) -> None:
    """Refuse a URL that is not HTTPS on a public address, naming the reason."""
    try:
        delivery.check(url)
    except delivery.AddressRefused as refused:
        raise ValidationError({"url": f"The address {refused}."}) from refused


def _checked_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in Event.values]
    if unknown:
        raise ValidationError({"events": f"No such event: {', '.join(unknown)}."})
    if not chosen:
        raise ValidationError({"events": "Choose at least one event."})
    return chosen


def _refuse_unless_administers(by: Writer, organisation: Organisation) -> None:
    if not administers(by, organisation):
        raise PermissionDenied(
            "Only the organisation's administrators manage webhooks."
        )


@transaction.atomic
def subscribe(
    *,
    organisation: Organisation,
    url: str,
    events: Iterable[str],
    by: Writer,
    description: str = "",
) -> WebhookEndpoint:
    """Subscribe an organisation's HTTPS endpoint to events (administrators only)."""
    _refuse_unless_administers(by, organisation)
    chosen = _checked_events(events)
    check_endpoint_url(url)
    if WebhookEndpoint.objects.filter(organisation=organisation, url=url).exists():
        raise ValidationError({"url": "This organisation already has that endpoint."})
    return WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        events=chosen,
        description=description,
        created_by=by,
    )


@transaction.atomic
def change_endpoint(
    *, endpoint: WebhookEndpoint, by: Writer, **fields: Any
) -> WebhookEndpoint:
    """Change an endpoint's URL, description, events, or whether it is enabled.
    Enabling a disabled endpoint starts its record of failures afresh."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _refuse_unless_administers(by, endpoint.organisation)
    if "events" in fields:
        fields["events"] = _checked_events(fields["events"])
    if "url" in fields and fields["url"] != endpoint.url:
        check_endpoint_url(fields["url"])
    enabled = fields.pop("enabled", endpoint.enabled)
    if enabled and not endpoint.enabled:
        fields |= {"disabled_at": None, "disabled_reason": "", "failing_since": None}
    elif not enabled and endpoint.enabled:
        fields |= {
            "disabled_at": timezone.now(),
            "disabled_reason": f"Disabled by {by.get_username()}.",
        }
    fields["enabled"] = enabled
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean(exclude=["organisation", "created_by"])
    endpoint.save()
    return endpoint


@transaction.atomic
def rotate_secret(*, endpoint: WebhookEndpoint, by: Writer) -> WebhookEndpoint:
    """Give the endpoint a new signing secret; the old one stops working at once."""
    return change_endpoint(endpoint=endpoint, by=by, secret=new_secret())


# -- emitting ---------------------------------------------------------------------


def _organisations_seeing(plan: Plan, org_ids: Sequence[int]) -> set[int]:
    """Which of these organisations may see the plan: the plans' own rule
    (``PlanQuerySet.seen_by_organisations``), asked for all of them in one query."""
    checks = {
        f"o{org_id}": Exists(
            Plan.objects.seen_by_organisations([org_id]).filter(pk=plan.pk)
        )
        for org_id in org_ids
    }
    row = Plan.objects.filter(pk=plan.pk).values(**checks).first() or {}
    return {org_id for org_id in org_ids if row.get(f"o{org_id}")}


def _listening(event_type: str) -> list[WebhookEndpoint]:
    # Filtered here rather than in SQL: a JSON list's "contains" is not portable to
    # SQLite, and enabled endpoints are few.
    endpoints = WebhookEndpoint.objects.filter(enabled=True).only(
        "pk", "organisation_id", "events", "enabled"
    )
    return [e for e in endpoints if e.hears(event_type)]


def emit(
    event_type: str,
    *,
    plan: Plan,
    data: dict[str, Any],
    once_key: str = "",
    internal_to: Callable[[], Collection[int]] | None = None,
) -> WebhookMessage | None:
    """Record the event for every enabled endpoint subscribed to it whose
    organisation may see ``plan``, and send it once the transaction commits.

    With ``once_key``, an event already sent with that key is not sent again.
    With ``internal_to`` (an event about something internal to the plan's bodies,
    such as an update waiting for review), only endpoints of the organisations it
    gives are told; it is asked only when someone listens.
    Returns the message, or None when nobody was told."""
    return emit_many(
        event_type,
        plan=plan,
        items=[data],
        once_key=once_key,
        internal_to=internal_to,
    )[0]


def emit_many(
    event_type: str,
    *,
    plan: Plan,
    items: Sequence[dict[str, Any]],
    once_key: str = "",
    internal_to: Callable[[], Collection[int]] | None = None,
) -> list[WebhookMessage | None]:
    """``emit`` for several events of one type about one plan (a bulk change): the
    endpoints and who may see the plan are looked up once for all of them."""
    assert event_type in Event.values, event_type
    nobody: list[WebhookMessage | None] = [None] * len(items)
    if not items:
        return nobody
    endpoints = _listening(event_type)
    if not endpoints:
        return nobody
    if (
        once_key
        and WebhookMessage.objects.filter(
            event_type=event_type, once_key=once_key
        ).exists()
    ):
        return nobody
    if internal_to is not None:
        allowed = set(internal_to())
        endpoints = [e for e in endpoints if e.organisation_id in allowed]
        if not endpoints:
            return nobody
    seeing = _organisations_seeing(plan, sorted({e.organisation_id for e in endpoints}))
    endpoints = [e for e in endpoints if e.organisation_id in seeing]
    if not endpoints:
        return nobody
    now = timezone.now()
    messages = WebhookMessage.objects.bulk_create(
        [
            WebhookMessage(
                event_type=event_type,
                once_key=once_key,
                payload=_payload(event_type, now, {"plan": plan_summary(plan)} | data),
            )
            for data in items
        ]
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=endpoint, message=message, next_attempt_at=now)
            for message in messages
            for endpoint in endpoints
        ]
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _queue_first_attempts(ids))
    return list(messages)


def _payload(
    event_type: str, at: datetime.datetime, data: dict[str, Any]
) -> dict[str, Any]:
    # Through JSON and back, so that dates and decimals are stored as they are sent.
    body = {"type": event_type, "timestamp": at.isoformat(), "data": data}
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _queue_first_attempts(ids: list[int]) -> None:
    for delivery_id in ids:
        send_webhook.enqueue(delivery_id)


def send_again(*, deliveries: Iterable[WebhookDelivery], by: Writer) -> int:
    """Queue a fresh round of attempts now for each delivery, whatever became of it
    (delivered, given up or pending), keeping its message id. Returns how many."""
    chosen = list(deliveries)
    for one in chosen:
        _refuse_unless_administers(by, one.endpoint.organisation)
    ids = [one.pk for one in chosen]
    with transaction.atomic():
        count = WebhookDelivery.objects.filter(pk__in=ids).update(
            attempts=0,
            next_attempt_at=timezone.now(),
            delivered_at=None,
            failed_at=None,
            first_failed_at=None,
        )
        transaction.on_commit(lambda: _queue_first_attempts(ids))
    return count


def body_text(message: WebhookMessage) -> str:
    """The message's body, indented for people to read."""
    return json.dumps(message.payload, indent=2)
