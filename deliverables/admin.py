from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.forms import add_service_errors
from deliverables.models import (
    Attachment,
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    SentReminder,
    UpdateReview,
)
from deliverables.services import Change, check_progress, record_progress
from plans.admin import RecordAdmin, ScopedAdmin


class OwnerInline(admin.TabularInline):
    model = DeliverableOwner
    fields = ["role", "organisation", "position"]
    autocomplete_fields = ["organisation"]
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["title", "due_date", "completed_on", "position"]
    extra = 0


class UpdateInline(admin.TabularInline):
    """The update log, read-only: updates are added through "Record progress"."""

    model = ProgressUpdate
    fk_name = "deliverable"
    fields = [
        "recorded_at",
        "period",
        "status",
        "rag",
        "percent_complete",
        "forecast_date",
        "narrative",
        "reason",
        "recorded_by",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period", "recorded_by")


# The current state moves only with a progress update, so the log explains it.
CURRENT_STATE = [
    "status",
    "rag",
    "percent_complete",
    "forecast_date",
    "merged_into",
    "completed_on",
]


@admin.register(Deliverable)
class DeliverableAdmin(ScopedAdmin):
    list_display = [
        "reference",
        "title",
        "status",
        "rag",
        "percent_complete",
        "forecast_date",
        "lead_organisation",
        "plan",
    ]
    list_filter = [
        "plan",
        "status",
        "rag",
        "lead_organisation",
        "strands",
        "delivering_unit",
    ]
    search_fields = [
        "reference",
        "title",
        "description",
        "owners__role",
        "expected_benefits",
    ]
    list_select_related = ["plan", "lead_organisation"]
    autocomplete_fields = [
        "plan",
        "objective",
        "lead_organisation",
        "lead_user",
        "merged_into",
    ]
    filter_horizontal = ["strands"]
    inlines = [OwnerInline, MilestoneInline, UpdateInline]
    readonly_fields = CURRENT_STATE
    fieldsets = [
        (None, {"fields": ["plan", "objective", "reference", "title", "description"]}),
        (
            "Ownership",
            {
                "fields": [
                    "lead_organisation",
                    "lead_user",
                    "delivering_unit",
                    "strands",
                ]
            },
        ),
        ("Plan", {"fields": ["baseline_date", "expected_benefits", "position"]}),
        (
            "Current state (record progress to change it)",
            {"fields": CURRENT_STATE},
        ),
    ]


@admin.register(Milestone)
class MilestoneAdmin(ScopedAdmin):
    list_display = ["title", "deliverable", "due_date", "completed_on"]
    list_filter = ["deliverable__plan"]
    search_fields = ["title", "deliverable__reference", "deliverable__title"]
    autocomplete_fields = ["deliverable"]
    list_select_related = ["deliverable"]


class RecordProgressForm(forms.ModelForm):
    """Progress recorded in the admin obeys the same rules as every other door:
    validation asks the service's ``check_progress`` (errors beside their fields), and
    the admin's save step writes through ``record_progress``."""

    by = None  # set per request by ProgressUpdateAdmin.get_form

    class Meta:
        model = ProgressUpdate
        fields = [
            "deliverable",
            "period",
            "status",
            "rag",
            "percent_complete",
            "forecast_date",
            "merged_into",
            "narrative",
            "reason",
        ]

    def change(self) -> Change:
        """The form's values as the change the service records."""
        data = self.cleaned_data
        return Change(
            deliverable=data["deliverable"],
            period=data["period"],
            status=data["status"],
            rag=data["rag"],
            percent_complete=data["percent_complete"],
            forecast_date=data["forecast_date"],
            merged_into=data["merged_into"],
            narrative=data["narrative"],
            reason=data["reason"],
        )

    def _post_clean(self):
        # Judged by the service's own rules, beside each field; nothing is written
        # until the admin's save step (ProgressUpdateAdmin.save_form).
        if self.errors:
            return
        try:
            check_progress(changes=[self.change()], by=self.by)
        except ValidationError as error:
            add_service_errors(self, error)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    """The append-only log: add through the service, never change or delete."""

    form = RecordProgressForm
    list_display = [
        "deliverable",
        "period",
        "status",
        "rag",
        "percent_complete",
        "forecast_date",
        "recorded_by",
        "recorded_at",
        "source",
    ]
    list_filter = ["deliverable__plan", "period__label", "status", "rag", "source"]
    search_fields = [
        "deliverable__reference",
        "deliverable__title",
        "narrative",
        "reason",
    ]
    date_hierarchy = "recorded_at"
    list_select_related = ["deliverable", "period", "recorded_by"]
    autocomplete_fields = ["deliverable", "merged_into"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.by = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_form(self, request, form, change):
        # The one write path; the form has already been judged by its rules.
        (recorded,) = record_progress(
            changes=[form.change()], by=request.user, source=ProgressUpdate.Source.ADMIN
        )
        return recorded

    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(UpdateReview)
class UpdateReviewAdmin(ScopedAdmin):
    """Review decisions are made in the workspace; here they can only be read."""

    scope_through = "update__deliverable__plan"
    list_display = ["update", "decision", "reviewed_by", "reviewed_at"]
    list_filter = ["decision", "update__deliverable__plan"]
    search_fields = ["comment", "update__deliverable__reference"]
    list_select_related = ["update__deliverable", "update__period", "reviewed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(RecordAdmin):
    """Evidence is added and marked public in the workspace, where its checks run."""

    scope_through = "update__deliverable__plan"
    list_display = ["title", "update", "content_type", "size", "is_public", "added_at"]
    list_filter = ["is_public", "content_type"]
    search_fields = ["title", "original_name", "url", "update__deliverable__reference"]
    list_select_related = ["update__deliverable", "update__period"]
    # Files are served only by the workspace's download view, which checks access.
    exclude = ["file"]


@admin.register(SentReminder)
class SentReminderAdmin(RecordAdmin):
    """The record that keeps a reminder from being sent twice."""

    scope_through = "period__plan"
    list_display = ["period", "recipient", "kind", "sent_at"]
    list_filter = ["kind", "period__plan"]
    search_fields = ["recipient__username", "recipient__email", "period__label"]
    list_select_related = ["period", "recipient"]
