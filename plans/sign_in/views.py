"""The pages of signing in with an identity provider that the service shows itself:
why someone was not let in, and what someone signed in with no role yet can do."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from plans.sign_in.models import ExternalAccount, IdentityProvider

# What each refusal says: a heading, then what happened.
REFUSALS = {
    "issuer": (
        "Your account is not one your organisation signs in with",
        "You signed in with an account from a different directory from the one "
        "{organisation} uses. Sign in with your {organisation} work account.",
    ),
    "domain": (
        "Your e-mail address cannot be used to sign in here",
        "{organisation} signs in people whose e-mail address ends in {domains}. "
        "The account you signed in with has the address {email}.",
    ),
    "no-email": (
        "Your account has no e-mail address",
        "The account you signed in with did not tell us its e-mail address, so we "
        "cannot tell whether {organisation} signs it in here.",
    ),
    "taken": (
        "An account with your e-mail address already exists",
        "This service already has an account with the address {email} that is not "
        "one of {organisation}'s. An administrator must sort this out before you "
        "can sign in with your work account.",
    ),
    "inactive": (
        "Your account has been closed",
        "Your account with this service has been deactivated.",
    ),
    "cancelled": (
        "You did not finish signing in",
        "Signing in with your organisation's account was cancelled, so you are not "
        "signed in.",
    ),
    "error": (
        "Your organisation's sign-in service did not sign you in",
        "It refused, or its answer could not be checked. Try again; if it happens "
        "again, tell your organisation's administrator.",
    ),
}


def refusal_page(
    request,
    reason: str,
    *,
    provider: IdentityProvider | None = None,
    email: str = "",
):
    """The service's page saying why someone the provider sent back is not signed
    in (403), and what they can do."""
    heading, text = REFUSALS.get(reason, REFUSALS["error"])
    organisation = provider.organisation.name if provider else "your organisation"
    domains = " or ".join(provider.accepted_domains) if provider else ""
    return render(
        request,
        "sign_in/refused.html",
        {
            "heading": heading,
            "text": text.format(
                organisation=organisation, domains=domains, email=email
            ),
            "reason": reason,
        },
        status=403,
    )


@require_GET
def login_cancelled(request):
    return refusal_page(request, "cancelled")


@require_GET
def login_error(request):
    return refusal_page(request, "error")


class NoRoleView(LoginRequiredMixin, TemplateView):
    """Signed in, but with no role in any organisation yet: nothing to see until an
    administrator grants one."""

    template_name = "sign_in/no_role.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organisations"] = sorted(
            {
                account.identity_provider.organisation.name
                for account in ExternalAccount.objects.filter(
                    user=self.request.user, identity_provider__isnull=False
                ).select_related("identity_provider__organisation")
            }
        )
        context["has_role"] = self.request.user.memberships.exists()
        return context
