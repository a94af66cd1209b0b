"""Reads about organisations' identity providers: which the sign-in page offers, and
who may no longer sign in with a password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.urls import reverse

from plans.sign_in.models import IdentityProvider


@dataclass(frozen=True)
class SignInOption:
    """A button on the sign-in page."""

    label: str
    organisation: str
    url: str
    provider_id: str
    #: Where the button's post is redirected to (for the page's form-action).
    origins: tuple[str, ...]


def sign_in_options() -> list[SignInOption]:
    """One button for each organisation's identity provider, by organisation."""
    return [
        SignInOption(
            label=f"Sign in with {provider.name}",
            organisation=provider.organisation.name,
            url=login_url_of(provider),
            provider_id=provider.provider_id,
            origins=origins_of(provider),
        )
        for provider in IdentityProvider.objects.select_related("organisation")
    ]


def origins_of(provider: IdentityProvider) -> tuple[str, ...]:
    """The origins of the provider's issuer and discovery addresses, where its
    sign-in page is (Entra ID: https://login.microsoftonline.com)."""
    origins = []
    for address in (provider.issuer, provider.discovery_url):
        parts = urlsplit(address)
        if parts.scheme in {"http", "https"} and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(dict.fromkeys(origins))


def login_url_of(provider: IdentityProvider) -> str:
    """Where the provider's sign-in button posts (django-allauth's OpenID Connect
    login view, which sends the browser on to the provider)."""
    return reverse("openid_connect_login", kwargs={"provider_id": provider.provider_id})


def redirect_uri_of(provider: IdentityProvider) -> str:
    """The address the provider sends people back to: registered with it (Entra ID:
    the app registration's Web redirect URI)."""
    return reverse(
        "openid_connect_callback", kwargs={"provider_id": provider.provider_id}
    )


def provider_with_id(provider_id: str) -> IdentityProvider | None:
    """The identity provider named in a sign-in address (``idp-<pk>``), if any."""
    number = provider_id.removeprefix("idp-")
    if not provider_id.startswith("idp-") or not number.isdigit():
        return None
    return (
        IdentityProvider.objects.select_related("organisation")
        .filter(pk=int(number))
        .first()
    )


def password_sign_in_closed_by(user: Any) -> IdentityProvider | None:
    """The identity provider this person must sign in with instead of a password:
    one with password sign-in turned off whose organisation they belong to, or whose
    e-mail domains include theirs. None if their password is still welcome."""
    closed = IdentityProvider.objects.filter(password_sign_in_off=True).select_related(
        "organisation"
    )
    member = closed.filter(organisation__memberships__user=user).first()
    if member is not None:
        return member
    email = getattr(user, "email", "") or ""
    if "@" not in email:
        return None
    return next((p for p in closed if p.accepts_email(email)), None)


def password_sign_in_refusal(user: Any) -> str:
    """Why this person's password is refused, pointing to the button to use; or an
    empty string."""
    provider = password_sign_in_closed_by(user)
    if provider is None:
        return ""
    return (
        f"{provider.organisation.name} has turned password sign-in off. Use the "
        f"‘Sign in with {provider.name}’ button for {provider.organisation.name} "
        "below."
    )
