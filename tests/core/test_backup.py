"""The restore drill (docs/backups.md): seed a database of our own, back it up,
restore it into another new database, and check that nothing was lost.

The commands run as separate processes against databases these tests create and
drop themselves (never pytest's test database), as an operator would run them.
"""

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Prints, as JSON, what a restore must bring back: every table's row count, and each
# deliverable's history rows and progress updates in order.
FINGERPRINT = """
import json
from deliverables.models import Deliverable, ProgressUpdate
from core.backups import table_counts
history = {}
for d in Deliverable.objects.order_by("pk"):
    history[d.pk] = {
        "history": list(d.history.order_by("history_date", "history_id").values()),
        "updates": list(
            ProgressUpdate.objects.filter(deliverable=d)
            .order_by("recorded_at", "pk").values()
        ),
    }
print(json.dumps({"tables": table_counts(), "history": history}, default=str))
"""

# One evidence file of random bytes, attached to the first update.
ADD_EVIDENCE = """
import os
from django.core.files.base import ContentFile
from deliverables.models import Attachment, ProgressUpdate
update = ProgressUpdate.objects.order_by("pk").first()
attachment = Attachment(
    update=update, title="Proof", original_name="proof.pdf",
    content_type="application/pdf", added_by=update.recorded_by,
)
attachment.file.save("proof.pdf", ContentFile(os.urandom(50_000)), save=False)
attachment.save()
"""


def manage(*args, env):
    """Run manage.py in a fresh process with the given environment additions."""
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_URL",
        "MEDIA_ROOT",
    }
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fingerprint(env):
    return json.loads(ok(manage("shell", "-v", "0", "-c", FINGERPRINT, env=env)))


def files_under(root):
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(Path(root).rglob("*"))
        if path.is_file()
    }


def drill(source, target, backup):
    """Seed ``source``, back it up, restore into the empty ``target``, compare."""
    ok(manage("migrate", "-v", "0", env=source))
    ok(manage("load_demo", env=source))
    ok(manage("shell", "-v", "0", "-c", ADD_EVIDENCE, env=source))
    before = fingerprint(source)
    assert before["tables"]["deliverables_progressupdate"] > 0
    assert before["tables"]["deliverables_attachment"] == 1

    said = ok(manage("backup", "--output", str(backup), env=source))
    # The evidence file, and the PDFs of the demo's published reports beside it.
    source_files = files_under(source["MEDIA_ROOT"])
    assert len([name for name in source_files if name.startswith("evidence/")]) == 1
    assert backup.exists() and "Backed up" in said
    assert f"{len(source_files)} evidence files" in said
    ok(manage("restore", str(backup), env=target))

    after = fingerprint(target)
    assert after["tables"] == before["tables"]
    assert after["history"] == before["history"]
    assert files_under(target["MEDIA_ROOT"]) == source_files

    # Restoring over data needs --yes, and says what it would replace.
    refused = manage("restore", str(backup), env=target)
    assert refused.returncode != 0
    users = before["tables"]["auth_user"]
    assert f"already holds {users} user accounts" in refused.stderr
    assert "--yes" in refused.stderr
    ok(manage("restore", str(backup), "--yes", env=target))
    assert fingerprint(target) == before


@pytest.mark.slow
@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="each leg of the suite drills its own database: this one runs when the "
    "tests run on SQLite (the PostgreSQL drill runs on PostgreSQL)",
)
def test_restore_drill_on_sqlite(tmp_path):
    source = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'source.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "source-media"),
    }
    target = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'target.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "target-media"),
    }
    drill(source, target, tmp_path / "backups" / "drill.tar.gz")


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a backup")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = manage("restore", str(bogus), env=env)
    assert result.returncode != 0
    assert "is not a backup made by this service" in result.stderr


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="The PostgreSQL drill runs when DATABASE_URL points at PostgreSQL",
)


@pytest.fixture
def postgresql_databases():
    """Two new, empty PostgreSQL databases of our own, dropped afterwards; yields a
    function making the URL of each."""
    import psycopg2

    conf = settings.DATABASES["default"]
    server = {
        "host": conf.get("HOST") or None,
        "port": conf.get("PORT") or None,
        "user": conf.get("USER") or None,
        "password": conf.get("PASSWORD") or None,
    }
    names = [f"drill_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f"CREATE DATABASE {name}")

    def url(name):
        credentials = server["user"] or ""
        if server["password"]:
            credentials += f":{server['password']}"
        host = f"{server['host'] or 'localhost'}:{server['port'] or 5432}"
        return f"postgres://{credentials}@{host}/{name}"

    yield [url(name) for name in names]
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.mark.slow
@needs_postgresql
def test_restore_drill_on_postgresql(tmp_path, postgresql_databases):
    source_url, target_url = postgresql_databases
    source = {"DATABASE_URL": source_url, "MEDIA_ROOT": str(tmp_path / "source-media")}
    target = {"DATABASE_URL": target_url, "MEDIA_ROOT": str(tmp_path / "target-media")}
    drill(source, target, tmp_path / "drill.tar.gz")


@needs_postgresql
def test_a_pg_dump_older_than_the_server_is_refused_clearly(
    tmp_path, postgresql_databases
):
    old = tmp_path / "bin" / "pg_dump"
    old.parent.mkdir()
    old.write_text('#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n')
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    env = {
        "DATABASE_URL": postgresql_databases[0],
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PATH": f"{old.parent}{os.pathsep}{os.environ['PATH']}",
    }
    output = tmp_path / "never.tar.gz"
    result = manage("backup", "--output", str(output), env=env)
    assert result.returncode != 0
    assert "pg_dump is PostgreSQL 9 but the database server is PostgreSQL" in (
        result.stderr
    )
    assert not output.exists()
