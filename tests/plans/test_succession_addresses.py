"""The old body's addresses after its transfer (docs/succession.md): a page asked
about it redirects to the same page for its successor; the API's filters for its id
still find what moved, so a force's integration keeps working unchanged."""

import datetime

import pytest
from django.urls import reverse

from plans.succession.services import transfer_body
from tests.api.conftest import session_client
from tests.factories import ForceFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2020, 4, 1)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def merged(root, force):
    """The force, merged into a new one."""
    successor = ForceFactory(name="Channel Islands Police", short_name="CIP")
    transfer_body(from_body=force, to_body=successor, takes_effect_on=ON, by=root)
    return successor


def test_the_deliverables_list_for_the_old_force_redirects(
    client, editor, led, force, merged
):
    client.force_login(editor)
    url = reverse("deliverables:list")
    old = client.get(url, {"lead_organisation": force.pk, "status": "in_progress"})
    assert old.status_code == 302
    assert old.url == f"{url}?lead_organisation={merged.pk}&status=in_progress"
    page = client.get(old.url)
    assert page.status_code == 200
    assert "Daytime patrol strategy" in page.content.decode()


def test_a_body_never_succeeded_is_not_redirected(client, editor, led, force):
    client.force_login(editor)
    page = client.get(reverse("deliverables:list"), {"lead_organisation": force.pk})
    assert page.status_code == 200


def test_the_api_filters_for_the_old_body_find_what_moved(
    root, editor, authority, plan, current_plan, led, force, merged
):
    board = OrganisationFactory(name="Jersey Policing Board", short_name="JPB")
    transfer_body(from_body=authority, to_body=board, takes_effect_on=ON, by=root)
    api = session_client(editor)
    plans = api.get("/api/v1/plans/", {"owner": authority.pk}).json()["results"]
    assert {p["id"] for p in plans} == {plan.pk, current_plan.pk}
    # Plans keep their addresses: their ids do not change.
    assert api.get(f"/api/v1/plans/{plan.pk}/").status_code == 200
    led_by = api.get("/api/v1/deliverables/", {"lead_organisation": force.pk}).json()
    assert [d["id"] for d in led_by["results"]] == [led.pk]
