"""API fixtures: OAuth clients with tokens, and clients signed in as the world's people
(tests/conftest.py)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from plans.services import issue_api_client
from tests.factories import UserFactory

BOTH_SCOPES = ["read", "updates:write"]


@pytest.fixture(autouse=True)
def fresh_throttle_cache():
    """Throttle counts live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


def session_client(user):
    """An API client signed in through the browser session (or anonymous)."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def fetch_token(client_id, secret, scope="read updates:write"):
    """Exchange client credentials for an access token at the token endpoint."""
    return APIClient().post(
        reverse("oauth-token"),
        {"grant_type": "client_credentials", "scope": scope},
        format="multipart",
        HTTP_AUTHORIZATION=_basic(client_id, secret),
    )


def _basic(client_id, secret):
    import base64

    raw = f"{client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def bearer(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def issue_client(db):
    """issue_client(org, scopes) -> (ApiClient, secret, access token)."""
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)

    def issue(organisation, scopes=BOTH_SCOPES, name="Performance system"):
        client, secret = issue_api_client(
            organisation=organisation, name=name, scopes=scopes, by=admin
        )
        response = fetch_token(client.application.client_id, secret, " ".join(scopes))
        assert response.status_code == 200, response.content
        return client, secret, response.json()["access_token"]

    return issue


@pytest.fixture
def force_api(issue_client, force):
    """A bearer-token API client for the force's system, with both scopes."""
    _, _, token = issue_client(force)
    return bearer(token)
