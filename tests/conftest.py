"""Shared fixtures: personas per organisation and role, and a plan with periods."""

import datetime

import pytest
from django.utils import timezone

from plans.models import Membership
from plans.services import ensure_quarterly_periods
from tests.factories import (
    DeliverableFactory,
    ForceFactory,
    MembershipFactory,
    OrganisationFactory,
    PlanFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def test_settings(settings):
    """Fast password hashing (tests need speed, not secrecy), and static files served
    without the manifest so tests do not depend on collectstatic having run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
    }


@pytest.fixture
def authority(db):
    return OrganisationFactory(name="Jersey Police Authority", short_name="JPA")


@pytest.fixture
def force(db):
    return ForceFactory(name="States of Jersey Police", short_name="SOJP")


@pytest.fixture
def editor(authority):
    """Erin edits the authority's plans."""
    return MembershipFactory(
        user=UserFactory(username="erin"),
        organisation=authority,
        role=Membership.Role.EDITOR,
    ).user


@pytest.fixture
def contributor(force):
    """Farah reports progress for the force."""
    return MembershipFactory(
        user=UserFactory(username="farah"),
        organisation=force,
        role=Membership.Role.CONTRIBUTOR,
    ).user


@pytest.fixture
def outsider(db):
    """Olly belongs to another force altogether."""
    return MembershipFactory(
        user=UserFactory(username="olly"),
        organisation=ForceFactory(),
        role=Membership.Role.ADMIN,
    ).user


@pytest.fixture
def plan(authority):
    plan = PlanFactory(
        owner=authority, reference="R.4/2017", title="2017 Policing Plan"
    )
    ensure_quarterly_periods(plan=plan)
    return plan


@pytest.fixture
def deliverable(plan, force):
    return DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force,
        baseline_date="Q2",
        forecast_date="Q2",
    )


@pytest.fixture
def current_plan(authority):
    """A published plan for this calendar year, so "now" falls in one of its periods."""
    year = timezone.localdate().year
    plan = PlanFactory(
        owner=authority,
        reference=f"PP/{year}",
        title=f"{year} Policing Plan",
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
    )
    ensure_quarterly_periods(plan=plan)
    return plan


@pytest.fixture
def led(current_plan, force):
    """A deliverable the force leads."""
    return DeliverableFactory(
        objective__priority__plan=current_plan,
        reference="3.1.1.1.1",
        lead_organisation=force,
        forecast_date="Q4",
        baseline_date="Q4",
    )
