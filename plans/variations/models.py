"""A plan variation: a dated, reasoned change to a plan in force.

While a variation is being made, every change to the plan's title, summary,
priorities (the tree included) and objectives, and to its indicators' baselines and
targets, is recorded in it as it is saved, with what it was before. The plan as it
stood on an earlier day is today's plan with the changes of every variation that
took effect after that day undone (``plans.variations.structure``), so a past
quarter's dashboard shows the plan the panel was shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PlanVariation(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Being made"
        RECORDED = "recorded", "Recorded"

    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.CASCADE, related_name="variations"
    )
    takes_effect_on = models.DateField(
        help_text="The day the varied plan applies from: quarters that ended before "
        "it are shown on the plan as it stood."
    )
    reason = models.TextField(help_text="Why the plan is varied.")
    consultation = models.TextField(
        "consultation with the panel",
        blank=True,
        help_text="When and how the panel was consulted, and what it said.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    changes = models.JSONField(
        default=list,
        blank=True,
        help_text="Each change made in the variation, in order, with what it was "
        "before (plans.variations.capture).",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-takes_effect_on", "-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(state="open"),
                name="variation_one_open_per_plan",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "recorded"]),
                name="variation_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="variation_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(state="open")
                | (Q(recorded_at__isnull=False) & Q(recorded_by__isnull=False)),
                name="variation_recorded_says_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Variation of {self.plan} from {self.takes_effect_on:%d %B %Y}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN
