"""django-allauth as the OpenID Connect client of each organisation's identity
provider. allauth finds the provider's endpoints, keeps the state, sends PKCE,
exchanges the code and checks the ID token (signature, issuer, audience, expiry);
this adapter gives it the providers from ``IdentityProvider`` rows and takes over
once the token is checked: who may come in is decided by ``sign_in_through``."""

from __future__ import annotations

from typing import Any

import jwt
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthError
from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from core.accounts.signals import second_factor_given_elsewhere
from plans.sign_in.models import IdentityProvider
from plans.sign_in.selectors import provider_with_id
from plans.sign_in.services import SignInRefused, sign_in_through
from plans.sign_in.views import refusal_page

PASSWORDLESS_BACKEND = "django.contrib.auth.backends.ModelBackend"


def app_of(provider: IdentityProvider) -> SocialApp:
    """allauth's description of the provider, never saved: the row is the one place
    its settings live."""
    return SocialApp(
        provider="openid_connect",
        provider_id=provider.provider_id,
        name=provider.name,
        client_id=provider.client_id,
        secret=provider.client_secret,
        settings={
            "server_url": provider.discovery_url or provider.issuer,
            "oauth_pkce_enabled": True,
            # Entra ID's multi-tenant discovery documents name no one tenant: the
            # token must carry the organisation's own issuer, whatever they say.
            "openid_configuration_overrides": {"issuer": provider.issuer},
            # Everything needed is in the ID token (amr too); no userinfo call.
            "fetch_userinfo": False,
        },
    )


def _caused_by(exception: BaseException | None, kind: type[BaseException]) -> bool:
    while exception is not None:
        if isinstance(exception, kind):
            return True
        exception = exception.__cause__ or exception.__context__
    return False


class IdentityProviderAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        providers = IdentityProvider.objects.select_related("organisation")
        if provider and provider != "openid_connect":
            one = provider_with_id(provider)
            if one is None:
                return []
            providers = providers.filter(pk=one.pk)
        if client_id:
            providers = providers.filter(client_id=client_id)
        return [app_of(p) for p in providers]

    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Accounts are made by sign_in_through only, never by allauth's sign-up.
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        provider = provider_with_id(sociallogin.account.provider)
        claims = (sociallogin.account.extra_data or {}).get("id_token") or {}
        if provider is None:
            raise ImmediateHttpResponse(refusal_page(request, "error"))
        try:
            signed_in = sign_in_through(provider=provider, claims=claims)
        except SignInRefused as refusal:
            raise ImmediateHttpResponse(
                refusal_page(
                    request, refusal.reason, provider=provider, email=refusal.email
                )
            ) from refusal
        login(request, signed_in.user, backend=PASSWORDLESS_BACKEND)
        if signed_in.second_factor:
            second_factor_given_elsewhere(request)
        if not signed_in.user.memberships.exists():
            # Nothing to see until an administrator grants a role: say so.
            raise ImmediateHttpResponse(redirect("sign-in-no-role"))
        raise ImmediateHttpResponse(redirect(self._next(request, sociallogin)))

    def on_authentication_error(
        self,
        request,
        provider,
        error=None,
        exception=None,
        extra_context: Any = None,
    ) -> None:
        """The provider refused, the person cancelled, or the token failed allauth's
        checks: the service's own page, saying which."""
        ours = provider_with_id(
            getattr(getattr(provider, "app", None), "provider_id", "")
        )
        if error == AuthError.CANCELLED:
            reason = "cancelled"
        elif _caused_by(exception, jwt.InvalidIssuerError):
            reason = "issuer"
        else:
            reason = "error"
        raise ImmediateHttpResponse(refusal_page(request, reason, provider=ours))

    @staticmethod
    def _next(request, sociallogin) -> str:
        target = sociallogin.state.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return target
        return resolve_url(settings.LOGIN_REDIRECT_URL)
