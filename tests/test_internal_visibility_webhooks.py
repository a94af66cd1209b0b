"""Webhooks follow the one rule for what is internal (deliverables/visibility.py): on
a PUBLIC plan, whose events every organisation may hear, an update waiting for
review and a returned one are told only to the plan's owner and the organisation
that recorded it; an accepted update (or one that needed no review) to everyone who
may see the plan, as before."""

import pytest

from deliverables.services import accept_update, return_update
from plans.webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from tests.factories import DeliverableOwnerFactory, ForceFactory, record_update

pytestmark = pytest.mark.django_db


def endpoint_of(organisation):
    return WebhookEndpoint.objects.create(
        organisation=organisation,
        url=f"https://{organisation.pk}.hooks.example.org/",
        events=list(Event.values),
    )


@pytest.fixture
def public(plan, deliverable, partner):
    """The 2017 plan made public, its contributors' updates reviewed; its
    deliverable led by the force and co-owned by the partner."""
    plan.is_public = True
    plan.review_contributor_updates = True
    plan.save()
    DeliverableOwnerFactory(
        deliverable=deliverable, role="Parish liaison", organisation=partner
    )
    return plan


@pytest.fixture
def endpoints(authority, force, partner):
    """The owner, the force (the lead), the partner (a co-owner) and a force with
    no part in the plan, each listening to everything."""
    return {
        "owner": endpoint_of(authority),
        "force": endpoint_of(force),
        "partner": endpoint_of(partner),
        "neither": endpoint_of(ForceFactory()),
    }


def told(endpoints, event_type) -> list[str]:
    names = {e.pk: name for name, e in endpoints.items()}
    sent = WebhookDelivery.objects.filter(message__event_type=event_type)
    return sorted(names[d.endpoint_id] for d in sent)


@pytest.mark.parametrize(
    "recorder, told_of_it",
    [
        ("contributor", ["force", "owner"]),
        ("partner_contributor", ["owner", "partner"]),
    ],
)
def test_an_update_waiting_for_review_is_told_to_the_owner_and_its_recorder(
    public, deliverable, endpoints, q2, recorder, told_of_it, request
):
    update = record_update(
        deliverable=deliverable,
        by=request.getfixturevalue(recorder),
        narrative="Patrols doubled.",
        period=q2,
    )

    assert update.requires_review
    assert told(endpoints, Event.UPDATE_RECORDED) == told_of_it


def test_a_returned_update_is_told_to_the_owner_and_its_recorder_alone(
    public, deliverable, endpoints, contributor, editor, q2
):
    update = record_update(
        deliverable=deliverable, by=contributor, narrative="Done.", period=q2
    )
    WebhookDelivery.objects.all().delete()

    return_update(update=update, by=editor, comment="Which posts?")

    assert told(endpoints, Event.UPDATE_RETURNED) == ["force", "owner"]


def test_an_accepted_update_is_told_to_everyone_who_sees_the_public_plan(
    public, deliverable, endpoints, contributor, editor, q2
):
    update = record_update(
        deliverable=deliverable, by=contributor, narrative="Done.", period=q2
    )

    accept_update(update=update, by=editor)

    assert told(endpoints, Event.UPDATE_ACCEPTED) == [
        "force",
        "neither",
        "owner",
        "partner",
    ]


def test_an_update_that_needs_no_review_is_told_as_before(
    public, deliverable, endpoints, editor, q2
):
    update = record_update(
        deliverable=deliverable, by=editor, narrative="Done.", period=q2
    )

    assert not update.requires_review
    assert told(endpoints, Event.UPDATE_RECORDED) == [
        "force",
        "neither",
        "owner",
        "partner",
    ]
