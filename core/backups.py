"""Back up and restore the whole service: the database and the evidence files.

A backup is one archive (``.tar.gz``) holding

- ``manifest.json``: when it was made, from which kind of database, and how many rows
  each table held, so a restore can be checked against it;
- ``database.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``database.sqlite3``
  (SQLite, an online copy made with SQLite's backup API, consistent even while the
  service is writing, which a plain file copy is not);
- ``media/``: the folder the evidence files are stored in.

The database is the one Django is configured with (``DATABASE_URL``). ``pg_dump`` and
``pg_restore`` come from ``PATH`` (the ``postgresql-client`` package).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"
POSTGRESQL_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
FORMAT = 1

# What a restore says it will replace: (table, how to name its rows).
SUMMARY_TABLES = [
    ("auth_user", "user accounts"),
    ("plans_organisation", "organisations"),
    ("plans_plan", "plans"),
    ("deliverables_deliverable", "deliverables"),
    ("deliverables_progressupdate", "progress updates"),
    ("deliverables_attachment", "evidence attachments"),
]


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with a message for the operator."""


@dataclass
class Backup:
    """What a backup archive holds, read from its manifest."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at", "an unknown time"))


def default_path(now: Any = None) -> Path:
    """var/backups/tracker-YYYYMMDD-HHMMSS.tar.gz, in local time."""
    now = timezone.localtime(now or timezone.now())
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "var" / "backups" / f"tracker-{stamp}.tar.gz"


def evidence_root() -> Path | None:
    """The folder evidence files are kept in, or None when they are in object
    storage (which keeps its own versions and is backed up there)."""
    try:
        storage = storages["evidence"]
    except Exception:  # noqa: BLE001 - an unconfigured alias falls back
        storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def table_counts() -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def what_would_be_replaced() -> list[str]:
    """Phrases such as "12 user accounts" for the data the database holds now;
    empty when it holds none (a new or freshly migrated database)."""
    tables = set(connection.introspection.table_names())
    held = []
    with connection.cursor() as cursor:
        for table, noun in SUMMARY_TABLES:
            if table not in tables:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            count = cursor.fetchone()[0]
            if count:
                held.append(f"{count} {noun}")
    return held


# Backing up -------------------------------------------------------------------------


def create(output: Path | None = None) -> Backup:
    """Write a backup of the database and the evidence files to ``output`` (by
    default a new timestamped file under var/backups/). Nothing is left at
    ``output`` unless the whole backup succeeded."""
    output = Path(output) if output else default_path()
    output.parent.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "vendor": connection.vendor,
        "tables": table_counts(),
    }
    media = evidence_root()
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        work_dir = Path(work)
        if connection.vendor == "postgresql":
            database_file = work_dir / POSTGRESQL_DUMP
            _pg_dump(database_file)
        elif connection.vendor == "sqlite":
            database_file = work_dir / SQLITE_COPY
            _sqlite_copy(Path(connection.settings_dict["NAME"]), database_file)
        else:
            raise BackupError(f"Backing up {connection.vendor} is not supported.")
        files = []
        if media is not None and media.is_dir():
            files = sorted(p for p in media.rglob("*") if p.is_file())
        manifest["evidence_files"] = len(files)
        manifest["evidence_in_object_storage"] = media is None
        (work_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = work_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            archive.add(work_dir / MANIFEST, arcname=MANIFEST)
            archive.add(database_file, arcname=database_file.name)
            for path in files:
                assert media is not None  # files come only from a media folder
                archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media)}")
        os.replace(partial, output)
    return Backup(path=output, manifest=manifest)


def _connection_environment() -> dict[str, str]:
    """libpq's variables for the configured database (the password stays out of
    the command line, where other users of the machine could read it)."""
    conf = connection.settings_dict
    env = dict(os.environ)
    for variable, value in [
        ("PGHOST", conf.get("HOST")),
        ("PGPORT", conf.get("PORT")),
        ("PGUSER", conf.get("USER")),
        ("PGPASSWORD", conf.get("PASSWORD")),
        ("PGDATABASE", conf.get("NAME")),
        ("PGSSLMODE", (conf.get("OPTIONS") or {}).get("sslmode")),
    ]:
        if value:
            env[variable] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools "
            "(the postgresql-client package) of the database server's version."
        )
    return path


def tool_major_version(path: str) -> int:
    """The major version of pg_dump or pg_restore, from ``--version``."""
    result = subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=False
    )
    found = re.search(r"\)\s*(\d+)", result.stdout) or re.search(
        r"(\d+)\.\d+", result.stdout
    )
    if result.returncode != 0 or found is None:
        raise BackupError(f"Could not tell the version of {path}: {result.stdout}")
    return int(found.group(1))


def server_major_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def check_tool_version(name: str) -> str:
    """Refuse a pg_dump older than the server: it cannot read a newer server's
    catalogue, and its own error does not say what to do."""
    path = _tool(name)
    tool, server = tool_major_version(path), server_major_version()
    if tool < server:
        raise BackupError(
            f"{name} is PostgreSQL {tool} but the database server is PostgreSQL "
            f"{server}. {name} must be the server's major version or newer: install "
            f"postgresql-client-{server} (or newer) and put it first on PATH."
        )
    return path


def _pg_dump(destination: Path) -> None:
    pg_dump = check_tool_version("pg_dump")
    result = subprocess.run(
        [pg_dump, "--format=custom", f"--file={destination}", "--no-password"],
        env=_connection_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Copy a live SQLite database page by page with SQLite's own backup API."""
    if not source.exists():
        raise BackupError(f"The SQLite database {source} does not exist.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# Restoring --------------------------------------------------------------------------


def read(path: Path) -> Backup:
    """Open a backup archive and read its manifest, refusing anything else."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = json.load(member) if member else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as error:
        raise BackupError(f"{path} is not a backup made by this service.") from error
    if not manifest or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup made by this service.")
    return Backup(path=path, manifest=manifest)


def restore(backup: Backup) -> None:
    """Replace the database's contents and restore the evidence files from a
    backup. The caller has already confirmed the replacement."""
    vendor = backup.manifest.get("vendor")
    if vendor != connection.vendor:
        raise BackupError(
            f"This backup is of a {vendor} database; the configured database is "
            f"{connection.vendor}."
        )
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as work:
        work_dir = Path(work)
        with tarfile.open(backup.path, "r:gz") as archive:
            # The "data" filter refuses links and paths that would leave the folder.
            archive.extractall(work_dir, filter="data")
        if vendor == "postgresql":
            _pg_restore(work_dir / POSTGRESQL_DUMP)
        else:
            _sqlite_restore(
                work_dir / SQLITE_COPY, Path(connection.settings_dict["NAME"])
            )
        media = evidence_root()
        if (work_dir / MEDIA).is_dir():
            if media is None:
                raise BackupError(
                    "The database is restored, but evidence files are now kept in "
                    "object storage: copy the backup's media/ folder there by hand."
                )
            shutil.copytree(work_dir / MEDIA, media, dirs_exist_ok=True)


def _pg_restore(dump: Path) -> None:
    pg_restore = _tool("pg_restore")
    tool, server = tool_major_version(pg_restore), server_major_version()
    if tool >= 17 > server:
        # pg_restore 17 and later set transaction_timeout, which older servers
        # do not know, and the whole restore would fail on it.
        raise BackupError(
            f"pg_restore is PostgreSQL {tool} but the database server is PostgreSQL "
            f"{server}: pg_restore 17 and later cannot restore into a server older "
            f"than 17. Use postgresql-client-{server} for the restore, or upgrade "
            "the server. Nothing has been changed."
        )
    connection.close()
    result = subprocess.run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            # All or nothing: a failed restore leaves the database as it was.
            "--single-transaction",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        env=_connection_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore failed; the database is unchanged: {result.stderr.strip()}"
        )


def _sqlite_restore(copy: Path, target: Path) -> None:
    """Write the backup's pages over the database with SQLite's backup API, which
    takes the database's lock, so no one sees it half restored."""
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
