"""Finding and taking out people's names in progress updates' text.

Names written into narratives cannot be found reliably by a program, so an
administrator searches for a name (``narratives_mentioning``), reads what is found
and redacts the updates that need it (``redact_update``). The update stays, with the
same status, dates, author and evidence; only the words are replaced, and a
``Redaction`` row records who took them out, when and why.

Progress updates are append-only, down to a database trigger (deliverables/guards.py).
A redaction is the one sanctioned exception: inside its transaction the trigger is
lifted for one UPDATE statement and put back before the transaction commits, so no
other writer ever sees the table unguarded (SQLite has one writer at a time;
PostgreSQL's ALTER TABLE holds an exclusive lock on the table until the commit).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet

from core import audit
from core.actors import Writer
from deliverables import guards
from deliverables.models import ProgressUpdate, Redaction

REPLACEMENT = "[name removed]"
TEXT_FIELDS = ("narrative", "reason")
GUARD = "progress_update_append_only"


def narratives_mentioning(*, name: str) -> QuerySet[ProgressUpdate]:
    """Progress updates whose narrative or reason mentions ``name`` (ignoring
    case), oldest first, for an administrator to read and decide on."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter the name to look for."})
    return (
        ProgressUpdate.objects.filter(
            Q(narrative__icontains=name) | Q(reason__icontains=name)
        )
        .select_related("deliverable__plan", "period", "recorded_by")
        .order_by("recorded_at", "pk")
    )


def _rewrite(update: ProgressUpdate, values: dict[str, str]) -> None:
    table = connection.ops.quote_name(ProgressUpdate._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in values)
    update_sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608
    parameters: list[str | int] = [*values.values(), update.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while earlier writes in the transaction have
            # deferred foreign key checks pending: run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {GUARD}")
            cursor.execute(update_sql, parameters)
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {GUARD}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {GUARD}")
            cursor.execute(update_sql, parameters)
            guards.install(connection)
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(connection.vendor)


@transaction.atomic
def redact_update(
    *,
    update: ProgressUpdate,
    words: str,
    reason: str,
    by: Writer,
    replacement: str = REPLACEMENT,
) -> Redaction:
    """Replace every occurrence of ``words`` (ignoring case) in an update's
    narrative and reason with ``replacement``, and record the redaction.

    Raises ValidationError keyed ``words`` when the update does not contain them,
    ``reason`` when no reason is given, having changed nothing.
    """
    words, reason = words.strip(), reason.strip()
    if not words:
        raise ValidationError({"words": "Enter the words to take out."})
    if not reason:
        raise ValidationError({"reason": "Say why the words are being taken out."})
    if not replacement.strip():
        raise ValidationError({"replacement": "Enter what replaces the words."})
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    pattern = re.compile(re.escape(words), re.IGNORECASE)
    values, count = {}, 0
    for field in TEXT_FIELDS:
        text, found = pattern.subn(replacement, getattr(update, field))
        if found:
            values[field], count = text, count + found
    if not values:
        raise ValidationError({"words": "This update does not contain those words."})
    _rewrite(update, values)
    # Recorded without the words taken out, which must not live on in the log.
    audit.record(
        update, "changed", {name: ["(redacted)", "(redacted)"] for name in values}
    )
    return Redaction.objects.create(
        update=update,
        fields=" and ".join(values),
        replacements=count,
        reason=reason,
        redacted_by=by,
    )
