"""RAG and percent complete roll up from deliverables to objectives and priorities:
worst RAG of the open deliverables, mean of the percentages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.models import Rag, Status
from deliverables.rollup import Rollup, Row, by_key, by_priority, rollup
from deliverables.templatetags.delivery import percent_complete
from scrutiny.dashboards.figures import build_dashboard
from tests.factories import (
    DeliverableFactory,
    ObjectiveFactory,
    PriorityFactory,
    record_update,
)

S = Status

CASES = [
    pytest.param([], Rollup("", 0, None, 0), id="nothing"),
    pytest.param(
        [Row(S.IN_PROGRESS, "green", 40), Row(S.IN_PROGRESS, "amber", 60)],
        Rollup("amber", 2, 50, 2, open_count=2, open_with_percent=2),
        id="amber beats green; mean of two",
    ),
    pytest.param(
        [Row(S.IN_PROGRESS, "amber"), Row(S.ON_HOLD, "red"), Row(S.FUTURE, "green")],
        Rollup("red", 3, None, 0, open_count=3),
        id="red beats amber; on hold is still open",
    ),
    pytest.param(
        [Row(S.IN_PROGRESS, "", 30), Row(S.IN_PROGRESS, "green")],
        Rollup("green", 1, 30, 1, open_count=2, open_with_percent=1),
        id="no RAG and no percent are left out",
    ),
    pytest.param(
        [Row(S.COMPLETED, "red"), Row(S.IN_PROGRESS, "green", 20)],
        Rollup("green", 1, 60, 2, open_count=1, open_with_percent=1),
        id="completed: RAG ignored, blank percent counts as 100",
    ),
    pytest.param(
        [Row(S.COMPLETED, "", 90), Row(S.IN_PROGRESS, "", 10)],
        Rollup("", 0, 50, 2, open_count=1, open_with_percent=1),
        id="completed with a percent keeps it",
    ),
    pytest.param(
        [
            Row(S.WILL_NOT_PROCEED, "red", 10),
            Row(S.MERGED, "red", 10),
            Row(S.SPLIT, "red", 10),
            Row(S.IN_PROGRESS, "amber", 70),
        ],
        Rollup("amber", 1, 70, 1, open_count=1, open_with_percent=1),
        id="stopped, merged and split are left out of both",
    ),
    pytest.param(
        [Row(S.IN_PROGRESS, "", 33), Row(S.IN_PROGRESS, "", 34)],
        Rollup("", 0, 34, 2, open_count=2, open_with_percent=2),
        id="33.5 rounds half up",
    ),
    pytest.param(
        [Row(S.IN_PROGRESS, "", 0), Row(S.FUTURE, "", None)],
        Rollup("", 0, 0, 1, open_count=2, open_with_percent=1),
        id="zero is a percentage",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), CASES)
def test_the_rule(rows, expected):
    assert rollup(rows) == expected


def test_groups_by_key():
    rolled = by_key([("a", Row(S.IN_PROGRESS, "red", 10)), ("b", Row(S.COMPLETED))])
    assert rolled == {
        "a": Rollup("red", 1, 10, 1, open_count=1, open_with_percent=1),
        "b": Rollup("", 0, 100, 1),
    }


def test_nested_priorities_roll_up_every_deliverable_beneath_them():
    # 3 > 3.1 > 3.1.1, and 3 > 3.2; 4 stands alone.
    parents = {"3": None, "3.1": "3", "3.1.1": "3.1", "3.2": "3", "4": None}
    rows = [
        ("3.1.1", Row(S.IN_PROGRESS, "red", 10)),
        ("3.1", Row(S.IN_PROGRESS, "green", 20)),
        ("3.1", Row(S.IN_PROGRESS, "green", 30)),
        ("3.2", Row(S.COMPLETED, "")),
        ("4", Row(S.IN_PROGRESS, "amber", 50)),
    ]
    rolled = by_priority(rows, parents)
    assert rolled["3.1.1"] == Rollup("red", 1, 10, 1, 1, 1)
    assert rolled["3.1"] == Rollup("red", 3, 20, 3, 3, 3)
    assert rolled["3.2"] == Rollup("", 0, 100, 1)
    # Each deliverable once: (10 + 20 + 30 + 100) / 4, not a mean of means.
    assert rolled["3"] == Rollup("red", 3, 40, 4, 3, 3)
    assert rolled["4"] == Rollup("amber", 1, 50, 1, 1, 1)


def test_a_loop_in_the_priorities_does_not_hang():
    rolled = by_priority([("a", Row(S.IN_PROGRESS, "red"))], {"a": "b", "b": "a"})
    assert rolled["a"].rag == rolled["b"].rag == "red"


def test_labels():
    assert Rollup("amber", 2).rag_label == "Amber: at risk"
    assert Rollup().as_dict() == {
        "rag": "",
        "rag_label": "Not assessed",
        "rag_count": 0,
        "percent": None,
        "percent_count": 0,
        "percent_shown": None,
        "open_count": 0,
        "open_with_percent": 0,
    }


@pytest.mark.parametrize(
    ("rows", "shown", "words"),
    [
        pytest.param(
            [Row(S.IN_PROGRESS, "", 100)] + [Row(S.IN_PROGRESS)] * 3,
            None,
            "Too few percentages to say: 1 of 4 open gives one",
            id="a mean of one of four open is not the whole",
        ),
        pytest.param(
            [Row(S.IN_PROGRESS, "", 40), Row(S.IN_PROGRESS, "", 60), Row(S.FUTURE)],
            50,
            "50% complete, mean of 2 (2 of 3 open give one)",
            id="two of three is enough",
        ),
        pytest.param(
            [Row(S.COMPLETED), Row(S.COMPLETED)],
            100,
            "100% complete, mean of 2",
            id="all done: nothing open to cover",
        ),
    ],
)
def test_a_mean_of_a_few_open_deliverables_is_not_shown_as_the_whole(
    rows, shown, words
):
    rolled = rollup(rows)
    assert rolled.percent_shown == shown
    assert percent_complete(rolled) == words
    assert percent_complete(rolled.as_dict()) == words


# The plan page --------------------------------------------------------------------


@pytest.fixture
def tree(plan, force):
    """Priority 3 with a nested 3.1, each with an objective and rated deliverables."""
    top = PriorityFactory(plan=plan, reference="3", title="Keep people safe")
    nested = PriorityFactory(plan=plan, parent=top, reference="3.1", title="Patrol")
    upper = ObjectiveFactory(priority=top, reference="3.0.1", title="Visible presence")
    lower = ObjectiveFactory(priority=nested, reference="3.1.1", title="Night time")

    def make(objective, **state):
        return DeliverableFactory(objective=objective, lead_organisation=force, **state)

    make(upper, status=S.IN_PROGRESS, rag=Rag.GREEN, percent_complete=50)
    make(lower, status=S.IN_PROGRESS, rag=Rag.AMBER, percent_complete=20)
    make(lower, status=S.COMPLETED, rag=Rag.RED)
    return top, nested, upper, lower


def test_plan_page_shows_the_roll_up_per_priority_and_objective(
    client, editor, plan, tree
):
    client.force_login(editor)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()

    top = page.split("Keep people safe")[1].split("Patrol")[0]
    assert "Amber: at risk</strong> worst of 2 rated" in top
    assert "57% complete, mean of 3" in top  # (50 + 20 + 100) / 3
    objective = page.split("Night time</a>")[1]
    assert "Amber: at risk</strong> worst of 1 rated" in objective
    assert "60% complete, mean of 2" in objective


def test_plan_page_rolls_up_only_what_the_reader_may_see(
    client, contributor, plan, tree
):
    top, nested, upper, lower = tree
    hidden = upper.deliverables.get()
    hidden.lead_organisation = top.plan.owner
    hidden.save()
    client.force_login(contributor)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    top_section = page.split("Keep people safe")[1].split("Patrol")[0]
    assert "60% complete, mean of 2" in top_section


@pytest.mark.parametrize("extra", [5, 25])
def test_plan_page_queries_do_not_grow_with_deliverables(
    client, editor, plan, tree, force, extra
):
    top, nested, upper, lower = tree
    client.force_login(editor)
    url = reverse("plans:detail", args=[plan.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(extra):
        objective = ObjectiveFactory(priority=nested if n % 2 else top)
        DeliverableFactory(
            objective=objective,
            lead_organisation=force,
            rag=Rag.RED,
            percent_complete=n,
        )
    assert queries() == few


# The dashboard --------------------------------------------------------------------


def test_dashboard_rolls_up_each_priority_as_it_stood(plan, editor, tree):
    top, nested, upper, lower = tree
    q1, q2, *_rest = plan.reporting_periods.order_by("starts_on")
    work = lower.deliverables.get(status=S.IN_PROGRESS)
    record_update(
        deliverable=work,
        by=editor,
        period=q1,
        narrative="Going badly",
        rag=Rag.RED,
        percent_complete=10,
    )
    work.refresh_from_db()
    record_update(
        deliverable=work,
        by=editor,
        period=q2,
        narrative="Recovered",
        rag=Rag.GREEN,
        percent_complete=70,
    )

    (first,) = build_dashboard(plan, q1)["by_priority"]
    assert (first["rag"], first["rag_count"]) == ("red", 2)
    assert (first["percent"], first["percent_count"]) == (53, 3)  # (50 + 10 + 100) / 3
    (second,) = build_dashboard(plan, q2)["by_priority"]
    assert (second["rag"], second["rag_label"]) == ("green", "Green: on track")
    assert (second["percent"], second["percent_count"]) == (73, 3)


def test_dashboard_page_shows_the_roll_up(client, editor, plan, tree):
    q1 = plan.reporting_periods.order_by("starts_on").first()
    client.force_login(editor)
    url = reverse("scrutiny:dashboard-period", args=[plan.pk, q1.pk])
    page = client.get(url).content.decode()
    section = page.split('id="by-priority"')[1].split('id="by-strand"')[0]
    assert "RAG (worst of open)" in section
    assert "Amber: at risk</strong>" in section
    assert "57%" in section
