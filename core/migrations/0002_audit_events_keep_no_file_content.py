# The audit log stored the first bytes of every uploaded workbook (a quarterly return,
# a plan's action table) while it waited for confirmation: the text Python gives bytes,
# "b'PK\x03\x04...'", cut at 500 characters. The log now keeps a file's name, size and
# SHA-256 checksum instead (core/audit.py); this rewrites the older events the same way.
#
# Audit events are otherwise never changed. This one rewrite is made for data
# protection: a file's content must not outlive the file in a record nothing can
# delete (docs/audit.md, docs/data-protection.md). The database triggers that refuse
# any UPDATE are lifted for it and put back inside the same transaction. The log is
# not chained or signed, so nothing else needs recomputing.
#
# There is no way back: the bytes are gone once rewritten.

import ast
import hashlib

from django.db import migrations

# The only kind of record whose rows held bytes, with its content field and the field
# that names the file.
HELD_FILES = {"deliverables.PendingUpload": ("content", "name")}
CUT = "…"  # what the log put at the end of a value it shortened


def holds_bytes(value):
    """Whether a stored value is bytes as the log used to keep them: Python's text
    for bytes (whole or cut short), or "<memory at 0x...>" where the database handed
    the content over as a memory view."""
    return isinstance(value, str) and value.startswith(
        ("b'", 'b"', "bytearray(b", "<memory at ")
    )


def facts_of_stored(value, *, name):
    """The file's name, size and SHA-256 checksum in place of its stored bytes. Size
    and checksum are known only where the log held the whole file (a value not cut
    short); otherwise they read as not recorded (None)."""
    content = None
    if isinstance(value, str) and not value.endswith(CUT):
        try:
            read = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            read = None
        if isinstance(read, bytes):
            content = read
    if content is None:
        return {"name": name, "size": None, "sha256": None}
    return {
        "name": name,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def without_bytes(changes, *, content_field, name_field, object_text=""):
    """An event's changes with each stored file content replaced by its facts; None
    when there was none."""
    change = (changes or {}).get(content_field)
    if not isinstance(change, list) or not any(holds_bytes(v) for v in change):
        return None
    recorded = changes.get(name_field)
    named = (
        [n for n in recorded if isinstance(n, str) and n]
        if isinstance(recorded, list)
        else []
    )
    # The name recorded beside the content, else from the event's own words
    # ("Quarterly return: return-q3.xlsx").
    name = named[-1] if named else object_text.partition(": ")[2]
    rewritten = dict(changes)
    rewritten[content_field] = [
        facts_of_stored(v, name=name) if holds_bytes(v) else v for v in change
    ]
    return rewritten


def forget_file_contents(apps, schema_editor):
    from core import audit_guards

    AuditEvent = apps.get_model("core", "AuditEvent")
    connection = schema_editor.connection
    rewrites = []
    for label, (content_field, name_field) in HELD_FILES.items():
        events = AuditEvent.objects.filter(object_type=label).only(
            "pk", "changes", "object_text"
        )
        for event in events.iterator(chunk_size=2000):
            rewritten = without_bytes(
                event.changes,
                content_field=content_field,
                name_field=name_field,
                object_text=event.object_text,
            )
            if rewritten is not None:
                rewrites.append((event.pk, rewritten))
    if not rewrites:
        return
    audit_guards.remove(connection)
    for pk, rewritten in rewrites:
        AuditEvent.objects.filter(pk=pk).update(changes=rewritten)
    audit_guards.install(connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_move_platform_records")]

    operations = [
        migrations.RunPython(
            forget_file_contents, migrations.RunPython.noop, elidable=False
        ),
    ]
