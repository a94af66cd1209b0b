"""Webhooks in the admin: an organisation's administrators subscribe endpoints and
read the delivery log, scoped to their own organisations."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from core.admin import ScopedAdminMixin
from plans.models import Organisation
from plans.webhooks import services
from plans.webhooks.models import (
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    administered_by,
)


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["organisation", "url", "description", "events", "enabled"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if self.instance.pk is None or url != self.instance.url:
            try:
                services.check_endpoint_url(url)
            except ValidationError as error:
                raise ValidationError(error.message_dict["url"]) from error
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """An organisation's endpoints: what they hear, their secret, whether enabled."""

    form = WebhookEndpointForm
    list_display = [
        "url",
        "organisation",
        "enabled",
        "event_list",
        "failing_since",
        "disabled_at",
    ]
    list_filter = ["enabled", "organisation"]
    search_fields = ["url", "description", "organisation__name"]
    list_select_related = ["organisation"]
    actions = ["rotate_secret"]
    readonly_fields = [
        "secret",
        "disabled_at",
        "disabled_reason",
        "failing_since",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organisation", "url", "description", "events"]
        return ["url", "description", "events", "enabled", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.filter(
                pk__in=administered_by(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Events")
    def event_list(self, endpoint):
        return ", ".join(endpoint.events)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                saved = services.change_endpoint(
                    endpoint=obj,
                    by=request.user,
                    url=data["url"],
                    description=data["description"],
                    events=data["events"],
                    enabled=data["enabled"],
                )
            else:
                saved = services.subscribe(
                    organisation=data["organisation"],
                    url=data["url"],
                    description=data["description"],
                    events=data["events"],
                    by=request.user,
                )
        except ValidationError as error:
            raise PermissionDenied(error.messages) from error
        obj.pk = saved.pk
        obj._state.adding = False
        if not change:
            self.message_user(
                request,
                f"Give the receiver this signing secret: {saved.secret}",
                messages.WARNING,
            )

    @admin.action(description="Give the selected endpoints a new signing secret")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            services.rotate_secret(endpoint=endpoint, by=request.user)
        self.message_user(
            request,
            f"New secrets for {queryset.count()} endpoint(s): the old ones no longer "
            "verify. Give each receiver its new secret from the endpoint's page.",
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The delivery log: read-only, with "Send again"."""

    list_display = [
        "event",
        "message_id",
        "endpoint",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "failed_at",
    ]
    list_filter = ["message__event_type", "endpoint__organisation"]
    search_fields = ["message__id", "endpoint__url", "last_error"]
    list_select_related = ["message", "endpoint"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "event",
        "message_id",
        "endpoint",
        "attempts",
        "last_status_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "failed_at",
        "first_failed_at",
        "created_at",
        "payload",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Event", ordering="message__event_type")
    def event(self, delivery):
        return delivery.message.event_type

    @admin.display(description="Payload")
    def payload(self, delivery):
        return services.body_text(delivery.message)

    @admin.action(description="Send again")
    def send_again(self, request, queryset):
        count = services.send_again(
            deliveries=queryset.select_related("endpoint__organisation"),
            by=request.user,
        )
        self.message_user(request, f"Queued {count} deliveries to be sent again.")
