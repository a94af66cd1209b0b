"""Attempting deliveries: signing, sending, recording the answer, scheduling the
next attempt, and disabling an endpoint that has failed for a day.

Called by the tasks (``plans.webhooks.tasks``); never inside a transaction, so that a
request over the network holds no database lock.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from plans.models import Membership
from plans.webhooks import delivery
from plans.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage

logger = logging.getLogger(__name__)

#: After the n-th failed attempt, the next is tried this much later (Standard
#: Webhooks' schedule): eight attempts over about a day and a quarter.
RETRY_DELAYS = (
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
    datetime.timedelta(hours=10),
)
#: An endpoint that has failed for this long without a success is disabled.
FAILING_FOR = datetime.timedelta(days=1)
#: How long one attempt holds its delivery, so that two workers do not both send it.
CLAIM_FOR = datetime.timedelta(minutes=2)


# -- sending ----------------------------------------------------------------------


def body_of(message: WebhookMessage) -> bytes:
    """The bytes sent (and signed) for a message."""
    return json.dumps(message.payload, separators=(",", ":")).encode()


def signed_headers(
    *, endpoint: WebhookEndpoint, message: WebhookMessage, body: bytes, at: Any
) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (signed at the attempt's
    time)."""
    return {
        "webhook-id": message.pk,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(
            msg_id=message.pk, timestamp=at, data=body
        ),
    }


def attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Make the delivery's next attempt if it is due, its endpoint enabled and no
    other worker has it; record the answer and schedule the next attempt or give up.

    Not in a transaction: the request over the network must not hold one open.
    Returns the delivery as recorded, or None if nothing was attempted."""
    now = timezone.now()
    found = (
        WebhookDelivery.objects.select_related("endpoint", "message")
        .filter(pk=delivery_id)
        .first()
    )
    if found is None or found.next_attempt_at is None:  # delivered or given up
        return None
    if not found.endpoint.enabled or found.next_attempt_at > now:
        return None
    # Claimed by moving its next attempt on: only one worker's UPDATE matches.
    claimed = WebhookDelivery.objects.filter(
        pk=found.pk,
        next_attempt_at=found.next_attempt_at,
        delivered_at__isnull=True,
        failed_at__isnull=True,
    ).update(next_attempt_at=now + CLAIM_FOR)
    if not claimed:
        return None
    body = body_of(found.message)
    outcome = delivery.post(
        url=found.endpoint.url,
        body=body,
        headers=signed_headers(
            endpoint=found.endpoint, message=found.message, body=body, at=now
        ),
    )
    return _record(found, outcome, at=now)


def _record(
    found: WebhookDelivery, outcome: delivery.Outcome, *, at: datetime.datetime
) -> WebhookDelivery:
    attempts = found.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500],
        "last_attempt_at": at,
    }
    endpoint = found.endpoint
    if outcome.delivered:
        values |= {"delivered_at": at, "next_attempt_at": None}
        WebhookDelivery.objects.filter(pk=found.pk).update(**values)
        WebhookEndpoint.objects.filter(
            pk=endpoint.pk, failing_since__isnull=False
        ).update(failing_since=None)
    else:
        gave_up = attempts > len(RETRY_DELAYS)
        if gave_up:
            values |= {"failed_at": at, "next_attempt_at": None}
        else:
            values["next_attempt_at"] = at + RETRY_DELAYS[attempts - 1]
        values["first_failed_at"] = found.first_failed_at or at
        WebhookDelivery.objects.filter(pk=found.pk).update(**values)
        WebhookEndpoint.objects.filter(
            pk=endpoint.pk, failing_since__isnull=True
        ).update(failing_since=at)
        failing_since = (
            WebhookEndpoint.objects.filter(pk=endpoint.pk)
            .values_list("failing_since", flat=True)
            .first()
        )
        if gave_up:
            disable(
                endpoint=endpoint,
                reason=f"Gave up on a message after {attempts} failed attempts "
                f"(last: {outcome.error})",
            )
        elif failing_since is not None and failing_since <= at - FAILING_FOR:
            disable(
                endpoint=endpoint,
                reason=f"Every attempt failed for a day (last: {outcome.error})",
            )
    found.refresh_from_db()
    return found


def send_due(*, limit: int = 500) -> int:
    """Attempt the deliveries whose next attempt is due; disable endpoints that have
    failed for a day. Returns how many were attempted."""
    now = timezone.now()
    for endpoint in WebhookEndpoint.objects.filter(
        enabled=True, failing_since__lte=now - FAILING_FOR
    ):
        disable(endpoint=endpoint, reason="Every attempt failed for a day.")
    due = list(
        WebhookDelivery.objects.pending()
        .filter(next_attempt_at__lte=now, endpoint__enabled=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(attempt(delivery_id=pk) is not None for pk in due)


# -- disabling --------------------------------------------------------------------


def disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Disable a failing endpoint, give up its pending deliveries, and e-mail its
    organisation's administrators (once: only the call that disables it sends).
    Returns whether this call disabled it."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not endpoint.enabled:
            return False
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = reason[:300]
        endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason"])
        WebhookDelivery.objects.pending().filter(endpoint=endpoint).update(
            failed_at=now,
            next_attempt_at=None,
        )
    _tell_administrators(endpoint)
    return True


def _tell_administrators(endpoint: WebhookEndpoint) -> None:
    recipients = sorted(
        Membership.objects.filter(
            organisation_id=endpoint.organisation_id,
            role=Membership.Role.ADMIN,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        logger.warning(
            "Webhook endpoint %s disabled; no administrator to tell.", endpoint.pk
        )
        return
    link = settings.SITE_URL.rstrip("/") + reverse(
        "admin:plans_webhookendpoint_change", args=[endpoint.pk]
    )
    send_mail(
        subject="A webhook endpoint has been disabled",
        message=(
            f"We have stopped sending events to {endpoint.url}.\n\n"
            f"Why: {endpoint.disabled_reason}\n\n"
            "Events are not kept for it while it is disabled. When the receiver works "
            "again, enable the endpoint and use “Send again” on the deliveries you "
            f"need:\n{link}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
