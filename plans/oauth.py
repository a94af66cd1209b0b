"""The OAuth 2.0 token endpoint, hardened (issue 18).

- Client secrets are 48 random characters, not passwords: they are stored with a fast,
  salted hash (``ClientSecretHasher``), so a wrong secret costs microseconds, not the
  password hasher's second and a half. Secrets stored with the slow hasher still work
  and are re-hashed the next time they are used.
- Failed client authentications at ``/o/token/`` are counted per client id and per
  address; past the limit the endpoint answers 429 with ``Retry-After`` without
  checking the secret at all.
- Every error of ``/o/token/`` is problem details (``application/problem+json``), as
  every other API error is, keeping OAuth's own ``error`` (RFC 6749 section 5.2) as an
  extension member for OAuth clients.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import time
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.hashers import (
    BasePasswordHasher,
    check_password,
    identify_hasher,
    make_password,
    mask_hash,
)
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as oauth_views
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from config.proxies import client_address
from core.api.oauth import ClientValidator

# -- the fast hash ---------------------------------------------------------------


class ClientSecretHasher(BasePasswordHasher):
    """Salted SHA-256, for API client secrets only.

    A secret of 48 random letters and digits has about 285 bits of entropy, so no
    amount of guessing finds it and the password hasher's deliberate slowness buys
    nothing; it only lets anyone with a client id burn a worker's CPU for 1.6 s per
    wrong guess. Listed after the password hashers in PASSWORD_HASHERS, so people's
    passwords keep the strong one; named by OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"].
    """

    algorithm = "client_secret_sha256"

    def encode(self, password: str, salt: str) -> str:
        if password is None or not salt or "$" in salt:
            raise ValueError("A secret and a salt without '$' are needed.")
        digest = hashlib.sha256(f"{salt}${password}".encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        if algorithm != self.algorithm:
            raise ValueError(f"Not a {self.algorithm} hash.")
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        salt = self.decode(encoded)["salt"]
        return constant_time_compare(encoded, self.encode(password, salt))

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"], show=2),
            "hash": mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        # Nothing to even out: every check costs the same single hash.
        return None


class ClientSecretValidator(ClientValidator):
    """Checks a client's secret with whichever hasher stored it, and re-hashes a
    secret stored with another (the slow password hasher, before issue 18) with the
    client-secret hasher on its first successful use: there is no plaintext to
    re-hash any earlier."""

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        try:
            identify_hasher(stored_secret)
        except ValueError:  # stored in plain text (hash_client_secret=False)
            return super()._check_secret(provided_secret, stored_secret)

        def rehash(raw: str) -> None:
            # Compare-and-set on the old hash: of two requests re-hashing at once,
            # one writes and the other finds nothing to change.
            get_application_model().objects.filter(client_secret=stored_secret).update(
                client_secret=make_password(
                    raw, hasher=oauth2_settings.CLIENT_SECRET_HASHER
                )
            )

        return check_password(
            provided_secret,
            stored_secret,
            setter=rehash,
            preferred=oauth2_settings.CLIENT_SECRET_HASHER,
        )


# -- throttling failed client authentications ----------------------------------

#: OAuth errors that come from one request parameter, to name it in ``errors``.
FIELDS = {
    "unsupported_grant_type": "grant_type",
    "invalid_scope": "scope",
}
#: OAuth's words for a missing parameter ("Missing code parameter."), to name it.
MISSING = re.compile(r"missing (?P<field>\w+) parameter", re.IGNORECASE)
#: What to say when OAuth gives no description of its own.
DESCRIPTIONS = {
    "invalid_client": "Client authentication failed: check the client id and secret.",
    "invalid_request": "The token request is malformed.",
    "invalid_grant": "The grant is invalid or has expired.",
    "unauthorized_client": "This client may not use this grant type.",
    "unsupported_grant_type": "Use grant_type=client_credentials.",
    "invalid_scope": "Ask only for the scopes this client was issued.",
    "method_not_allowed": "Send the token request as a POST.",
}


def _client_id(request: HttpRequest) -> str:
    """The client id the request claims, from HTTP Basic or the form body, as OAuth
    reads it; empty when it names none."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Basic" and credentials:
        try:
            decoded = base64.b64decode(credentials).decode(request.encoding or "utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        if ":" in decoded:
            return unquote_plus(decoded.split(":", 1)[0])
    return request.POST.get("client_id", "")


def _counters(request: HttpRequest) -> list[tuple[str, int]]:
    """The cache keys counting this request's failures, each with its limit: one for
    its address and, when it names a client, one for the client id."""
    counters = [
        (
            f"oauth-token-failures:address:{client_address(request) or 'unknown'}",
            settings.API_TOKEN_FAILURES_PER_ADDRESS,
        )
    ]
    client_id = _client_id(request)
    if client_id:
        digest = hashlib.sha256(client_id.encode()).hexdigest()[:40]
        counters.append(
            (
                f"oauth-token-failures:client:{digest}",
                settings.API_TOKEN_FAILURES_PER_CLIENT,
            )
        )
    return counters


def _blocked_for(counters: list[tuple[str, int]]) -> int:
    """Seconds until the request may try again, or 0 if it may now."""
    now = time.time()
    counts = cache.get_many([key for key, _limit in counters])
    waits = [
        math.ceil(counts[key][1] - now)
        for key, limit in counters
        if key in counts and counts[key][0] >= limit and counts[key][1] > now
    ]
    return max(waits, default=0)


def _record_failure(counters: list[tuple[str, int]]) -> None:
    """Count one failed client authentication against each counter. A window starts
    at a counter's first failure and lasts API_TOKEN_FAILURE_WINDOW_SECONDS; nothing
    but its end resets it (a success from elsewhere does not)."""
    now = time.time()
    window = settings.API_TOKEN_FAILURE_WINDOW_SECONDS
    counts = cache.get_many([key for key, _limit in counters])
    for key, _limit in counters:
        count, until = counts.get(key, (0, now + window))
        if until <= now:
            count, until = 0, now + window
        cache.set(key, (count + 1, until), timeout=max(1, math.ceil(until - now)))


# -- the endpoint ----------------------------------------------------------------


def _problem(
    status: int,
    error: str,
    description: str = "",
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """An OAuth error as problem details, OAuth's ``error`` and
    ``error_description`` kept beside them for OAuth clients."""
    # Imported here: core.api.errors loads Django REST framework's views, whose
    # settings import core.api again, so it must not be the first of them to load.
    from core.api.errors import PROBLEM_JSON, TITLES

    detail = description or DESCRIPTIONS.get(error, TITLES.get(status, "Error"))
    missing = MISSING.search(detail)
    field = missing["field"] if missing else FIELDS.get(error)
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": [{"field": field, "message": detail, "code": error}],
        "error": error,
        "error_description": detail,
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _as_problem(response: HttpResponse) -> tuple[HttpResponse, str]:
    """DOT's error answer reshaped as problem details, with its OAuth error code."""
    try:
        oauth = json.loads(response.content or b"{}")
    except ValueError:
        oauth = {}
    if not isinstance(oauth, dict):
        oauth = {}
    if response.status_code == 405:
        oauth.setdefault("error", "method_not_allowed")
    error = str(oauth.get("error") or "invalid_request")
    headers = {
        name: value
        for name, value in response.items()
        if name.lower() not in {"content-type", "content-length"}
    }
    problem = _problem(
        response.status_code, error, str(oauth.get("error_description") or ""), headers
    )
    return problem, error


class _GuardedEndpoint:
    """An OAuth endpoint that authenticates clients: throttled on failed client
    authentications (per address and per client id) and answering every error in
    problem details."""

    validator_class = ClientSecretValidator

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        counters = _counters(request)
        wait = _blocked_for(counters) if request.method == "POST" else 0
        if wait:
            return _problem(
                429,
                "too_many_requests",
                f"Too many failed client authentications: try again in {wait} seconds.",
                {"Retry-After": str(wait), "Cache-Control": "no-store"},
            )
        response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code < 400:
            return response
        problem, error = _as_problem(response)
        if error == "invalid_client":
            _record_failure(counters)
        return problem


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(_GuardedEndpoint, oauth_views.TokenView):
    """``/o/token/``: DOT's token endpoint, guarded."""


@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(_GuardedEndpoint, oauth_views.RevokeTokenView):
    """``/o/revoke_token/``: DOT's revocation endpoint, guarded the same way (it
    checks the client's secret too)."""
