"""Summary first: the headline tiles with their movement, the exceptions (worst first,
capped), and movement per priority and per strand, including work in no strand and a
priority with no work.

The story, for the 2017 plan, read at the end of Q2 (against Q1):

=====  ========  =========  ============================================================
Ref    Priority  Strand     Updates
=====  ========  =========  ============================================================
A      1         Victims    Q1 started; Q2 completed
B      1         Victims    Q1 started, milestone Q1 (late from Q1); Q2 rated red
C      2         (none)     Q1 started; Q2 re-dated Q2 -> Q4
D      2         (none)     Q1 started; Q2 will not proceed
E      2         (none)     identified 10 May 2017 (Q2), never reported on
G      1         Victims    Q2 rated red, milestone Q4 (red, not late)
=====  ========  =========  ============================================================

Priority 3 has no deliverables at all.
"""

import datetime

import pytest
from django.urls import reverse

from deliverables.models import Rag, Status
from scrutiny.dashboards.figures import (
    EXCEPTIONS_SHOWN,
    NO_STRAND,
    build_dashboard,
    dashboard_rows,
)
from scrutiny.dashboards.tables import tables
from tests.factories import (
    DeliverableFactory,
    ObjectiveFactory,
    PriorityFactory,
    StrandFactory,
    record_update,
)


@pytest.fixture
def story(plan, editor, force):
    q1, q2, _q3, _q4 = plan.reporting_periods.order_by("starts_on")
    one = PriorityFactory(plan=plan, reference="1", title="Keep people safe")
    two = PriorityFactory(plan=plan, reference="2", title="Support victims")
    PriorityFactory(plan=plan, reference="3", title="Nothing planned yet")
    victims = StrandFactory(plan=plan, name="Victims")
    o1 = ObjectiveFactory(priority=one, reference="1.1")
    o2 = ObjectiveFactory(priority=two, reference="2.1")

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

    a, b = make("A", o1, "Q4", 1), make("B", o1, "Q1", 2)
    c, d = make("C", o2, "Q2", 3), make("D", o2, "Q4", 4)
    make("E", o2, "Q4", 5, identified_on=datetime.date(2017, 5, 10))
    g = make("G", o1, "Q4", 6)
    for each in (a, b, g):
        each.strands.add(victims)

    def update(deliverable, period, **change):
        deliverable.refresh_from_db()
        record_update(
            deliverable=deliverable,
            by=editor,
            period=period,
            narrative=f"{deliverable.reference} in {period}",
            **change,
        )

    for each in (a, b, c, d):
        update(each, q1, status=Status.IN_PROGRESS, reason="Started")
    update(a, q2, status=Status.COMPLETED, reason="Done")
    update(b, q2, rag=Rag.RED, reason="Behind")
    update(c, q2, forecast_date="Q4", reason="Supplier late")
    update(d, q2, status=Status.WILL_NOT_PROCEED, reason="Partner withdrew")
    update(g, q2, status=Status.IN_PROGRESS, rag=Rag.RED, reason="Behind")
    return {"plan": plan, "q1": q1, "q2": q2, "victims": victims}


def tiles(data):
    return {t["key"]: (t["count"], t["change"]) for t in data["summary"]}


def group(groups, label):
    return next(g for g in groups if g["label"] == label)


def test_the_tiles_count_each_status_and_the_exceptions_with_their_movement(story):
    data = build_dashboard(story["plan"], story["q2"])
    assert tiles(data) == {
        # status: (count at the end of Q2, change since Q1)
        "completed": (1, 1),
        "in_progress": (3, -1),
        "future": (1, 0),  # G started, E identified
        "will_not_proceed": (1, 1),
        "late": (1, 0),  # B, late since Q1
        "red": (2, 2),  # B and G
        "redated": (1, 1),  # C in Q2; none in Q1
        "new": (1, 1),  # E, identified in Q2
        "stopped": (1, 1),  # D
    }
    links = {t["key"]: t["href"] for t in data["summary"]}
    assert links["late"] == "deliverables/?late=true"
    assert links["red"] == "deliverables/?rag=red"
    assert links["redated"] == "#redated"


def test_the_first_period_has_no_movement(story):
    data = build_dashboard(story["plan"], story["q1"])
    assert all(t["change"] is None for t in data["summary"])
    assert "previous_counts" not in data["by_priority"][0]


def test_exceptions_list_late_and_red_first_then_late_then_red(story):
    data = build_dashboard(story["plan"], story["q2"])
    exceptions = data["exceptions"]
    assert [r["reference"] for r in exceptions["rows"]] == ["B", "G"]
    assert (exceptions["late"], exceptions["off_track"], exceptions["both"]) == (
        1,
        2,
        1,
    )


def test_exceptions_are_capped_and_say_how_many_there_are(plan, editor, force):
    q1 = plan.reporting_periods.order_by("starts_on").first()
    for n in range(EXCEPTIONS_SHOWN + 5):
        late = DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            baseline_date="Q1",
            status=Status.IN_PROGRESS,
            position=n,
        )
        record_update(deliverable=late, by=editor, period=q1, narrative="Behind")
    data = build_dashboard(plan, plan.reporting_periods.order_by("starts_on")[1])
    assert len(data["exceptions"]["rows"]) == EXCEPTIONS_SHOWN
    assert data["exceptions"]["total"] == EXCEPTIONS_SHOWN + 5


@pytest.mark.parametrize(
    ("label", "counts", "change", "total", "total_change"),
    [
        pytest.param(
            "1",
            {"completed": 1, "in_progress": 2},
            {"completed": 1, "in_progress": 0, "future": -1},
            3,
            0,
            id="priority 1: A done, G started",
        ),
        pytest.param(
            "2",
            {"in_progress": 1, "will_not_proceed": 1, "future": 1},
            {"in_progress": -1, "will_not_proceed": 1, "future": 1},
            3,
            1,
            id="priority 2: D stopped, E new",
        ),
        pytest.param("3", {}, {}, 0, 0, id="priority 3 has no work"),
    ],
)
def test_movement_per_priority(story, label, counts, change, total, total_change):
    data = build_dashboard(story["plan"], story["q2"])
    row = group(data["by_priority"], label)
    assert {k: v for k, v in row["counts"].items() if v} == counts
    assert {k: v for k, v in row["change"].items() if v} == {
        k: v for k, v in change.items() if v
    }
    assert (row["total"], row["total_change"]) == (total, total_change)


def test_work_in_no_strand_has_a_row_of_its_own_and_a_drill_down(story):
    data = build_dashboard(story["plan"], story["q2"])
    assert [g["label"] for g in data["by_strand"]] == ["Victims", "No strand"]
    none = group(data["by_strand"], "No strand")
    assert none["id"] == NO_STRAND
    assert none["total"] == 3 and none["total_change"] == 1
    behind = dashboard_rows(story["plan"], story["q2"], query={"strand": NO_STRAND})
    assert sorted(r["reference"] for r in behind) == ["C", "D", "E"]
    assert group(data["by_strand"], "Victims")["total"] == 3


def test_a_plan_without_strands_has_no_strand_rows(plan):
    data = build_dashboard(plan, plan.reporting_periods.first())
    assert data["by_strand"] == []


def test_breakdowns_leave_out_statuses_no_group_has(story):
    data = build_dashboard(story["plan"], story["q2"])
    assert data["priority_columns"] == [
        "completed",
        "in_progress",
        "future",
        "will_not_proceed",
    ]


def test_the_page_reads_summary_first(client, editor, story):
    client.force_login(editor)
    url = reverse("scrutiny:dashboard-period", args=[story["plan"].pk, story["q2"].pk])
    page = client.get(url).content.decode()
    order = [
        page.index('id="headline"'),
        page.index('id="exceptions"'),
        page.index('aria-label="On this page"'),
        page.index('id="statuses"'),
        page.index('id="by-priority"'),
    ]
    assert order == sorted(order)
    assert "See all" not in page  # both exceptions are listed
    assert "up 2 on Q1 2017" in page  # off track, B and G
    assert "No strand" in page
    assert "3 Nothing planned yet" in page
    # A column of zeros says nothing: merged and split are left out.
    by_priority = page[page.index('id="by-priority"') : page.index('id="by-strand"')]
    assert ">Completed<" in by_priority and ">Merged<" not in by_priority


def test_the_downloads_read_summary_first_with_movement_per_group(story):
    data = build_dashboard(story["plan"], story["q2"])
    sheets = tables(data, dashboard_rows(story["plan"], story["q2"]))
    assert [slug for slug, _title, _rows in sheets][:5] == [
        "summary",
        "late",
        "forecast-after-milestone",
        "off-track",
        "status",
    ]
    summary = dict((row[0], row[1:]) for row in sheets[0][2][1:])
    assert summary["Off track (red)"] == [2, 0, 2]
    priorities = next(rows for slug, _t, rows in sheets if slug == "priorities")
    header = priorities[0]
    assert "Completed, change" in header and "Total, change" in header
    one = next(row for row in priorities if row[0] == "1")
    assert one[header.index("Completed, change")] == 1
