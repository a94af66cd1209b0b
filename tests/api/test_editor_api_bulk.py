"""Adding up to 1,000 deliverables in one request, all or nothing
(POST /api/v1/deliverables/bulk/)."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from deliverables.models import Deliverable, DeliverableOwner
from plans.webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from tests.api.conftest import bearer
from tests.factories import ObjectiveFactory, StrandFactory, plan_for_year

pytestmark = pytest.mark.django_db

BULK = "/api/v1/deliverables/bulk/"


@pytest.fixture
def structure_api(issue_client, authority):
    client, _, token = issue_client(authority, ["read", "plans:write"])
    api = bearer(token)
    api.api_client = client
    return api


@pytest.fixture
def objective(current_plan):
    return ObjectiveFactory(priority__plan=current_plan, reference="1.1")


def items(count, objective, lead, **extra):
    return [
        {
            "objective": objective.pk,
            "reference": f"1.1.{n}",
            "title": f"Deliverable {n}",
            "lead_organisation": lead.pk,
            "baseline_date": "Q3",
            "owners": ["Ch. Insp Operations"],
            **extra,
        }
        for n in range(1, count + 1)
    ]


def test_fifty_deliverables_are_added_with_owners_and_strands(
    structure_api, objective, force
):
    strand = StrandFactory(plan=objective.plan)
    response = structure_api.post(
        BULK,
        {
            "plan": objective.plan.pk,
            "deliverables": items(50, objective, force, strands=[strand.pk]),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 50
    assert len(response.json()["deliverables"]) == 50
    added = Deliverable.objects.filter(plan=objective.plan)
    assert added.count() == 50
    assert DeliverableOwner.objects.filter(deliverable__in=added).count() == 50
    assert strand.deliverables.count() == 50
    assert added.get(reference="1.1.7").baseline_date_end is not None
    # Audited and in the history, named as the client, as one-at-a-time saves are.
    events = AuditEvent.objects.filter(
        object_type="deliverables.Deliverable", action="created"
    )
    assert events.count() == 50
    assert set(events.values_list("api_client", flat=True)) == {
        structure_api.api_client.pk
    }
    first = added.get(reference="1.1.1")
    assert first.history.get().history_user == structure_api.api_client.service_user


def test_one_bad_item_of_fifty_adds_nothing_and_is_named(
    structure_api, objective, force, authority
):
    other_plan = plan_for_year(authority, 2019)
    elsewhere = ObjectiveFactory(priority__plan=other_plan)
    sent = items(50, objective, force)
    sent[17]["objective"] = elsewhere.pk
    sent[31]["reference"] = sent[30]["reference"]
    response = structure_api.post(
        BULK, {"plan": objective.plan.pk, "deliverables": sent}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {
        (17, "objective"),
        (31, "reference"),
    }
    assert "none was added" in response.json()["detail"]
    assert not Deliverable.objects.filter(plan=objective.plan).exists()


def test_invalid_items_are_each_named_and_nothing_is_added(
    structure_api, objective, force
):
    sent = items(5, objective, force)
    del sent[2]["title"]
    sent[4]["colour"] = "red"
    response = structure_api.post(
        BULK, {"plan": objective.plan.pk, "deliverables": sent}, format="json"
    )
    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {
        (2, "title"),
        (4, "colour"),
    }
    assert not Deliverable.objects.exists()


def test_a_reference_the_plan_already_uses_is_refused(structure_api, objective, force):
    first = structure_api.post(
        BULK,
        {"plan": objective.plan.pk, "deliverables": items(2, objective, force)},
        format="json",
    )
    assert first.status_code == 201
    again = structure_api.post(
        BULK,
        {"plan": objective.plan.pk, "deliverables": items(3, objective, force)},
        format="json",
    )
    assert again.status_code == 400
    assert {(e["index"], e["field"]) for e in again.json()["errors"]} == {
        (0, "reference"),
        (1, "reference"),
    }
    assert Deliverable.objects.count() == 2


def test_more_than_a_thousand_is_refused_saying_the_limit(
    structure_api, objective, force
):
    response = structure_api.post(
        BULK,
        {"plan": objective.plan.pk, "deliverables": items(1001, objective, force)},
        format="json",
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "deliverables"
    assert "1000" in error["message"]
    assert not Deliverable.objects.exists()


def test_a_retried_bulk_adds_once(structure_api, objective, force):
    body = {"plan": objective.plan.pk, "deliverables": items(3, objective, force)}
    first = structure_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    again = structure_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Deliverable.objects.count() == 3
    changed = {**body, "deliverables": items(4, objective, force)}
    other = structure_api.post(BULK, changed, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert other.status_code == 422
    assert Deliverable.objects.count() == 3


def test_bulk_needs_the_plans_write_scope(issue_client, authority, objective, force):
    _, _, token = issue_client(authority, ["read", "updates:write"])
    response = bearer(token).post(
        BULK,
        {"plan": objective.plan.pk, "deliverables": items(2, objective, force)},
        format="json",
    )
    assert response.status_code == 403
    assert not Deliverable.objects.exists()


def test_bulk_to_another_organisations_plan_is_refused(issue_client, objective, force):
    from tests.factories import OrganisationFactory

    _, _, token = issue_client(OrganisationFactory(), ["read", "plans:write"])
    response = bearer(token).post(
        BULK,
        {"plan": objective.plan.pk, "deliverables": items(2, objective, force)},
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"plan"}
    assert not Deliverable.objects.exists()


@pytest.mark.parametrize("count", [10, 100])
def test_bulk_queries_do_not_grow_with_the_items(
    structure_api, objective, force, count, django_assert_max_num_queries
):
    strand = StrandFactory(plan=objective.plan)
    body = {
        "plan": objective.plan.pk,
        "deliverables": items(count, objective, force, strands=[strand.pk]),
    }
    # The same ceiling for 10 and for 100 deliverables (one of them asks whether
    # anyone listens for deliverable.created, one reads the plan's variations for
    # the period states, one lists the organisations the body works with).
    with django_assert_max_num_queries(42):
        response = structure_api.post(BULK, body, format="json")
    assert response.status_code == 201, response.content
    assert Deliverable.objects.count() == count


def test_reverse_url_is_the_documented_one():
    assert reverse("deliverable-bulk") == BULK


def test_a_bulk_add_tells_subscribers_each_deliverable_created_in_one_go(
    structure_api, objective, force, authority
):
    WebhookEndpoint.objects.create(
        organisation=authority,
        url="https://hooks.example.org/tracker",
        events=[Event.DELIVERABLE_CREATED],
    )
    response = structure_api.post(
        BULK,
        {"plan": objective.plan.pk, "deliverables": items(20, objective, force)},
        format="json",
    )

    assert response.status_code == 201, response.content
    sent = WebhookDelivery.objects.filter(
        message__event_type=Event.DELIVERABLE_CREATED
    ).select_related("message")
    references = sorted(
        d.message.payload["data"]["deliverable"]["reference"] for d in sent
    )
    assert references == sorted(f"1.1.{n}" for n in range(1, 21))
    assert all(
        d.message.payload["data"]["deliverable"]["url"].endswith(
            f"/api/v1/deliverables/{d.message.payload['data']['deliverable']['id']}/"
        )
        for d in sent
    )
