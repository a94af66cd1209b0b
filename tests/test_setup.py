"""The set-up contract: settings from the environment, production checks, containers."""

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import formats, translation

ROOT = Path(settings.BASE_DIR)


def manage(*args, env=None):
    """Run manage.py in a fresh process with exactly the given environment additions."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests for this process only.
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "plans.example.org",
}


def test_production_configuration_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_must_be_spelt_true_or_false():
    result = manage("check", env={"DEBUG": "yes"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_database_url_chooses_the_database():
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.db import connection; print(connection.vendor, "
        "connection.settings_dict['NAME'])",
        env={"DATABASE_URL": "sqlite:////tmp/elsewhere.sqlite3"},
    )
    assert result.stdout.split() == ["sqlite", "/tmp/elsewhere.sqlite3"]


def test_default_database_is_sqlite_under_var():
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
            "django.setup(); from django.conf import settings;"
            "print(settings.DATABASES['default']['NAME'])",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == str(ROOT / "var" / "db.sqlite3")
    assert "var/" in (ROOT / ".gitignore").read_text().splitlines()


def test_dates_are_shown_the_gov_uk_way():
    with translation.override("en-gb"):
        assert formats.date_format(datetime.date(2026, 1, 5)) == "5 January 2026"
        rendered = Template("{{ day|date }}").render(
            Context({"day": datetime.date(2026, 1, 5)})
        )
    assert rendered == "5 January 2026"
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.LANGUAGE_CODE == "en-gb"


@pytest.mark.django_db
def test_no_migrations_are_missing():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.skipif(
    shutil.which("docker-compose") is None and not os.environ.get("CI"),
    reason="docker-compose (Debian package) is installed by .ci/run",
)
def test_the_compose_file_is_valid():
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"SECRET_KEY": "compose-check", "POSTGRES_PASSWORD": "x"},
    )
    assert result.returncode == 0, result.stderr


def test_the_compose_file_runs_the_app_and_its_database():
    text = (ROOT / "docker-compose.yml").read_text()
    for needle in ("build: .", "image: postgres", "DATABASE_URL", "healthcheck"):
        assert needle in text
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile
    assert '"gunicorn", "-c", "config/gunicorn.py", "config.wsgi"' in dockerfile
    assert "collectstatic" in dockerfile
