"""The "Your tasks" page: a contributor sees what their organisation owes, with
dates, and nothing of anyone else's."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from deliverables.models import Status
from deliverables.services import accept_update, return_update
from tests.factories import (
    DeliverableFactory,
    DeliverableOwnerFactory,
    MilestoneFactory,
    record_update,
)

pytestmark = pytest.mark.django_db

# Q2 2017 ended on 30 June: its updates are due on 14 July and taken until 28 July.
TODAY = datetime.date(2017, 7, 3)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(
        datetime.datetime(2017, 7, 3, 9, tzinfo=datetime.UTC), tick=False
    ):
        yield TODAY


def tasks_page(client, user):
    client.force_login(user)
    response = client.get(reverse("deliverables:tasks"))
    assert response.status_code == 200
    return response.content.decode()


def section(page, heading):
    """The part of the page under ``heading``, up to the next section."""
    start = page.index(heading)
    end = page.find('<h2 class="govuk-heading-m"', start + 1)
    return page[start : end if end != -1 else None]


NEEDS = "Needs an update this period"
RETURNED = "Updates returned to you"
MILESTONES = "Milestones due soon"


@pytest.mark.parametrize(
    ("case", "listed"),
    [
        ("led, no update", True),
        ("shared with the force, no update", True),
        ("led, updated for the period", False),
        ("led, update waiting for review", False),
        ("led, update returned", True),
        ("another organisation's", False),
        ("led, completed", False),
        ("led, will not proceed", False),
    ],
)
def test_needs_an_update_this_period(
    case, listed, client, plan, q2, force, partner, authority, contributor, editor
):
    plan.review_contributor_updates = True
    plan.save()
    lead = partner if case == "another organisation's" else force
    if case.startswith("shared"):
        lead = authority
    deliverable = DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=lead,
        title="Daytime patrols",
        reference="9.9",
    )
    if case.startswith("shared"):
        DeliverableOwnerFactory(deliverable=deliverable, organisation=force)
    if case == "led, updated for the period":
        record_update(
            deliverable=deliverable, by=editor, narrative="On track.", period=q2
        )
    elif case in ("led, update waiting for review", "led, update returned"):
        sent = record_update(
            deliverable=deliverable, by=contributor, narrative="On track.", period=q2
        )
        if case == "led, update returned":
            return_update(update=sent, by=editor, comment="Add figures.")
    elif case == "led, completed":
        record_update(
            deliverable=deliverable,
            by=editor,
            narrative="Done.",
            period=plan.reporting_periods.order_by("starts_on")[0],
            status=Status.COMPLETED,
            reason="Finished.",
        )
    elif case == "led, will not proceed":
        record_update(
            deliverable=deliverable,
            by=editor,
            narrative="Dropped.",
            period=plan.reporting_periods.order_by("starts_on")[0],
            status=Status.WILL_NOT_PROCEED,
            reason="No money.",
        )

    needs = section(tasks_page(client, contributor), NEEDS)

    assert ("9.9 Daytime patrols" in needs) is listed
    if listed:
        assert "Q2" in needs
        assert "14 July 2017" in needs  # the period's due date
        assert reverse("deliverables:record", args=[deliverable.pk]) in needs


@pytest.mark.parametrize(
    ("case", "listed"),
    [
        ("returned", True),
        ("waiting for review", False),
        ("accepted", False),
        ("returned, then recorded again", False),
        ("returned, another organisation's", False),
        ("returned, deliverable closed since", False),
    ],
)
def test_updates_returned(
    case,
    listed,
    client,
    plan,
    q2,
    force,
    partner,
    editor,
    contributor,
    partner_contributor,
):
    plan.review_contributor_updates = True
    plan.save()
    other = case.endswith("another organisation's")
    deliverable = DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=partner if other else force,
        title="Night patrols",
        reference="8.8",
    )
    sent = record_update(
        deliverable=deliverable,
        by=partner_contributor if other else contributor,
        narrative="On track.",
        period=q2,
    )
    if case == "accepted":
        accept_update(update=sent, by=editor)
    elif case != "waiting for review":
        return_update(update=sent, by=editor, comment="Which patrols? Add figures.")
    if case == "returned, then recorded again":
        record_update(
            deliverable=deliverable, by=contributor, narrative="Again.", period=q2
        )
    if case == "returned, deliverable closed since":
        record_update(
            deliverable=deliverable,
            by=editor,
            narrative="Done.",
            period=q2,
            status=Status.COMPLETED,
            reason="Finished.",
        )

    returned = section(tasks_page(client, contributor), RETURNED)

    assert ("8.8 Night patrols" in returned) is listed
    if listed:
        assert "Which patrols? Add figures." in returned
        assert "3 July 2017 by Erin Editor" in returned
        assert "Record progress again" in returned
        assert reverse("deliverables:record", args=[deliverable.pk]) in returned


def test_returned_updates_come_newest_first(
    client, plan, q2, force, editor, contributor
):
    plan.review_contributor_updates = True
    plan.save()
    for reference in ("1.1", "2.2"):
        d = DeliverableFactory(
            objective__priority__plan=plan, lead_organisation=force, reference=reference
        )
        sent = record_update(deliverable=d, by=contributor, narrative="x", period=q2)
        return_update(update=sent, by=editor, comment=f"Redo {reference}")
    returned = section(tasks_page(client, contributor), RETURNED)
    assert returned.index("Redo 2.2") < returned.index("Redo 1.1")


@pytest.mark.parametrize(
    ("due", "completed", "lead", "listed"),
    [
        ("31 August 2017", False, "force", True),
        ("Q3", False, "force", True),
        ("1 June 2017", False, "force", True),  # past its date, not yet met
        ("31 August 2017", True, "force", False),  # met
        ("Q2 2018", False, "force", False),  # not soon
        ("31 August 2017", False, "partner", False),  # another organisation's
    ],
)
def test_milestones_due_soon(
    due, completed, lead, listed, client, plan, force, partner, contributor
):
    deliverable = DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force if lead == "force" else partner,
        reference="7.7",
    )
    MilestoneFactory(
        deliverable=deliverable,
        title="Cameras bought",
        due_date=due,
        completed_on=datetime.date(2017, 6, 1) if completed else None,
    )
    milestones = section(tasks_page(client, contributor), MILESTONES)
    assert ("Cameras bought" in milestones) is listed
    if listed:
        assert due in milestones
    if due == "1 June 2017" and listed:
        assert "Past its date" in milestones


def test_readers_have_no_tasks_page(client, reader):
    client.force_login(reader)
    assert client.get(reverse("deliverables:tasks")).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(reverse("deliverables:tasks"))
    assert response.status_code == 302
    assert "sign-in" in response["Location"]


def test_menu_offers_your_tasks_to_contributors_not_readers(
    client, contributor, reader
):
    client.force_login(contributor)
    assert "Your tasks" in client.get(reverse("accounts:account")).content.decode()
    client.force_login(reader)
    assert "Your tasks" not in client.get(reverse("accounts:account")).content.decode()


def _world(plan, q2, force, editor, contributor, rows):
    plan.review_contributor_updates = True
    plan.save()
    for _ in range(rows):
        d = DeliverableFactory(objective__priority__plan=plan, lead_organisation=force)
        MilestoneFactory(deliverable=d, due_date="Q3")
        returned = DeliverableFactory(
            objective__priority__plan=plan, lead_organisation=force
        )
        sent = record_update(
            deliverable=returned, by=contributor, narrative="x", period=q2
        )
        return_update(update=sent, by=editor, comment="Again.")


def test_query_count_does_not_grow_with_rows(
    client, plan, q2, force, editor, contributor, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(contributor)
    _world(plan, q2, force, editor, contributor, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("deliverables:tasks")).status_code == 200
    _world(plan, q2, force, editor, contributor, 10)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("deliverables:tasks")).content.decode()
    assert page.count("Record progress again") == 11
    assert len(many) == len(few)
