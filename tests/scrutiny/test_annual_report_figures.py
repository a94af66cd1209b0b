"""The annual report's figures: plan years, the year built only from published
quarterly reports, missing quarters named, and the reconciliation (start plus the
year's movements equals the end; every quarterly change once), on the demo's year."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from deliverables.models import Deliverable
from plans.models import Plan
from scrutiny.annual.figures import (
    build_figures,
    missing_text,
    plan_year,
    plan_years,
    reconcile,
    year_figures,
)
from scrutiny.models import PublishedReport


def period(pk, label, starts_on):
    return SimpleNamespace(
        pk=pk,
        label=label,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=89),
    )


def quarters_from(year: int, month: int = 1):
    out = []
    for n in range(4):
        index = year * 12 + month - 1 + 3 * n
        out.append(
            period(n + 1, f"Q{n + 1}", datetime.date(index // 12, index % 12 + 1, 1))
        )
    return out


def statuses(counts, previous=None):
    rows = []
    for status in ("completed", "in_progress", "future"):
        row = {"status": status, "label": status, "count": counts[status]}
        if previous is not None:
            row["previous"] = previous[status]
            row["change"] = counts[status] - previous[status]
        rows.append(row)
    return rows


def report(pk, counts, previous=None, changes=None, completed=0):
    """A stand-in for a published quarterly report: its figures and rows."""
    changes = changes or []
    rows = [
        {
            "id": 100 + i,
            "reference": f"1.{i}",
            "title": f"Work {i}",
            "completed": i < completed,
            "changes": changes[i] if i < len(changes) else {},
        }
        for i in range(max(len(changes), completed, 1))
    ]
    declared = {"completed": completed}
    for entry in changes:
        for kind in entry:
            declared[kind] = declared.get(kind, 0) + 1
    group = {"id": 7, "label": "1", "title": "Keep people safe", "counts": counts}
    if previous is not None:
        group["previous_counts"] = previous
    return SimpleNamespace(
        pk=pk,
        version=1,
        data={
            "statuses": statuses(counts, previous),
            "by_priority": [group],
            "counts": declared,
            "previous": {"label": "before"} if previous is not None else None,
        },
        every_row=rows,
    )


def counts(completed, in_progress, future):
    return {"completed": completed, "in_progress": in_progress, "future": future}


def test_a_plan_year_runs_twelve_months_from_its_first_period():
    calendar = plan_years(quarters_from(2017) + quarters_from(2018)[:1])
    assert [y.label for y in calendar] == ["2017", "2018"]
    assert calendar[0].ends_on == datetime.date(2017, 12, 31)
    assert [p.label for p in calendar[0].periods] == ["Q1", "Q2", "Q3", "Q4"]

    financial = plan_years(quarters_from(2024, 4))
    assert [y.label for y in financial] == ["2024-25"]
    assert financial[0].starts_on == datetime.date(2024, 4, 1)
    assert financial[0].ends_on == datetime.date(2025, 3, 31)


def test_missing_quarters_are_named_in_words():
    assert missing_text([]) == ""
    assert missing_text(["Q4 2017"]) == "Q4 2017 has no published report"
    assert (
        missing_text(["Q3 2017", "Q4 2017"])
        == "Q3 2017 and Q4 2017 have no published report"
    )


def test_start_plus_the_years_movements_is_the_end():
    year = plan_years(quarters_from(2017))[0]
    reports = {
        1: report(1, counts(1, 5, 4), counts(0, 4, 6), completed=1),
        2: report(2, counts(3, 4, 3), counts(1, 5, 4), [{"on_hold": {}}], 2),
        3: report(3, counts(5, 3, 2), counts(3, 4, 3)),
        4: report(4, counts(6, 3, 1), counts(5, 3, 2), [{"redated": {}}, {}]),
    }
    figures = build_figures(year, reports)
    by_status = {r["status"]: r for r in figures["statuses"]}
    assert by_status["completed"]["start"] == 0
    assert by_status["completed"]["movements"] == [1, 2, 2, 1]
    assert by_status["completed"]["end"] == 6
    assert by_status["future"]["movement"] == -5
    assert figures["missing"] == []
    assert [c["quarter"] for c in figures["completed"]] == ["Q1", "Q2", "Q2"]
    assert [(c["quarter"], c["kind"]) for c in figures["changes"]] == [
        ("Q2", "on_hold"),
        ("Q4", "redated"),
    ]
    assert reconcile(figures) == []


def test_a_quarter_that_does_not_follow_on_from_the_last_is_a_difference():
    """Q3's report says 4 were completed before it, but Q2's showed 3 (Q2 was
    changed after Q3 was published, say): the year does not add up, and says so."""
    year = plan_years(quarters_from(2017))[0]
    reports = {
        1: report(1, counts(1, 5, 4), counts(0, 4, 6)),
        2: report(2, counts(3, 4, 3), counts(1, 5, 4)),
        3: report(3, counts(5, 3, 2), counts(4, 3, 3)),
        4: report(4, counts(6, 3, 1), counts(5, 3, 2)),
    }
    problems = reconcile(build_figures(year, reports))
    assert (
        "Completed: 0 at the start of the year and +5 in the year make 5, but the "
        "year ends with 6." in problems
    )
    assert (
        "Completed: the moves between priorities add up to +1, not 0: a quarter's "
        "report does not follow on from the one before it." in problems
    )


def test_work_moved_to_another_priority_is_counted_as_moved():
    """A plan variation after Q1 moved one completed deliverable from priority 7 to
    priority 8: Q2's report counts it under 8 at the end of Q1 too."""
    year = plan_years(quarters_from(2017))[0]
    q1 = report(1, counts(1, 0, 0), counts(0, 1, 0))
    q2 = report(2, counts(1, 0, 0), counts(1, 0, 0))
    q2.data["by_priority"] = [
        {
            "id": 7,
            "label": "1",
            "title": "Safe",
            "counts": counts(0, 0, 0),
            "previous_counts": counts(0, 0, 0),
        },
        {
            "id": 8,
            "label": "2",
            "title": "Victims",
            "counts": counts(1, 0, 0),
            "previous_counts": counts(1, 0, 0),
        },
    ]
    figures = build_figures(year, {1: q1, 2: q2})
    moved = {g["id"]: g["moved"]["completed"] for g in figures["by_priority"]}
    assert moved == {7: -1, 8: 1}
    assert figures["regrouped"] is True
    assert reconcile(figures) == []


def test_a_change_counted_but_not_listed_is_a_difference():
    year = plan_years(quarters_from(2017))[0]
    q1 = report(1, counts(1, 5, 4), counts(0, 4, 6), [{"on_hold": {}}])
    q1.data["counts"]["on_hold"] = 2
    problems = reconcile(build_figures(year, {1: q1}))
    assert problems == ["Q1: its report counts 2 put on hold, but 1 are listed."]


def test_a_missing_quarter_between_two_published_is_bridged_and_named():
    year = plan_years(quarters_from(2017))[0]
    reports = {
        1: report(1, counts(1, 5, 4), counts(0, 4, 6)),
        3: report(3, counts(5, 3, 2), counts(3, 4, 3)),
        4: report(4, counts(6, 3, 1), counts(5, 3, 2)),
    }
    figures = build_figures(year, reports)
    assert figures["missing_text"] == "Q2 has no published report"
    completed = figures["statuses"][0]
    assert completed["movements"] == [1, 2, 2, 1]
    assert figures["movement_labels"][1] == {"label": "Q2", "derived": True}
    assert reconcile(figures) == []


def test_missing_quarters_at_the_end_end_the_year_at_the_last_published():
    year = plan_years(quarters_from(2017))[0]
    figures = build_figures(year, {1: report(1, counts(1, 5, 4), counts(0, 4, 6))})
    assert figures["missing_text"] == "Q2, Q3 and Q4 have no published report"
    assert figures["end_quarter"] == "Q1"
    assert figures["statuses"][0]["movements"] == [1, None, None, None]
    assert reconcile(figures) == []


# The demo's year -----------------------------------------------------------------


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    return Plan.objects.get(reference="R.4/2017")


def test_the_demo_year_reconciles(demo):
    year = plan_year(demo, "2017")
    figures = year_figures(demo, year)
    assert reconcile(figures) == []
    published = {
        r.period.label: r
        for r in PublishedReport.objects.filter(plan=demo)
        .latest_versions()
        .select_related("period")
    }
    assert figures["missing"] == [
        q.label for q in year.periods if q.label not in published
    ]
    first, last = (
        published[figures["start_quarter"]],
        published[figures["end_quarter"]],
    )
    for row in figures["statuses"]:
        before = {s["status"]: s.get("previous", 0) for s in first.data["statuses"]}
        after = {s["status"]: s["count"] for s in last.data["statuses"]}
        assert row["start"] == before[row["status"]]
        assert row["end"] == after[row["status"]]
        assert row["start"] + row["movement"] == row["end"]
    for group in figures["by_priority"]:
        for status, start in group["start"].items():
            assert start + group["movement"][status] == group["end"][status]
    # Every change of every published quarter appears once, with its quarter.
    expected = sorted(
        (label, row["id"], kind)
        for label, r in published.items()
        for row in r.every_row
        for kind in row["changes"]
    )
    listed = sorted((c["quarter"], c["id"], c["kind"]) for c in figures["changes"])
    assert listed == expected
    assert len(set(listed)) == len(listed)
    assert figures["changes"], "the demo year has changes to list"


def test_the_demo_year_is_read_from_the_published_reports_not_live_rows(demo):
    year = plan_year(demo, "2017")
    before = year_figures(demo, year)
    Deliverable.objects.filter(plan=demo).update(title="Renamed since")
    after = year_figures(demo, year)
    assert after == before
