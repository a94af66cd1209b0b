"""What oversight bodies record about a plan: the commissioner's decision notices."""

from django.db import models
from simple_history.models import HistoricalRecords

from deliverables.models import Deliverable
from plans.models import Organisation, Plan
from plans.querysets import PlanScopedQuerySet


class DecisionNotice(models.Model):
    """A formal decision of the commissioner or authority, linked to what it funds or
    changes.

    Publishing these is a statutory duty for commissioners in England and Wales.
    """

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="decision_notices"
    )
    decided_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="decision_notices"
    )
    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    approved_on = models.DateField()
    summary = models.TextField(blank=True)
    url = models.URLField(blank=True, help_text="Where the notice is published.")
    deliverables = models.ManyToManyField(
        Deliverable, blank=True, related_name="decision_notices"
    )
    history = HistoricalRecords()

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-approved_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["decided_by", "reference"],
                name="decision_reference_unique_per_body",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"
