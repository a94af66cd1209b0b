"""The overview of every plan a reader can see: a page at a time, its figures in a
fixed number of queries however many plans the service holds."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.models import Status
from plans.models import Plan
from plans.services import ensure_quarterly_periods
from scrutiny.dashboards.views import OverviewView
from scrutiny.reports.services import publish_report
from tests.factories import DeliverableFactory, PlanFactory, UserFactory, record_update

pytestmark = pytest.mark.django_db

PAGE = OverviewView.paginate_by


@pytest.fixture
def national_reader():
    """Nadia reads every public plan and belongs to no policing body."""
    return UserFactory(username="nadia")


def add_plans(count, force, start):
    """``count`` public plans, newest first by start, each with two deliverables (one
    late, one completed) and a published report for its first quarter."""
    plans = []
    for n in range(start, start + count):
        plan = PlanFactory(
            reference=f"OV/{n}",
            title=f"Plan {n:03d}",
            is_public=True,
            starts_on=datetime.date(2017, 1, 1) - datetime.timedelta(days=n),
        )
        ensure_quarterly_periods(plan=plan)
        late = DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            baseline_date="Q1",
            forecast_date="Q1",
        )
        done = DeliverableFactory(objective=late.objective, lead_organisation=force)
        editor = UserFactory()
        record_update(
            deliverable=done,
            by=editor,
            narrative="Delivered.",
            status=Status.COMPLETED,
            reason="Done.",
            period=plan.reporting_periods.order_by("starts_on").first(),
        )
        plans.append(plan)
    return plans


def publish_first_quarter(plan):
    from plans.models import Membership
    from tests.factories import MembershipFactory

    editor = MembershipFactory(
        organisation=plan.owner, role=Membership.Role.EDITOR
    ).user
    return publish_report(
        plan=plan,
        period=plan.reporting_periods.order_by("starts_on").first(),
        by=editor,
    )


def read(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def test_the_overview_costs_the_same_queries_for_3_or_40_plans(
    client, national_reader, force
):
    client.force_login(national_reader)
    url = reverse("scrutiny:overview")
    add_plans(3, force, start=0)
    client.get(url)  # warm any per-process caches
    few, few_queries = read(client, url)
    assert len(few.context["rows"]) == 3

    add_plans(37, force, start=3)
    many, many_queries = read(client, url)

    assert many_queries == few_queries
    rows = many.context["rows"]
    assert len(rows) == PAGE
    assert [row["plan"].title for row in rows] == [f"Plan {n:03d}" for n in range(25)]
    assert all((row["total"], row["late"]) == (2, 1) for row in rows)
    shown = many.content.decode()
    assert f"Plans 1 to {PAGE} of 40." in shown
    assert 'class="govuk-pagination"' in shown and "?page=2" in shown

    second, second_queries = read(client, url + "?page=2")
    assert second_queries == few_queries
    assert [row["plan"].title for row in second.context["rows"]] == [
        f"Plan {n:03d}" for n in range(25, 40)
    ]


def test_each_plan_shows_its_own_counts_and_latest_report(
    client, national_reader, force
):
    first, second = add_plans(2, force, start=0)
    report = publish_first_quarter(second)
    client.force_login(national_reader)

    rows = client.get(reverse("scrutiny:overview")).context["rows"]

    by_plan = {row["plan"]: row for row in rows}
    assert by_plan[first]["report"] is None
    assert by_plan[second]["report"] == report
    assert dict(by_plan[second]["counts"]) == {"completed": 1, "future": 1}
    assert by_plan[second]["late"] == 1


def test_signed_out_the_overview_pages_only_plans_with_a_published_report(force):
    plans = add_plans(30, force, start=0)
    for plan in plans[::2]:  # 15 of the 30
        publish_first_quarter(plan)

    response, _ = read(Client(), reverse("scrutiny:overview"))

    rows = response.context["rows"]
    assert [row["plan"] for row in rows] == plans[::2]
    assert response.context["page"].paginator.count == 15
    assert Plan.objects.count() == 30
