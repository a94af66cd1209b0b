"""The recommendations register: what an inspection, a panel or the review of the
annual report asked the policing body to do, when the answer is due, and the answer.

A recommendation's due date comes from its source's rule (``scrutiny.rules``): 56
days after publication for an HMICFRS report, a configured number of days for the
others, or a date the editor gives when no rule applies.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliverables.models import Deliverable
from plans.models import Organisation, Plan
from plans.querysets import PlanScopedQuerySet
from scrutiny import rules


class Recommendation(models.Model):
    """A recommendation or area for improvement the policing body must answer."""

    class Source(models.TextChoices):
        HMICFRS = "hmicfrs", "HMICFRS inspection report"
        PANEL_REPORT = "panel_report", "Police and crime panel report"
        ANNUAL_REVIEW = "annual_review", "Panel review of the annual report"
        OTHER = "other", "Other"

    class State(models.TextChoices):
        OPEN = "open", "Awaiting a response"
        RESPONDED = "responded", "Responded"
        CLOSED = "closed", "Closed"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="recommendations"
    )
    reference = models.CharField(
        max_length=50,
        blank=True,
        help_text='The source\'s own reference, such as "AFI 3" or "Rec 1".',
    )
    text = models.TextField("recommendation")
    source = models.CharField(max_length=20, choices=Source.choices)
    source_title = models.CharField(
        "title of the source",
        max_length=300,
        help_text='Such as "PEEL 2023-25: States of Jersey Police".',
    )
    source_url = models.URLField(
        "address of the source", blank=True, help_text="Where the source is published."
    )
    published_on = models.DateField(
        help_text="The day the report that made it was published."
    )
    due_on = models.DateField(
        "response due",
        null=True,
        blank=True,
        help_text=(
            "Set from the source's rule; given by hand only when no rule applies "
            "(empty when no date was asked for)."
        ),
    )
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="recommendations",
        help_text="The organisation that must respond.",
    )
    deliverables = models.ManyToManyField(
        Deliverable, blank=True, related_name="recommendations"
    )
    actions = models.ManyToManyField(
        "scrutiny.ScrutinyAction", blank=True, related_name="recommendations"
    )
    response = models.TextField(blank=True)
    responded_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "due_on", "reference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "reference"],
                condition=~Q(reference=""),
                name="recommendation_reference_unique_in_plan",
            ),
            models.CheckConstraint(
                condition=Q(
                    source__in=["hmicfrs", "panel_report", "annual_review", "other"]
                ),
                name="recommendation_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "responded", "closed"]),
                name="recommendation_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=F("published_on")),
                name="recommendation_due_not_before_published",
            ),
            models.CheckConstraint(
                condition=Q(state="open")
                | (~Q(response="") & Q(responded_on__isnull=False)),
                name="recommendation_responded_has_response",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_on__isnull=False),
                name="recommendation_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        label = self.reference or self.source_title
        return f"{label}: {self.text[:60]}"

    @property
    def is_overdue(self) -> bool:
        """Awaiting its response after its due date, today (``scrutiny.rules``)."""
        return rules.is_overdue(self, timezone.localdate())

    def days_until_due(self, as_of: datetime.date) -> int | None:
        """Days from ``as_of`` to the due date (negative once past); None if none."""
        if self.due_on is None:
            return None
        return (self.due_on - as_of).days


class RecommendationReminder(models.Model):
    """A reminder e-mail about a recommendation that has been sent, so that each
    kind is sent once for each recommendation."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Response due within 7 days"
        OVERDUE = "overdue", "Response overdue"

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="reminders_sent"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True
    )

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "kind"],
                name="recommendation_reminder_sent_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["due_soon", "overdue"]),
                name="recommendation_reminder_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.recommendation}"
