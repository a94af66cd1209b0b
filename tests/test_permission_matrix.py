"""The permission matrix: every URL pattern, requested as every role, answers as
tests/permission_matrix.py says; and that file has an entry for every pattern and
none for a pattern that is gone.

One world (tests/permission_world.py) serves the whole module: it is built once
inside a transaction rolled back at the end, and each request runs in a savepoint
rolled back after it, so a POST that is let in changes nothing for the next.
"""

from __future__ import annotations

import os
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from tests.permission_matrix import (
    KNOWN_FAULTS,
    KNOWN_METHOD_FAULTS,
    MATRIX,
    METHODS,
    markdown,
    url_patterns,
)
from tests.permission_world import ROLES, client_as, module_world

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
SIGN_IN = "/sign-in/"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, and rolled back after it."""
    yield from module_world(django_db_blocker, tmp_path_factory)


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    """One client per role, signed in once for the module."""
    with django_db_blocker.unblock():
        return {role: client_as(world, role) for role in ROLES}


@pytest.fixture(autouse=True)
def no_throttle_counts():
    cache.clear()


def bodies(world) -> dict[str, dict]:
    a = world.a
    amber = {"narrative": "Recruitment behind plan.", "rag": "amber"}
    return {
        "": {},
        "progress": amber,
        "progress-with-id": {**amber, "deliverable": a.deliverable.pk},
        "progress-in-bulk": {"updates": [{**amber, "deliverable": a.deliverable.pk}]},
        "indicator-value": {
            "period": a.plan.reporting_periods.last().label,
            "value": 5,
        },
        "evidence-link": {"url": "https://example.org/minutes", "title": "Minutes"},
        # The editor API (issue 18).
        "plan": {
            "owner": a.organisation.pk,
            "reference": "NEW/PLAN",
            "title": "A new plan",
            "starts_on": "2030-01-01",
            "ends_on": "2030-12-31",
        },
        "priority": {"plan": a.plan.pk, "reference": "NEW-P", "title": "New"},
        "objective": {
            "plan": a.plan.pk,
            "priority": a.priority.pk,
            "reference": "NEW-O",
            "title": "New",
        },
        "strand": {"plan": a.plan.pk, "name": "A new strand"},
        "deliverable": {
            "plan": a.plan.pk,
            "reference": "NEW-D",
            "title": "New",
            "lead_organisation": a.organisation.pk,
        },
        "milestone": {"deliverable": a.deliverable.pk, "title": "New step"},
        "archive": {"reason": "Funded elsewhere."},
        "deliverables-in-bulk": {
            "plan": a.plan.pk,
            "deliverables": [
                {
                    "reference": "NEW-B",
                    "title": "New",
                    "lead_organisation": a.organisation.pk,
                }
            ],
        },
    }


def url_for(world, key: str, entry) -> str:
    kwargs = {}
    for name, source in entry.args.items():
        if source.startswith("="):
            kwargs[name] = source[1:]
        else:
            value = world.a.objects[source] if source != "organisation" else None
            value = world.a.organisation if value is None else value
            kwargs[name] = getattr(value, "pk", value)
    return reverse(key.removesuffix(".<format>"), kwargs=kwargs)


def outcome(response) -> str:
    code = response.status_code
    if 300 <= code < 400 and code != 304:
        if urlsplit(response["Location"]).path == SIGN_IN:
            return "sign-in"
        return "ok"
    if 200 <= code < 300 or code == 304:
        return "ok"
    if code in (400, 401, 403, 404, 405, 409):
        return str(code)
    return f"unexpected {code}"


def attempt(client, method: str, url: str, body: dict, is_api: bool):
    """One request, in a savepoint rolled back after it; the client's cookies are put
    back too (signing out clears them)."""
    cookies = SimpleCookie(client.cookies)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif method == "POST":
            response = client.post(url, body, format="json" if is_api else None)
        else:
            response = client.delete(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def observed(world, clients, key: str) -> dict[str, tuple[str, ...]]:
    entry = MATRIX[key]
    url = url_for(world, key, entry)
    is_api = url.startswith(("/api/", "/o/"))
    body = bodies(world)[entry.body]
    return {
        method: tuple(
            outcome(attempt(clients[role], method, url, body, is_api)) for role in ROLES
        )
        for method in METHODS
    }


def test_every_url_pattern_has_an_entry_in_the_matrix():
    missing = [f"{p.key} ({p.route})" for p in url_patterns() if p.key not in MATRIX]
    assert not missing, "URL patterns with no entry in tests/permission_matrix.py: " + (
        ", ".join(missing)
    )


def test_every_entry_in_the_matrix_names_a_url_pattern():
    known = {p.key for p in url_patterns()}
    gone = sorted(set(MATRIX) - known)
    assert not gone, f"entries for URL patterns that no longer exist: {gone}"


def _cases():
    for key in sorted(MATRIX):
        marks = []
        if key in KNOWN_FAULTS:
            marks = [pytest.mark.xfail(reason=KNOWN_FAULTS[key], strict=True)]
        yield pytest.param(key, marks=marks, id=key)


@pytest.mark.slow
@pytest.mark.parametrize("key", list(_cases()))
def test_each_role_gets_what_the_matrix_says(key, world, clients):
    entry = MATRIX[key]
    got = observed(world, clients, key)
    wrong = [
        f"{method} as {role}: expected {want}, got {have}"
        for method in METHODS
        for role, want, have in zip(
            ROLES, entry.outcomes(method), got[method], strict=True
        )
        if want != have
    ]
    assert not wrong, f"{key} ({url_for(world, key, entry)}):\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "key, method",
    [
        pytest.param(key, method, marks=pytest.mark.xfail(reason=why, strict=True))
        for (key, method), why in KNOWN_METHOD_FAULTS.items()
    ],
)
def test_known_fault_answers_without_a_server_error(key, method, world, clients):
    url = url_for(world, key, MATRIX[key])
    response = clients["reader"].generic(method, url)
    assert response.status_code < 500


def test_permissions_doc_is_generated_from_the_matrix():
    if os.environ.get("WRITE_PERMISSIONS_DOC") == "1":
        DOC.write_text(markdown(), encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == markdown(), (
        "docs/permissions.md is out of date: run "
        "WRITE_PERMISSIONS_DOC=1 pytest tests/test_permission_matrix.py -k doc"
    )
