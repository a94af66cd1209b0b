"""The embedded database holds: twenty people at once on the default SQLite set-up.

A real app server (gunicorn with the image's three worker processes, or Django's
development server, `make run`, with a thread per request) serves a SQLite database
in a file of the test's own, migrated for it, as a laptop or a small office would run
the service. Twenty people, each from their own force, then all at once sign in,
browse a few pages, take an API token and record progress through the API, and send
a quarterly return as a spreadsheet. Not one request may fail: no 5xx, no "database
is locked". Then twenty copies of one API update, with the same Idempotency-Key, are
sent at once: exactly one update is stored, and every copy gets the first answer
(201, replayed) or 409 "being handled", as docs/api.md promises.

With the suite on PostgreSQL (DATABASE_URL=postgres://...), the same is run against a
database of its own on that server, to show both answer alike. The figures of each
run are printed (``-s``); docs/reliability.md gives them.
"""

from __future__ import annotations

import io
import json
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.deliverables.test_returns import fill_in
from tests.test_scale_out import (
    PASSWORD,
    Server,
    _form_token,
    _free_port,
    _quick_hash,
    server_environment,
)

pytestmark = pytest.mark.slow

CLIENTS = 20
RETRIES = 20
#: What every narrative this test writes starts with, to find them again.
MARK = "Concurrency test: "
TIMEOUT = 120  # seconds for any one request, so that a hang fails the test
SECRET = "sqlite-concurrency-test-" + "k" * 40


# The server's database, filled by a process of its own -------------------------------


def seed() -> None:
    """Run in the server's database by ``manage.py shell``: a plan running this year,
    and for each of CLIENTS forces a contributor, an API client and two deliverables
    (one for the API, one for the return). Prints what the clients need as JSON."""
    from django.utils import timezone

    from deliverables.models import Status
    from plans.models import Membership
    from plans.services import issue_api_client
    from tests.factories import (
        DeliverableFactory,
        ForceFactory,
        MembershipFactory,
        ObjectiveFactory,
        OrganisationFactory,
        UserFactory,
        plan_for_year,
    )

    today = timezone.localdate()
    plan = plan_for_year(OrganisationFactory(name="Concurrency Authority"), today.year)
    period = plan.reporting_periods.get(starts_on__lte=today, ends_on__gte=today)
    objective = ObjectiveFactory(priority__plan=plan)
    admin = UserFactory(username="concurrency-admin", is_superuser=True)
    people = []
    for n in range(CLIENTS):
        force = ForceFactory(name=f"Concurrency force {n}")
        person = UserFactory(username=f"person{n}")
        person.password = _quick_hash(PASSWORD)  # one the server checks quickly
        person.save(update_fields=["password"])
        MembershipFactory(
            user=person, organisation=force, role=Membership.Role.CONTRIBUTOR
        )
        reported, returned = (
            DeliverableFactory(
                objective=objective,
                lead_organisation=force,
                reference=f"{n + 1}.{part}",
                status=Status.IN_PROGRESS,
            )
            for part in (1, 2)
        )
        client, secret = issue_api_client(
            organisation=force,
            name="Force system",
            scopes=["read", "updates:write"],
            by=admin,
        )
        # A hash the server checks quickly (its own is slow on purpose).
        client.application.client_secret = _quick_hash(secret)
        client.application.save(update_fields=["client_secret"])
        people.append(
            {
                "username": person.username,
                "force": force.pk,
                "client_id": client.application.client_id,
                "secret": secret,
                "reported": reported.pk,
                "returned": returned.pk,
                "returned_reference": returned.reference,
            }
        )
    print(json.dumps({"plan": plan.pk, "period": period.pk, "people": people}))


def count_stored() -> None:
    """Run by ``manage.py shell``: how many times each narrative of this test is
    stored, as JSON."""
    from deliverables.models import ProgressUpdate

    narratives = ProgressUpdate.objects.filter(narrative__startswith=MARK)
    print(json.dumps(Counter(narratives.values_list("narrative", flat=True))))


def in_server_database(env: dict[str, str], code: str):
    """Run ``code`` with ``manage.py shell`` on the server's database; its last line
    of output, read as JSON."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


class DevelopmentServer(Server):
    """``manage.py runserver``, as `make run` starts it: a thread per request."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "runserver",
                    "--noreload",
                    f"127.0.0.1:{self.port}",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


# Where the server's database lives ---------------------------------------------------


def _postgresql_server() -> dict | None:
    """The PostgreSQL server the suite runs on, if it does."""
    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        return None
    return {
        "host": database["HOST"] or "127.0.0.1",
        "port": database["PORT"] or 5432,
        "user": database["USER"],
        "password": database["PASSWORD"],
    }


def _postgresql(statement: str) -> None:
    import psycopg2

    server = _postgresql_server()
    assert server is not None
    link = psycopg2.connect(dbname="postgres", **server)
    link.autocommit = True
    try:
        with link.cursor() as cursor:
            cursor.execute(statement)
    finally:
        link.close()


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database migrated once for the module's tests to copy."""
    path = tmp_path_factory.mktemp("migrated") / "tracker.sqlite3"
    migrate(server_environment(f"sqlite:///{path}", SECRET))
    return path


@pytest.fixture
def database_url(request, tmp_path):
    """A migrated database the test alone uses, as a DATABASE_URL."""
    if request.param == "sqlite":
        path = tmp_path / "tracker.sqlite3"
        template = request.getfixturevalue("migrated_sqlite")
        with closing(sqlite3.connect(template)) as source:
            with closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
        yield f"sqlite:///{path}"
        return
    server = _postgresql_server()
    if server is None:
        pytest.skip("the suite runs on SQLite (set DATABASE_URL=postgres://...)")
    name = f"concurrency_{uuid.uuid4().hex[:12]}"
    _postgresql(f'CREATE DATABASE "{name}"')
    credentials = quote(server["user"], safe="")
    if server["password"]:
        credentials += ":" + quote(server["password"], safe="")
    url = f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
    try:
        migrate(server_environment(url, SECRET))
        yield url
    finally:
        _postgresql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The clients -------------------------------------------------------------------------


def _gist(text: str) -> str:
    """A page's title (Django's error pages name the exception there), or the start
    of an answer that has none."""
    if "<title>" in text:
        return " ".join(text.split("<title>", 1)[1].split("</title>", 1)[0].split())
    return text[:300]


@dataclass
class Record:
    """Every request the clients made: its kind and time, and what went wrong."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, kind: str, expected: int, call: Callable[[], requests.Response]
    ) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = call()
        except requests.RequestException as error:
            response, problem = None, f"{kind}: {error}"
        else:
            problem = (
                ""
                if response.status_code == expected
                and "database is locked" not in response.text
                else f"{kind}: {response.status_code} {_gist(response.text)}"
            )
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times.setdefault(kind, []).append(elapsed)
            if problem:
                self.errors.append(problem)
        return response if not problem else None

    def summary(self, seconds: float) -> dict:
        every = sorted(t for times in self.times.values() for t in times)
        return {
            "clients": CLIENTS,
            "requests": len(every),
            "errors": len(self.errors),
            "seconds": round(seconds, 1),
            "per_second": round(len(every) / seconds, 1),
            "p50_ms": round(statistics.median(every) * 1000),
            "p95_ms": round(every[round(0.95 * (len(every) - 1))] * 1000),
            "slowest_ms": round(every[-1] * 1000),
        }


def person_at_work(server, world: dict, person: dict, record: Record, start) -> None:
    """One person's session: sign in, read, update through the API, send a return."""
    plan, period = world["plan"], world["period"]
    url = server.url
    browser = requests.Session()
    start.wait()
    sign_in = url + reverse("sign-in")
    sign_in_form = record.send(
        "sign-in page", 200, lambda: browser.get(sign_in, timeout=TIMEOUT)
    )
    if not sign_in_form or not record.send(
        "sign in",
        302,
        lambda: browser.post(
            sign_in,
            data={
                "username": person["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": _form_token(sign_in_form),
            },
            headers={"Referer": sign_in},
            allow_redirects=False,
            timeout=TIMEOUT,
        ),
    ):
        return
    for kind, path in [
        ("plans", reverse("plans:list")),
        ("plan", reverse("plans:detail", kwargs={"pk": plan})),
        ("deliverable", reverse("deliverables:detail", args=[person["reported"]])),
        (
            "dashboard",
            reverse(
                "scrutiny:dashboard-period", kwargs={"plan": plan, "period": period}
            ),
        ),
    ]:
        record.send(kind, 200, lambda p=path: browser.get(url + p, timeout=TIMEOUT))

    # The force's system: a token, then three updates, each with a key of its own.
    token = record.send(
        "API token",
        200,
        lambda: requests.post(
            url + "/o/token/",
            data={"grant_type": "client_credentials", "scope": "read updates:write"},
            auth=(person["client_id"], person["secret"]),
            timeout=TIMEOUT,
        ),
    )
    if token:
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        detail = f"{url}/api/v1/deliverables/{person['reported']}/"
        for n in range(3):
            record.send("API read", 200, lambda: api.get(detail, timeout=TIMEOUT))
            record.send(
                "API update",
                201,
                lambda n=n: api.post(
                    detail + "updates/",
                    json={
                        "narrative": f"{MARK}{person['username']} update {n}",
                        "rag": ["green", "amber", "red"][n],
                    },
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                    timeout=TIMEOUT,
                ),
            )

    # The quarterly return: download, fill in, check, confirm.
    page = url + reverse("plans:returns", kwargs={"plan": plan, "period": period})
    blank = record.send(
        "return download",
        200,
        lambda: browser.get(
            url
            + reverse(
                "plans:return-download",
                kwargs={
                    "plan": plan,
                    "period": period,
                    "organisation": person["force"],
                },
            ),
            timeout=TIMEOUT,
        ),
    )
    form = record.send("return page", 200, lambda: browser.get(page, timeout=TIMEOUT))
    if not (blank and form):
        return
    workbook = load_workbook(io.BytesIO(blank.content))
    fill_in(
        workbook,
        person["returned_reference"],
        narrative=f"{MARK}{person['username']} return",
    )
    filled = io.BytesIO()
    workbook.save(filled)
    preview = record.send(
        "return check",
        200,
        lambda: browser.post(
            page,
            data={"csrfmiddlewaretoken": _form_token(form)},
            files={"workbook": ("return.xlsx", filled.getvalue())},
            headers={"Referer": page},
            timeout=TIMEOUT,
        ),
    )
    if not preview or 'name="token"' not in preview.text:
        with record.lock:
            record.errors.append(f"return check: no preview {preview and preview.text}")
        return
    token_field = preview.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    record.send(
        "return confirm",
        302,
        lambda: browser.post(
            page,
            data={"token": token_field, "csrfmiddlewaretoken": _form_token(preview)},
            headers={"Referer": page},
            allow_redirects=False,
            timeout=TIMEOUT,
        ),
    )


def in_parallel(count: int, work: Callable[[int, threading.Barrier], None]) -> float:
    """Run ``work(n, start)`` in ``count`` threads that begin together; the seconds
    from the start to the last one's end."""
    start = threading.Barrier(count + 1, timeout=TIMEOUT)
    threads = [
        threading.Thread(target=work, args=(n, start), daemon=True)
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=10 * TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return time.perf_counter() - began


@pytest.mark.parametrize(
    ("database_url", "server_kind"),
    [
        ("sqlite", "gunicorn"),
        ("sqlite", "runserver"),
        ("postgresql", "gunicorn"),
    ],
    indirect=["database_url"],
)
def test_twenty_people_at_once_get_no_errors_and_one_retried_update_is_stored_once(
    database_url, server_kind, tmp_path
):
    env = server_environment(database_url, SECRET)
    world = in_server_database(
        env, "from tests.test_sqlite_concurrency import seed; seed()"
    )
    people = world["people"]
    if server_kind == "gunicorn":
        server = Server("gunicorn", env, tmp_path, workers=3)
    else:
        server = DevelopmentServer("runserver", env, tmp_path)
    try:
        server.wait_until_ready(time.monotonic() + 60)
        record = Record()
        seconds = in_parallel(
            CLIENTS,
            lambda n, start: person_at_work(server, world, people[n], record, start),
        )
        summary = record.summary(seconds)

        # Then twenty copies of one update, with one key, sent at once.
        token = requests.post(
            server.url + "/o/token/",
            data={"grant_type": "client_credentials", "scope": "read updates:write"},
            auth=(people[0]["client_id"], people[0]["secret"]),
            timeout=TIMEOUT,
        ).json()["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": "retried-update-1",
        }
        updates = f"{server.url}/api/v1/deliverables/{people[0]['reported']}/updates/"
        body = {"narrative": f"{MARK}one update sent {RETRIES} times", "rag": "red"}
        answers: list = [None] * RETRIES

        def send(n: int, start: threading.Barrier) -> None:
            start.wait()
            answers[n] = requests.post(
                updates, json=body, headers=headers, timeout=TIMEOUT
            )

        in_parallel(RETRIES, send)
        # A copy that got 409 sends it again later, and gets the first answer.
        busy = [a for a in answers if a.status_code == 409]
        again = [
            requests.post(updates, json=body, headers=headers, timeout=TIMEOUT)
            for _ in busy
        ]
        log = server.log.read_text()
    finally:
        server.stop()

    codes = Counter(a.status_code for a in answers)
    print(
        f"\n{server_kind} on {database_url.split(':')[0]}: {json.dumps(summary)}"
        f"\nfailed: {dict(Counter(e.split(':')[0] for e in record.errors))}"
        f"\n{RETRIES} copies of one update at once: {dict(codes)}"
    )
    failures = sorted({line for line in log.splitlines() if "Error: " in line})
    assert record.errors == [], (record.errors[:10], failures)
    assert "database is locked" not in log
    assert "Traceback" not in log, log[-3000:]

    assert set(codes) <= {201, 409}, [a.text[:300] for a in answers]
    first = [a for a in answers if a.status_code == 201]
    assert first, codes
    assert len({a.json()["id"] for a in first}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in first) == (
        len(first) - 1
    )
    assert all("already being handled" in a.text for a in busy)
    assert all(a.status_code == 201 for a in again)
    assert all(a.json() == first[0].json() for a in again)

    stored = in_server_database(
        env, "from tests.test_sqlite_concurrency import count_stored; count_stored()"
    )
    expected = {body["narrative"]: 1} | {
        f"{MARK}{p['username']} {what}": 1
        for p in people
        for what in ("update 0", "update 1", "update 2", "return")
    }
    assert stored == expected
