"""The platform's records: the audit log's row (who wrote what, when and from where;
append-only) and the answers kept for retried API requests.

The rules that make the audit log append-only are in three places: here (the model
and its queryset refuse to change or delete a row), in the database (triggers,
``core/audit_guards.py``) and in the admin (read-only).

Both tables keep the names they had when they lived in the plans app.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.actors import ADMIN, Actor, roles_of, sees_everything
from core.changes import describe_events


class AuditEventFinal(Exception):
    """An audit event was asked to change or go: it never may."""

    def __init__(self) -> None:
        super().__init__("Audit events are never changed or deleted.")


class AuditEventQuerySet(models.QuerySet):
    """Reads only: ``update()`` and ``delete()`` are refused, whatever the filter."""

    def update(self, **kwargs: Any) -> int:
        raise AuditEventFinal

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditEventFinal

    def bulk_update(self, objs: Any, fields: Any, batch_size: Any = None) -> int:
        raise AuditEventFinal

    def concerning(self, organisation_ids: list[int]) -> AuditEventQuerySet:
        """Events by the organisations' people and API clients, and events on their
        plans, deliverables and other records."""
        # The plan model through the loose reference: the platform imports no app.
        plan: Any = self.model._meta.get_field("plan").related_model
        plans = plan._base_manager.filter(owner_id__in=organisation_ids).values("pk")
        return self.filter(
            Q(actor_organisation_id__in=organisation_ids)
            | Q(organisation_id__in=organisation_ids)
            | Q(plan_id__in=plans)
        )

    def visible_to(self, actor: Actor) -> AuditEventQuerySet:
        """Superusers see every event; an organisation's administrators see the
        events that concern it; nobody else sees any."""
        if sees_everything(actor):
            return self.all()
        admin_of = [org for org, role in roles_of(actor).items() if role == ADMIN]
        if not admin_of:
            return self.none()
        return self.concerning(admin_of)


def _loose_reference(to: str, help_text: str) -> Any:
    """A reference kept without a foreign key constraint, so that the event outlives
    what it names."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text=help_text,
    )


class AuditEvent(models.Model):
    """One write to the service's data, or one sign-in, as it happened.

    Written in the same transaction as the change it records, so a change that is
    rolled back leaves no event. Never changed or deleted: the model, its queryset and
    database triggers all refuse.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"
        SIGNED_IN = "signed-in", "Signed in"
        SIGNED_OUT = "signed-out", "Signed out"
        SIGN_IN_FAILED = "sign-in-failed", "Sign-in failed"

    class Via(models.TextChoices):
        BROWSER = "browser", "Browser"
        API = "api", "API"
        ADMIN = "admin", "Admin"
        COMMAND = "command", "Command"
        TASK = "task", "Background task"
        SYSTEM = "system", "System"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person (or API client's service account) who acted.",
    )
    actor_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="The username as it was, or the name tried at a failed sign-in.",
    )
    api_client = models.ForeignKey(
        "plans.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The API client whose token made the request, if any.",
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    # The organisations the event concerns, kept as plain ids (no foreign key
    # constraint) so that an event outlives what it names, even the deletion of the
    # organisation or plan itself.
    actor_organisation = _loose_reference(
        "plans.Organisation", "The organisation the actor acted for."
    )
    organisation = _loose_reference(
        "plans.Organisation", "The organisation the record belongs to or is led by."
    )
    plan = _loose_reference("plans.Plan", "The plan the record belongs to.")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(
        max_length=100, help_text='The model, such as "deliverables.ProgressUpdate".'
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_text = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text='What changed: {"field": [old, new]}; secrets are never stored.',
    )
    address = models.CharField(max_length=64, blank=True)
    request = models.CharField(
        max_length=300, blank=True, help_text='Method and path, such as "POST /..."'
    )
    user_agent = models.CharField(max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()
    # The changes in words, once put there by ``core.changes.describe_events``.
    changes_shown: list[str]

    class Meta:
        db_table = "plans_auditevent"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEventFinal
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditEventFinal

    @property
    def who(self) -> str:
        """The actor as people know them now (an anonymised account reads as
        such), else the name stored at the time."""
        if self.api_client is not None:
            return f"{self.api_client.name} (API client)"
        if self.actor is not None:
            return self.actor.get_full_name() or self.actor.get_username()
        return self.actor_name or "Nobody signed in"

    @property
    def object_kind(self) -> str:
        """The record's kind in words, such as "progress update"."""
        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type

    def changes_in_words(self) -> list[str]:
        """Each change as "Field: old → new" in words (labels, names, dates, a
        file's name and size), for the page and the export. Pages of events put
        them in words together first (``core.changes.describe_events``), so that
        the names of linked records cost one query per kind, not one per event."""
        if not hasattr(self, "changes_shown"):
            describe_events([self])
        return self.changes_shown


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, kept for retries."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True)
    headers = models.JSONField(
        default=dict, help_text="Headers of the first answer a retry gets again (ETag)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "plans_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="idempotency_key_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class NotificationChoices(models.Model):
    """Which e-mails about progress updates a person chooses to get.

    Someone without a row gets the defaults: told when an update of theirs is
    returned, not when one is accepted, and (editors only) a daily digest of the
    updates waiting for their review. Written by
    ``core.accounts.notifications.choose_notifications``, which records who.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_choices",
    )
    when_returned = models.BooleanField("An update of mine is returned", default=True)
    when_accepted = models.BooleanField("An update of mine is accepted", default=False)
    review_digest = models.BooleanField(
        "Daily digest of updates waiting for my review",
        default=True,
        help_text="Only editors and administrators review updates.",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "notification choices"

    def __str__(self) -> str:
        return f"Notifications for {self.user}"

    @classmethod
    def of(cls, user: Any) -> NotificationChoices:
        """The person's choices, or the defaults (unsaved) when they made none."""
        try:
            return cls.objects.get(user=user)
        except cls.DoesNotExist:
            return cls(user=user)
