"""/o/token/ hardened (issue 18): a wrong secret is cheap, repeated failures are
throttled per address and per client id, and every error is problem details that
still carry OAuth's own ``error``."""

import base64
import statistics
import time

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import Application
from oauthlib.common import Request

from plans.oauth import ClientSecretValidator
from plans.services import issue_api_client
from tests.factories import UserFactory

TOKEN = "/o/token/"
LIMIT = 3

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def strong_and_fast_hashers(settings):
    """The production hashers' order: the password hasher first, the client-secret
    hasher after it (tests/conftest.py swaps in MD5 for speed elsewhere)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "plans.oauth.ClientSecretHasher",
    ]
    settings.API_TOKEN_FAILURES_PER_ADDRESS = LIMIT
    settings.API_TOKEN_FAILURES_PER_CLIENT = 2 * LIMIT
    settings.API_TOKEN_FAILURE_WINDOW_SECONDS = 600


@pytest.fixture
def issued(force):
    """(client id, secret) of a freshly issued API client of the force."""
    client, secret = issue_api_client(
        organisation=force,
        name="Performance system",
        scopes=["read"],
        by=UserFactory(is_staff=True, is_superuser=True),
    )
    return client.application.client_id, secret


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def ask(client_id, secret, address="203.0.113.1", **data):
    """POST a client-credentials request from ``address``, as a client library does
    (no CSRF token)."""
    return Client(enforce_csrf_checks=True).post(
        TOKEN,
        {"grant_type": "client_credentials", "scope": "read", **data},
        HTTP_AUTHORIZATION=basic(client_id, secret),
        REMOTE_ADDR=address,
    )


def assert_problem(response, status, error):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["error"] == error  # RFC 6749 section 5.2, for OAuth clients
    assert body["errors"][0]["code"] == error
    return body


def test_url_is_the_hardened_view():
    assert reverse("oauth-token") == TOKEN


def test_right_secret_gets_a_token_without_a_csrf_token(issued):
    response = ask(*issued)

    assert response.status_code == 200, response.content
    assert response.json()["access_token"]


def test_new_secret_is_stored_with_the_fast_hash(issued):
    stored = Application.objects.get(client_id=issued[0]).client_secret

    assert identify_hasher(stored).algorithm == "client_secret_sha256"
    assert issued[1] not in stored


def test_wrong_secret_is_401_problem_with_invalid_client(issued):
    response = ask(issued[0], "wrong")

    body = assert_problem(response, 401, "invalid_client")
    assert body["type"] == "about:blank"
    assert body["errors"][0]["field"] is None


def test_wrong_secret_costs_under_20_ms(issued):
    """The issue's measure: each wrong secret cost 1.6 s of CPU with the password
    hasher. The validator's whole check (loading the client and comparing the
    secret) now takes a few milliseconds."""
    client_id, _secret = issued
    validator = ClientSecretValidator()
    timings = []
    for attempt in range(20):
        request = Request(
            TOKEN,
            http_method="POST",
            headers={"HTTP_AUTHORIZATION": basic(client_id, f"wrong-{attempt}")},
        )
        request.client = None
        request.client_id = None
        started = time.perf_counter()
        assert validator.authenticate_client(request) is False
        timings.append(time.perf_counter() - started)

    assert statistics.median(timings) < 0.020


def test_failures_from_one_address_are_throttled_with_retry_after(issued):
    client_id, _secret = issued
    for _attempt in range(LIMIT):
        assert ask(client_id, "wrong").status_code == 401

    response = ask(client_id, "wrong")

    body = assert_problem(response, 429, "too_many_requests")
    assert 0 < int(response["Retry-After"]) <= 600
    assert response["Retry-After"] in body["detail"]


def test_throttled_address_is_refused_even_with_the_right_secret(issued):
    """Past the limit no secret is checked at all, right or wrong: that is what
    keeps the workers free."""
    for _attempt in range(LIMIT):
        ask(issued[0], "wrong")

    assert ask(*issued).status_code == 429


def test_throttled_address_is_refused_for_any_client_id(issued):
    for attempt in range(LIMIT):
        ask(f"no-such-client-{attempt}", "wrong")

    assert ask(*issued).status_code == 429


def test_failures_for_one_client_id_are_counted_across_addresses(issued):
    client_id, _secret = issued
    for attempt in range(2 * LIMIT):
        # Each from its own address: none reaches the per-address limit.
        assert (
            ask(client_id, "wrong", address=f"198.51.100.{attempt}").status_code == 401
        )

    response = ask(client_id, "wrong", address="192.0.2.99")

    assert_problem(response, 429, "too_many_requests")
    assert int(response["Retry-After"]) > 0


def test_success_still_works_after_failures_from_elsewhere(issued):
    for _attempt in range(LIMIT):
        ask(issued[0], "wrong", address="198.51.100.7")
    assert ask(*issued, address="198.51.100.7").status_code == 429

    response = ask(*issued, address="192.0.2.10")

    assert response.status_code == 200, response.content
    # ...and that success does not reset the other address's count.
    assert ask(*issued, address="198.51.100.7").status_code == 429


def test_success_is_not_counted(issued):
    for _attempt in range(LIMIT + 2):
        assert ask(*issued).status_code == 200


def test_old_slow_hashed_secret_still_works_and_is_rehashed(issued):
    client_id, secret = issued
    slow = make_password(secret, hasher="pbkdf2_sha256")
    Application.objects.filter(client_id=client_id).update(client_secret=slow)

    response = ask(client_id, secret)

    assert response.status_code == 200, response.content
    stored = Application.objects.get(client_id=client_id).client_secret
    assert identify_hasher(stored).algorithm == "client_secret_sha256"
    assert ask(client_id, secret).status_code == 200


def test_old_slow_hashed_secret_is_not_rehashed_by_a_wrong_secret(issued):
    client_id, _secret = issued
    slow = make_password("the-old-secret", hasher="pbkdf2_sha256")
    Application.objects.filter(client_id=client_id).update(client_secret=slow)

    assert ask(client_id, "wrong").status_code == 401
    assert Application.objects.get(client_id=client_id).client_secret == slow


def test_unsupported_grant_type_is_problem_naming_grant_type(issued):
    response = ask(*issued, grant_type="urn:example:not-a-grant")

    body = assert_problem(response, 400, "unsupported_grant_type")
    assert body["errors"][0]["field"] == "grant_type"


def test_missing_grant_type_is_problem_naming_grant_type(issued):
    response = Client().post(
        TOKEN, {"scope": "read"}, HTTP_AUTHORIZATION=basic(*issued)
    )

    body = assert_problem(response, 400, "unsupported_grant_type")
    assert body["errors"][0]["field"] == "grant_type"


def test_missing_parameter_is_problem_naming_it(issued):
    response = ask(*issued, grant_type="authorization_code")

    body = assert_problem(response, 400, "invalid_request")
    assert body["errors"][0]["field"] == "code"
    assert body["detail"] == body["error_description"] == "Missing code parameter."


def test_no_credentials_is_problem_and_not_a_failure_of_any_client(db):
    response = Client().post(TOKEN, {"grant_type": "client_credentials"})

    assert response.status_code in {400, 401}
    assert response["Content-Type"] == "application/problem+json"
    assert "error" in response.json()


def test_scope_not_issued_is_problem_naming_scope(issued):
    response = ask(*issued, scope="updates:write")

    body = assert_problem(response, 400, "invalid_scope")
    assert body["errors"][0]["field"] == "scope"


def test_get_is_405_problem(db):
    response = Client().get(TOKEN)

    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


# -- /o/revoke_token/: the same guard --------------------------------------------

REVOKE = "/o/revoke_token/"


def revoke(client_id, secret, token="anything", address="203.0.113.1"):
    return Client(enforce_csrf_checks=True).post(
        REVOKE,
        {"token": token},
        HTTP_AUTHORIZATION=basic(client_id, secret),
        REMOTE_ADDR=address,
    )


def test_revoking_a_token_with_the_right_secret_ends_it(issued):
    token = ask(*issued).json()["access_token"]

    assert revoke(*issued, token=token).status_code == 200
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 401


def test_revoke_with_a_wrong_secret_is_a_problem_and_throttled(issued):
    client_id, _secret = issued
    body = assert_problem(revoke(client_id, "wrong"), 401, "invalid_client")
    assert body["type"] == "about:blank"
    for _attempt in range(LIMIT - 1):
        assert revoke(client_id, "wrong").status_code == 401

    response = revoke(client_id, "wrong")

    assert_problem(response, 429, "too_many_requests")
    assert int(response["Retry-After"]) > 0


def test_failures_at_revoke_count_against_the_token_endpoint_too(issued):
    """One guard for both: guessing a secret at the revocation endpoint uses up the
    same allowance as guessing it at the token endpoint."""
    client_id, secret = issued
    for _attempt in range(LIMIT):
        revoke(client_id, "wrong")

    assert_problem(ask(client_id, secret), 429, "too_many_requests")
