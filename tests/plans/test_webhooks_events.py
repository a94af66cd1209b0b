"""Each event is emitted by the action that causes it, and only to the organisations
that may see the plan it concerns."""

import datetime

import pytest
import time_machine

from deliverables.services import (
    accept_update,
    merge_deliverables,
    return_update,
    save_deliverable,
    split_deliverable,
)
from plans.models import Plan
from plans.services import lock_period, reopen_period
from plans.webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from plans.webhooks.periods import announce_periods
from scrutiny.reports.services import publish_report
from tests.factories import DeliverableFactory, ForceFactory, record_update

pytestmark = pytest.mark.django_db


def endpoint_of(organisation, events=tuple(Event.values)):
    return WebhookEndpoint.objects.create(
        organisation=organisation,
        url=f"https://{organisation.pk}.hooks.example.org/",
        events=list(events),
    )


@pytest.fixture
def endpoints(authority, force, partner):
    """An endpoint hearing everything for the plan's owner, the force that leads its
    deliverable, a partner with no part in it, and another force."""
    return {
        "owner": endpoint_of(authority),
        "lead": endpoint_of(force),
        "partner": endpoint_of(partner),
        "outsider": endpoint_of(ForceFactory()),
    }


@pytest.fixture
def in_may_2017():
    """A day in the plan's second quarter, for writes that go to today's period."""
    with time_machine.travel(datetime.datetime(2017, 5, 10, 10, tzinfo=datetime.UTC)):
        yield


def told(endpoints, event_type):
    """Which endpoints were sent ``event_type``, by name, and the payloads' data."""
    names = {e.pk: name for name, e in endpoints.items()}
    sent = WebhookDelivery.objects.filter(message__event_type=event_type)
    return (
        sorted(names[d.endpoint_id] for d in sent),
        [d.message.payload["data"] for d in sent.select_related("message")],
    )


def test_an_update_recorded_goes_to_the_owner_and_the_lead_only(
    endpoints, deliverable, contributor, q2
):
    update = record_update(
        deliverable=deliverable, by=contributor, narrative="Patrols doubled.", period=q2
    )

    who, (data, _) = told(endpoints, Event.UPDATE_RECORDED)
    assert who == ["lead", "owner"]
    assert data["update"]["id"] == update.pk
    assert data["update"]["url"].endswith(f"/api/v1/progress-updates/{update.pk}/")
    assert data["deliverable"]["reference"] == deliverable.reference
    assert data["period"]["label"] == q2.label
    assert data["plan"]["reference"] == deliverable.plan.reference
    assert "narrative" not in data["update"]  # text may be redacted later


def test_one_message_per_event_however_many_endpoints(
    endpoints, deliverable, editor, q2
):
    record_update(deliverable=deliverable, by=editor, narrative="On track.", period=q2)
    sent = WebhookDelivery.objects.filter(message__event_type=Event.UPDATE_RECORDED)
    assert sent.count() == 2
    assert len({d.message_id for d in sent}) == 1


def test_a_returned_and_an_accepted_update_are_told(
    endpoints, plan, deliverable, contributor, editor, q2
):
    plan.review_contributor_updates = True
    plan.save()
    first = record_update(
        deliverable=deliverable, by=contributor, narrative="Done.", period=q2
    )
    second = record_update(
        deliverable=deliverable, by=contributor, narrative="Done now.", period=q2
    )

    return_update(update=first, by=editor, comment="Which posts?")
    accept_update(update=second, by=editor)

    who, (returned, _) = told(endpoints, Event.UPDATE_RETURNED)
    assert who == ["lead", "owner"]
    assert returned["update"]["id"] == first.pk
    assert returned["review"]["decision"] == "returned"
    who, (accepted, _) = told(endpoints, Event.UPDATE_ACCEPTED)
    assert who == ["lead", "owner"]
    assert accepted["update"]["id"] == second.pk


def test_locking_reopening_and_publishing_are_told(
    endpoints, plan, deliverable, editor
):
    q1 = plan.reporting_periods.order_by("starts_on").first()

    publish_report(plan=plan, period=q1, by=editor)
    reopen_period(period=q1, by=editor, reason="A late return.")
    lock_period(period=q1, by=editor, reason="Done.")

    who, (published, _) = told(endpoints, Event.REPORT_PUBLISHED)
    assert who == ["lead", "owner"]
    assert published["report"]["version"] == 1
    assert published["period"]["id"] == q1.pk
    assert told(endpoints, Event.PERIOD_LOCKED)[0] == ["lead", "lead", "owner", "owner"]
    who, (opened, _) = told(endpoints, Event.PERIOD_OPENED)
    assert who == ["lead", "owner"]
    assert opened["period"]["locked"] is False


def test_deliverables_created_changed_merged_and_split_are_told(
    endpoints, plan, deliverable, editor, force, in_may_2017
):
    new = DeliverableFactory.build(
        objective=deliverable.objective, plan=plan, lead_organisation=force
    )
    save_deliverable(deliverable=new, by=editor)
    new.title = "Daytime patrols"
    save_deliverable(deliverable=new, by=editor)
    merge_deliverables(
        umbrella=deliverable, merged=[new], reason="One team.", by=editor
    )
    parts = split_deliverable(
        deliverable=deliverable,
        titles=["North", "South"],
        reason="Two areas.",
        by=editor,
    )

    who, (created, _) = told(endpoints, Event.DELIVERABLE_CREATED)
    assert who == ["lead", "owner"]
    assert created["deliverable"]["id"] == new.pk
    who, (changed, _) = told(endpoints, Event.DELIVERABLE_CHANGED)
    assert changed["deliverable"]["title"] == "Daytime patrols"
    who, (merged, _) = told(endpoints, Event.DELIVERABLE_MERGED)
    assert who == ["lead", "owner"]
    assert merged["deliverable"]["id"] == deliverable.pk
    assert [m["id"] for m in merged["merged"]] == [new.pk]
    assert merged["merged"][0]["status"] == "merged"
    who, (split, _) = told(endpoints, Event.DELIVERABLE_SPLIT)
    assert who == ["lead", "owner"]
    assert sorted(p["id"] for p in split["parts"]) == sorted(p.pk for p in parts)


def test_a_draft_plans_events_go_to_its_owner_only(
    endpoints, plan, deliverable, editor
):
    Plan.objects.filter(pk=plan.pk).update(state=Plan.State.DRAFT, is_public=True)
    deliverable.refresh_from_db()

    deliverable.title = "Renamed in draft"
    save_deliverable(deliverable=deliverable, by=editor)

    assert told(endpoints, Event.DELIVERABLE_CHANGED)[0] == ["owner"]


def test_a_public_plans_events_go_to_every_organisation(
    endpoints, plan, deliverable, editor
):
    Plan.objects.filter(pk=plan.pk).update(is_public=True)
    deliverable.refresh_from_db()

    save_deliverable(deliverable=deliverable, by=editor)

    who, _ = told(endpoints, Event.DELIVERABLE_CHANGED)
    assert who == ["lead", "outsider", "owner", "partner"]


def test_an_endpoint_hears_only_what_it_subscribed_to_and_only_while_enabled(
    authority, deliverable, editor
):
    locks = endpoint_of(authority, events=[Event.PERIOD_LOCKED])
    endpoints = {"locks": locks}

    save_deliverable(deliverable=deliverable, by=editor)
    assert told(endpoints, Event.DELIVERABLE_CHANGED)[0] == []

    WebhookEndpoint.objects.filter(pk=locks.pk).update(
        enabled=False, disabled_at="2017-01-01T00:00Z"
    )
    lock_period(
        period=deliverable.plan.reporting_periods.first(), by=editor, reason="Done."
    )
    assert told(endpoints, Event.PERIOD_LOCKED)[0] == []


def test_imports_are_not_told(endpoints, deliverable, editor, q2):
    from deliverables.models import ProgressUpdate

    record_update(
        deliverable=deliverable,
        by=editor,
        narrative="From the spreadsheet.",
        period=q2,
        source=ProgressUpdate.Source.IMPORT,
    )
    assert not WebhookDelivery.objects.exists()


def test_periods_opening_and_closing_soon_are_told_once_each(
    endpoints, plan, deliverable
):
    q1, q2 = plan.reporting_periods.order_by("starts_on")[:2]
    assert q1.closes_on - q2.opens_on > datetime.timedelta(days=7)

    assert announce_periods(day=q2.opens_on) > 0
    assert announce_periods(day=q2.opens_on) == 0  # once only

    who, data = told(endpoints, Event.PERIOD_OPENED)
    # Q1 is still in its grace period when Q2 opens.
    assert who == ["lead", "lead", "owner", "owner"]
    assert {d["period"]["id"] for d in data} == {q1.pk, q2.pk}
    assert told(endpoints, Event.PERIOD_CLOSING_SOON)[0] == []

    announce_periods(day=q1.closes_on - datetime.timedelta(days=7))
    announce_periods(day=q1.closes_on - datetime.timedelta(days=3))
    who, (closing, _) = told(endpoints, Event.PERIOD_CLOSING_SOON)
    assert who == ["lead", "owner"]
    assert closing["period"]["id"] == q1.pk
    assert closing["period"]["closes_on"] == q1.closes_on.isoformat()


def test_emitting_costs_one_query_when_nobody_listens(
    deliverable, editor, django_assert_num_queries
):
    from plans.webhooks.services import emit

    with django_assert_num_queries(1):
        emit(Event.DELIVERABLE_CHANGED, plan=deliverable.plan, data={})


def test_emitting_many_costs_the_same_queries_as_one(
    endpoints, deliverable, django_assert_num_queries
):
    from plans.webhooks.services import emit_many

    data = {"deliverable": {"id": deliverable.pk}}
    with django_assert_num_queries(4):  # endpoints, who sees, messages, deliveries
        emit_many(Event.DELIVERABLE_CHANGED, plan=deliverable.plan, items=[data])
    with django_assert_num_queries(4):
        emit_many(Event.DELIVERABLE_CHANGED, plan=deliverable.plan, items=[data] * 50)
    assert WebhookDelivery.objects.count() == 51 * 2


def test_nothing_is_recorded_or_sent_when_the_action_is_rolled_back(
    endpoints, deliverable, editor, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as queued:
        with pytest.raises(RuntimeError), transaction.atomic():
            save_deliverable(deliverable=deliverable, by=editor)
            raise RuntimeError("the rest of the request failed")

    assert queued == []
    assert not WebhookDelivery.objects.exists()
