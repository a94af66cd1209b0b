"""The dashboard's counts are kept between reads, and never read after a change.

A reader who sees the whole plan has the counts of the period states kept in the
cache under the plan's ``StatesStamp``; every write that changes what they count
gives the plan a new stamp in its own transaction. Each test reads the dashboard
(so its counts are kept), changes one thing the counts come from, and reads again.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverables.models import Deliverable, Rag, StatesStamp, Status
from scrutiny.dashboards.figures import build_dashboard
from tests.factories import (
    DeliverableFactory,
    MilestoneFactory,
    StrandFactory,
    record_update,
)


def quarters(plan):
    return list(plan.reporting_periods.order_by("starts_on"))


def read(plan, period):
    """The dashboard as a reader who sees the whole plan reads it, and the number of
    queries it took."""
    with CaptureQueriesContext(connection) as captured:
        data = build_dashboard(plan, period, Deliverable.objects.all())
    return data, len(captured)


def status_count(data, status) -> int:
    return next(s["count"] for s in data["statuses"] if s["status"] == status)


@pytest.fixture
def work(plan, force, editor):
    """Three deliverables of the 2017 plan, each reported in Q1 and Q2."""
    q1, q2, *_ = quarters(plan)
    made = [
        DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            reference=f"D{i}",
            baseline_date="Q2",
            forecast_date="Q2",
            position=i,
        )
        for i in range(3)
    ]
    for d in made:
        for period in (q1, q2):
            record_update(
                deliverable=d,
                by=editor,
                period=period,
                status=Status.IN_PROGRESS,
                rag=Rag.GREEN,
                narrative=f"Under way in {period.label}.",
                reason="Started.",
            )
    return made


def test_a_second_read_costs_less_and_shows_the_same(plan, work):
    q2 = quarters(plan)[1]
    first, counting = read(plan, q2)
    again, kept = read(plan, q2)
    assert again == first
    assert kept < counting


def test_a_recorded_update_is_counted_at_the_next_read(plan, work, editor):
    q2 = quarters(plan)[1]
    before, _ = read(plan, q2)
    assert status_count(before, Status.COMPLETED) == 0
    record_update(
        deliverable=work[0],
        by=editor,
        period=q2,
        status=Status.COMPLETED,
        narrative="Handed over.",
        reason="Delivered.",
    )
    after, _ = read(plan, q2)
    assert status_count(after, Status.COMPLETED) == 1
    assert after["counts"]["completed"] == 1
    assert [r["reference"] for r in after["completed"]] == ["D0"]


def test_a_deliverable_moved_into_a_strand_is_counted_there(plan, work):
    q2 = quarters(plan)[1]
    roads = StrandFactory(plan=plan, name="Roads")
    before, _ = read(plan, q2)
    assert next(g for g in before["by_strand"] if g["id"] == roads.pk)["total"] == 0
    work[1].strands.add(roads)
    after, _ = read(plan, q2)
    assert next(g for g in after["by_strand"] if g["id"] == roads.pk)["total"] == 1
    work[1].strands.remove(roads)
    removed, _ = read(plan, q2)
    assert next(g for g in removed["by_strand"] if g["id"] == roads.pk)["total"] == 0


def test_a_milestone_added_for_next_quarter_is_listed(plan, work):
    q2 = quarters(plan)[1]
    before, _ = read(plan, q2)
    assert before["counts"]["milestones_next"] == 0
    MilestoneFactory(deliverable=work[2], title="Cameras fitted", due_date="Q3")
    after, _ = read(plan, q2)
    assert after["counts"]["milestones_next"] == 1
    assert after["milestones_next"][0]["milestone"] == "Cameras fitted"


def test_a_deleted_deliverable_is_no_longer_counted(plan, work, force):
    """Only a deliverable never reported on can be deleted (updates protect it)."""
    q2 = quarters(plan)[1]
    mistake = DeliverableFactory(
        objective=work[0].objective, lead_organisation=force, reference="D9"
    )
    before, _ = read(plan, q2)
    assert before["total"] == 4
    mistake.delete()
    after, _ = read(plan, q2)
    assert after["total"] == 3


def test_a_scoped_reader_counts_are_never_kept(plan, work, editor):
    """A force's view is its own: counted on every read, never from the cache."""
    q2 = quarters(plan)[1]
    scoped = Deliverable.objects.filter(plan=plan, reference__in=["D0", "D1"])
    with CaptureQueriesContext(connection) as first:
        data = build_dashboard(plan, q2, scoped)
    with CaptureQueriesContext(connection) as second:
        build_dashboard(plan, q2, scoped)
    assert data["total"] == 2
    assert len(first) == len(second)
    assert not any("tracker_cache" in q["sql"] for q in second.captured_queries)


def test_every_write_that_changes_states_gives_the_plan_a_new_stamp(plan, work, editor):
    token = StatesStamp.objects.get(plan=plan).token
    record_update(
        deliverable=work[1],
        by=editor,
        period=quarters(plan)[1],
        rag=Rag.AMBER,
        narrative="A supplier is late.",
    )
    assert StatesStamp.objects.get(plan=plan).token != token


def test_a_plan_without_a_stamp_is_counted_on_every_read(plan, work):
    q2 = quarters(plan)[1]
    StatesStamp.objects.filter(plan=plan).delete()
    first, counting = read(plan, q2)
    again, counted_again = read(plan, q2)
    assert again == first and counted_again == counting


def test_the_kept_counts_follow_the_period_asked_for(plan, work, editor):
    q1, q2, *_ = quarters(plan)
    record_update(
        deliverable=work[0],
        by=editor,
        period=q2,
        status=Status.COMPLETED,
        narrative="Handed over.",
        reason="Delivered.",
    )
    now, _ = read(plan, q2)
    then, _ = read(plan, q1)
    assert status_count(now, Status.COMPLETED) == 1
    assert status_count(then, Status.COMPLETED) == 0
