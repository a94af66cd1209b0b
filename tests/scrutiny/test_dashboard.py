"""The quarterly dashboard rebuilt from the update log: a year of hand-checked figures.

The story, for a 2017 plan (review of contributors' updates on):

======  ========  =====================================================================
Ref     Priority  Updates
======  ========  =====================================================================
A       1 (1.1)   Q1 started (milestone Q1, so late at the end of Q1); Q2 completed
B       1 (1.1)   Q2 started, re-dated Q2 -> Q3; Q3 put on hold; Q4 resumed
C       2         Q1 started, red; Q2 a contributor's "completed" is returned (so it
                  never counts); Q3 will not proceed
D       2         Q3 merged into E
E       2         never reported on (Q4: a contributor's update still waiting review)
F       1 (1.1)   identified on 10 May 2017 (Q2); Q4 completed
======  ========  =====================================================================
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverables.models import Deliverable, Rag, Status
from deliverables.services import return_update
from plans.models import Indicator
from scrutiny.dashboards.figures import build_dashboard, dashboard_rows, matching
from scrutiny.models import ScrutinyAction
from tests.factories import (
    DecisionNoticeFactory,
    DeliverableFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MilestoneFactory,
    ObjectiveFactory,
    PriorityFactory,
    StrandFactory,
    record_update,
)


def counts(data):
    return {r["status"]: r["count"] for r in data["statuses"] if r["count"]}


def changes(data):
    return {r["status"]: r["change"] for r in data["statuses"] if r["change"]}


def refs(rows):
    return [r["reference"] for r in rows]


def chosen(plan, period, figure):
    """Every row behind a yes/no figure (the dashboard lists the first few)."""
    if figure == "off_track":
        return dashboard_rows(plan, period, query={"rag": "red"})
    return dashboard_rows(plan, period, query={figure: "true"})


@pytest.fixture
def year(plan, editor, contributor, force):
    plan.review_contributor_updates = True
    plan.save()
    q1, q2, q3, q4 = plan.reporting_periods.order_by("starts_on")
    one = PriorityFactory(plan=plan, reference="1", title="Keep people safe")
    one_one = PriorityFactory(plan=plan, parent=one, reference="1.1", title="Patrol")
    two = PriorityFactory(plan=plan, reference="2", title="Support victims")
    o1 = ObjectiveFactory(priority=one_one, reference="1.1.1")
    o2 = ObjectiveFactory(priority=two, reference="2.1")
    victims = StrandFactory(plan=plan, name="Victims")

    def make(ref, objective, baseline, position, **extra):
        return DeliverableFactory(
            objective=objective,
            reference=ref,
            title=f"Deliverable {ref}",
            lead_organisation=force,
            baseline_date=baseline,
            forecast_date="",
            status=Status.FUTURE,
            position=position,
            **extra,
        )

    a = make("A", o1, "Q1", 1)
    b = make("B", o1, "Q2", 2)
    c = make("C", o2, "Q2", 3)
    d = make("D", o2, "Q4", 4)
    e = make("E", o2, "Q4", 5)
    f = make("F", o1, "Q4", 6, identified_on=datetime.date(2017, 5, 10))
    a.strands.add(victims)
    c.strands.add(victims)
    MilestoneFactory(deliverable=f, title="Go live", due_date="Q4")

    def update(deliverable, period, by=editor, **change):
        deliverable.refresh_from_db()
        return record_update(
            deliverable=deliverable,
            by=by,
            period=period,
            narrative=change.pop("narrative", f"{deliverable.reference} in {period}"),
            **change,
        )

    update(a, q1, status=Status.IN_PROGRESS, reason="Started")
    update(c, q1, status=Status.IN_PROGRESS, rag=Rag.RED, reason="Started late")
    update(a, q2, status=Status.COMPLETED, reason="Done")
    update(b, q2, status=Status.IN_PROGRESS, forecast_date="Q3", reason="Supplier late")
    returned = update(
        c,
        q2,
        by=contributor,
        status=Status.COMPLETED,
        reason="Finished",
        narrative="SECRET draft claim",
    )
    return_update(update=returned, by=editor, comment="INTERNAL evidence missing")
    update(b, q3, status=Status.ON_HOLD, reason="Budget review")
    update(c, q3, status=Status.WILL_NOT_PROCEED, reason="Partner withdrew")
    update(d, q3, status=Status.MERGED, merged_into=e, reason="Same team")
    update(b, q4, status=Status.IN_PROGRESS, reason="Budget agreed")
    update(f, q4, status=Status.COMPLETED, reason="Went live")
    update(e, q4, by=contributor, status=Status.IN_PROGRESS, reason="Started")

    crime = IndicatorFactory(
        plan=plan,
        title="Recorded crime",
        unit="crimes",
        direction=Indicator.Direction.LOWER_IS_BETTER,
        baseline_value=Decimal(100),
        target_value=Decimal(90),
    )
    IndicatorValueFactory(indicator=crime, period=q1, value=95)
    IndicatorValueFactory(indicator=crime, period=q2, value=99)
    DecisionNoticeFactory(plan=plan, approved_on=datetime.date(2017, 5, 1))
    ScrutinyAction.objects.create(
        plan=plan,
        text="Why is C late?",
        raised_by="Police and Crime Panel",
        raised_on=datetime.date(2017, 4, 15),
        owner=force,
        state=ScrutinyAction.State.ANSWERED,
        response="A partner withdrew.",
        answered_on=datetime.date(2017, 8, 1),
    )
    return plan, (q1, q2, q3, q4)


def test_q1_counts_and_exceptions(year):
    plan, (q1, *_rest) = year
    data = build_dashboard(plan, q1)
    assert data["total"] == 5  # F joins in Q2
    assert counts(data) == {"in_progress": 2, "future": 3}
    assert data["previous"] is None
    assert "change" not in data["statuses"][0]
    assert refs(data["started"]) == ["A", "C"]
    assert data["counts"]["late"] == 1
    assert refs(chosen(plan, q1, "late")) == ["A"]  # milestone Q1, still in progress
    assert chosen(plan, q1, "late")[0]["late"] == "Past its date"
    assert refs(chosen(plan, q1, "off_track")) == ["C"]
    assert chosen(plan, q1, "off_track")[0]["narrative"] == "C in Q1 2017"
    assert all(not v for v in data["changes"].values())


def test_q2_movements_changes_and_new_work(year):
    plan, (q1, q2, q3, q4) = year
    data = build_dashboard(plan, q2)
    assert data["total"] == 6
    assert data["previous_total"] == 5
    assert counts(data) == {"completed": 1, "in_progress": 2, "future": 3}
    assert changes(data) == {"completed": 1}  # B left "future" as F joined it
    assert refs(data["completed"]) == ["A"]
    assert refs(data["started"]) == ["B"]
    assert refs(data["new"]) == ["F"]
    assert data["changes"]["redated"] == [
        {
            "id": Deliverable.objects.get(reference="B").pk,
            "reference": "B",
            "title": "Deliverable B",
            "old": "Q2",
            "new": "Q3",
            "reason": "Supplier late",
        }
    ]
    # C's returned "completed" never counts: still in progress and red.
    late = {r["reference"]: r["late"] for r in chosen(plan, q2, "late")}
    assert late == {"C": "Past its date"}
    # B was re-dated from Q2 to Q3: behind its milestone, but not late yet.
    assert refs(chosen(plan, q2, "forecast_after_milestone")) == ["B"]
    assert chosen(plan, q2, "forecast_after_milestone")[0][
        "forecast_after_milestone"
    ] == ("Forecast after its milestone")
    assert refs(chosen(plan, q2, "off_track")) == ["C"]
    by_priority = {g["label"]: g for g in data["by_priority"]}
    assert by_priority["1"]["counts"]["completed"] == 1  # nested 1.1 rolls up
    assert by_priority["1"]["total"] == 3
    assert by_priority["2"]["counts"]["in_progress"] == 1
    assert by_priority["2"]["counts"]["future"] == 2
    assert data["by_strand"][0]["label"] == "Victims"
    assert data["by_strand"][0]["total"] == 2
    assert data["milestones_next"] == []  # F's milestone is in Q4, not Q3
    assert [d["approved_on"] for d in data["decisions"]] == ["2017-05-01"]
    assert [a["text"] for a in data["actions"]["open"]] == ["Why is C late?"]
    assert data["actions"]["open"][0]["response"] == ""  # not answered by then
    assert data["actions"]["answered"] == []


def test_q2_indicator_is_direction_aware(year):
    plan, (q1, q2, q3, q4) = year
    (crime,) = build_dashboard(plan, q2)["indicators"]
    assert crime["value"] == 99
    assert crime["previous"] == 95
    assert crime["vs_previous"] == {"by": 4, "percent": 4.2}
    assert crime["movement"] == "worse"  # a rise in crime is bad
    assert crime["vs_baseline"] == {"by": -1, "percent": -1.0}
    assert crime["target_met"] is False
    assert [p["value"] for p in crime["series"]] == [95, 99]


def test_q3_summary_of_changes(year):
    plan, (q1, q2, q3, q4) = year
    data = build_dashboard(plan, q3)
    assert counts(data) == {
        "completed": 1,
        "future": 2,
        "on_hold": 1,
        "will_not_proceed": 1,
        "merged": 1,
    }
    assert changes(data) == {
        "in_progress": -2,
        "future": -1,
        "on_hold": 1,
        "will_not_proceed": 1,
        "merged": 1,
    }
    summary = data["changes"]
    assert [(c["reference"], c["reason"]) for c in summary["on_hold"]] == [
        ("B", "Budget review")
    ]
    assert [(c["reference"], c["reason"]) for c in summary["stopped"]] == [
        ("C", "Partner withdrew")
    ]
    assert [(c["reference"], c["into_reference"]) for c in summary["merged"]] == [
        ("D", "E")
    ]
    assert refs(chosen(plan, q3, "late")) == ["B"]  # on hold past its Q3 forecast
    assert chosen(plan, q3, "off_track") == []  # C is red but closed
    assert [m["milestone"] for m in data["milestones_next"]] == ["Go live"]
    assert [a["response"] for a in data["actions"]["answered"]] == [
        "A partner withdrew."
    ]
    assert data["actions"]["open"] == []


def test_q4_ignores_updates_waiting_for_review(year):
    plan, (q1, q2, q3, q4) = year
    data = build_dashboard(plan, q4)
    assert counts(data) == {
        "completed": 2,
        "in_progress": 1,
        "future": 1,  # E's update still waits for review
        "will_not_proceed": 1,
        "merged": 1,
    }
    assert changes(data) == {
        "completed": 1,
        "in_progress": 1,
        "future": -1,
        "on_hold": -1,
    }
    assert [c["reference"] for c in data["changes"]["resumed"]] == ["B"]
    assert refs(data["completed"]) == ["F"]
    assert data["started"] == []  # B resumed; it did not start
    assert refs(chosen(plan, q4, "late")) == ["B", "E"]
    assert data["milestones_next"] == []
    assert data["next"] is None
    assert data["actions"]["answered"] == []  # answered in Q3, listed then


def test_past_period_does_not_read_todays_state(year):
    """Today every deliverable but E has moved on; Q1 still shows Q1."""
    plan, (q1, *_rest) = year
    assert Deliverable.objects.get(reference="A").status == Status.COMPLETED
    assert build_dashboard(plan, q1)["statuses"][1] == {
        "status": "in_progress",
        "label": "In progress",
        "count": 2,
    }
    rows = {r["reference"]: r for r in dashboard_rows(plan, q1)}
    assert rows["A"]["status"] == Status.IN_PROGRESS
    assert rows["D"]["status"] == Status.FUTURE


def test_internal_text_never_in_the_data(year):
    plan, periods = year
    for period in periods:
        text = repr(build_dashboard(plan, period)) + repr(dashboard_rows(plan, period))
        assert "SECRET" not in text
        assert "INTERNAL" not in text


def test_drill_down_matches_the_figures(year):
    plan, (q1, q2, q3, q4) = year
    data = build_dashboard(plan, q2)
    one = next(g for g in data["by_priority"] if g["label"] == "1")
    rows = dashboard_rows(plan, q2)
    assert refs(matching(rows, {"priority": str(one["id"])})) == ["A", "B", "F"]
    assert refs(
        matching(rows, {"priority": str(one["id"]), "status": "completed"})
    ) == ["A"]
    assert refs(matching(rows, {"late": "true"})) == ["C"]
    assert refs(matching(rows, {"forecast_after_milestone": "true"})) == ["B"]
    assert refs(matching(rows, {"rag": "red"})) == ["C"]
    assert refs(matching(rows, {"new": "true"})) == ["F"]


def test_scoped_to_what_the_reader_may_see(year, outsider):
    plan, (q1, *_rest) = year
    visible = Deliverable.objects.visible_to(outsider)
    assert build_dashboard(plan, q1, visible)["total"] == 0


def test_query_count_does_not_grow_with_deliverables(year, force):
    plan, (q1, q2, q3, q4) = year

    def queries():
        with CaptureQueriesContext(connection) as captured:
            build_dashboard(plan, q2)
        return len(captured)

    before = queries()
    objective = plan.objectives.first()
    for n in range(20):
        DeliverableFactory(objective=objective, lead_organisation=force, reference=n)
    assert queries() == before


def test_the_dashboard_counts_what_needs_an_update_by_the_one_rule(
    client, plan, editor, deliverable
):
    from django.urls import reverse

    q1 = plan.reporting_periods.order_by("starts_on").first()
    other = DeliverableFactory(objective=deliverable.objective)
    record_update(deliverable=other, by=editor, narrative="On track.", period=q1)
    data = build_dashboard(plan, q1, Deliverable.objects.all())
    missing = set(Deliverable.objects.needs_update_in(q1))
    assert missing == {deliverable}
    assert data["needs_update"] == 1
    assert [
        r["reference"]
        for r in matching(dashboard_rows(plan, q1), {"needs_update": "true"})
    ] == [deliverable.reference]
    client.force_login(editor)
    page = client.get(
        reverse("scrutiny:dashboard-period", args=[plan.pk, q1.pk])
    ).content.decode()
    assert "1 deliverable</a> has no update for Q1 2017" in page
    assert 'href="deliverables/?needs_update=true"' in page
    drill = client.get(
        reverse("scrutiny:drill-down", args=[plan.pk, q1.pk]), {"needs_update": "true"}
    ).content.decode()
    assert "Without an update for Q1 2017" in drill
    assert deliverable.title in drill and other.title not in drill
