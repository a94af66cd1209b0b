"""What oversight bodies record about a plan: decision notices, published quarterly
reports (frozen) and the questions and recommendations they raise."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliverables.models import Deliverable
from plans.models import Organisation, Plan, ReportingPeriod
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


class PublishedReportQuerySet(PlanScopedQuerySet):
    """Published reports are frozen: bulk edits and deletes are refused."""

    def update(self, **kwargs):
        raise PublishedReport.Frozen(
            "A published report never changes: publish a correction instead."
        )

    def delete(self):
        raise PublishedReport.Frozen(
            "A published report is never deleted: publish a correction instead."
        )

    def latest_versions(self):
        """Only the newest version of each plan's report for each period."""
        newer = PublishedReport.objects.filter(
            plan=models.OuterRef("plan"),
            period=models.OuterRef("period"),
            version__gt=models.OuterRef("version"),
        )
        return self.exclude(models.Exists(newer))


class PublishedReport(models.Model):
    """A quarterly report as it was published: the dashboard's data and its rendered
    HTML, frozen. Later changes to the plan never reach it; a correction is a new
    version that says what changed.
    """

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="published_reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="published_reports"
    )
    version = models.PositiveSmallIntegerField(default=1)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.TextField(
        "what changed",
        blank=True,
        help_text="For a correction: what changed since the version before, and why.",
    )
    data = models.JSONField(help_text="The dashboard's figures, as published.")
    html = models.TextField(help_text="The dashboard, rendered as published.")

    objects = PublishedReportQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-period__starts_on", "-version"]
        get_latest_by = ["period__starts_on", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "period", "version"],
                name="report_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="report_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(version=1) | ~models.Q(change_note=""),
                name="report_correction_says_what_changed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.period} report (version {self.version})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PublishedReport.Frozen(
                "A published report never changes: publish a correction instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PublishedReport.Frozen(
            "A published report is never deleted: publish a correction instead."
        )

    @property
    def title(self) -> str:
        return f"{self.plan.title}: {self.period.label} report"

    @property
    def is_correction(self) -> bool:
        return self.version > 1

    class Frozen(Exception):
        """Raised on any attempt to change or remove a published report."""


class ScrutinyAction(models.Model):
    """A question or recommendation a panel or board raises, and its answer."""

    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        RECOMMENDATION = "recommendation", "Recommendation"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="scrutiny_actions"
    )
    report = models.ForeignKey(
        PublishedReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text="The published report it arose from, if any.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.QUESTION)
    text = models.TextField("question or recommendation")
    raised_by = models.CharField(
        max_length=200,
        help_text='The panel, board or meeting, such as "Police and Crime Panel".',
    )
    raised_on = models.DateField(default=timezone.localdate)
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="scrutiny_actions",
        help_text="The organisation that must respond.",
    )
    due_on = models.DateField("response due", null=True, blank=True)
    response = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    answered_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-raised_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["open", "answered", "closed"]),
                name="action_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["question", "recommendation"]),
                name="action_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state="open")
                | (~models.Q(response="") & models.Q(answered_on__isnull=False)),
                name="action_answered_has_response",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="closed") | models.Q(closed_on__isnull=False),
                name="action_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.owner}: {self.text[:60]}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.state == self.State.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )
