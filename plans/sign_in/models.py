"""An organisation's identity provider, and the people it has signed in."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords


def role_choices() -> list[tuple[str, str]]:
    # Read when first needed: plans.models imports this module as it loads, so the
    # roles (Membership.Role, defined once there) cannot be imported from it here.
    return apps.get_model("plans", "Membership").Role.choices


def _domains(value: str) -> list[str]:
    """The e-mail domains written one a line (or separated by commas or spaces)."""
    return [
        part.strip().lstrip("@").lower()
        for part in value.replace(",", " ").split()
        if part.strip().lstrip("@")
    ]


class IdentityProvider(models.Model):
    """Where an organisation's people sign in with their own work account (OpenID
    Connect): which issuer may vouch for them, for which e-mail domains, and what a
    first sign-in gives them."""

    organisation = models.ForeignKey(
        "plans.Organisation",
        on_delete=models.CASCADE,
        related_name="identity_providers",
    )
    name = models.CharField(
        max_length=60,
        help_text='Shown on the sign-in button, after "Sign in with": e.g. Microsoft.',
    )
    issuer = models.URLField(
        max_length=300,
        help_text=(
            "The issuer its ID tokens carry, exactly. Microsoft Entra ID: "
            "https://login.microsoftonline.com/(your tenant ID)/v2.0"
        ),
    )
    discovery_url = models.URLField(
        "discovery address",
        max_length=300,
        blank=True,
        help_text=(
            "Where its OpenID configuration is published, if not at the issuer "
            "(…/.well-known/openid-configuration is added). Usually left empty."
        ),
    )
    client_id = models.CharField(
        "client ID",
        max_length=200,
        help_text="Entra ID: the application (client) ID of the app registration.",
    )
    client_secret = models.CharField(
        "client secret",
        max_length=500,
        help_text="Entra ID: the client secret's value (not its ID).",
    )
    email_domains = models.TextField(
        "e-mail domains",
        help_text=(
            "The domains of the e-mail addresses it may sign in, one a line, "
            "e.g. police.example.uk."
        ),
    )
    default_role = models.CharField(
        "role on first sign-in",
        max_length=20,
        choices=role_choices,
        blank=True,
        help_text=(
            "The role a person gets the first time they sign in. Empty: no role "
            "until an administrator grants one."
        ),
    )
    password_sign_in_off = models.BooleanField(
        "turn password sign-in off",
        default=False,
        help_text=(
            "Members of the organisation, and anyone with an e-mail address in "
            "these domains, must sign in here: their passwords are refused."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["client_secret"])

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="identity_provider_name_unique_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def clean(self) -> None:
        super().clean()
        if not self.accepted_domains:
            raise ValidationError({"email_domains": "Enter at least one domain."})
        bad = [d for d in self.accepted_domains if "." not in d or "@" in d]
        if bad:
            raise ValidationError(
                {"email_domains": f"Enter domains such as example.org, not {bad[0]}."}
            )

    @property
    def accepted_domains(self) -> list[str]:
        return _domains(self.email_domains)

    @property
    def provider_id(self) -> str:
        """Its name in the sign-in addresses (/sign-in/oidc/<provider_id>/...)."""
        return f"idp-{self.pk}"

    def accepts_email(self, email: str) -> bool:
        _, _, domain = (email or "").rpartition("@")
        return bool(domain) and domain.lower() in self.accepted_domains


class ExternalAccount(models.Model):
    """A person's account at an identity provider: the issuer and subject (``sub``)
    its ID tokens name them by, which finds them again at every later sign-in even
    if their e-mail address changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_accounts",
    )
    identity_provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.SET_NULL,
        null=True,
        related_name="accounts",
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuer", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="external_account_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"
