"""A real OpenID Connect provider for the sign-in tests: oidc-provider-mock, a small
provider (Flask and Authlib) that runs on a thread of the test process, issues
signed ID tokens and has an authorize page where the test chooses who signs in.

Nothing of django-allauth's is stubbed: the service discovers the provider, sends
the browser to it, exchanges the code and checks the ID token over real HTTP.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from oidc_provider_mock import run_server_in_thread

from plans.sign_in.models import IdentityProvider

CLIENT_ID = "tracker-test-client"
CLIENT_SECRET = "a-secret-the-provider-accepts"


@dataclass
class LocalProvider:
    """The running provider: its issuer (``http://localhost:<port>``)."""

    issuer: str

    def set_claims(self, subject: str, **claims) -> None:
        """What the provider says about ``subject`` in its next ID tokens."""
        response = requests.put(
            f"{self.issuer}/users/{subject}", json=claims, timeout=5
        )
        response.raise_for_status()

    def authorize(self, authorize_url: str, subject: str) -> str:
        """Sign ``subject`` in on the provider's authorize page, as a person would;
        return where it sends the browser back to (the service's callback)."""
        response = requests.post(
            authorize_url, data={"sub": subject}, allow_redirects=False, timeout=5
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def deny(self, authorize_url: str) -> str:
        """Press the provider's "Deny access" button."""
        response = requests.post(
            authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=5
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@contextmanager
def local_provider() -> Iterator[LocalProvider]:
    # The provider speaks plain HTTP on localhost; Authlib refuses that unless told.
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    with run_server_in_thread() as server:
        yield LocalProvider(issuer=f"http://localhost:{server.server_port}")


def provider_for(
    organisation,
    issuer: str,
    *,
    domains: str = "police.example.uk",
    default_role: str = "",
    password_sign_in_off: bool = False,
    discovery_url: str = "",
) -> IdentityProvider:
    """The organisation's identity provider, as its administrator would set it up."""
    return IdentityProvider.objects.create(
        organisation=organisation,
        name="Microsoft",
        issuer=issuer,
        discovery_url=discovery_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        email_domains=domains,
        default_role=default_role,
        password_sign_in_off=password_sign_in_off,
    )
