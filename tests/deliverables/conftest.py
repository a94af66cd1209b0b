"""Fixtures shared by the deliverables tests: a plan for this year, so that today falls
in one of its open periods, and a deliverable the force leads in it."""

import datetime

import pytest
from django.utils import timezone

from deliverables.models import Status
from plans.services import ensure_quarterly_periods
from tests.factories import DeliverableFactory, PlanFactory


@pytest.fixture
def this_year(authority):
    year = timezone.localdate().year
    plan = PlanFactory(
        owner=authority,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
        title="This year's plan",
    )
    ensure_quarterly_periods(plan=plan)
    return plan


@pytest.fixture
def work(this_year, force):
    return DeliverableFactory(
        objective__priority__plan=this_year,
        lead_organisation=force,
        title="Daytime patrol strategy",
        status=Status.IN_PROGRESS,
        forecast_date="Q4",
        baseline_date="Q4",
    )
