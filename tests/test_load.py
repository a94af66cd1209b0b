"""Load: a bounded loopback load test against real app servers.

Twenty forces' systems (each its own API client and token) read their deliverables and
push progress updates, while ten panel members read quarterly dashboards and the
overview, all at once for ``LOAD_SECONDS`` (60 by default) against gunicorn with the
image's settings (config/gunicorn.py) on the test PostgreSQL database. Every request
must succeed; the p50 and p95 of each kind of request are printed and written to
``var/load.json``. The clients are threads of this process on the same machine, so the
figures include their own overhead and are an upper bound of the server's.

Run it with ``make load`` (it is left out of ``make test``; CI runs both).
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client

from plans.models import Membership
from plans.services import ensure_quarterly_periods, issue_api_client
from tests.factories import (
    DeliverableFactory,
    ForceFactory,
    MembershipFactory,
    ObjectiveFactory,
    OrganisationFactory,
    PlanFactory,
    UserFactory,
)
from tests.test_scale_out import (
    Server,
    _database_url,
    _quick_hash,
    server_environment,
)

API_CLIENTS = 20
READERS = 10
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))

pytestmark = [
    pytest.mark.load,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="app servers under load share one PostgreSQL database",
    ),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@pytest.fixture
def world(transactional_db, settings):
    """Twenty forces with their deliverables in one plan, and ten readers."""
    # So that the clients' secrets, hashed below, are saved as they are.
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    today = datetime.date.today()
    authority = OrganisationFactory(name="Load Police Authority")
    plan = PlanFactory(
        owner=authority,
        starts_on=datetime.date(today.year - 1, 1, 1),
        ends_on=datetime.date(today.year + 1, 12, 31),
    )
    periods = ensure_quarterly_periods(plan=plan)
    editor = MembershipFactory(
        user=UserFactory(), organisation=authority, role=Membership.Role.EDITOR
    ).user
    objectives = [ObjectiveFactory(priority__plan=plan) for _ in range(5)]
    clients = []
    for n in range(API_CLIENTS):
        force = ForceFactory(name=f"Load force {n}")
        deliverables = [
            DeliverableFactory(
                objective=objectives[(n + i) % len(objectives)],
                lead_organisation=force,
                status="in_progress",
            ).pk
            for i in range(5)
        ]
        client, secret = issue_api_client(
            organisation=force,
            name=f"Load system {n}",
            scopes=["read", "updates:write"],
            by=editor,
        )
        # A hash the server accepts (the tests' own hasher is MD5, which it does not).
        client.application.client_secret = _quick_hash(secret)
        client.application.save(update_fields=["client_secret"])
        clients.append((client.application.client_id, secret, deliverables))
    sessions = []
    for _ in range(READERS):
        reader = MembershipFactory(
            user=UserFactory(), organisation=authority, role=Membership.Role.READER
        ).user
        browser = Client()
        browser.force_login(reader)
        sessions.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)
    ended = [p for p in periods if p.ends_on < today] or periods
    return {"plan": plan, "period": ended[-1], "clients": clients, "sessions": sessions}


@pytest.fixture
def server(world, tmp_path):
    env = server_environment(
        _database_url(),
        settings.SECRET_KEY,
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        GUNICORN_WORKERS="3",
    )
    app = Server("load", env, tmp_path, workers=None)
    try:
        app.wait_until_ready(time.monotonic() + 60)
        yield app
    finally:
        app.stop()


def test_thirty_concurrent_clients_for_a_minute_get_no_errors(world, server):
    plan, period = world["plan"], world["period"]
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def timed(kind: str, call) -> None:
        started = time.perf_counter()
        try:
            response = call()
            ok = response.status_code < 400
            problem = f"{kind}: {response.status_code} {response.text[:200]}"
        except requests.RequestException as error:
            ok, problem = False, f"{kind}: {error}"
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            timings[kind].append(elapsed)
            if not ok:
                errors.append(problem)

    def token_of(client_id: str, secret: str) -> str:
        response = requests.post(
            server.url + "/o/token/",
            data={
                "grant_type": "client_credentials",
                "scope": "read updates:write",
                "client_id": client_id,
                "client_secret": secret,
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text[:500]
        return response.json()["access_token"]

    tokens = [(token_of(c, s), d) for c, s, d in world["clients"]]

    def force_system(token: str, deliverables: list[int]) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            timed(
                "API: deliverables list",
                lambda: http.get(
                    f"{server.url}/api/v1/deliverables/?plan={plan.pk}&page_size=100",
                    timeout=30,
                ),
            )
            deliverable = deliverables[n % len(deliverables)]
            timed(
                "API: progress update POST",
                lambda d=deliverable, n=n: http.post(
                    f"{server.url}/api/v1/deliverables/{d}/updates/",
                    json={"narrative": f"Load update {n}.", "rag": "amber"},
                    timeout=30,
                ),
            )

    def reader(session: str) -> None:
        http = requests.Session()
        http.cookies.set(settings.SESSION_COOKIE_NAME, session)
        while time.monotonic() < stop_at:
            timed(
                "Dashboard",
                lambda: http.get(
                    f"{server.url}/plans/{plan.pk}/dashboard/{period.pk}/", timeout=30
                ),
            )
            timed("Overview", lambda: http.get(f"{server.url}/dashboards/", timeout=30))

    threads = [
        threading.Thread(target=force_system, args=client) for client in tokens
    ] + [threading.Thread(target=reader, args=(s,)) for s in world["sessions"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)

    summary = {
        kind: {
            "requests": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
        }
        for kind, times in sorted(timings.items())
    }
    summary["seconds"] = SECONDS
    summary["errors"] = len(errors)
    out = Path(settings.BASE_DIR) / "var" / "load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print("\n" + json.dumps(summary, indent=2))

    assert errors == [], errors[:10]
    assert set(timings) == {
        "API: deliverables list",
        "API: progress update POST",
        "Dashboard",
        "Overview",
    }
    assert all(len(times) >= 10 for times in timings.values()), summary
