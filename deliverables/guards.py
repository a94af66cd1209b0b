"""Rules that span rows, enforced by the database itself, as triggers.

- A merged deliverable points at another deliverable of the same plan.
- A deliverable's objective, if it has one, belongs to the deliverable's plan.
- A stored progress update is never changed (and, on PostgreSQL, never deleted; on
  SQLite Django's test flush deletes rows directly, so there deletion is refused by the
  model and queryset instead, and by PROTECT on every foreign key to it).

Written per database vendor because check constraints cannot look at other rows. The
statements are idempotent and are applied after every ``migrate`` (see apps.py),
because SQLite drops a table's triggers whenever a migration rebuilds the table.
"""

SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS deliverable_merged_same_plan_insert
    BEFORE INSERT ON deliverables_deliverable
    WHEN NEW.merged_into_id IS NOT NULL AND NEW.plan_id IS NOT (
        SELECT plan_id FROM deliverables_deliverable WHERE id = NEW.merged_into_id)
    BEGIN SELECT RAISE(ABORT, 'deliverable_merged_same_plan'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS deliverable_merged_same_plan_update
    BEFORE UPDATE ON deliverables_deliverable
    WHEN NEW.merged_into_id IS NOT NULL AND NEW.plan_id IS NOT (
        SELECT plan_id FROM deliverables_deliverable WHERE id = NEW.merged_into_id)
    BEGIN SELECT RAISE(ABORT, 'deliverable_merged_same_plan'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS deliverable_objective_same_plan_insert
    BEFORE INSERT ON deliverables_deliverable
    WHEN NEW.objective_id IS NOT NULL AND NEW.plan_id IS NOT (
        SELECT plan_id FROM plans_objective WHERE id = NEW.objective_id)
    BEGIN SELECT RAISE(ABORT, 'deliverable_objective_same_plan'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS deliverable_objective_same_plan_update
    BEFORE UPDATE ON deliverables_deliverable
    WHEN NEW.objective_id IS NOT NULL AND NEW.plan_id IS NOT (
        SELECT plan_id FROM plans_objective WHERE id = NEW.objective_id)
    BEGIN SELECT RAISE(ABORT, 'deliverable_objective_same_plan'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS progress_update_append_only
    BEFORE UPDATE ON deliverables_progressupdate
    BEGIN SELECT RAISE(ABORT, 'progress_update_append_only'); END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS deliverable_merged_same_plan_insert",
    "DROP TRIGGER IF EXISTS deliverable_merged_same_plan_update",
    "DROP TRIGGER IF EXISTS deliverable_objective_same_plan_insert",
    "DROP TRIGGER IF EXISTS deliverable_objective_same_plan_update",
    "DROP TRIGGER IF EXISTS progress_update_append_only",
]

# SQLSTATE 23514 (check_violation) reaches Django as IntegrityError.
POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION deliverable_same_plan_guard() RETURNS trigger AS $$
    BEGIN
        IF NEW.merged_into_id IS NOT NULL AND NEW.plan_id IS DISTINCT FROM (
            SELECT plan_id FROM deliverables_deliverable WHERE id = NEW.merged_into_id)
        THEN
            RAISE EXCEPTION 'deliverable_merged_same_plan' USING ERRCODE = '23514';
        END IF;
        IF NEW.objective_id IS NOT NULL AND NEW.plan_id IS DISTINCT FROM (
            SELECT plan_id FROM plans_objective WHERE id = NEW.objective_id)
        THEN
            RAISE EXCEPTION 'deliverable_objective_same_plan' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE TRIGGER deliverable_same_plan_guard
    BEFORE INSERT OR UPDATE ON deliverables_deliverable
    FOR EACH ROW EXECUTE FUNCTION deliverable_same_plan_guard()
    """,
    """
    CREATE OR REPLACE FUNCTION progress_update_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'progress_update_append_only' USING ERRCODE = '23514';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE TRIGGER progress_update_append_only
    BEFORE UPDATE OR DELETE ON deliverables_progressupdate
    FOR EACH ROW EXECUTE FUNCTION progress_update_append_only()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS progress_update_append_only ON deliverables_progressupdate",
    "DROP FUNCTION IF EXISTS progress_update_append_only()",
    "DROP TRIGGER IF EXISTS deliverable_same_plan_guard ON deliverables_deliverable",
    "DROP FUNCTION IF EXISTS deliverable_same_plan_guard()",
]


TRIGGER_NAMES = {
    "sqlite": {
        "deliverable_merged_same_plan_insert",
        "deliverable_merged_same_plan_update",
        "deliverable_objective_same_plan_insert",
        "deliverable_objective_same_plan_update",
        "progress_update_append_only",
    },
    "postgresql": {"deliverable_same_plan_guard", "progress_update_append_only"},
}


def install(connection) -> None:
    """Create (or replace) the triggers on this database."""
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove(connection) -> None:
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}.get(
        connection.vendor, []
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
