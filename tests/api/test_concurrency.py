"""Many writers at once, over real HTTP against the live server, each request on its
own database connection: no update is lost, none is applied twice, and a retried
POST is recorded once.

PostgreSQL only: the row locks these rely on are PostgreSQL's (SQLite takes one lock
for the whole database, so there is nothing to race).

Each API client's throttle count is a row of the database cache, updated inside the
request's transaction: with it on, every request of one client waits for the one
before to finish, which hides the races under test. The tests turn it off, as a
Redis cache (REDIS_URL) would, so that the writes themselves race.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings

from core.api.throttling import PerClientThrottle
from deliverables.models import Deliverable, ProgressUpdate

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): SQLite has no row locks to race",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]

WRITERS = 50
RETRIES = 20
TIMEOUT = 60  # seconds for any one request, so that a deadlock fails the test


@pytest.fixture(autouse=True)
def no_throttle(monkeypatch):
    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", {"client": None})


@pytest.fixture
def token(issue_client, force):
    _, _, token = issue_client(force)
    return token


def session_for(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def change(n: int) -> dict:
    """Writer n's update: every field differs from its neighbours'."""
    return {
        "status": "on_hold" if n % 2 else "in_progress",
        "rag": ["green", "amber", "red"][n % 3],
        "percent_complete": n * 2,
        "forecast_date": f"Q{n % 4 + 1}",
        "narrative": f"Update from writer {n}.",
        "reason": f"Writer {n}'s reason.",
    }


def in_parallel(count: int, work) -> list:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(work, range(count)))


def state_of(deliverable: Deliverable) -> tuple:
    return (
        deliverable.status,
        deliverable.rag,
        deliverable.percent_complete,
        deliverable.forecast_date,
    )


def values_of(update: ProgressUpdate) -> tuple:
    return (update.status, update.rag, update.percent_complete, update.forecast_date)


def test_fifty_writers_with_the_same_etag_one_applies_and_none_is_lost(
    live_server, led, token
):
    detail = f"{live_server.url}/api/v1/deliverables/{led.pk}/"
    updates = f"{detail}updates/"
    all_read = threading.Barrier(WRITERS, timeout=TIMEOUT)

    def write(n: int):
        session = session_for(token)
        read = session.get(detail, timeout=TIMEOUT)
        assert read.status_code == 200
        all_read.wait()  # everyone holds the same version before anyone writes
        sent = session.post(
            updates,
            json=change(n),
            headers={"If-Match": read.headers["ETag"]},
            timeout=TIMEOUT,
        )
        return n, sent

    answers = in_parallel(WRITERS, write)

    codes = [sent.status_code for _, sent in answers]
    applied = [(n, sent) for n, sent in answers if sent.status_code == 201]
    refused = [sent for _, sent in answers if sent.status_code == 412]
    print(f"\n{len(applied)} applied (201), {len(refused)} refused (412)")
    assert len(applied) + len(refused) == WRITERS, codes  # and so no 5xx
    # All read the same version, so exactly one can have been applied.
    assert len(applied) == 1
    assert all(
        sent.headers["Content-Type"] == "application/problem+json" for sent in refused
    )
    stored = list(ProgressUpdate.objects.filter(deliverable=led))
    assert len(stored) == len(applied)
    (winner, sent), update = applied[0], stored[0]
    assert update.narrative == change(winner)["narrative"]
    led.refresh_from_db()
    assert state_of(led) == values_of(update)
    assert sent.headers["ETag"] == led.etag


def test_fifty_writers_who_retry_on_412_all_land_in_one_consistent_chain(
    live_server, led, token
):
    detail = f"{live_server.url}/api/v1/deliverables/{led.pk}/"
    updates = f"{detail}updates/"
    before = led.status, led.forecast_date

    def write_until_accepted(n: int) -> int:
        session = session_for(token)
        for attempt in range(1, 10 * WRITERS):
            etag = session.get(detail, timeout=TIMEOUT).headers["ETag"]
            sent = session.post(
                updates, json=change(n), headers={"If-Match": etag}, timeout=TIMEOUT
            )
            if sent.status_code == 201:
                return attempt
            assert sent.status_code == 412, sent.content
        raise AssertionError(f"writer {n} never got through")

    attempts = in_parallel(WRITERS, write_until_accepted)
    print(
        f"\n{WRITERS} applied after {sum(attempts)} attempts "
        f"({sum(attempts) - WRITERS} refused with 412 and retried)"
    )

    log = list(ProgressUpdate.objects.filter(deliverable=led).order_by("pk"))
    assert len(log) == WRITERS
    assert sorted(u.narrative for u in log) == sorted(
        change(n)["narrative"] for n in range(WRITERS)
    )
    # Each update's "previous" is the state the one before it left.
    left = before
    for update in log:
        assert (update.previous_status, update.previous_forecast_date) == left
        left = update.status, update.forecast_date
    # Applied in the order they were stored: the deliverable shows the last.
    assert [u.recorded_at for u in log] == sorted(u.recorded_at for u in log)
    led.refresh_from_db()
    assert state_of(led) == values_of(log[-1])


def test_twenty_copies_of_one_post_with_an_idempotency_key_write_one_update(
    live_server, led, token
):
    updates = f"{live_server.url}/api/v1/deliverables/{led.pk}/updates/"
    all_ready = threading.Barrier(RETRIES, timeout=TIMEOUT)
    body = change(1)

    def send(_: int):
        session = session_for(token)
        all_ready.wait()
        return session.post(
            updates,
            json=body,
            headers={"Idempotency-Key": "q3-return-sojp-1"},
            timeout=TIMEOUT,
        )

    answers = in_parallel(RETRIES, send)

    codes = sorted(a.status_code for a in answers)
    first = [a for a in answers if a.status_code == 201]
    busy = [a for a in answers if a.status_code == 409]
    print(f"\n{len(first)} answered 201, {len(busy)} answered 409 (in progress)")
    # Each copy either gets the one success, or, if it raced the first, 409 "being
    # handled" (having written nothing): never a second update, never a 5xx.
    assert len(first) + len(busy) == RETRIES, codes
    assert first, codes
    assert len({a.json()["id"] for a in first}) == 1
    assert all(
        "already being handled" in a.json()["errors"][0]["message"] for a in busy
    )
    assert ProgressUpdate.objects.filter(deliverable=led).count() == 1

    # A client that got 409 retries: it gets the first answer again.
    for _ in busy:
        again = session_for(token).post(
            updates,
            json=body,
            headers={"Idempotency-Key": "q3-return-sojp-1"},
            timeout=TIMEOUT,
        )
        assert again.status_code == 201
        assert again.json() == first[0].json()
        assert again.headers["Idempotent-Replayed"] == "true"
    assert ProgressUpdate.objects.filter(deliverable=led).count() == 1
    led.refresh_from_db()
    assert led.rag == body["rag"]
