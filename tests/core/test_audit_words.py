"""The audit log in words: field labels, choice labels, people's and records' names,
dates and times as the service shows them, and a file's name and size, never codes,
ids, ISO timestamps or a file's bytes. The log never stores an uploaded file's
content, and older events that held it are rewritten by a data migration."""

from __future__ import annotations

import datetime
import hashlib
import importlib
import io
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from core import audit
from core.changes import readable_size
from core.models import AuditEvent
from deliverables.models import PendingUpload, Rag, Status
from deliverables.uploads import discard_uploads, hold_upload
from tests.factories import DeliverableFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MIGRATION = "0002_audit_events_keep_no_file_content"
migration = importlib.import_module(f"core.migrations.{MIGRATION}")


def log_of(client, organisation, **query):
    return client.get(reverse("audit:log", args=[organisation.pk]), query)


def workbook_bytes() -> bytes:
    """A small XLSX workbook, as a force would upload one."""
    book = Workbook()
    book.active["A1"] = "Reference"
    book.active["A2"] = "1.1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the page ---------------------------------------------------------------------


def test_the_log_shows_labels_choices_names_and_dates_not_codes(
    client, admin, editor, plan, force
):
    with (
        time_machine.travel(datetime.datetime(2026, 3, 4, 14, 5, tzinfo=LONDON)),
        audit.acting(by=editor, via="browser"),
    ):
        work = DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            title="Open the custody suite",
            status=Status.IN_PROGRESS,
            rag=Rag.AMBER,
        )
        work.status, work.rag = Status.COMPLETED, Rag.GREEN
        work.lead_user = editor
        work.completed_on = datetime.date(2026, 3, 3)
        work.save()

    client.force_login(admin)
    response = log_of(client, plan.owner, object_type="deliverables.Deliverable")
    page = response.content.decode()

    assert "Status: In progress → Completed" in page
    assert "RAG: Amber: at risk → Green: on track" in page
    assert "Named lead: (blank) → Erin Editor" in page
    assert "Completed on: (blank) → 3 March 2026" in page
    assert "Lead organisation: States of Jersey Police" in page
    assert "Created at: 4 March 2026, 2:05 p.m." in page
    assert "in_progress" not in page
    assert "2026-03-04T" not in page
    assert f"Named lead: (blank) → {editor.pk}<" not in page


def test_a_change_to_a_list_of_links_names_the_records(editor, plan, force):
    with audit.acting(by=editor):
        work = DeliverableFactory(
            objective__priority__plan=plan, lead_organisation=force
        )
        work.strands.add(plan.strands.create(name="Prevention"))
        work.strands.clear()
    added, cleared = AuditEvent.objects.filter(
        object_type="deliverables.Deliverable", action="changed"
    ).order_by("id")

    assert added.changes_in_words() == ["Strands: added Prevention"]
    assert cleared.changes_in_words() == ["Strands: cleared"]


def test_a_record_since_deleted_is_named_as_such(client, admin, editor, plan, force):
    gone = UserFactory(username="gone")
    with audit.acting(by=editor):
        work = DeliverableFactory(
            objective__priority__plan=plan, lead_organisation=force
        )
        work.lead_user = gone
        work.save()
    event = AuditEvent.objects.filter(
        object_type="deliverables.Deliverable", action="changed"
    ).get()
    event.changes["lead_user"][1] = 999_999  # as if the account had gone

    assert event.changes_in_words() == [
        "Named lead: (blank) → User #999999 (since deleted)"
    ]


def _log_queries(client, organisation) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = log_of(client, organisation, object_type="deliverables.Deliverable")
    assert response.status_code == 200
    return len(captured), len(response.context["events"])


def _led_by_someone_new(plan, force, editor, n):
    with audit.acting(by=editor):
        work = DeliverableFactory(
            objective__priority__plan=plan, lead_organisation=force
        )
        work.lead_user = UserFactory(
            username=f"lead{n}", first_name="Lead", last_name=str(n)
        )
        work.save()


def test_names_cost_one_query_per_kind_of_record_not_one_per_event(
    client, admin, editor, plan, force
):
    client.force_login(admin)
    _led_by_someone_new(plan, force, editor, 0)
    few, few_rows = _log_queries(client, plan.owner)
    for n in range(1, 11):
        _led_by_someone_new(plan, force, editor, n)
    many, many_rows = _log_queries(client, plan.owner)

    assert many_rows == few_rows * 11
    assert many == few
    page = log_of(client, plan.owner, object_type="deliverables.Deliverable")
    assert "Named lead: (blank) → Lead 10<" in page.content.decode()


def test_the_export_shows_the_changes_in_words(client, admin, editor, plan, force):
    with audit.acting(by=editor):
        work = DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            status=Status.IN_PROGRESS,
        )
        work.status = Status.ON_HOLD
        work.save()
    client.force_login(admin)
    response = log_of(
        client, plan.owner, format="csv", object_type="deliverables.Deliverable"
    )
    assert "Status: In progress → On hold" in response.content.decode()


# -- files ----------------------------------------------------------------------------


@pytest.fixture
def held_and_confirmed(plan, q2, contributor):
    """A force's return workbook, held for its preview and then taken (as the
    confirmation does), recorded by the audit log at both steps."""
    content = workbook_bytes()
    with audit.acting(by=contributor, via="browser"):
        pending = hold_upload(
            purpose=PendingUpload.Purpose.RETURN,
            upload=SimpleUploadedFile("return-q3.xlsx", content),
            by=contributor,
            plan=plan,
            period=q2,
        )
        discard_uploads(tokens=[pending.token])
    return pending, content


def test_an_uploaded_workbook_is_logged_by_name_size_and_checksum_never_its_bytes(
    held_and_confirmed,
):
    pending, content = held_and_confirmed
    facts = {
        "name": "return-q3.xlsx",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    events = AuditEvent.objects.filter(
        object_type="deliverables.PendingUpload", object_id=str(pending.pk)
    )
    held = events.get(action="created")
    taken = events.get(action="deleted")

    assert held.changes["content"] == [None, facts]
    assert taken.changes["content"] == [facts, None]
    assert content.startswith(b"PK\x03\x04")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes FROM plans_auditevent WHERE id IN (%s, %s)",
            [held.pk, taken.pk],
        )
        stored = " ".join(str(row[0]) for row in cursor.fetchall())
    for trace in ("PK\\u0003\\u0004", "PK\x03\x04", "\\x03\\x04", "b'PK"):
        assert trace not in stored


def test_the_log_page_shows_an_uploaded_workbooks_name_and_size(
    client, admin, plan, held_and_confirmed
):
    _, content = held_and_confirmed
    client.force_login(admin)
    response = log_of(client, plan.owner, object_type="deliverables.PendingUpload")
    page = response.content.decode()

    assert f"Content: return-q3.xlsx, {readable_size(len(content))}" in page
    assert f"Content: was return-q3.xlsx, {readable_size(len(content))}" in page
    assert "Purpose: Quarterly return" in page
    assert "Uploaded by: Farah Force" in page
    assert "PK\\x03" not in page


# -- the data migration -------------------------------------------------------------


def test_the_migration_turns_a_whole_stored_file_into_its_name_size_and_checksum():
    content = b"PK\x03\x04 a small file"

    assert migration.facts_of_stored(str(content), name="return-q3.xlsx") == {
        "name": "return-q3.xlsx",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def test_the_migration_records_no_size_for_a_file_the_log_kept_only_the_start_of():
    cut_short = str(workbook_bytes())[:500] + "…"
    memory_view = "<memory at 0x7f3a2b1c0d00>"

    for stored in (cut_short, memory_view):
        assert migration.holds_bytes(stored)
        assert migration.facts_of_stored(stored, name="return-q3.xlsx") == {
            "name": "return-q3.xlsx",
            "size": None,
            "sha256": None,
        }


def test_the_migration_leaves_words_alone_and_finds_the_files_name():
    stored = str(b"PK\x03\x04 tiny")
    created = {
        "purpose": [None, "return"],
        "name": [None, "return-q3.xlsx"],
        "content": [None, stored],
    }

    rewritten = migration.without_bytes(
        created, content_field="content", name_field="name"
    )

    assert rewritten["content"][0] is None
    assert rewritten["content"][1]["name"] == "return-q3.xlsx"
    assert rewritten["content"][1]["size"] == len(b"PK\x03\x04 tiny")
    assert rewritten["purpose"] == created["purpose"]
    changed = {"content": ["(redacted)", "(redacted)"]}
    assert (
        migration.without_bytes(changed, content_field="content", name_field="name")
        is None
    )
    unnamed = migration.without_bytes(
        {"content": [stored, None]},
        content_field="content",
        name_field="name",
        object_text="Quarterly return: old-return.xlsx",
    )
    assert unnamed["content"][0]["name"] == "old-return.xlsx"


def test_the_migration_rewrites_older_events_and_puts_the_guards_back(plan):
    """An event written before the change, holding a workbook's first bytes."""
    stored = str(workbook_bytes())[:500] + "…"
    old = AuditEvent.objects.create(
        via="browser",
        action="created",
        plan=plan,
        object_type="deliverables.PendingUpload",
        object_id="7",
        object_text="Quarterly return: return-q3.xlsx",
        changes={"name": [None, "return-q3.xlsx"], "content": [None, stored]},
    )
    state = MigrationExecutor(connection).loader.project_state(
        ("core", "0001_move_platform_records")
    )

    migration.forget_file_contents(state.apps, SimpleNamespace(connection=connection))

    old = AuditEvent.objects.get(pk=old.pk)
    assert old.changes == {
        "name": [None, "return-q3.xlsx"],
        "content": [None, {"name": "return-q3.xlsx", "size": None, "sha256": None}],
    }
    assert old.changes_in_words() == [
        "Name: return-q3.xlsx",
        "Content: return-q3.xlsx (size not recorded)",
    ]
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute(
            "UPDATE plans_auditevent SET object_text = 'x' WHERE id = %s", [old.pk]
        )
