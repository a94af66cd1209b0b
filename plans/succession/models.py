"""A body's transfer to its successor: prepared (the reviewed list of memberships),
then carried out in one transaction, or cancelled.

While a transfer is prepared the body is locked for another one: at most one
prepared transfer per body, kept by the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class BodyTransfer(models.Model):
    class State(models.TextChoices):
        PREPARED = "prepared", "Prepared"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    from_body = models.ForeignKey(
        "plans.Organisation",
        on_delete=models.PROTECT,
        related_name="transfers_out",
        help_text="The body whose functions pass to its successor.",
    )
    to_body = models.ForeignKey(
        "plans.Organisation",
        on_delete=models.PROTECT,
        related_name="transfers_in",
        help_text="The successor.",
    )
    takes_effect_on = models.DateField(
        help_text="The day the successor takes over. It may be prepared ahead, but "
        "not carried out before this day."
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PREPARED
    )
    memberships = models.JSONField(
        default=list,
        blank=True,
        help_text="The reviewed list: each member's user id, username, role, and "
        "whether they move to the successor.",
    )
    summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="What moved: counts by kind, and references renamed to stay unique.",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "body transfer"
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_body=F("to_body")),
                name="body_transfer_not_to_itself",
            ),
            models.UniqueConstraint(
                fields=["from_body"],
                condition=Q(state="prepared"),
                name="body_transfer_one_prepared_per_body",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["prepared", "completed", "cancelled"]),
                name="body_transfer_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_body} to {self.to_body} ({self.get_state_display()})"
