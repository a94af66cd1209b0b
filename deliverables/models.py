"""Deliverables, their milestones and the append-only log of progress updates.

A fuzzy date ("Q2/Q3", "TBA") is stored as three columns: the text as written and the
first and last day of the window it stands for, so that sorting and lateness run in SQL.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliverables import fuzzydates, rules
from deliverables.choices import DECISIONS, Rag, ReviewState, Status
from deliverables.querysets import (
    AttachmentQuerySet,
    DeliverableChildQuerySet,
    DeliverableQuerySet,
    ProgressUpdateQuerySet,
)

# Importable from here as from the rules, where "closed" is defined.
from deliverables.rules import CLOSED_STATUSES as CLOSED_STATUSES
from plans.models import Objective, Organisation, Plan, ReportingPeriod, Strand

FUZZY_DATE_HELP = (
    "As the plan writes it: Q1, Q2/Q3, Q4 2017, autumn 2017, early 2018, March 2018, "
    "end of March 2018, 31/03/2018, or TBA when not known (ongoing when there is "
    "none). A quarter or season without a year takes the plan's year."
)


def fuzzy_window_constraint(name: str, prefix: str) -> models.CheckConstraint:
    """Both ends known (in order) or both unknown."""
    start, end = f"{name}_start", f"{name}_end"
    return models.CheckConstraint(
        condition=(
            Q(**{f"{start}__isnull": True, f"{end}__isnull": True})
            | Q(
                **{
                    f"{start}__isnull": False,
                    f"{end}__isnull": False,
                    f"{end}__gte": F(start),
                }
            )
        ),
        name=f"{prefix}_{name}_window_valid",
    )


def state_constraints(prefix: str) -> list[models.CheckConstraint]:
    """Checks shared by a deliverable's current state and each update's new state."""
    return [
        models.CheckConstraint(
            condition=Q(status__in=Status.values), name=f"{prefix}_status_valid"
        ),
        models.CheckConstraint(
            condition=Q(rag__in=["", *Rag.values]), name=f"{prefix}_rag_valid"
        ),
        models.CheckConstraint(
            condition=Q(percent_complete__isnull=True)
            | Q(percent_complete__gte=0, percent_complete__lte=100),
            name=f"{prefix}_percent_0_to_100",
        ),
        models.CheckConstraint(
            condition=(
                Q(status=Status.MERGED, merged_into__isnull=False)
                | (~Q(status=Status.MERGED) & Q(merged_into__isnull=True))
            ),
            name=f"{prefix}_merged_has_target",
        ),
    ]


class FuzzyDatesMixin(models.Model):
    """Keeps each fuzzy date's window in step with its text whenever the row
    is saved.
    """

    fuzzy_date_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.sync_fuzzy_dates()
        super().save(*args, **kwargs)

    def fuzzy_default_year(self) -> int | None:
        raise NotImplementedError

    def fuzzy(self, name: str) -> fuzzydates.FuzzyDate:
        """The fuzzy date stored under ``name``, as a value."""
        return fuzzydates.FuzzyDate(
            getattr(self, name),
            getattr(self, f"{name}_start"),
            getattr(self, f"{name}_end"),
        )

    def sync_fuzzy_dates(self) -> None:
        """Parse each text into its window; a bad text raises ValidationError on its
        field.
        """
        errors = {}
        for name in self.fuzzy_date_fields:
            try:
                value = fuzzydates.parse(
                    getattr(self, name), default_year=self.fuzzy_default_year()
                )
            except fuzzydates.FuzzyDateError as exc:
                errors[name] = str(exc)
                continue
            setattr(self, name, value.text)
            setattr(self, f"{name}_start", value.start)
            setattr(self, f"{name}_end", value.end)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        super().clean()
        self.sync_fuzzy_dates()


class Deliverable(FuzzyDatesMixin, models.Model):
    """The unit a plan tracks: a project, commitment or action with owners and dates.

    Its status, RAG, percentage and forecast are its current state, kept in step with
    its latest progress update by ``deliverables.services.record_progress``.
    """

    fuzzy_date_fields = ("baseline_date", "forecast_date")
    Status = Status
    Rag = Rag

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="deliverables"
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliverables",
        help_text=(
            "Blank in a flat plan: a list of projects, by strand or not grouped."
        ),
    )
    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_deliverables"
    )
    lead_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_deliverables",
        verbose_name="named lead",
    )
    delivering_unit = models.CharField(
        max_length=200, blank=True, help_text='Such as "Local Policing".'
    )
    strands = models.ManyToManyField(Strand, blank=True, related_name="deliverables")
    expected_benefits = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.FUTURE
    )
    rag = models.CharField("RAG", max_length=10, choices=Rag.choices, blank=True)
    percent_complete = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_date = models.CharField(
        "baseline date", max_length=100, blank=True, help_text=FUZZY_DATE_HELP
    )
    baseline_date_start = models.DateField(null=True, blank=True, editable=False)
    baseline_date_end = models.DateField(null=True, blank=True, editable=False)
    forecast_date = models.CharField(
        "forecast date", max_length=100, blank=True, help_text=FUZZY_DATE_HELP
    )
    forecast_date_start = models.DateField(null=True, blank=True, editable=False)
    forecast_date_end = models.DateField(null=True, blank=True, editable=False)
    completed_on = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text=(
            "For a merged deliverable: the deliverable of the same plan it joined."
        ),
    )
    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_into",
        help_text="For a part of a split deliverable: the deliverable it came from.",
    )
    identified_on = models.DateField(
        null=True,
        blank=True,
        help_text=(
            "When it joined the plan, if after the plan was written. Blank: part of "
            "the plan from its start."
        ),
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = DeliverableQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "reference"],
                name="deliverable_reference_unique_in_plan",
            ),
            *state_constraints("deliverable"),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")),
                name="deliverable_not_merged_into_self",
            ),
            fuzzy_window_constraint("baseline_date", "deliverable"),
            fuzzy_window_constraint("forecast_date", "deliverable"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def fuzzy_default_year(self) -> int | None:
        return self.plan.year if self.plan_id else None

    def clean(self) -> None:
        super().clean()
        objective = self.objective if self.objective_id else None
        if objective is not None and self.plan_id and objective.plan_id != self.plan_id:
            raise ValidationError(
                {"objective": "Choose an objective of the same plan."}
            )
        merged_into = self.merged_into
        if merged_into is not None and merged_into.plan_id != self.plan_id:
            raise ValidationError(
                {
                    "merged_into": (
                        "A deliverable can only merge into one of the same plan."
                    )
                }
            )

    @property
    def etag(self) -> str:
        """A weak validator that changes whenever the deliverable is saved."""
        stamp = int(self.updated_at.timestamp() * 1_000_000) if self.updated_at else 0
        return f'W/"{self.pk}-{stamp}"'

    def changes_since(self, moment):
        """The progress updates that changed it after ``moment``, oldest first (what
        a conflict page lists beside the fields someone else saved)."""
        return (
            self.updates.filter(recorded_at__gt=moment)
            .filter(rules.counts_as_made())
            .select_related("recorded_by", "api_client")
            .order_by("recorded_at", "pk")
        )

    @property
    def is_closed(self) -> bool:
        """``rules.is_closed``."""
        return rules.is_closed(self.status)

    def is_late(self, as_of) -> bool:
        """``rules.is_late`` on ``as_of``."""
        return rules.is_late(
            self.status, self.forecast_date_end, self.baseline_date_end, as_of
        )


class DeliverableOwner(models.Model):
    """One owner of a deliverable: a role as the plan words it, and where known its
    organisation.
    """

    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.CASCADE, related_name="owners"
    )
    role = models.CharField(max_length=200, help_text='Such as "Ch. Insp Operations".')
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_deliverables",
    )
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["deliverable", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliverable", "role"], name="owner_role_unique_per_deliverable"
            ),
        ]

    def __str__(self) -> str:
        return self.role


class Milestone(FuzzyDatesMixin, models.Model):
    """A dated step of a deliverable; the plan's own milestone date is the first."""

    fuzzy_date_fields = ("due_date",)

    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=300)
    due_date = models.CharField(
        "due date", max_length=100, blank=True, help_text=FUZZY_DATE_HELP
    )
    due_date_start = models.DateField(null=True, blank=True, editable=False)
    due_date_end = models.DateField(null=True, blank=True, editable=False)
    completed_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    objects = DeliverableChildQuerySet.as_manager()

    class Meta:
        ordering = ["deliverable", "position", "due_date_end", "id"]
        constraints = [
            fuzzy_window_constraint("due_date", "milestone"),
        ]
        indexes = [
            # "Milestones due next quarter" (the dashboard) finds them by date.
            models.Index(fields=["due_date_end"], name="milestone_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.due_date or 'TBA'})"

    def fuzzy_default_year(self) -> int | None:
        return self.deliverable.plan.year if self.deliverable_id else None


class ProgressUpdate(FuzzyDatesMixin, models.Model):
    """One dated report of progress on a deliverable. Never edited or deleted.

    A correction is a new update. The previous status and forecast are copied in at
    write time so that "what changed and why" is answerable from this row alone, and the
    database itself can insist on a reason when either changed.
    """

    class Source(models.TextChoices):
        BROWSER = "browser", "Browser"
        API = "api", "API"
        IMPORT = "import", "Import"
        ADMIN = "admin", "Admin"
        DEMO = "demo", "Illustrative demonstration data"

    fuzzy_date_fields = ("forecast_date", "previous_forecast_date")

    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.PROTECT, related_name="updates"
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="updates"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.BROWSER
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    rag = models.CharField("RAG", max_length=10, choices=Rag.choices, blank=True)
    percent_complete = models.PositiveSmallIntegerField(null=True, blank=True)
    forecast_date = models.CharField(
        "forecast date", max_length=100, blank=True, help_text=FUZZY_DATE_HELP
    )
    forecast_date_start = models.DateField(null=True, blank=True, editable=False)
    forecast_date_end = models.DateField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        Deliverable,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    narrative = models.TextField()
    reason = models.TextField(
        blank=True, help_text="Why the status or forecast date changed."
    )
    api_client = models.ForeignKey(
        "plans.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="updates",
        help_text="The API client that pushed this update, if one did.",
    )
    requires_review = models.BooleanField(
        default=False,
        help_text="Waits for an editor to accept it before it changes the deliverable.",
    )
    previous_status = models.CharField(max_length=20, choices=Status.choices)
    previous_forecast_date = models.CharField(
        "previous forecast", max_length=100, blank=True, help_text=FUZZY_DATE_HELP
    )
    previous_forecast_date_start = models.DateField(
        null=True, blank=True, editable=False
    )
    previous_forecast_date_end = models.DateField(null=True, blank=True, editable=False)
    group = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=(
            "Shared by the updates of one change to several deliverables (merged, "
            "put on hold, re-dated or stopped together, with one reason)."
        ),
    )

    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["deliverable", "-recorded_at", "-id"]
        get_latest_by = ["recorded_at", "id"]
        indexes = [
            # "Has it an update for this period?" (the rule of what needs an update,
            # asked of every deliverable a dashboard or list shows) in one probe.
            models.Index(
                fields=["deliverable", "period"], name="update_deliverable_period"
            ),
        ]
        constraints = [
            *state_constraints("update"),
            models.CheckConstraint(
                condition=Q(previous_status__in=Status.values),
                name="update_previous_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(narrative=""), name="update_narrative_required"
            ),
            models.CheckConstraint(
                condition=(
                    ~Q(reason="")
                    | Q(
                        status=F("previous_status"),
                        forecast_date=F("previous_forecast_date"),
                    )
                ),
                name="update_reason_when_status_or_forecast_changes",
            ),
            fuzzy_window_constraint("forecast_date", "update"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.deliverable.reference} {self.get_status_display()} ({self.period})"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ProgressUpdate.Immutable(
                "Progress updates are never edited: record a new update instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ProgressUpdate.Immutable(
            "Progress updates are never deleted: record a new update instead."
        )

    def fuzzy_default_year(self) -> int | None:
        return self.deliverable.plan.year if self.deliverable_id else None

    @property
    def review_state(self) -> str:
        """Accepted, waiting for review (submitted), or returned to its author."""
        if not self.requires_review:
            return ReviewState.ACCEPTED
        try:
            return self.review.decision
        except UpdateReview.DoesNotExist:
            return ReviewState.SUBMITTED

    class Immutable(Exception):
        """Raised on any attempt to change or remove a stored progress update."""


class UpdateReview(models.Model):
    """An editor's decision on a progress update that waited for review.

    Kept apart from the update, which is never changed, so the log shows both what was
    sent and what was decided about it.
    """

    update = models.OneToOneField(
        ProgressUpdate, on_delete=models.PROTECT, related_name="review"
    )
    # ReviewState.ACCEPTED or ReviewState.RETURNED: the one enum of review decisions.
    decision = models.CharField(max_length=10, choices=DECISIONS)
    comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "returned"]),
                name="review_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(decision="accepted") | ~Q(comment=""),
                name="review_return_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.update}"


def evidence_storage():
    """The storage evidence files go to: ``STORAGES["evidence"]`` when configured (a
    local folder by default, object storage in production), else the default."""

    try:
        return storages["evidence"]
    except Exception:  # noqa: BLE001 - an unconfigured alias falls back
        return storages["default"]


def evidence_path(instance: Attachment, filename: str) -> str:
    """Files are stored under a random name; the original name is kept on the row."""

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.update.deliverable.plan_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """Evidence attached to a progress update: a file or a link.

    An attachment stays with its update whatever happens to the update (a returned
    update keeps its evidence). On a public plan's published report an attachment is
    shown only if an editor has marked it public.
    """

    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.PROTECT, related_name="attachments"
    )
    title = models.CharField(max_length=200)
    file = models.FileField(
        upload_to=evidence_path, storage=evidence_storage, blank=True, max_length=255
    )
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField("link", max_length=1000, blank=True)
    is_public = models.BooleanField(
        "Public with the published report",
        default=False,
        help_text="Readers of a public plan's published report may open it.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["update", "added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="attachment_is_a_file_or_a_link",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_link(self) -> bool:
        return bool(self.url)


class SentReminder(models.Model):
    """A reminder or digest e-mail that has been sent, so it is never sent twice."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "before", "Before the due date"
        ON_DUE = "due", "On the due date"
        AFTER_DUE = "after", "After the due date"
        DIGEST = "digest", "Digest of missing updates for editors"

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="reminders_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    deliverables = models.ManyToManyField(Deliverable, related_name="+", blank=True)

    class Meta:
        ordering = ["period", "sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "recipient", "kind"], name="reminder_sent_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["before", "due", "after", "digest"]),
                name="reminder_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.period})"


class SentNotification(models.Model):
    """An e-mail about progress updates that has been sent, so it is never sent twice:
    to an update's author when it is returned or accepted (one per update and kind),
    or an editor's daily digest of updates waiting for review (one per person a day).
    """

    class Kind(models.TextChoices):
        RETURNED = "returned", "Your update was returned"
        ACCEPTED = "accepted", "Your update was accepted"
        REVIEW_DIGEST = "review", "Digest of updates waiting for review"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications_sent",
        help_text="The update told about; empty for a digest.",
    )
    day = models.DateField(help_text="The day it was sent, in the site's time zone.")
    sent_at = models.DateTimeField(default=timezone.now)
    updates = models.ManyToManyField(
        ProgressUpdate,
        related_name="+",
        blank=True,
        help_text="The updates a digest listed.",
    )

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["update", "kind"],
                condition=Q(update__isnull=False),
                name="notification_sent_once",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "day"],
                condition=Q(kind="review"),
                name="review_digest_once_a_day",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["returned", "accepted", "review"]),
                name="notification_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.day})"


class PendingUpload(models.Model):
    """A file checked and previewed but not yet confirmed: a quarterly return or a
    plan's action table.

    Kept in the database, not on the app server's disk, so that the confirmation may
    reach any app server. Removed once confirmed, when the same person uploads another,
    or after ``deliverables.uploads.KEPT_FOR``.
    """

    class Purpose(models.TextChoices):
        RETURN = "return", "Quarterly return"
        PLAN_IMPORT = "plan-import", "Plan import"
        PLAN_HISTORY = "plan-history", "Earlier quarters of a plan"

    token = models.CharField(
        max_length=32, unique=True, help_text="The secret the preview page posts back."
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    name = models.CharField(max_length=200, help_text="The file's name as uploaded.")
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=["return", "plan-import", "plan-history"]),
                name="pending_upload_purpose_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.name}"


class Redaction(models.Model):
    """A name or other personal detail taken out of a progress update's text.

    Updates are never edited, except by ``deliverables.redaction.redact_update``,
    which replaces the words in the stored text and records here who did it, when
    and why. The words removed are not kept anywhere.
    """

    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.PROTECT, related_name="redactions"
    )
    fields = models.CharField(
        max_length=50, help_text="The texts changed: narrative, reason or both."
    )
    replacements = models.PositiveIntegerField(
        help_text="How many times the words were found and replaced."
    )
    reason = models.TextField(help_text="Why the words were taken out.")
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    redacted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["update", "redacted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="redaction_says_why"),
        ]

    def __str__(self) -> str:
        return f"Redaction of {self.fields} ({self.redacted_at:%d %B %Y})"


class PeriodState(models.Model):
    """A deliverable as it stood at the end of one reporting period: derived data,
    kept by ``deliverables.states`` whenever a deliverable, its updates or reviews,
    or its plan's periods change, and rebuilt by ``manage.py rebuild_period_states``.

    The quarterly dashboard counts and lists from these rows in SQL, so its cost
    does not grow with the plan's update log. A row exists only for the periods the
    deliverable was in the plan by (identified by then, or reported on). The flags
    apply the named rules (``deliverables.rules``) to the state at the period's end;
    the rest says what happened in the period, for the summary of changes.
    """

    class Change(models.TextChoices):
        NONE = "", "No change of status"
        MERGED = "merged", "Merged"
        ON_HOLD = "on_hold", "Put on hold"
        RESUMED = "resumed", "Resumed after a hold"
        STOPPED = "stopped", "Stopped: will not proceed"
        SPLIT = "split", "Split"

    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.CASCADE, related_name="period_states"
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="+"
    )
    # Copied from the deliverable (its top-level priority, under which the
    # dashboard counts it), so that counting and ordering a period's states reads
    # no other table.
    priority = models.ForeignKey(
        "plans.Priority",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=(
            "The top-level priority the deliverable's work is under; blank in a flat "
            "plan."
        ),
    )
    position = models.PositiveIntegerField(default=0)
    reference = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=Status.choices)
    rag = models.CharField("RAG", max_length=10, choices=Rag.choices, blank=True)
    percent_complete = models.PositiveSmallIntegerField(null=True, blank=True)
    forecast_date = models.CharField(max_length=100, blank=True)
    latest = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The counted update the state comes from; none before the first.",
    )
    late = models.BooleanField(default=False)
    forecast_after_milestone = models.BooleanField(default=False)
    new = models.BooleanField(
        default=False, help_text="Newly identified in this period."
    )
    completed = models.BooleanField(
        default=False, help_text="Completed in this period."
    )
    started = models.BooleanField(default=False, help_text="Started in this period.")
    change = models.CharField(
        max_length=10, choices=Change.choices, blank=True, default=Change.NONE
    )
    change_update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The update of this period that made the change of status.",
    )
    redated = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The update of this period that moved its forecast date.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "deliverable"], name="period_state_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="period_state_status"),
            # A period's states in the plan's order, for every list's first rows.
            models.Index(
                fields=["period", "position", "reference", "deliverable"],
                name="period_state_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deliverable_id} at the end of {self.period_id}"


class StatesStamp(models.Model):
    """A token that changes, in the same transaction, with anything a plan's period
    states are counted from (its states, its deliverables' strands, a deliverable
    deleted): what is kept of the plan's dashboard figures is kept under it, so a
    figure kept before a change is never read after it."""

    plan = models.OneToOneField(
        "plans.Plan", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.token}"


class ImportMapping(models.Model):
    """How an organisation's own spreadsheet layout maps onto the plan's fields,
    saved when an import is confirmed so that the next upload of the same layout
    needs no mapping (see ``deliverables.mapping``).

    ``columns`` maps each header as written in the file to a field of the import
    layout (``deliverables.importing.COLUMNS``), or to "" for a column left out.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="import_mappings"
    )
    signature = models.CharField(
        max_length=64, help_text="A digest of the file's header row, as normalised."
    )
    columns = models.JSONField(default=dict)
    headings = models.CharField(
        max_length=20,
        blank=True,
        help_text=(
            "What a row with one cell filled names for the rows under it: strand, "
            "priority, or blank for nothing."
        ),
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "-saved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "signature"],
                name="import_mapping_unique_per_layout",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {len(self.columns)} columns"
