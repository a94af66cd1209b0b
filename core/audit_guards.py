"""The database refuses to change or delete an audit event: triggers, per vendor.

The model and its queryset refuse too, but only the database stops a shell, a raw
statement or a bulk update. The statements are idempotent and applied again after
every ``migrate`` (see ``plans/apps.py``), because SQLite drops a table's triggers
whenever a migration rebuilds the table.

What they do not stop: PostgreSQL's TRUNCATE (row triggers do not see it; only the
database owner may truncate, and ``manage.py flush``, which empties every table on
purpose, relies on it), and anyone allowed to drop a trigger. On SQLite,
``manage.py flush`` (and so the test runner between live-server tests) empties tables
with DELETE; ``allow_flush`` lets that one statement through by taking the delete
trigger off and putting it back in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

TABLE = "plans_auditevent"
NEVER_CHANGED = "audit_event_never_changed"
NEVER_DELETED = "audit_event_never_deleted"

SQLITE_DELETE_TRIGGER = f"""
    CREATE TRIGGER IF NOT EXISTS {NEVER_DELETED}
    BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{NEVER_DELETED}: audit events cannot be deleted'); END
"""

SQLITE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {NEVER_CHANGED}
    BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{NEVER_CHANGED}: audit events cannot be changed'); END
    """,
    SQLITE_DELETE_TRIGGER,
]

SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {NEVER_CHANGED}",
    f"DROP TRIGGER IF EXISTS {NEVER_DELETED}",
]

# SQLSTATE 23514 (check_violation) reaches Django as IntegrityError.
POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION audit_event_final() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '%: audit events cannot be changed or deleted', TG_ARGV[0]
            USING ERRCODE = '23514';
    END $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE OR REPLACE TRIGGER {NEVER_CHANGED}
    BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_final('{NEVER_CHANGED}')
    """,
    f"""
    CREATE OR REPLACE TRIGGER {NEVER_DELETED}
    BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_final('{NEVER_DELETED}')
    """,
]

POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS {NEVER_CHANGED} ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {NEVER_DELETED} ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_final()",
]

TRIGGER_NAMES = {NEVER_CHANGED, NEVER_DELETED}


def install(connection: Any) -> None:
    """Create (or replace) the triggers, if the table is there."""
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(connection.vendor)
    if not statements:
        return
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            return
        for sql in statements:
            cursor.execute(sql)


def remove(connection: Any) -> None:
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}.get(
        connection.vendor, []
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def allow_flush() -> None:
    """Let SQLite's ``flush`` (DELETE FROM every table) empty the audit table too.

    Wraps the SQLite backend's ``sql_flush`` once: when the audit table is among the
    tables to empty, its delete trigger is dropped first and created again after, in
    the flush's own transaction. Nothing else deletes through this path.
    """
    engines = {db["ENGINE"] for db in settings.DATABASES.values()}
    if "django.db.backends.sqlite3" not in engines:
        return
    # Only where SQLite is configured, and the backend's base module first: it and
    # its operations import each other.
    import django.db.backends.sqlite3.base  # noqa: F401
    from django.db.backends.sqlite3.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    if getattr(original, "lets_audit_flush", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = original(
            self,
            style,
            tables,
            reset_sequences=reset_sequences,
            allow_cascade=allow_cascade,
        )
        if TABLE not in tables or not sql:
            return sql
        trigger = " ".join(SQLITE_DELETE_TRIGGER.split())
        return [f"DROP TRIGGER IF EXISTS {NEVER_DELETED};", *sql, f"{trigger};"]

    sql_flush.lets_audit_flush = True  # type: ignore[attr-defined]
    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
