"""Two app servers, one PostgreSQL database: whichever server a request reaches, a
visitor stays signed in, failed sign-ins and API requests are counted once across
both, and a retried POST is recorded once.

Each server is a real gunicorn process with its own memory, as behind a load balancer;
anything kept in one process's memory or on its disk would fail here.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from config.proxies import client_address
from deliverables.models import PendingUpload, ProgressUpdate, Status
from plans.models import Membership
from plans.services import ensure_quarterly_periods, issue_api_client
from tests.deliverables.test_returns import fill_in
from tests.factories import (
    DeliverableFactory,
    ForceFactory,
    MembershipFactory,
    OrganisationFactory,
    PlanFactory,
    UserFactory,
    plan_for_year,
)
from tests.test_setup import manage

PASSWORD = "correct-horse-battery"
THROTTLE = 5  # API requests a minute per client, on the servers started here
FAILURES = 3  # failed sign-ins before signing in pauses
#: Both servers sign sessions and tokens with one key, as every replica must.
SHARED_SECRET = "scale-out-test-" + "k" * 40

on_postgresql = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="several app servers share one PostgreSQL database; SQLite is a file for "
    "one machine (set DATABASE_URL=postgres://... to run this)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The test database, as a DATABASE_URL another process can use."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


def server_environment(database_url: str, secret_key: str, **settings_: str):
    """What an app server started by a test is given: only what a deployment sets
    (no test-runner settings leak in), the database, the key and ``settings_``."""
    return (
        {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
        | {
            "DATABASE_URL": database_url,
            "DEBUG": "true",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "TASKS_BACKEND": "immediate",
            "LOG_LEVEL": "WARNING",
        }
        | settings_
    )


class Server:
    """One app server: gunicorn serving config.wsgi on a port of its own."""

    def __init__(
        self, name: str, env: dict[str, str], log_dir, workers: int | None = 1
    ) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "config/gunicorn.py",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    # None: as many as the settings say (GUNICORN_WORKERS).
                    *(["--workers", str(workers)] if workers else []),
                    "--timeout",
                    "60",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/sign-in/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or still loading the app
            time.sleep(0.2)
        pytest.fail(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Servers A and B on the test database, stopped whatever happens."""
    if "postgresql" not in connection.settings_dict["ENGINE"]:
        pytest.skip("needs PostgreSQL")
    with django_db_blocker.unblock():
        database_url = _database_url()
    env = server_environment(
        database_url,
        SHARED_SECRET,
        API_THROTTLE_RATE=f"{THROTTLE}/minute",
        SIGN_IN_FAILURE_LIMIT=str(FAILURES),
    )
    logs = tmp_path_factory.mktemp("servers")
    started = [Server("A", env, logs), Server("B", env, logs)]
    try:
        deadline = time.monotonic() + 60
        for server in started:
            server.wait_until_ready(deadline)
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def shared(transactional_db):
    """Rows the servers can see (committed), and a cache with no counts in it."""
    cache.clear()
    yield
    cache.clear()


def _person(username: str):
    """A reader of an authority, with a password the servers check quickly."""
    user = UserFactory(username=username)
    user.password = _quick_hash(PASSWORD)
    user.save(update_fields=["password"])
    MembershipFactory(
        user=user, organisation=OrganisationFactory(), role=Membership.Role.READER
    )
    return user


def _form_token(page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def _sign_in(
    server: Server, username: str, password: str, browser=None
) -> requests.Response:
    """Fill in the sign-in form on one server, as a browser would. The browser keeps
    its cookies for every server: they share one address, as behind a balancer."""
    browser = browser or requests.Session()
    page = browser.get(server.url + "/sign-in/", timeout=10)
    return browser.post(
        server.url + "/sign-in/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": _form_token(page),
        },
        headers={"Referer": server.url + "/sign-in/"},
        allow_redirects=False,
        timeout=30,
    )


@pytest.mark.slow
@on_postgresql
def test_a_sign_in_on_one_server_holds_on_the_other(servers, shared):
    a, b = servers
    _person("sam")

    signed_in = _sign_in(a, "sam", PASSWORD)

    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    page = requests.get(
        b.url + "/plans/", cookies={"sessionid": session}, allow_redirects=False
    )
    assert page.status_code == 200
    assert "Sign out (" in page.text
    anonymous = requests.get(b.url + "/plans/", allow_redirects=False)
    assert anonymous.status_code == 302
    assert "/sign-in/" in anonymous.headers["Location"]


@pytest.mark.slow
@on_postgresql
def test_failed_sign_ins_are_counted_across_servers(servers, shared):
    a, b = servers
    _person("tess")

    attempts = [
        _sign_in(server, "tess", "wrong-password").status_code for server in (a, b, a)
    ]
    after = _sign_in(b, "tess", PASSWORD)

    # Two refusals, then the third failure (the limit) pauses signing in on both.
    assert attempts[:2] == [200, 200]
    assert attempts[2] == 429
    assert after.status_code == 429
    assert "Too many attempts to sign in" in after.text


def _quick_hash(secret: str) -> str:
    """A hash the servers accept and check quickly: PBKDF2 with few iterations (the
    tests' own hasher is MD5, which the servers do not accept)."""
    return PBKDF2PasswordHasher().encode(secret, "scaleoutsalt", 1000)


@pytest.fixture
def force_system(shared, settings):
    """A force's API client with both scopes, and a deliverable it leads in a plan
    running this year."""
    # So that the client's secret, hashed below, is saved as it is.
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    force = ForceFactory()
    year = timezone.localdate().year
    plan = plan_for_year(OrganisationFactory(), year)
    deliverable = DeliverableFactory(
        objective__priority__plan=plan, lead_organisation=force
    )
    admin = UserFactory(is_staff=True, is_superuser=True)
    client, secret = issue_api_client(
        organisation=force,
        name="Performance system",
        scopes=["read", "updates:write"],
        by=admin,
    )
    client.application.client_secret = _quick_hash(secret)
    client.application.save(update_fields=["client_secret"])
    return client.application.client_id, secret, deliverable


def _token(server: Server, client_id: str, secret: str) -> str:
    response = requests.post(
        server.url + "/o/token/",
        data={"grant_type": "client_credentials", "scope": "read updates:write"},
        auth=(client_id, secret),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.mark.slow
@on_postgresql
def test_the_api_throttle_counts_requests_to_both_servers(servers, force_system):
    a, b = servers
    client_id, secret, _ = force_system
    # A token from one server is good on the other.
    headers = {"Authorization": f"Bearer {_token(a, client_id, secret)}"}

    statuses = []
    for n in range(THROTTLE + 1):
        server = (a, b)[n % 2]
        response = requests.get(
            server.url + "/api/v1/deliverables/", headers=headers, timeout=10
        )
        statuses.append(response.status_code)

    # Neither server alone saw more than three requests: only a shared count refuses
    # the sixth.
    assert statuses == [200] * THROTTLE + [429]
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.slow
@on_postgresql
def test_a_retried_update_sent_to_the_other_server_is_recorded_once(
    servers, force_system
):
    a, b = servers
    client_id, secret, deliverable = force_system
    headers = {
        "Authorization": f"Bearer {_token(b, client_id, secret)}",
        "Idempotency-Key": str(uuid.uuid4()),
    }
    url = f"/api/v1/deliverables/{deliverable.pk}/updates/"
    body = {"narrative": "Recruitment behind plan.", "rag": "amber"}

    first = requests.post(a.url + url, json=body, headers=headers, timeout=30)
    retry = requests.post(b.url + url, json=body, headers=headers, timeout=30)

    assert first.status_code == 201, first.text
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert list(
        ProgressUpdate.objects.filter(deliverable=deliverable).values_list(
            "narrative", flat=True
        )
    ) == ["Recruitment behind plan."]


@pytest.mark.slow
@on_postgresql
def test_a_return_checked_on_one_server_is_recorded_by_the_other(servers, shared):
    """The uploaded workbook waits in the database between preview and confirmation.
    (The two servers share this machine's disk, so test_uploads.py checks that the
    file is not kept on disk.)"""
    a, b = servers
    force = ForceFactory()
    contributor = _person("farah")
    MembershipFactory(
        user=contributor, organisation=force, role=Membership.Role.CONTRIBUTOR
    )
    plan = PlanFactory(owner=OrganisationFactory())
    ensure_quarterly_periods(plan=plan)
    period = plan.reporting_periods.order_by("starts_on")[1]
    deliverable = DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force,
        status=Status.IN_PROGRESS,
    )
    page = reverse("plans:returns", kwargs={"plan": plan.pk, "period": period.pk})
    browser = requests.Session()
    assert _sign_in(a, "farah", PASSWORD, browser).status_code == 302

    blank = browser.get(
        a.url
        + reverse(
            "plans:return-download",
            kwargs={"plan": plan.pk, "period": period.pk, "organisation": force.pk},
        ),
        timeout=30,
    )
    workbook = load_workbook(io.BytesIO(blank.content))
    fill_in(workbook, deliverable.reference, narrative="Checked on A, kept on B.")
    filled = io.BytesIO()
    workbook.save(filled)
    form = browser.get(a.url + page, timeout=30)
    preview = browser.post(
        a.url + page,
        data={"csrfmiddlewaretoken": _form_token(form)},
        files={"workbook": ("return.xlsx", filled.getvalue())},
        headers={"Referer": a.url + page},
        timeout=30,
    )
    assert preview.status_code == 200, preview.text[:2000]
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview.text).group(1)

    confirmed = browser.post(
        b.url + page,
        data={"token": token, "csrfmiddlewaretoken": _form_token(preview)},
        headers={"Referer": b.url + page},
        allow_redirects=False,
        timeout=30,
    )

    assert confirmed.status_code == 302
    assert ProgressUpdate.objects.get(deliverable=deliverable).narrative == (
        "Checked on A, kept on B."
    )
    assert not PendingUpload.objects.exists()


# Behind the load balancer --------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "seen"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy trusted: the connection's address
        (1, "203.0.113.9", "203.0.113.9"),  # the balancer's entry
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # a forged entry is ignored
        (2, "198.51.100.1, 203.0.113.9", "198.51.100.1"),
        (3, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies
        (1, "", "10.0.0.2"),  # no header: the connection's address
    ],
)
def test_the_visitors_address_is_the_one_the_trusted_proxies_saw(
    proxies, forwarded, seen
):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
    )
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_address(request) == seen


def test_sessions_sign_in_failures_and_idempotency_keys_live_in_the_database():
    from axes.conf import settings as axes_settings

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AXES_CLIENT_IP_CALLABLE == "config.proxies.client_address"


# Configuration -----------------------------------------------------------------------

SHOW = (
    "from django.conf import settings as s; "
    "c = s.CACHES['default']; "
    "print(c['BACKEND'], c['LOCATION'], s.TASKS['default']['BACKEND'], "
    "s.CRONTASK['REDIS_URL'])"
)


def test_by_default_the_cache_is_a_table_in_the_database_and_tasks_run_at_once():
    result = manage(
        "shell", "-v", "0", "-c", SHOW, env={"CACHE_URL": "", "REDIS_URL": ""}
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.db.DatabaseCache",
        "tracker_cache",
        "django.tasks.backends.immediate.ImmediateBackend",
        "None",
    ], result.stderr


def test_redis_url_shares_the_cache_and_the_schedulers_lock_through_redis():
    result = manage(
        "shell", "-v", "0", "-c", SHOW, env={"REDIS_URL": "redis://cache:6379/0"}
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache:6379/0",
        "django.tasks.backends.immediate.ImmediateBackend",
        "redis://cache:6379/0",
    ], result.stderr


def test_cache_url_and_tasks_backend_choose_the_cache_and_the_task_queue():
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        SHOW,
        env={"CACHE_URL": "dbcache://shared_cache", "TASKS_BACKEND": "database"},
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.db.DatabaseCache",
        "shared_cache",
        "django_tasks_db.DatabaseBackend",
        "None",
    ], result.stderr


def test_an_unknown_tasks_backend_is_refused():
    result = manage("check", env={"TASKS_BACKEND": "celery"})
    assert result.returncode != 0
    assert "TASKS_BACKEND must be one of immediate, database" in result.stderr


def test_the_compose_file_runs_two_app_servers_behind_a_balancer_and_a_worker():
    import yaml

    root = settings.BASE_DIR
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    # The app servers run the image's own command: gunicorn.
    apps = [n for n, s in services.items() if s.get("build") and "command" not in s]
    nginx = (root / "config" / "nginx.conf").read_text()

    assert apps == ["app1", "app2"]
    assert all(f"server {name}:8000" in nginx for name in apps)
    assert (
        "./config/nginx.conf:/etc/nginx/conf.d/default.conf:ro"
        in (services["balancer"]["volumes"])
    )
    assert services["worker"]["command"] == "python manage.py db_worker"
    assert services["scheduler"]["command"].startswith("python manage.py crontask")
    shared = services["app1"]["environment"]
    for name in [*apps, "worker", "scheduler", "migrate"]:
        environment = services[name]["environment"]
        assert environment["TASKS_BACKEND"] == "database"
        assert environment["SECRET_KEY"] == shared["SECRET_KEY"]
        assert environment["DATABASE_URL"] == shared["DATABASE_URL"]
    for name in apps:
        assert "evidence:/app/var/media" in services[name]["volumes"]


def test_each_app_server_freezes_what_it_loaded_at_start_up():
    """The app servers' gunicorn settings (used by the image and by the servers
    above) move start-up objects out of the garbage collector's sight once a worker
    has loaded the app, so that collections stay short under load."""
    import gc
    import runpy

    root = settings.BASE_DIR
    gunicorn_settings = runpy.run_path(str(root / "config" / "gunicorn.py"))
    dockerfile = (root / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]' in dockerfile
    assert gunicorn_settings["workers"] >= 2

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        gunicorn_settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
