"""factory-boy factories for every model, wired so that a default object is valid."""

import datetime

import factory
from django.contrib.auth import get_user_model

from deliverables.models import Deliverable, DeliverableOwner, Milestone, ProgressUpdate
from deliverables.services import Change, record_progress
from plans.models import (
    Indicator,
    IndicatorDefinition,
    IndicatorValue,
    Membership,
    Objective,
    Organisation,
    OrganisationKind,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.services import ensure_quarterly_periods
from scrutiny.models import DecisionNotice


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


def _kind(slug):
    # get_or_create: transactional tests flush the rows the data migration seeded.
    return factory.LazyFunction(
        lambda: OrganisationKind.objects.get_or_create(
            slug=slug, defaults={"name": slug.replace("-", " ").capitalize()}
        )[0]
    )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Police Authority {n}")
    short_name = factory.Sequence(lambda n: f"PA{n}")
    kind = _kind(OrganisationKind.POLICING_BODY)


class ForceFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Constabulary {n}")
    short_name = factory.Sequence(lambda n: f"C{n}")
    kind = _kind(OrganisationKind.FORCE)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.EDITOR


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    owner = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"PLAN-{n}")
    title = factory.Sequence(lambda n: f"Police and Crime Plan {n}")
    starts_on = datetime.date(2017, 1, 1)
    ends_on = datetime.date(2017, 12, 31)
    state = Plan.State.PUBLISHED


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority

    plan = factory.SubFactory(PlanFactory)
    reference = factory.Sequence(lambda n: f"3.{n}")
    title = factory.Sequence(lambda n: f"Priority {n}")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    priority = factory.SubFactory(PriorityFactory)
    plan = factory.SelfAttribute("priority.plan")
    reference = factory.Sequence(lambda n: f"3.1.{n}")
    title = factory.Sequence(lambda n: f"Objective {n}")


class StrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strand

    plan = factory.SubFactory(PlanFactory)
    name = factory.Sequence(lambda n: f"Strand {n}")


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod
        django_get_or_create = ("plan", "starts_on")

    plan = factory.SubFactory(PlanFactory)
    label = "Q1 2017"
    starts_on = datetime.date(2017, 1, 1)
    ends_on = datetime.date(2017, 3, 31)


class DeliverableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deliverable

    objective = factory.SubFactory(ObjectiveFactory)
    plan = factory.SelfAttribute("objective.plan")
    reference = factory.Sequence(lambda n: f"3.1.1.{n}")
    title = factory.Sequence(lambda n: f"Deliverable {n}")
    lead_organisation = factory.SubFactory(ForceFactory)
    baseline_date = "Q2"
    forecast_date = "Q2"


class DeliverableOwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliverableOwner

    deliverable = factory.SubFactory(DeliverableFactory)
    role = factory.Sequence(lambda n: f"Ch. Insp Operations {n}")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    deliverable = factory.SubFactory(DeliverableFactory)
    title = "Milestone date in the plan"
    due_date = "Q2"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"Anti-social behaviour incidents {n}")
    unit = "incidents"
    direction = Indicator.Direction.LOWER_IS_BETTER


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorValue

    indicator = factory.SubFactory(IndicatorFactory)
    period = factory.SubFactory(
        ReportingPeriodFactory, plan=factory.SelfAttribute("..indicator.plan")
    )
    value = 100
    recorded_by = factory.SubFactory(UserFactory)


class DecisionNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionNotice

    plan = factory.SubFactory(PlanFactory)
    decided_by = factory.SelfAttribute("plan.owner")
    reference = factory.Sequence(lambda n: f"DN-{n:03d}")
    title = factory.Sequence(lambda n: f"Decision {n}")
    approved_on = datetime.date(2017, 3, 1)


class IndicatorDefinitionFactory(factory.django.DjangoModelFactory):
    """An organisation's own definition; pass ``owner=None`` for a national one."""

    class Meta:
        model = IndicatorDefinition

    owner = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"own-measure-{n}")
    title = factory.Sequence(lambda n: f"Own measure {n}")
    unit = "incidents"
    direction = "lower"
    source_note = "Force performance system."


#: A plan form's start and end for calendar 2017, as the date inputs post them.
DATES_2017 = {
    "starts_on_0": "1",
    "starts_on_1": "1",
    "starts_on_2": "2017",
    "ends_on_0": "31",
    "ends_on_1": "12",
    "ends_on_2": "2017",
}


def record_update(
    *,
    deliverable,
    by,
    source=ProgressUpdate.Source.BROWSER,
    recorded_at=None,
    api_client=None,
    **fields,
) -> ProgressUpdate:
    """One progress update for a test's set-up, through the one write path
    (``deliverables.services.record_progress``) as every door uses it."""
    (update,) = record_progress(
        changes=[Change(deliverable=deliverable, **fields)],
        by=by,
        source=source,
        recorded_at=recorded_at,
        api_client=api_client,
    )
    return update


# Builders of the tests' world (tests/conftest.py, tests/permission_world.py) --------


def member(organisation, role, username: str, name: str = ""):
    """A person (``username``, called ``name`` if given) holding ``role`` in
    ``organisation``."""
    first, _, last = name.partition(" ")
    names = {"first_name": first, "last_name": last} if name else {}
    return MembershipFactory(
        user=UserFactory(username=username, **names),
        organisation=organisation,
        role=role,
    ).user


def plan_for_year(owner, year: int, **fields) -> Plan:
    """A published plan of ``owner`` running through calendar ``year``, with its four
    quarterly reporting periods."""
    plan = PlanFactory(
        owner=owner,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
        **fields,
    )
    ensure_quarterly_periods(plan=plan)
    return plan
