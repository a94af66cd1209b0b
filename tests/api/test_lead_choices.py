"""The deliverables API names as lead only an organisation the plan's body works
with (``plans.selectors.works_with``); any other is refused, naming the field."""

import pytest

from deliverables.models import Deliverable
from plans.selectors import NOT_WORKED_WITH
from tests.api.conftest import bearer
from tests.factories import DeliverableFactory, ForceFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def test_the_api_refuses_a_lead_the_body_does_not_work_with(
    issue_client, authority, plan
):
    _, _, token = issue_client(authority, ["read", "plans:write"])
    objective = ObjectiveFactory(priority__plan=plan)
    api = bearer(token)
    before = Deliverable.objects.count()
    body = {
        "plan": plan.pk,
        "deliverables": [
            {
                "objective": objective.pk,
                "reference": "9.9.9",
                "title": "New work",
                "lead_organisation": ForceFactory(name="Faraway Force").pk,
                "baseline_date": "Q3",
            }
        ],
    }
    response = api.post("/api/v1/deliverables/bulk/", body, format="json")
    assert response.status_code == 400, response.content
    assert "lead_organisation" in response.content.decode()
    assert NOT_WORKED_WITH in response.content.decode()
    assert Deliverable.objects.count() == before


def test_a_change_to_a_lead_the_body_does_not_work_with_is_refused(
    issue_client, authority, plan
):
    _, _, token = issue_client(authority, ["read", "plans:write"])
    lead = ForceFactory(name="Lead Force")
    led = DeliverableFactory(objective__priority__plan=plan, lead_organisation=lead)
    api = bearer(token)
    stranger = ForceFactory(name="Faraway Force")
    response = api.patch(
        f"/api/v1/deliverables/{led.pk}/",
        {"lead_organisation": stranger.pk},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert NOT_WORKED_WITH in response.content.decode()
    led.refresh_from_db()
    assert led.lead_organisation == lead
    # Once the authority lists it as a partner, it may lead.
    authority.partners.add(stranger)
    response = api.patch(
        f"/api/v1/deliverables/{led.pk}/",
        {"lead_organisation": stranger.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    led.refresh_from_db()
    assert led.lead_organisation == stranger
