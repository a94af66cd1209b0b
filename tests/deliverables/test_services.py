"""Recording progress: the append-only log and the deliverable's current state."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from deliverables.models import Deliverable, ProgressUpdate, Rag, Status
from tests.factories import DeliverableFactory, record_update

pytestmark = pytest.mark.django_db

IN_Q2 = timezone.make_aware(datetime.datetime(2017, 5, 10, 9, 0))


def start(deliverable, by, **extra):
    values = {
        "status": Status.IN_PROGRESS,
        "rag": Rag.GREEN,
        "percent_complete": 20,
        "narrative": "Patrol plan drafted.",
        "reason": "Work started.",
        "recorded_at": IN_Q2,
    }
    return record_update(deliverable=deliverable, by=by, **(values | extra))


def test_recording_progress_brings_the_deliverable_into_step(deliverable, contributor):
    update = start(deliverable, contributor)
    deliverable.refresh_from_db()
    assert deliverable.status == Status.IN_PROGRESS
    assert deliverable.rag == Rag.GREEN
    assert deliverable.percent_complete == 20
    assert update.period.label == "Q2 2017"
    assert update.recorded_by == contributor
    assert update.previous_status == Status.FUTURE


def test_the_deliverables_history_records_who_changed_it(deliverable, contributor):
    start(deliverable, contributor)
    latest = deliverable.history.latest()
    assert latest.history_user == contributor
    assert latest.status == Status.IN_PROGRESS


def test_a_reason_is_required_when_the_status_changes(deliverable, contributor):
    with pytest.raises(ValidationError) as caught:
        start(deliverable, contributor, reason="")
    assert "reason" in caught.value.message_dict
    assert not ProgressUpdate.objects.exists()
    deliverable.refresh_from_db()
    assert deliverable.status == Status.FUTURE


def test_a_reason_is_required_when_the_forecast_changes(deliverable, contributor):
    start(deliverable, contributor)
    with pytest.raises(ValidationError) as caught:
        record_update(
            deliverable=deliverable,
            by=contributor,
            forecast_date="Q4",
            narrative="Supplier late.",
            recorded_at=IN_Q2,
        )
    assert caught.value.message_dict["reason"] == [
        "Give a reason when the status or forecast date changes."
    ]


def test_no_reason_needed_when_only_rag_and_percent_move(deliverable, contributor):
    start(deliverable, contributor)
    update = record_update(
        deliverable=deliverable,
        by=contributor,
        rag=Rag.AMBER,
        percent_complete=40,
        narrative="Slower than hoped.",
        recorded_at=IN_Q2,
    )
    assert update.reason == ""
    deliverable.refresh_from_db()
    assert (deliverable.rag, deliverable.percent_complete) == (Rag.AMBER, 40)


def test_a_re_dated_update_keeps_old_and_new_dates(deliverable, contributor):
    start(deliverable, contributor)
    update = record_update(
        deliverable=deliverable,
        by=contributor,
        forecast_date="Q4 2017",
        narrative="Supplier late.",
        reason="End date extended to Q4.",
        recorded_at=IN_Q2,
    )
    assert update.previous_forecast_date == "Q2"
    assert update.forecast_date == "Q4 2017"
    deliverable.refresh_from_db()
    assert deliverable.forecast_date_end == datetime.date(2017, 12, 31)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "started"}, "status"),
        ({"rag": "purple"}, "rag"),
        ({"percent_complete": 150}, "percent_complete"),
        ({"forecast_date": "soonish"}, "forecast_date"),
        ({"narrative": "  "}, "narrative"),
        ({"status": Status.MERGED}, "merged_into"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    change, field, deliverable, contributor
):
    with pytest.raises(ValidationError) as caught:
        start(deliverable, contributor, **change)
    assert field in caught.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_merging_needs_a_deliverable_of_the_same_plan(deliverable, contributor):
    elsewhere = DeliverableFactory()
    with pytest.raises(ValidationError) as caught:
        start(deliverable, contributor, status=Status.MERGED, merged_into=elsewhere)
    assert caught.value.message_dict["merged_into"] == [
        "Choose a deliverable of the same plan."
    ]


def test_merging_records_the_target(deliverable, contributor):
    umbrella = DeliverableFactory(objective=deliverable.objective)
    start(
        deliverable,
        contributor,
        status=Status.MERGED,
        merged_into=umbrella,
        reason="Folded into the umbrella project.",
    )
    deliverable.refresh_from_db()
    assert deliverable.merged_into == umbrella
    assert list(umbrella.merged_from.all()) == [deliverable]


def test_completion_is_dated(deliverable, contributor):
    start(
        deliverable,
        contributor,
        status=Status.COMPLETED,
        percent_complete=100,
        reason="Finished.",
    )
    deliverable.refresh_from_db()
    assert deliverable.completed_on == datetime.date(2017, 5, 10)


def test_an_update_outside_every_period_is_refused(deliverable, contributor):
    with pytest.raises(ValidationError) as caught:
        start(
            deliverable,
            contributor,
            recorded_at=timezone.make_aware(datetime.datetime(2019, 1, 5)),
        )
    assert "period" in caught.value.message_dict


def test_an_older_update_does_not_overwrite_a_newer_state(deliverable, contributor):
    start(deliverable, contributor, percent_complete=60)
    start(
        deliverable,
        contributor,
        percent_complete=10,
        reason="",
        status=Status.IN_PROGRESS,
        recorded_at=IN_Q2 - datetime.timedelta(days=20),
    )
    deliverable.refresh_from_db()
    assert deliverable.percent_complete == 60
    assert deliverable.updates.count() == 2


# Append-only --------------------------------------------------------------------


@pytest.fixture
def update(deliverable, contributor):
    return start(deliverable, contributor)


def test_an_update_cannot_be_edited(update):
    update.narrative = "Rewritten history"
    with pytest.raises(ProgressUpdate.Immutable):
        update.save()
    update.refresh_from_db()
    assert update.narrative == "Patrol plan drafted."


def test_an_update_cannot_be_deleted(update):
    with pytest.raises(ProgressUpdate.Immutable):
        update.delete()
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_updates_cannot_be_bulk_edited_or_deleted(update):
    with pytest.raises(ProgressUpdate.Immutable):
        ProgressUpdate.objects.filter(pk=update.pk).update(narrative="x")
    with pytest.raises(ProgressUpdate.Immutable):
        ProgressUpdate.objects.all().delete()
    assert ProgressUpdate.objects.get(pk=update.pk).narrative == "Patrol plan drafted."


def test_a_deliverable_with_updates_cannot_be_deleted(update):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        update.deliverable.delete()
    assert Deliverable.objects.filter(pk=update.deliverable_id).exists()


def test_the_database_refuses_raw_edits_to_an_update(update):
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE deliverables_progressupdate SET narrative = %s WHERE id = %s",
                ["Rewritten", update.pk],
            )
    assert ProgressUpdate.objects.get(pk=update.pk).narrative == "Patrol plan drafted."


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="On SQLite the test runner's own flush must delete rows; see migration 0002",
)
def test_postgresql_refuses_raw_deletes_of_an_update(update):
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM deliverables_progressupdate WHERE id = %s", [update.pk]
            )
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_the_database_requires_a_reason_for_a_status_change(deliverable, contributor):
    period = deliverable.plan.reporting_periods.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.create(
            deliverable=deliverable,
            period=period,
            recorded_by=contributor,
            status=Status.COMPLETED,
            previous_status=Status.FUTURE,
            narrative="Done",
            reason="",
        )
