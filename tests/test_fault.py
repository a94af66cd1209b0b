"""Fault: PostgreSQL restarts while a force's system pushes a stream of updates.

A private PostgreSQL server (its own data folder and port, so no other test is
disturbed) backs a real gunicorn app server. A client pushes updates, each with its own
``Idempotency-Key``, and retries any that fail (a dropped connection, a 5xx while the
database is down) with the same key, as docs/api.md tells clients to. Meanwhile the
database is restarted twice in "immediate" mode: it stops at once, as on a crash or a
power cut, and recovers from its write-ahead log. After recovery every update the server
acknowledged is stored exactly once, and none is stored twice.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests
from django.conf import settings

from tests.test_scale_out import (
    Server,
    _database_url,
    _free_port,
    server_environment,
)

UPDATES = 60  # updates the client pushes
RESTART_AFTER = (15, 35)  # restart PostgreSQL once this many have been acknowledged
SECRET = "fault-test-" + "f" * 40

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"]
    or not shutil.which("initdb")
    or not shutil.which("pg_ctl")
    or not shutil.which("pg_dump"),
    reason="restarts a private PostgreSQL server: needs PostgreSQL's initdb, "
    "pg_ctl and pg_dump, and runs with the PostgreSQL leg of the suite",
)


class PrivateServer:
    """A PostgreSQL server of the test's own, in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.data = folder / "data"
        self.data.mkdir(parents=True)
        self.port = _free_port()
        self.log = folder / "postgresql.log"
        # PostgreSQL will not run as root: run it as the postgres account then.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            for path in (folder, self.data):
                os.chown(path, account.pw_uid, account.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def run(self, *command: str) -> None:
        result = subprocess.run(
            [*self.prefix, *command], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self.run(
            "pg_ctl", action, "-D", str(self.data), "-o", options, "-l",
            str(self.log), "-w", "-t", "60", *extra,
        )  # fmt: skip

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database
        )


SEED = """
import json
from plans.models import Membership
from plans.services import ensure_quarterly_periods, issue_api_client
from tests.factories import (
    DeliverableFactory, ForceFactory, MembershipFactory, OrganisationFactory,
    PlanFactory, UserFactory,
)
import datetime
today = datetime.date.today()
authority = OrganisationFactory(name="Fault Police Authority")
force = ForceFactory(name="Fault Police")
plan = PlanFactory(
    owner=authority, state="published",
    starts_on=today.replace(month=1, day=1) - datetime.timedelta(days=365),
    ends_on=today.replace(month=12, day=31) + datetime.timedelta(days=365),
)
ensure_quarterly_periods(plan=plan)
editor = MembershipFactory(
    user=UserFactory(), organisation=authority, role=Membership.Role.EDITOR
).user
deliverables = [
    DeliverableFactory(
        objective__priority__plan=plan, lead_organisation=force, status="in_progress"
    ).pk
    for _ in range(3)
]
client, secret = issue_api_client(
    organisation=force, name="Force system", scopes=["read", "updates:write"],
    by=editor,
)
print(json.dumps({
    "deliverables": deliverables,
    "client_id": client.application.client_id,
    "secret": secret,
}))
"""


def manage(database_url: str, *args: str, stdin: str | None = None):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "DEBUG": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def stack(tmp_path, transactional_db):
    """A private PostgreSQL with a migrated, seeded database, and an app server."""
    # Not under tmp_path: the postgres account must be able to reach the folder, and
    # pytest keeps its temporary folders private to the user running the tests.
    folder = Path(tempfile.mkdtemp(prefix="tracker-fault-"))
    postgres = PrivateServer(folder)
    postgres.pg_ctl("start")
    server = None
    try:
        conn = postgres.connect()
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("CREATE DATABASE tracker")
        conn.close()
        database_url = postgres.url("tracker")
        # The schema as the migrations left it in the test database, copied across:
        # much quicker than migrating a new database again.
        dump = folder / "schema.dump"
        for command in (
            ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), _database_url()],
            ["pg_restore", "--no-owner", "-d", database_url, str(dump)],
        ):
            result = subprocess.run(command, capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
        lines = manage(database_url, "shell", stdin=SEED).strip().splitlines()
        world = json.loads(lines[-1])
        env = server_environment(database_url, SECRET, LOG_LEVEL="CRITICAL")
        server = Server("app", env, tmp_path)
        server.wait_until_ready(time.monotonic() + 60)
        yield postgres, server, world
    finally:
        if server is not None:
            server.stop()
        postgres.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_every_acknowledged_update_survives_a_database_restart_exactly_once(stack):
    postgres, server, world = stack
    token = requests.post(
        server.url + "/o/token/",
        data={
            "grant_type": "client_credentials",
            "scope": "read updates:write",
            "client_id": world["client_id"],
            "client_secret": world["secret"],
        },
        timeout=30,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: dict[str, str] = {}  # Idempotency-Key -> narrative
    attempts, failures = 0, 0
    restarts: list[float] = []
    restarted = threading.Event()

    def restart_when(count: int) -> None:
        while len(acknowledged) < count:
            time.sleep(0.01)
        started = time.monotonic()
        postgres.pg_ctl("restart", "-m", "immediate")
        restarts.append(time.monotonic() - started)
        if len(restarts) == len(RESTART_AFTER):
            restarted.set()

    def restarter() -> None:
        for count in RESTART_AFTER:
            restart_when(count)

    thread = threading.Thread(target=restarter, daemon=True)
    thread.start()
    for n in range(UPDATES):
        key = str(uuid.uuid4())
        narrative = f"Fault stream update {n}."
        deliverable = world["deliverables"][n % len(world["deliverables"])]
        deadline = time.monotonic() + 60
        while True:
            attempts += 1
            try:
                response = requests.post(
                    f"{server.url}/api/v1/deliverables/{deliverable}/updates/",
                    json={"narrative": narrative, "rag": "green"},
                    headers=headers | {"Idempotency-Key": key},
                    timeout=10,
                )
            except requests.RequestException:
                response = None
            if response is not None and response.status_code in (200, 201):
                acknowledged[key] = narrative
                break
            # A dropped connection or a 5xx while the database is away: retry the
            # same request with the same key, as clients are told to.
            assert response is None or response.status_code >= 500, response.text
            failures += 1
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.1)
    thread.join(timeout=120)
    assert restarted.is_set(), "PostgreSQL was not restarted during the stream"

    with postgres.connect("tracker") as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT narrative, COUNT(*) FROM deliverables_progressupdate "
            "WHERE narrative LIKE 'Fault stream update %%' GROUP BY narrative"
        )
        stored = dict(cursor.fetchall())
        cursor.execute("SELECT COUNT(*) FROM plans_idempotencyrecord")
        (records,) = cursor.fetchone()
    print(
        f"\nfault: {UPDATES} updates, {attempts} requests, {failures} failed and "
        f"retried, restarts took {', '.join(f'{s:.1f} s' for s in restarts)}"
    )
    assert len(acknowledged) == UPDATES
    assert failures > 0, "no request failed: the restarts did not interrupt the stream"
    assert set(stored) == set(acknowledged.values())  # every acknowledged one is there
    assert set(stored.values()) == {1}  # and none twice
    assert records == UPDATES
