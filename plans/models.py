"""Organisations, the people in them, and the plans they hold each other to account for.

Invariants that must always hold are database constraints, so that no path (admin,
API, import, shell) can store a plan that contradicts itself.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from plans.querysets import (
    MembershipQuerySet,
    OrganisationQuerySet,
    PlanQuerySet,
    PlanScopedQuerySet,
    ReportingPeriodQuerySet,
)


class OrganisationKind(models.Model):
    """A kind of organisation: policing body, force, partner, scrutiny body.

    Kinds are data rather than code because policing governance keeps changing
    (commissioners are due to give way to mayors and council-led boards).
    """

    POLICING_BODY = "policing-body"
    FORCE = "force"
    PARTNER = "partner"
    SCRUTINY_BODY = "scrutiny-body"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A policing body, force, partner or scrutiny body. Users and credentials belong to
    one.
    """

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=50, blank=True, help_text="An abbreviation such as SOJP or JPA."
    )
    kind = models.ForeignKey(
        OrganisationKind, on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=(
            "The organisation this one sits under, e.g. a force for a local area."
        ),
    )
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="The body that took over this organisation's functions.",
    )
    partners = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="partner_of",
        help_text=(
            "Organisations this one works with that lead or own none of its plans' "
            "deliverables yet: its editors may name them as the owner of a scrutiny "
            "action or recommendation, or as a deliverable's lead."
        ),
    )
    names_in_public = models.BooleanField(
        "show names in public",
        default=False,
        help_text=(
            "On this organisation's public plans and published reports, show who "
            "recorded each update. Off: names are left out."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="organisation_not_own_parent"
            ),
            models.CheckConstraint(
                condition=~Q(successor=F("id")), name="organisation_not_own_successor"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in an organisation, with the role that decides what they
    may do.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "Administrator"
        EDITOR = "editor", "Editor"
        CONTRIBUTOR = "contributor", "Contributor"
        READER = "reader", "Reader"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.READER)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique_per_user"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["admin", "editor", "contributor", "reader"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


class Plan(models.Model):
    """A policing plan or police and crime plan, owned by a policing body."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        REFRESHED = "refreshed", "Refreshed"
        SUPERSEDED = "superseded", "Superseded"

    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text="The policing body that owns the plan.",
    )
    reference = models.CharField(
        max_length=100, help_text="The plan's own reference, such as R.4/2017."
    )
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    starts_on = models.DateField()
    ends_on = models.DateField()
    is_public = models.BooleanField(
        default=False,
        help_text="Published reports of a public plan can be read without signing in.",
    )
    review_contributor_updates = models.BooleanField(
        default=False,
        help_text=(
            "Progress updates from contributors (forces, partners, API clients) wait "
            "for an editor to accept them before they change a deliverable."
        ),
    )
    year_starts_month = models.PositiveSmallIntegerField(
        "Reporting year starts in",
        choices=[(1, "January"), (4, "April")],
        default=1,
        help_text="Quarters follow the calendar year, or a financial year from April.",
    )
    return_due_days = models.PositiveSmallIntegerField(
        "Updates due (days after the quarter ends)",
        default=14,
        help_text="Updates for a quarter are written in the first weeks of the next.",
    )
    grace_days = models.PositiveSmallIntegerField(
        "Grace period (days after the due date)",
        default=14,
        help_text="Late updates are still taken until the grace period ends.",
    )
    reminders_enabled = models.BooleanField(
        "Send reminder e-mails",
        default=True,
        help_text="E-mail owners whose deliverables need an update, and the editors.",
    )
    remind_days_before_due = models.PositiveSmallIntegerField(
        "First reminder (days before the due date)",
        default=7,
        help_text="0 sends no reminder before the due date.",
    )
    remind_days_after_due = models.PositiveSmallIntegerField(
        "Chaser (days after the due date)",
        default=7,
        help_text="0 sends no chaser; it is only sent within the grace period.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "reference"], name="plan_reference_unique_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="plan_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=["draft", "published", "refreshed", "superseded"]
                ),
                name="plan_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    #: The most days each reporting-cycle setting may take, with what it is.
    DAY_LIMITS = {
        "return_due_days": (90, "Updates must be due within 90 days of the quarter"),
        "grace_days": (90, "Keep the grace period to 90 days or fewer"),
        "remind_days_before_due": (60, "Send the first reminder within 60 days"),
        "remind_days_after_due": (60, "Send the chaser within 60 days"),
    }

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The plan must end on or after the day it starts."
        for name, (most, message) in self.DAY_LIMITS.items():
            value = getattr(self, name)
            if value is not None and value > most:
                errors[name] = f"{message}."
        if errors:
            raise ValidationError(errors)

    @property
    def is_archived(self) -> bool:
        """Superseded: kept for the record, its structure no longer changes (what
        archiving a plan does)."""
        return self.state == self.State.SUPERSEDED

    @property
    def year(self) -> int:
        """The year a quarter written without one ("Q2") belongs to."""
        return self.starts_on.year


class Priority(models.Model):
    """A section, theme or outcome area of a plan; priorities nest ("3.1" > "3.1.1")."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priorities")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    overview = models.TextField(blank=True)
    success_statement = models.TextField(
        blank=True, help_text='What success looks like: "So that communities ...".'
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "reference"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "reference"], name="priority_reference_unique_in_plan"
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="priority_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        super().clean()
        parent = self.parent if self.parent_id else None
        if parent is not None and self.plan_id and parent.plan_id != self.plan_id:
            raise ValidationError({"parent": "Choose a priority of the same plan."})
        if parent is not None and self.pk and parent.pk == self.pk:
            raise ValidationError({"parent": "A priority cannot sit under itself."})


class Objective(models.Model):
    """An objective under a priority; it has one or more deliverables."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    priority = models.ForeignKey(
        Priority, on_delete=models.CASCADE, related_name="objectives"
    )
    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "reference"], name="objective_reference_unique_in_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        super().clean()
        priority = self.priority if self.priority_id else None
        if priority is not None and self.plan_id and priority.plan_id != self.plan_id:
            raise ValidationError({"priority": "Choose a priority of the same plan."})


class Strand(models.Model):
    """A cross-cutting classification beside the priorities, such as an OPCC's own
    strands.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="strands")
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"], name="strand_name_unique_in_plan"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReportingPeriod(models.Model):
    """A plan's reporting period, usually a quarter, that progress updates belong to.

    Its return opens on ``opens_on``, is due on ``due_on`` and closes when the grace
    period ends on ``closes_on``; updates for a quarter are mostly written in the first
    weeks of the next. Publishing the quarter's report locks it: no update for a locked
    period is taken on any path until an editor reopens it with a reason.
    """

    class State(models.TextChoices):
        UPCOMING = "upcoming", "Not yet open"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        LOCKED = "locked", "Locked"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="reporting_periods"
    )
    label = models.CharField(max_length=50, help_text='For example "Q1 2017".')
    starts_on = models.DateField()
    ends_on = models.DateField()
    opens_on = models.DateField(
        "Opens for updates on", help_text="Usually the first day of the quarter."
    )
    due_on = models.DateField("Updates due on")
    closes_on = models.DateField(
        "Closes on", help_text="The last day of the grace period after the due date."
    )
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "starts_on"], name="period_start_unique_in_plan"
            ),
            models.UniqueConstraint(
                fields=["plan", "label"], name="period_label_unique_in_plan"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opens_on")), name="period_due_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("due_on")), name="period_closes_after_due"
            ),
            models.CheckConstraint(
                condition=Q(locked_at__isnull=True) | Q(locked_by__isnull=False),
                name="period_lock_names_who",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        self.fill_dates()
        super().save(*args, **kwargs)

    def fill_dates(self) -> None:
        """Default the return's dates from the plan's settings where none are set."""

        if self.opens_on is None:
            self.opens_on = self.starts_on
        if self.due_on is None:
            days = self.plan.return_due_days if self.plan_id else 14
            self.due_on = self.ends_on + datetime.timedelta(days=days)
        if self.closes_on is None:
            days = self.plan.grace_days if self.plan_id else 14
            self.closes_on = self.due_on + datetime.timedelta(days=days)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def state_on(self, day) -> str:
        """The period's state on ``day``: upcoming, open, closed or locked."""
        if self.locked_at is not None:
            return self.State.LOCKED
        if day < self.opens_on:
            return self.State.UPCOMING
        if day <= self.closes_on:
            return self.State.OPEN
        return self.State.CLOSED

    def days_late(self, day) -> int:
        """Whole days past the due date on ``day`` (0 when not yet due)."""
        return max(0, (day - self.due_on).days)

    def locked_message(self) -> str:
        return (
            f"{self.label} is locked because its report has been published. Ask an "
            "editor of the plan to reopen it, with a reason, before adding updates."
        )


class PeriodEvent(models.Model):
    """An append-only record of a period being locked, reopened or re-dated, and why."""

    class Kind(models.TextChoices):
        LOCKED = "locked", "Locked"
        REOPENED = "reopened", "Reopened"
        REDATED = "redated", "Dates changed"

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    closes_on = models.DateField(
        null=True, blank=True, help_text="The closing date after a reopening."
    )

    class Meta:
        ordering = ["period", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["locked", "reopened", "redated"]),
                name="period_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="period_event_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.get_kind_display()}"


class IndicatorDefinition(models.Model):
    """A ready-made measure an editor can add to a plan in one step.

    National definitions (the National Crime and Policing Measures) have no owner and
    ship with the product; an organisation's own definitions are theirs to reuse.
    """

    owner = models.ForeignKey(
        "Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicator_definitions",
        help_text="Blank for a national definition.",
    )
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=50)
    direction = models.CharField(
        max_length=10,
        choices=[("higher", "Higher is better"), ("lower", "Lower is better")],
    )
    source = models.CharField(
        max_length=10,
        choices=[
            ("recorded", "Recorded data"),
            ("survey", "Survey"),
            ("other", "Other"),
        ],
        default="recorded",
    )
    source_note = models.TextField(
        blank=True, help_text="Where the measure comes from and how it is counted."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["owner_id", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(owner__isnull=True),
                name="national_definition_slug_unique",
            ),
            models.UniqueConstraint(
                fields=["owner", "slug"], name="definition_slug_unique_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["higher", "lower"]),
                name="definition_direction_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_national(self) -> bool:
        return self.owner_id is None


class Indicator(models.Model):
    """A performance measure of a plan, with its baseline, optional target and
    values.
    """

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", "Higher is better"
        LOWER_IS_BETTER = "lower", "Lower is better"

    class Source(models.TextChoices):
        RECORDED = "recorded", "Recorded data"
        SURVEY = "survey", "Survey"
        OTHER = "other", "Other"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    priority = models.ForeignKey(
        Priority,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
    )
    reference = models.CharField(max_length=50, blank=True)
    title = models.CharField(max_length=300)
    unit = models.CharField(
        max_length=50, help_text='What a value counts, such as "incidents" or "%".'
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.RECORDED
    )
    baseline_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_label = models.CharField(
        max_length=50, blank=True, help_text='What the baseline is, such as "2016".'
    )
    target_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    position = models.PositiveIntegerField(default=0)
    definition = models.ForeignKey(
        IndicatorDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        help_text="The library definition it was added from, if any.",
    )
    history = HistoricalRecords()

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "title"], name="indicator_title_unique_in_plan"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["higher", "lower"]),
                name="indicator_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["recorded", "survey", "other"]),
                name="indicator_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IndicatorValue(models.Model):
    """An indicator's figure for one reporting period: a number, or withheld with the
    reason (forces withhold figures that are unreliable or too small to publish), and
    either may carry a data-quality note for its readers."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values"
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="indicator_values"
    )
    value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Blank when the figure is withheld.",
    )
    withheld_reason = models.TextField(
        blank=True,
        help_text='Why the figure is withheld, such as "Too few incidents to '
        'publish". Blank when there is a figure.',
    )
    note = models.TextField(
        "data-quality note",
        blank=True,
        help_text='What readers should know about the figure, such as "Provisional: '
        'excludes March".',
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "period__starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"], name="indicator_value_once_per_period"
            ),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(withheld_reason=""))
                | (Q(value__isnull=True) & ~Q(withheld_reason="")),
                name="indicator_value_figure_or_withheld",
                violation_error_message="Give the figure, or leave it blank and say "
                "why it is withheld: one or the other.",
            ),
        ]

    def __str__(self) -> str:
        figure = "withheld" if self.value is None else self.value
        return f"{self.indicator}: {figure} ({self.period})"


class IndicatorChange(models.Model):
    """A recorded change to an indicator's definition (unit, baseline, target,
    direction), with its reason, so a redefined measure is never silently compared with
    its old self. Append-only.
    """

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="changes"
    )
    changes = models.JSONField(
        help_text='What changed: {"field": [old, new]}, values as text.'
    )
    reason = models.TextField()
    from_period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The first period measured the new way.",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator", "changed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="indicator_change_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {', '.join(self.changes)}"


class ApiClient(models.Model):
    """An organisation's machine credential for the API (OAuth 2.0 client credentials).

    Each client acts through its own service account, a member of its organisation with
    the contributor role, so that the API is scoped by exactly the same rules as the
    browser and every write names the client that made it.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read plans, deliverables and updates"
        WRITE_UPDATES = "updates:write", "Push progress updates and indicator values"
        WRITE_PLANS = "plans:write", "Keep the plan's structure in step (editors)"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(
        max_length=100, help_text='What it is, such as "SOJP performance system".'
    )
    scopes = models.JSONField(default=list, help_text="The scopes it may ask for.")
    application = models.OneToOneField(
        "oauth2_provider.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="api_client",
    )
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = "API client"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="api_client_name_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.application_id is not None


from plans.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage  # noqa: E402, F401, I001
from plans.sign_in.models import ExternalAccount, IdentityProvider  # noqa: E402, F401, I001
from plans.variations.models import PlanVariation  # noqa: E402, F401, I001
from plans.succession.models import BodyTransfer  # noqa: E402, F401, I001
