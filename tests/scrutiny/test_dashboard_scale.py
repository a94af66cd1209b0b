"""The dashboard costs the same at any plan size: the same queries, and a page of the
same weight, for a plan of 100 deliverables and one of 2,000.

The plans are written in bulk (as a national load or the benchmark writes them) and
their period states worked out once, as ``manage.py rebuild_period_states`` does."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables import states
from deliverables.models import Deliverable, ProgressUpdate, Rag, Status
from scrutiny.dashboards.figures import SHOWN, build_dashboard, dashboard_rows
from tests.factories import (
    ObjectiveFactory,
    PriorityFactory,
    StrandFactory,
    plan_for_year,
)

Q1 = ("Q1", datetime.date(2017, 1, 1), datetime.date(2017, 3, 31))
Q3 = ("Q3", datetime.date(2017, 7, 1), datetime.date(2017, 9, 30))


def grow(authority, force, editor, size: int, reference: str):
    """A 2017 plan of ``size`` deliverables in two priorities and two strands (and
    some in none), each of the first three quarters with an update for most."""
    plan = plan_for_year(authority, 2017, reference=reference, title=reference)
    periods = list(plan.reporting_periods.order_by("starts_on"))
    objectives = [
        ObjectiveFactory(priority=PriorityFactory(plan=plan, reference=str(n)))
        for n in (1, 2)
    ]
    strands = [StrandFactory(plan=plan, name=name) for name in ("Victims", "Roads")]
    with states.batch():
        rows = Deliverable.objects.bulk_create(
            Deliverable(
                plan=plan,
                objective=objectives[i % 2],
                reference=f"{reference}-{i:05d}",
                title=f"Deliverable {i} of {reference}",
                lead_organisation=force,
                status=Status.FUTURE,
                baseline_date=Q1[0] if i % 3 else Q3[0],
                baseline_date_start=Q1[1] if i % 3 else Q3[1],
                baseline_date_end=Q1[2] if i % 3 else Q3[2],
                position=i,
            )
            for i in range(size)
        )
        through = Deliverable.strands.through
        through.objects.bulk_create(
            through(deliverable_id=d.pk, strand_id=strands[i % 2].pk)
            for i, d in enumerate(rows)
            if i % 5
        )
        updates = []
        for i, d in enumerate(rows):
            was = Status.FUTURE
            for q, period in enumerate(periods[:3]):
                if (i + q) % 4 == 0:
                    continue
                now = [Status.IN_PROGRESS, Status.COMPLETED, Status.ON_HOLD][
                    (i + q) % 3
                ]
                updates.append(
                    ProgressUpdate(
                        deliverable=d,
                        period=period,
                        recorded_by=editor,
                        status=now,
                        previous_status=was,
                        rag=[Rag.GREEN, Rag.AMBER, Rag.RED][i % 3],
                        percent_complete=(i * 7) % 101 if i % 2 else None,
                        narrative=f"Quarter {q + 1} of {d.reference}.",
                        reason="" if now == was else "Moved on.",
                    )
                )
                was = now
        ProgressUpdate.objects.bulk_create(updates)
    states.refresh_plans([plan.pk])
    return plan, periods


@pytest.fixture
def small_and_large(authority, force, editor):
    return (
        grow(authority, force, editor, 100, "SMALL"),
        grow(authority, force, editor, 2000, "LARGE"),
    )


def queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_the_figures_cost_the_same_queries_at_any_size(small_and_large):
    (small, small_periods), (large, large_periods) = small_and_large
    small_q3, large_q3 = small_periods[2], large_periods[2]
    assert queries(lambda: build_dashboard(small, small_q3)) == queries(
        lambda: build_dashboard(large, large_q3)
    )
    data = build_dashboard(large, large_q3)
    assert data["total"] == 2000
    # Every list is capped, and its count says how many there are in all.
    assert data["counts"]["completed"] > SHOWN
    assert len(data["completed"]) == SHOWN
    assert len(data["exceptions"]["rows"]) == SHOWN
    assert data["exceptions"]["total"] > SHOWN
    assert len(data["changes"]["on_hold"]) == SHOWN
    assert "deliverables" not in data  # every row is read only where needed


def test_the_counts_agree_with_every_row(small_and_large):
    (_small, _periods), (large, periods) = small_and_large
    q3 = periods[2]
    data = build_dashboard(large, q3)
    rows = dashboard_rows(large, q3)
    assert len(rows) == data["total"]
    assert data["counts"]["late"] == sum(1 for r in rows if r["late"])
    assert data["counts"]["completed"] == sum(1 for r in rows if r["completed"])
    assert data["counts"]["on_hold"] == sum(1 for r in rows if r["change"] == "on_hold")
    by_status = {s["status"]: s["count"] for s in data["statuses"]}
    for status, count in by_status.items():
        assert count == sum(1 for r in rows if r["status"] == status)
    no_strand = next(g for g in data["by_strand"] if g["id"] == "none")
    assert no_strand["total"] == sum(1 for r in rows if not r["strand_ids"])
    worst = data["exceptions"]["rows"]
    # Late and red first, in the plan's order.
    assert all(r["late"] and r["rag"] == "red" for r in worst)
    assert [r["reference"] for r in worst] == sorted(r["reference"] for r in worst)


def test_the_page_weighs_the_same_at_any_size(client, editor, small_and_large):
    (small, small_periods), (large, large_periods) = small_and_large
    client.force_login(editor)
    pages = {}
    counted = {}
    for plan, periods in ((small, small_periods), (large, large_periods)):
        url = reverse("scrutiny:dashboard-period", args=[plan.pk, periods[2].pk])
        client.get(url)  # the session and anything cached, once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        pages[plan.reference] = response.content.decode()
        counted[plan.reference] = len(captured)
    assert counted["SMALL"] == counted["LARGE"]
    assert len(pages["LARGE"]) < 1.2 * len(pages["SMALL"])
    large_page = pages["LARGE"]
    assert "2,000 deliverables in the plan" in large_page  # as a reader writes it
    assert re.search(r"The first 10 of \d+ are shown", large_page)
    assert 'href="deliverables/?completed=true"' in large_page
    assert 'href="deliverables/?change=on_hold"' in large_page


def test_see_all_leads_to_every_row(client, editor, small_and_large):
    (_small, _periods), (large, periods) = small_and_large
    q3 = periods[2]
    client.force_login(editor)
    data = build_dashboard(large, q3)
    page = client.get(
        reverse("scrutiny:drill-down", args=[large.pk, q3.pk]), {"completed": "true"}
    ).content.decode()
    assert f"Completed in {q3.label}" in page
    assert page.count('class="govuk-table__row"') >= data["counts"]["completed"]


def test_a_scoped_reader_and_a_whole_plan_reader_count_alike(small_and_large):
    """The figures of a reader who sees the whole plan are counted from the states
    alone; a scoped reader's go through the deliverables. Both ways agree."""
    (_small, _periods), (large, periods) = small_and_large
    q3 = periods[2]
    whole = build_dashboard(large, q3, Deliverable.objects.all())
    scoped = build_dashboard(large, q3, Deliverable.objects.filter(plan=large))
    for key in ("statuses", "by_priority", "by_strand", "rag", "counts", "summary"):
        assert whole[key] == scoped[key], key
    assert whole["needs_update"] == scoped["needs_update"]
    assert whole["exceptions"] == scoped["exceptions"]
