"""The annual report's models: the working report (draft to published) and each
published version, frozen like a quarterly report, with its PDF."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from plans.models import Plan, ReportingPeriod
from plans.querysets import PlanScopedQuerySet
from scrutiny.frozen import (
    FrozenVersion,
    FrozenVersionQuerySet,
    KeptPdf,
    KeptPdfQuerySet,
)


class AnnualReport(models.Model):
    """A plan's annual report for one year while it is worked on: the year's
    quarters, the editor's own sections and the statutory steps, in order: drafted,
    sent to the panel, the panel's recommendations recorded (after its public
    meeting), the response recorded, published.

    Its figures are never stored here: they are read from the year's published
    quarterly reports (``scrutiny.annual.figures``) until a version is published,
    which freezes them (``PublishedAnnualReport``).
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT_TO_PANEL = "sent_to_panel", "Sent to the panel"
        PANEL_RECOMMENDATIONS = (
            "panel_recommendations",
            "Panel's recommendations recorded",
        )
        RESPONSE_RECORDED = "response_recorded", "Response recorded"
        PUBLISHED = "published", "Published"

    #: The states in the order the law sets them.
    ORDER = [s.value for s in State]

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="annual_reports"
    )
    year = models.CharField(
        max_length=9,
        help_text='The plan year, such as "2017" or "2024-25".',
    )
    periods = models.ManyToManyField(
        ReportingPeriod,
        related_name="annual_reports",
        help_text="The plan's reporting periods that make up the year.",
    )
    state = models.CharField(max_length=25, choices=State.choices, default=State.DRAFT)
    sent_on = models.DateField("sent to the panel on", null=True, blank=True)
    reviewed_on = models.DateField(
        "reviewed by the panel on",
        null=True,
        blank=True,
        help_text="The day of the panel's public meeting that reviewed it.",
    )
    responded_on = models.DateField("response given on", null=True, blank=True)
    foreword = models.TextField(blank=True)
    narratives = models.JSONField(
        default=dict,
        blank=True,
        help_text="The editor's narrative for each top-level priority, by its id.",
    )
    looking_ahead = models.TextField(blank=True)
    overall_response = models.TextField(
        "response to the panel", blank=True, help_text="The response as a whole."
    )
    missing_quarters_reason = models.TextField(
        "why quarters are missing",
        blank=True,
        help_text=(
            "Why the report is published while some of the year's quarters have no "
            "published report."
        ),
    )
    recommendations = models.ManyToManyField(
        "scrutiny.Recommendation", blank=True, related_name="annual_reports"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year"], name="annual_report_year_unique_in_plan"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[
                        "draft",
                        "sent_to_panel",
                        "panel_recommendations",
                        "response_recorded",
                        "published",
                    ]
                ),
                name="annual_report_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} annual report {self.year}"

    @property
    def title(self) -> str:
        return f"{self.plan.title}: annual report {self.year}"

    def reached(self, state: str) -> bool:
        """Whether the report is at ``state`` or past it."""
        return self.ORDER.index(self.state) >= self.ORDER.index(state)


class PublishedAnnualReport(FrozenVersion):
    """An annual report as it was published: its figures, sections, the panel's
    recommendations and the response (``data``) and its rendered HTML, frozen.
    A correction is a new version that says what changed."""

    annual_report = models.ForeignKey(
        AnnualReport, on_delete=models.PROTECT, related_name="versions"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="published_annual_reports"
    )
    data = models.JSONField(help_text="The annual report's content, as published.")
    html = models.TextField(help_text="The annual report, rendered as published.")

    objects = FrozenVersionQuerySet.as_manager()
    frozen_name = "published annual report"

    class Meta:
        ordering = ["plan", "annual_report", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["annual_report", "version"],
                name="annual_report_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1),
                name="annual_report_version_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(version=1) | ~models.Q(change_note=""),
                name="annual_report_correction_says_what_changed",
            ),
        ]

    class Frozen(Exception):
        """Raised on any attempt to change or remove a published annual report."""

    def __str__(self) -> str:
        return f"{self.annual_report} (version {self.version})"

    @property
    def year(self) -> str:
        return self.data.get("year", "")

    @property
    def title(self) -> str:
        return f"{self.plan.title}: annual report {self.year}"

    @property
    def stored_pdf(self) -> AnnualReportPdf | None:
        """Its PDF once drawn and stored; None while it is being prepared."""
        try:
            return self.pdf
        except AnnualReportPdf.DoesNotExist:
            return None


def annual_pdf_path(instance: AnnualReportPdf, filename: str) -> str:
    """Under ``reports/<plan>/`` in the private default storage, like quarterly
    reports' PDFs."""
    report = instance.report
    return f"reports/{report.plan_id}/annual-{report.pk}-v{report.version}.pdf"


class AnnualReportPdf(KeptPdf):
    """A published annual report's PDF, drawn once from its stored HTML and kept
    (as ``ReportPdf`` is for a quarterly report)."""

    report = models.OneToOneField(
        PublishedAnnualReport, on_delete=models.PROTECT, related_name="pdf"
    )
    file = models.FileField(upload_to=annual_pdf_path, max_length=255)

    objects = KeptPdfQuerySet.as_manager()
    frozen = PublishedAnnualReport.Frozen

    class Meta:
        verbose_name = "annual report PDF"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gt=0), name="annual_report_pdf_not_empty"
            ),
        ]
