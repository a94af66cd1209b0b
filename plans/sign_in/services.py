"""Writes for signing in with an organisation's identity provider: the first sign-in
creates the person's account (and, if the organisation says so, their role); every
later one finds it again by the issuer and subject the provider names them by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from core import audit
from core.history import attribute_to
from plans.commands import command_account
from plans.models import Membership
from plans.sign_in.models import ExternalAccount, IdentityProvider

# The ``amr`` values (RFC 8176, and Microsoft Entra ID's) that mean the provider asked
# for more than one factor, and the ``acr`` values that say the same.
MFA_METHODS = {"mfa", "ngcmfa"}
MFA_CONTEXTS = {
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    "urn:rsa:names:ac:classes:mfa",
}


class SignInRefused(Exception):
    """Why someone the provider vouched for is not let in. ``reason`` is one of
    ``issuer``, ``domain``, ``no-email``, ``taken``, ``inactive`` or ``error``."""

    def __init__(
        self, reason: str, *, provider: IdentityProvider | None = None, email: str = ""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider = provider
        self.email = email


@dataclass(frozen=True)
class ProviderSignIn:
    """Whom a provider's ID token signs in, and whether it asked them for a second
    factor."""

    user: Any
    created: bool
    second_factor: bool


def sign_in_account() -> Any:
    """The account the service records the accounts it creates at a first sign-in
    against: the identity provider vouched for them, no person did. It cannot sign
    in."""
    return command_account("identity-provider", "Identity provider", "(sign-in)")


def asked_for_second_factor(claims: Mapping[str, Any]) -> bool:
    """Whether the ID token says the provider asked for a second factor: ``amr``
    holds ``mfa`` (Microsoft Entra ID, with Conditional Access asking for it), or
    ``acr`` names a multi-factor context."""
    methods = claims.get("amr") or []
    if isinstance(methods, str):
        methods = [methods]
    return bool(MFA_METHODS & {str(m) for m in methods}) or (
        str(claims.get("acr", "")) in MFA_CONTEXTS
    )


def _email_of(claims: Mapping[str, Any]) -> str:
    # Entra ID puts the address in ``email`` when the account has one, and always
    # the sign-in name (usually the same address) in ``preferred_username``.
    for claim in ("email", "preferred_username"):
        value = str(claims.get(claim) or "").strip()
        if "@" in value:
            return value.lower()
    return ""


def _free_username(email: str) -> str:
    User = get_user_model()
    base = email[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def sign_in_through(
    *, provider: IdentityProvider, claims: Mapping[str, Any]
) -> ProviderSignIn:
    """The account the verified ID token ``claims`` of ``provider`` sign in.

    The token must come from the organisation's own issuer. A person already known
    by that issuer and subject is found again, whatever their e-mail address is now.
    A first sign-in needs an address in one of the provider's domains: it takes over
    an existing account of the organisation with that address, or creates one with
    no usable password and, if the organisation sets one, its default role. Raises
    ``SignInRefused``, having written nothing, when the person may not come in.
    """
    issuer = str(claims.get("iss") or "")
    subject = str(claims.get("sub") or "")
    if issuer != provider.issuer:
        raise SignInRefused("issuer", provider=provider)
    if not subject:
        raise SignInRefused("error", provider=provider)
    second_factor = asked_for_second_factor(claims)
    known = (
        ExternalAccount.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if known is not None:
        if not known.user.is_active:
            raise SignInRefused("inactive", provider=provider)
        return ProviderSignIn(
            user=known.user, created=False, second_factor=second_factor
        )

    email = _email_of(claims)
    if not email:
        raise SignInRefused("no-email", provider=provider)
    if not provider.accepts_email(email):
        raise SignInRefused("domain", provider=provider, email=email)

    User = get_user_model()
    by = sign_in_account()
    existing = list(User.objects.filter(email__iexact=email)[:2])
    with audit.acting(by=by, via=audit.Via.SYSTEM):
        if existing:
            # Only an account the organisation already holds, one of its kind, is
            # joined up: never a superuser's, nor one of another organisation.
            user = existing[0]
            ours = Membership.objects.filter(
                user=user, organisation=provider.organisation
            ).exists()
            if len(existing) > 1 or user.is_superuser or not ours:
                raise SignInRefused("taken", provider=provider, email=email)
            if not user.is_active:
                raise SignInRefused("inactive", provider=provider)
            created = False
        else:
            user = User(
                username=_free_username(email),
                email=email,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
            )
            user.set_unusable_password()
            user.save()
            if provider.default_role:
                membership = Membership(
                    user=user,
                    organisation=provider.organisation,
                    role=provider.default_role,
                )
                attribute_to(membership, by=by, reason="First sign-in")
                membership.save()
            created = True
        ExternalAccount.objects.create(
            user=user, identity_provider=provider, issuer=issuer, subject=subject
        )
    return ProviderSignIn(user=user, created=created, second_factor=second_factor)
