"""Redacting a name from progress narratives: finding the updates that mention it,
replacing the words, and what stays append-only (docs/data-protection.md)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from core.models import AuditEvent
from deliverables.models import ProgressUpdate, Redaction
from deliverables.redaction import narratives_mentioning, redact_update
from plans.models import Membership
from tests.factories import member, record_update


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def lena(force):
    """Lena reported for the force before she left it."""
    return member(force, Membership.Role.CONTRIBUTOR, "lena")


@pytest.fixture
def update(deliverable, lena):
    """Lena's update, which names her."""
    return record_update(
        deliverable=deliverable,
        by=lena,
        narrative="Lena Larsen met the panel.",
        period=deliverable.plan.reporting_periods.first(),
    )


def test_find_name_lists_only_the_updates_that_mention_it(update, deliverable, editor):
    other = record_update(
        deliverable=deliverable,
        by=editor,
        narrative="Nothing personal here.",
        period=deliverable.plan.reporting_periods.first(),
    )
    assert list(narratives_mentioning(name="lena larsen")) == [update]
    output = run("apply_retention", "--find-name", "Lena Larsen")
    assert f"Update {update.pk}:" in output
    assert f"Update {other.pk}:" not in output
    assert "1 updates mention" in output


def test_redacting_a_name_keeps_the_update_and_records_who_when_and_why(
    update, lena, editor
):
    redaction = redact_update(
        update=update, words="lena larsen", reason="Subject asked", by=editor
    )
    update.refresh_from_db()
    assert update.narrative == "[name removed] met the panel."
    assert update.status and update.recorded_by_id == lena.pk
    assert ProgressUpdate.objects.filter(pk=update.pk).count() == 1
    assert redaction.redacted_by == editor and redaction.reason == "Subject asked"
    assert redaction.fields == "narrative" and redaction.replacements == 1
    assert not narratives_mentioning(name="Lena Larsen").exists()
    # The audit log records the redaction of the update, without the words.
    event = AuditEvent.objects.filter(
        object_type__icontains="progress", object_id=str(update.pk), action="changed"
    ).get()
    assert "Lena" not in str(event.changes) and "(redacted)" in str(event.changes)


def test_updates_stay_append_only_after_a_redaction(update, editor):
    redact_update(update=update, words="Lena", reason="Subject asked", by=editor)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute(
            "UPDATE deliverables_progressupdate SET narrative = 'changed' "
            "WHERE id = %s",
            [update.pk],
        )


def test_a_redaction_without_the_words_or_a_reason_changes_nothing(update, editor):
    with pytest.raises(ValidationError) as error:
        redact_update(update=update, words="Nobody", reason="Asked", by=editor)
    assert "words" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        redact_update(update=update, words="Lena", reason=" ", by=editor)
    assert "reason" in error.value.message_dict
    update.refresh_from_db()
    assert update.narrative == "Lena Larsen met the panel."
    assert not Redaction.objects.exists()


def test_redact_update_command(update, editor):
    output = run(
        "redact_update",
        str(update.pk),
        "--words",
        "Lena Larsen",
        "--reason",
        "Subject asked",
        "--by",
        editor.username,
    )
    assert "1 replacements in its narrative" in output
    assert Redaction.objects.get().redacted_by == editor
    # The command names who acted, in the audit log too.
    event = AuditEvent.objects.filter(object_type__icontains="redaction").get()
    assert event.actor == editor and event.via == "command"
