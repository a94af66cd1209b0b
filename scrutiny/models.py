"""What oversight bodies record about a plan: decision notices, published quarterly
reports (frozen) and the questions and recommendations they raise."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from deliverables.models import Deliverable
from plans.models import Organisation, Plan, ReportingPeriod
from plans.querysets import PlanScopedQuerySet
from scrutiny import rules
from scrutiny.frozen import (
    FrozenVersion,
    FrozenVersionQuerySet,
    KeptPdf,
    KeptPdfQuerySet,
)

#: Decision notices newest first. A notice known only to its month is dated the
#: month's first day and sorts as the start of that month: after every notice of a
#: day in the month (one of the 1st too), before the month before ("day" sorts before
#: "month").
NOTICES_NEWEST_FIRST = ("-approved_on", "approved_on_precision", "reference")
#: The same order, oldest first: a month-only notice opens its month.
NOTICES_OLDEST_FIRST = ("approved_on", "-approved_on_precision", "reference")


class DecisionNotice(models.Model):
    """A formal decision of the commissioner or authority, linked to what it funds or
    changes.

    Publishing these is a statutory duty for commissioners in England and Wales.
    Published registers do not always give a reference (the tracker then gives one,
    marked as its own) or the exact day (a month is enough).
    """

    class Precision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month only"

    #: How a reference the tracker gave is marked wherever it is shown, so that no
    #: one quotes it as the deciding body's own.
    GENERATED_MARK = "given by the tracker"

    NEWEST_FIRST = NOTICES_NEWEST_FIRST
    OLDEST_FIRST = NOTICES_OLDEST_FIRST

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="decision_notices"
    )
    decided_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="decision_notices"
    )
    reference = models.CharField(
        max_length=50,
        help_text=(
            "The deciding body's own reference, or one the tracker gave when the "
            "body gave none (such as DN-2017-004: the year and the next number)."
        ),
    )
    reference_generated = models.BooleanField(
        "reference given by the tracker",
        default=False,
        help_text=(
            "The body gave no reference, so the tracker made one up; it is shown "
            f'marked "({GENERATED_MARK})". Giving the real reference clears it.'
        ),
    )
    title = models.CharField(max_length=300)
    approved_on = models.DateField(
        help_text=(
            "The day it was approved; the month's first day when only the month is "
            "known (its precision says which)."
        )
    )
    approved_on_precision = models.CharField(
        "precision of the date approved",
        max_length=5,
        choices=Precision.choices,
        default=Precision.DAY,
        help_text='"Month only" when the register gives a month ("March 2018").',
    )
    summary = models.TextField(blank=True)
    url = models.URLField(blank=True, help_text="Where the notice is published.")
    deliverables = models.ManyToManyField(
        Deliverable, blank=True, related_name="decision_notices"
    )
    history = HistoricalRecords()

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", *NOTICES_NEWEST_FIRST]
        constraints = [
            models.UniqueConstraint(
                fields=["decided_by", "reference"],
                name="decision_reference_unique_per_body",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_on_precision__in=["day", "month"]),
                name="decision_precision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference_text} {self.title}"

    def clean(self) -> None:
        """A month-only date is kept as the month's first day. (Not a database
        constraint: on SQLite, the day of a date is a function of Django's own, which
        a check would then need in every tool that writes the table.)"""
        super().clean()
        if self.approved_on and self.approved_on_precision == self.Precision.MONTH:
            self.approved_on = self.approved_on.replace(day=1)

    @staticmethod
    def date_text(approved_on: datetime.date | None, precision: str | None) -> str:
        """ "14 March 2018", or "March 2018" when only the month is known: the one
        way a notice's date is shown, on every page, report and PDF."""
        if approved_on is None:
            return ""
        if precision == DecisionNotice.Precision.MONTH:
            return dateformat.format(approved_on, "F Y")
        return dateformat.format(approved_on, "j F Y")

    @staticmethod
    def date_cell(approved_on: datetime.date | None, precision: str | None) -> str:
        """The date in a spreadsheet: ISO 8601, "2018-03-14", or "2018-03" when only
        the month is known."""
        if approved_on is None:
            return ""
        if precision == DecisionNotice.Precision.MONTH:
            return approved_on.strftime("%Y-%m")
        return approved_on.isoformat()

    @staticmethod
    def reference_label(reference: str, generated: bool | None) -> str:
        """The reference as shown: "DN-2017-004 (given by the tracker)" when the
        tracker made it up, the body's own as it is."""
        if generated:
            return f"{reference} ({DecisionNotice.GENERATED_MARK})"
        return reference

    @property
    def approved_text(self) -> str:
        return self.date_text(self.approved_on, self.approved_on_precision)

    @property
    def reference_text(self) -> str:
        return self.reference_label(self.reference, self.reference_generated)


class PublishedReportQuerySet(FrozenVersionQuerySet):
    def latest_versions(self):
        """Only the newest version of each plan's report for each period."""
        newer = PublishedReport.objects.filter(
            plan=models.OuterRef("plan"),
            period=models.OuterRef("period"),
            version__gt=models.OuterRef("version"),
        )
        return self.exclude(models.Exists(newer))


class PublishedReport(FrozenVersion):
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
    data = models.JSONField(help_text="The dashboard's figures, as published.")
    rows = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Every deliverable's row as published: what the report's drill-downs, "
            "timelines and spreadsheets show. Kept apart from the figures, so that "
            "the report's page never reads it."
        ),
    )
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

    @property
    def every_row(self) -> list[dict]:
        """Every deliverable's row as published (a report published before the rows
        were kept apart holds them among its figures)."""
        return self.rows or self.data.get("deliverables", [])

    @property
    def title(self) -> str:
        return f"{self.plan.title}: {self.period.label} report"

    @cached_property
    def published_under(self) -> str:
        """The name of the plan's owner as it was when this report was published,
        read from the change history: a body handed to its successor since
        (``plans.succession``) still published it. A report dated before the
        history begins (an import) reads the oldest state recorded. Two queries
        (four at most), whatever the report."""

        def as_published(history: Any, pk: int, field: str) -> Any:
            rows = history.filter(id=pk).values_list(field, flat=True)
            then = rows.filter(history_date__lte=self.published_at).order_by(
                "-history_date", "-history_id"
            )
            return then.first() or rows.order_by("history_date", "history_id").first()

        owner_id = as_published(Plan.history, self.plan_id, "owner_id")
        owner_id = owner_id or self.plan.owner_id
        name = as_published(Organisation.history, owner_id, "name")
        if name is None:  # no history at all: the name it has now
            name = Organisation.objects.values_list("name", flat=True).get(pk=owner_id)
        return name

    @property
    def stored_pdf(self) -> ReportPdf | None:
        """Its PDF once drawn and stored; None while it is being prepared."""
        try:
            return self.pdf
        except ReportPdf.DoesNotExist:
            return None

    class Frozen(Exception):
        """Raised on any attempt to change or remove a published report."""


class ReportPdfQuerySet(KeptPdfQuerySet):
    def visible_to(self, actor: Any) -> ReportPdfQuerySet:
        """The PDFs of the reports the actor may read."""
        return self.filter(report__in=PublishedReport.objects.visible_to(actor))


def report_pdf_path(instance: ReportPdf, filename: str) -> str:
    """Under ``reports/<plan>/`` in the default storage, which is private: the file
    is sent only by the report's PDF page, to those who may read the report."""
    report = instance.report
    return f"reports/{report.plan_id}/report-{report.pk}-v{report.version}.pdf"


class ReportPdf(KeptPdf):
    """A published report's PDF, drawn once from the report's stored HTML and kept,
    so a download sends a file instead of drawing it (seconds, more under load).

    A model of its own rather than fields on ``PublishedReport``: a report's row is
    written once, when it is published, and refuses every change after, while its PDF
    is drawn afterwards, in the background (or on the first download of a report
    published before PDFs were kept). The row is written only once the file is
    stored, so it too is written once and never changes: a report with no row has its
    PDF still being prepared. A correction is a new report, with a PDF of its own.
    """

    report = models.OneToOneField(
        PublishedReport, on_delete=models.PROTECT, related_name="pdf"
    )
    file = models.FileField(upload_to=report_pdf_path, max_length=255)

    objects = ReportPdfQuerySet.as_manager()
    frozen = PublishedReport.Frozen

    class Meta:
        verbose_name = "report PDF"
        verbose_name_plural = "report PDFs"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gt=0), name="report_pdf_not_empty"
            ),
        ]


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
        """Awaiting its answer after its due date, today (``scrutiny.rules``)."""
        return rules.is_overdue(self, timezone.localdate())


class Commentary(models.Model):
    """The oversight body's own words for a plan's quarter: an executive summary, a
    look ahead at the next quarter, and a narrative for each top-level priority.

    Until the quarter's report is published these are drafts, which only the plan's
    editors see; publishing copies them into the report's stored data, where they
    never change (a correction carries the words as they then stand). One row per
    piece of text; an empty text is no row.
    """

    class Kind(models.TextChoices):
        SUMMARY = "summary", "Executive summary"
        FORWARD_LOOK = "forward_look", "Looking ahead"
        PRIORITY = "priority", "Narrative for a priority"

    #: The longest text each kind takes, in characters (about a page of A4 for the
    #: summary, half a page for the others).
    LIMITS = {Kind.SUMMARY: 4000, Kind.FORWARD_LOOK: 2000, Kind.PRIORITY: 2000}

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="commentary"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    priority = models.ForeignKey(
        "plans.Priority",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commentary",
    )
    text = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "commentary"
        ordering = ["plan", "period", "kind", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "kind"],
                condition=models.Q(priority__isnull=True),
                name="commentary_one_per_kind",
            ),
            models.UniqueConstraint(
                fields=["period", "priority"],
                condition=models.Q(priority__isnull=False),
                name="commentary_one_per_priority",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="priority", priority__isnull=False)
                    | (
                        models.Q(kind__in=["summary", "forward_look"])
                        & models.Q(priority__isnull=True)
                    )
                ),
                name="commentary_priority_only_for_its_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(text=""), name="commentary_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.period}"


from scrutiny.recommendations.models import (  # noqa: E402, F401, I001
    Recommendation,
    RecommendationReminder,
)
from scrutiny.annual.models import (  # noqa: E402, F401, I001
    AnnualReport,
    AnnualReportPdf,
    PublishedAnnualReport,
)
