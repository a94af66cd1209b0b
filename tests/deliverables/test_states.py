"""Each deliverable's state at the end of every period (``PeriodState``) follows every
write that can change it, and a rebuild from the log gives the same rows."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverables import states
from deliverables.models import Deliverable, PeriodState, ProgressUpdate, Rag, Status
from deliverables.services import accept_update, return_update, save_deliverable
from tests.factories import DeliverableFactory, PriorityFactory, record_update


def rows(deliverable) -> dict[str, tuple]:
    """The deliverable's rows by period label: what each says."""
    return {
        s.period.label: (
            s.status,
            s.rag,
            s.forecast_date,
            s.late,
            s.forecast_after_milestone,
            s.new,
            s.completed,
            s.started,
            s.change,
            s.redated_id is not None,
        )
        for s in PeriodState.objects.filter(deliverable=deliverable)
        .select_related("period")
        .order_by("period__starts_on")
    }


def everything() -> list[tuple]:
    return sorted(
        PeriodState.objects.values_list(
            "deliverable_id",
            "period_id",
            "status",
            "rag",
            "percent_complete",
            "forecast_date",
            "latest_id",
            "late",
            "forecast_after_milestone",
            "new",
            "completed",
            "started",
            "change",
            "change_update_id",
            "redated_id",
        )
    )


@pytest.fixture
def periods(plan):
    return list(plan.reporting_periods.order_by("starts_on"))


def test_a_new_deliverable_has_a_row_for_every_period(deliverable, periods):
    assert list(rows(deliverable)) == [p.label for p in periods]
    # Due Q2 and never reported on: late at the end of Q2, as the rule says.
    assert [r[3] for r in rows(deliverable).values()] == [False, True, True, True]


def test_work_identified_later_joins_the_plan_in_its_period(plan, force, periods):
    later = DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force,
        identified_on=datetime.date(2017, 5, 10),
    )
    said = rows(later)
    assert list(said) == ["Q2 2017", "Q3 2017", "Q4 2017"]
    assert [r[5] for r in said.values()] == [True, False, False]  # new in Q2 only


def test_recording_progress_moves_the_rows_of_its_period_and_after(
    deliverable, editor, periods
):
    q1, q2, q3, q4 = periods
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q2,
        status=Status.IN_PROGRESS,
        rag=Rag.RED,
        forecast_date="Q3",
        reason="Supplier late",
        narrative="Started, behind.",
    )
    said = rows(deliverable)
    assert said["Q1 2017"][0] == Status.FUTURE  # as it was before its first update
    assert said["Q2 2017"][:3] == (Status.IN_PROGRESS, Rag.RED, "Q3")
    assert said["Q2 2017"][4] is True  # forecast after its Q2 milestone
    assert said["Q2 2017"][7] is True  # started in Q2
    assert said["Q2 2017"][9] is True  # re-dated in Q2
    assert said["Q3 2017"][3] is True  # late at the end of Q3
    assert said["Q3 2017"][7] is False  # started in Q2, not again
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q3,
        status=Status.ON_HOLD,
        reason="Budget review",
        narrative="Paused.",
    )
    assert rows(deliverable)["Q3 2017"][8] == PeriodState.Change.ON_HOLD


def test_an_update_waiting_for_review_counts_once_accepted(
    plan, deliverable, contributor, editor, periods
):
    plan.review_contributor_updates = True
    plan.save()
    q1 = periods[0]
    update = record_update(
        deliverable=deliverable,
        by=contributor,
        period=q1,
        status=Status.COMPLETED,
        reason="Done",
        narrative="Finished.",
    )
    assert rows(deliverable)["Q1 2017"][0] == Status.FUTURE
    accept_update(update=update, by=editor)
    assert rows(deliverable)["Q1 2017"][0] == Status.COMPLETED
    assert rows(deliverable)["Q1 2017"][6] is True  # completed in Q1


def test_a_returned_update_never_counts(
    plan, deliverable, contributor, editor, periods
):
    plan.review_contributor_updates = True
    plan.save()
    update = record_update(
        deliverable=deliverable,
        by=contributor,
        period=periods[0],
        status=Status.COMPLETED,
        reason="Done",
        narrative="Finished.",
    )
    return_update(update=update, by=editor, comment="Evidence, please.")
    assert {r[0] for r in rows(deliverable).values()} == {Status.FUTURE}


def test_moving_a_milestone_or_a_period_works_the_rows_out_again(
    plan, force, editor, periods
):
    deliverable = DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force,
        baseline_date="Q2",
        forecast_date="",
    )
    assert rows(deliverable)["Q1 2017"][3] is False
    deliverable.baseline_date = "Q1"
    save_deliverable(deliverable=deliverable, by=editor)
    assert rows(deliverable)["Q1 2017"][3] is True  # due in Q1, late at its end
    q1 = periods[0]
    q1.ends_on = datetime.date(2017, 3, 30)  # in the admin
    q1.save()
    # Still ends before the milestone window does: not late at its end any more.
    assert rows(deliverable)["Q1 2017"][3] is False


def test_a_batch_refreshes_once_at_its_end(plan, force, periods):
    with CaptureQueriesContext(connection) as one:
        DeliverableFactory(objective__priority__plan=plan, lead_organisation=force)
    single = sum("period_state" in q["sql"] for q in one.captured_queries)
    with CaptureQueriesContext(connection) as many, states.batch():
        for _ in range(5):
            DeliverableFactory(objective__priority__plan=plan, lead_organisation=force)
        assert PeriodState.objects.filter(deliverable__plan=plan).count() == 4
    batched = sum("period_state" in q["sql"] for q in many.captured_queries)
    assert batched <= single + 1  # the count above
    assert PeriodState.objects.filter(deliverable__plan=plan).count() == 6 * 4


def test_a_failed_batch_refreshes_nothing(plan, force, periods):
    with pytest.raises(RuntimeError), states.batch():
        DeliverableFactory(objective__priority__plan=plan, lead_organisation=force)
        raise RuntimeError
    # The deliverable stays (no transaction here), its rows wait for a rebuild.
    assert not PeriodState.objects.exists()
    call_command("rebuild_period_states", stdout=None)
    assert PeriodState.objects.count() == 4


def test_the_rebuild_gives_the_rows_the_writes_kept(deliverable, editor, periods):
    q1, q2, q3, q4 = periods
    other = DeliverableFactory(objective=deliverable.objective)
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q1,
        status=Status.IN_PROGRESS,
        reason="Started",
        narrative="Under way.",
        percent_complete=40,
    )
    record_update(
        deliverable=other,
        by=editor,
        period=q2,
        status=Status.MERGED,
        merged_into=deliverable,
        reason="Same team",
        narrative="Merged.",
    )
    kept = everything()
    PeriodState.objects.all().delete()
    call_command("rebuild_period_states", stdout=None)
    assert everything() == kept
    merged = PeriodState.objects.get(deliverable=other, period=q2)
    assert merged.change == PeriodState.Change.MERGED
    assert merged.change_update == ProgressUpdate.objects.get(deliverable=other)


def test_a_deleted_deliverable_takes_its_rows(deliverable, periods):
    Deliverable.objects.filter(pk=deliverable.pk).delete()
    assert not PeriodState.objects.exists()


def test_an_objective_moved_to_another_priority_takes_its_states_along(
    plan, deliverable, periods
):
    other = PriorityFactory(plan=plan, reference="9", title="Elsewhere")
    objective = deliverable.objective
    objective.priority = other
    objective.save()
    assert set(
        PeriodState.objects.filter(deliverable=deliverable).values_list(
            "priority_id", flat=True
        )
    ) == {other.pk}


def test_states_count_under_the_top_level_priority_and_follow_it(
    plan, deliverable, periods
):
    top = deliverable.objective.priority
    nested = PriorityFactory(plan=plan, parent=top, reference="3.9", title="Nested")
    objective = deliverable.objective
    objective.priority = nested
    objective.save()
    # Under a nested priority, the state counts under its top-level one.
    assert set(
        PeriodState.objects.filter(deliverable=deliverable).values_list(
            "priority_id", flat=True
        )
    ) == {top.pk}
    # The nested priority moved to the top level: its work follows it.
    nested.parent = None
    nested.save()
    assert set(
        PeriodState.objects.filter(deliverable=deliverable).values_list(
            "priority_id", flat=True
        )
    ) == {nested.pk}
