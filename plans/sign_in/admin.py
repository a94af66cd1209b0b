"""The organisation's identity providers in the admin, for its administrators
(registered from plans/admin.py)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ScopedAdminMixin
from plans.models import Membership, Organisation
from plans.sign_in.models import ExternalAccount, IdentityProvider
from plans.sign_in.selectors import redirect_uri_of


def _administered_by(user):
    """The organisations this person administers (all of them for a superuser)."""
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.ADMIN
    )


class IdentityProviderForm(forms.ModelForm):
    class Meta:
        model = IdentityProvider
        fields = [
            "organisation",
            "name",
            "issuer",
            "discovery_url",
            "client_id",
            "client_secret",
            "email_domains",
            "default_role",
            "password_sign_in_off",
        ]
        widgets = {
            # Never sent back to the browser once saved; left empty, it is kept.
            "client_secret": forms.PasswordInput(render_value=False),
            "email_domains": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["client_secret"].required = False
            self.fields["client_secret"].help_text += " Leave empty to keep it."

    def clean_client_secret(self):
        value = self.cleaned_data.get("client_secret")
        if not value and self.instance.pk:
            return self.instance.client_secret
        return value


@admin.register(IdentityProvider)
class IdentityProviderAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """An organisation's own sign-in (OpenID Connect, e.g. Microsoft Entra ID),
    set up by its administrators: their organisation's providers only."""

    form = IdentityProviderForm
    list_display = [
        "name",
        "organisation",
        "issuer",
        "default_role",
        "password_sign_in_off",
    ]
    list_filter = ["password_sign_in_off"]
    search_fields = ["name", "organisation__name", "issuer"]
    readonly_fields = ["redirect_uri"]
    fields = [
        "organisation",
        "name",
        "issuer",
        "discovery_url",
        "client_id",
        "client_secret",
        "redirect_uri",
        "email_domains",
        "default_role",
        "password_sign_in_off",
    ]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request).select_related(
            "organisation"
        )
        return queryset.filter(organisation__in=_administered_by(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = _administered_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Redirect URI")
    def redirect_uri(self, provider):
        if not provider.pk:
            return "Shown once saved: register it with the provider."
        address = settings.SITE_URL.rstrip("/") + redirect_uri_of(provider)
        return format_html(
            "<code>{}</code><br>Register this as the app's Web redirect URI.", address
        )


@admin.register(ExternalAccount)
class ExternalAccountAdmin(admin.ModelAdmin):
    """Who has signed in through which provider: read-only; delete one to let the
    person's next sign-in start afresh."""

    list_display = ["user", "identity_provider", "issuer", "subject", "created_at"]
    search_fields = ["user__username", "user__email", "subject"]
    list_select_related = ["user", "identity_provider__organisation"]
    readonly_fields = ["user", "identity_provider", "issuer", "subject", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            identity_provider__organisation__in=_administered_by(request.user)
        )


# django-allauth's own models are not used: providers are IdentityProvider rows, the
# people they sign in ExternalAccount rows. Left out of the admin so that no one sets
# a provider up where the service would not read it.
for _unused in (
    "socialaccount.SocialApp",
    "socialaccount.SocialAccount",
    "socialaccount.SocialToken",
    "account.EmailAddress",
):
    try:
        admin.site.unregister(apps.get_model(_unused))
    except admin.sites.NotRegistered:
        pass
