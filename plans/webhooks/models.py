"""Webhooks: an organisation's systems told of events as they happen.

An endpoint is an organisation's HTTPS address subscribed to some event types. Each
event is one message (its ``webhook-id`` stays the same on every attempt, so a receiver
can drop repeats) and one delivery per endpoint that hears it. Deliveries are the
log the administrator reads: attempts, the last answer, and when the next try is due.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.actors import ADMIN, roles_of, sees_everything


class Event(models.TextChoices):
    """The event types an endpoint may subscribe to (Standard Webhooks' dotted
    names)."""

    UPDATE_RECORDED = "update.recorded", "A progress update is recorded"
    UPDATE_ACCEPTED = "update.accepted", "A progress update is accepted"
    UPDATE_RETURNED = "update.returned", "A progress update is returned"
    PERIOD_OPENED = "period.opened", "A reporting period is opened (or reopened)"
    PERIOD_CLOSING_SOON = "period.closing_soon", "A reporting period closes soon"
    PERIOD_LOCKED = "period.locked", "A reporting period is locked"
    REPORT_PUBLISHED = "report.published", "A quarterly report is published"
    DELIVERABLE_CREATED = "deliverable.created", "A deliverable is created"
    DELIVERABLE_CHANGED = "deliverable.changed", "A deliverable is changed"
    DELIVERABLE_MERGED = "deliverable.merged", "Deliverables are merged"
    DELIVERABLE_SPLIT = "deliverable.split", "A deliverable is split"


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: ``whsec_`` and 32 random
    bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def administered_by(actor: Any) -> list[int]:
    """The organisations the actor administers: webhooks are theirs to see."""
    return [org for org, role in roles_of(actor).items() if role == ADMIN]


class WebhookEndpointQuerySet(models.QuerySet):
    def visible_to(self, actor: Any) -> WebhookEndpointQuerySet:
        """Endpoints of the organisations the actor administers."""
        if sees_everything(actor):
            return self.all()
        return self.filter(organisation_id__in=administered_by(actor))


class WebhookDeliveryQuerySet(models.QuerySet):
    def visible_to(self, actor: Any) -> WebhookDeliveryQuerySet:
        """Deliveries to the endpoints of the organisations the actor administers."""
        if sees_everything(actor):
            return self.all()
        return self.filter(endpoint__organisation_id__in=administered_by(actor))

    def pending(self) -> WebhookDeliveryQuerySet:
        return self.filter(delivered_at__isnull=True, failed_at__isnull=True)


class WebhookEndpoint(models.Model):
    """An organisation's HTTPS address that is sent the events it subscribes to."""

    organisation = models.ForeignKey(
        "plans.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(
        "URL",
        max_length=500,
        help_text="An https:// address on the public internet.",
    )
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list, help_text="The event types sent to this endpoint."
    )
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        help_text="Signs every payload (Standard Webhooks); the receiver verifies it.",
    )
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the current run of failures began; none after a success.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        app_label = "plans"
        ordering = ["organisation__name", "url"]
        verbose_name = "webhook endpoint"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "url"], name="webhook_endpoint_url_unique"
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="https://"),
                name="webhook_endpoint_https",
            ),
            models.CheckConstraint(
                condition=Q(secret__startswith="whsec_"),
                name="webhook_endpoint_secret_form",
            ),
            models.CheckConstraint(
                condition=Q(enabled=True, disabled_at__isnull=True)
                | Q(enabled=False, disabled_at__isnull=False),
                name="webhook_endpoint_disabled_when",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def hears(self, event_type: str) -> bool:
        return self.enabled and event_type in self.events


class WebhookMessage(models.Model):
    """One event, as sent: its id is the ``webhook-id`` header on every attempt."""

    id = models.CharField(
        primary_key=True, max_length=40, default=new_message_id, editable=False
    )
    event_type = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField(help_text="The body sent: type, timestamp and data.")
    once_key = models.CharField(
        max_length=100,
        blank=True,
        help_text="For events sent once only (a period closing soon): what it was.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "plans"
        ordering = ["-created_at"]
        verbose_name = "webhook message"
        constraints = [
            models.CheckConstraint(
                condition=Q(id__startswith="msg_"), name="webhook_message_id_form"
            ),
            models.CheckConstraint(
                condition=Q(event_type__in=Event.values),
                name="webhook_message_event_valid",
            ),
            models.UniqueConstraint(
                fields=["event_type", "once_key"],
                condition=~Q(once_key=""),
                name="webhook_message_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class WebhookDelivery(models.Model):
    """One message to one endpoint: pending (with the next attempt due), delivered,
    or given up."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="deliveries"
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Attempts since it was queued (or sent again)."
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the attempts were given up."
    )
    first_failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        app_label = "plans"
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "message"], name="webhook_delivery_once"
            ),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(failed_at__isnull=True),
                name="webhook_delivery_delivered_or_failed",
            ),
            # Pending deliveries have a next attempt; finished ones none.
            models.CheckConstraint(
                condition=Q(
                    next_attempt_at__isnull=False,
                    delivered_at__isnull=True,
                    failed_at__isnull=True,
                )
                | (
                    Q(next_attempt_at__isnull=True)
                    & (Q(delivered_at__isnull=False) | Q(failed_at__isnull=False))
                ),
                name="webhook_delivery_next_attempt_when_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} to {self.endpoint}"

    @property
    def state(self) -> str:
        if self.delivered_at:
            return "delivered"
        if self.failed_at:
            return "given up"
        return "pending"
