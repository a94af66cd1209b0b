from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from core.actors import organisation_ids_of
from core.admin import ScopedAdminMixin
from plans.models import (
    ApiClient,
    Indicator,
    IndicatorChange,
    IndicatorDefinition,
    IndicatorValue,
    Membership,
    Objective,
    Organisation,
    OrganisationKind,
    PeriodEvent,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.permissions import administers
from plans.services import issue_api_client, revoke_api_client
from plans.succession.admin import SuccessionAdminMixin


class ScopedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """A scoped admin that also shows each object's change history."""


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(OrganisationKind)
class OrganisationKindAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(SuccessionAdminMixin, ScopedAdmin):
    list_display = ["name", "short_name", "kind", "parent", "successor"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "successor", "partners"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        """An organisation's partners widen whom its editors may name as owners and
        leads (``plans.selectors.works_with``): only its own administrators, and
        superusers, change them."""
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and (
            obj is None or not administers(request.user, obj)
        ):
            fields.append("partners")
        return fields


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


class PriorityInline(admin.TabularInline):
    model = Priority
    fields = ["reference", "title", "parent", "position"]
    extra = 0
    show_change_link = True
    autocomplete_fields = ["parent"]


class ReportingPeriodInline(admin.TabularInline):
    model = ReportingPeriod
    extra = 0


class StrandInline(admin.TabularInline):
    model = Strand
    extra = 0


@admin.register(Plan)
class PlanAdmin(ScopedAdmin):
    list_display = ["title", "reference", "owner", "state", "starts_on", "ends_on"]
    list_filter = ["state", "is_public", "owner"]
    search_fields = ["title", "reference", "owner__name"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["owner"]
    inlines = [PriorityInline, ReportingPeriodInline, StrandInline]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    fields = ["reference", "title", "position"]
    extra = 0
    show_change_link = True


@admin.register(Priority)
class PriorityAdmin(ScopedAdmin):
    list_display = ["reference", "title", "plan", "parent"]
    list_filter = ["plan"]
    search_fields = ["reference", "title", "overview"]
    list_select_related = ["plan", "parent"]
    autocomplete_fields = ["plan", "parent"]
    inlines = [ObjectiveInline]


@admin.register(Objective)
class ObjectiveAdmin(ScopedAdmin):
    list_display = ["reference", "title", "priority", "plan"]
    list_filter = ["plan"]
    search_fields = ["reference", "title", "description"]
    list_select_related = ["plan", "priority"]
    autocomplete_fields = ["plan", "priority"]


@admin.register(Strand)
class StrandAdmin(ScopedAdmin):
    list_display = ["name", "plan"]
    list_filter = ["plan"]
    search_fields = ["name"]


class ReadOnlyInline(admin.TabularInline):
    """Rows that are a record of what happened: shown, never edited here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PeriodEventInline(ReadOnlyInline):
    model = PeriodEvent
    fields = ["at", "kind", "by", "reason", "closes_on"]
    readonly_fields = fields


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "label",
        "plan",
        "starts_on",
        "ends_on",
        "due_on",
        "closes_on",
        "locked_at",
    ]
    list_filter = ["plan"]
    search_fields = ["label", "plan__title"]
    readonly_fields = ["locked_at", "locked_by"]
    inlines = [PeriodEventInline]
    # Locking and reopening are recorded with a reason on the period's page.


class RecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A log that is only ever appended to, by the services that keep it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PeriodEvent)
class PeriodEventAdmin(RecordAdmin):
    scope_through = "period__plan"
    list_display = ["period", "kind", "by", "at"]
    list_filter = ["kind"]
    search_fields = ["reason", "period__label", "period__plan__title"]


@admin.register(IndicatorChange)
class IndicatorChangeAdmin(RecordAdmin):
    scope_through = "indicator__plan"
    list_display = ["indicator", "from_period", "changed_by", "changed_at"]
    search_fields = ["reason", "indicator__title"]


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "owner", "unit", "direction", "source"]
    list_filter = ["direction", "source"]
    search_fields = ["title", "slug", "description"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset

        return queryset.filter(
            models.Q(owner__isnull=True)
            | models.Q(owner_id__in=organisation_ids_of(request.user))
        )

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    fields = ["period", "value", "withheld_reason", "note", "recorded_by"]
    readonly_fields = ["recorded_by"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdmin):
    list_display = ["title", "plan", "unit", "direction", "source", "target_value"]
    list_filter = ["plan", "direction", "source"]
    search_fields = ["title", "reference"]
    inlines = [IndicatorValueInline]

    def save_formset(self, request, form, formset, change):
        # Each value records who entered it.
        for value in formset.save(commit=False):
            if value.recorded_by_id is None:
                value.recorded_by = request.user
            value.save()
        for gone in formset.deleted_objects:
            gone.delete()


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ScopedAdmin):
    scope_through = "indicator__plan"
    list_display = [
        "indicator",
        "period",
        "value",
        "withheld_reason",
        "recorded_by",
        "recorded_at",
    ]
    list_filter = ["indicator__plan", "period__label"]
    search_fields = ["indicator__title"]
    readonly_fields = ["recorded_by"]
    list_select_related = ["indicator", "period", "recorded_by"]

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class IssueApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiClient.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiClient.Scope.READ, ApiClient.Scope.WRITE_UPDATES],
    )

    class Meta:
        model = ApiClient
        fields = ["organisation", "name", "scopes"]


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdmin):
    """Issue and revoke organisations' API credentials. A secret is shown only once."""

    list_display = [
        "name",
        "organisation",
        "client_id",
        "scope_list",
        "created_at",
        "revoked_at",
    ]
    list_filter = ["organisation", "revoked_at"]
    search_fields = ["name", "organisation__name", "application__client_id"]
    actions = ["revoke"]
    readonly_fields = [
        "organisation",
        "name",
        "scope_list",
        "client_id",
        "service_user",
        "created_by",
        "created_at",
        "revoked_at",
        "revoked_by",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request).select_related(
            "organisation", "application"
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organisation__memberships__user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueApiClientForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["organisation", "name", "scopes"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead, so the updates it pushed keep its name

    @admin.display(description="Client ID")
    def client_id(self, client):
        return client.application.client_id if client.application_id else "(revoked)"

    @admin.display(description="Scopes")
    def scope_list(self, client):
        return ", ".join(client.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            client, secret = issue_api_client(
                organisation=form.cleaned_data["organisation"],
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                by=request.user,
            )
        except ValidationError as error:
            raise PermissionDenied(error.messages) from error
        obj.pk = client.pk
        obj._state.adding = False
        self.message_user(
            request,
            f"Client ID: {client.application.client_id} — Secret: {secret} — "
            "Copy the secret now: it is stored hashed and will not be shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected API clients")
    def revoke(self, request, queryset):
        for client in queryset:
            revoke_api_client(client=client, by=request.user)
        self.message_user(request, f"Revoked {queryset.count()} client(s).")


from plans.sign_in import admin as sign_in_admin  # noqa: E402, F401, I001

from plans.webhooks import admin as webhooks_admin  # noqa: E402, F401, I001
