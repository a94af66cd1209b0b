"""Reading through the API: filters (each proved by a count), ordering, sync paging."""

import datetime

import pytest
from django.utils import timezone

from deliverables.models import Deliverable
from tests.api.conftest import session_client
from tests.factories import DeliverableFactory, ForceFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(current_plan, force):
    """Deliverables across two priorities, statuses, RAGs, dates and leads."""
    first = ObjectiveFactory(
        priority__plan=current_plan, priority__reference="3.1", reference="3.1.1"
    )
    nested = ObjectiveFactory(
        priority__plan=current_plan,
        priority__reference="3.1.2",
        priority__parent=first.priority,
        reference="3.1.2.1",
    )
    second = ObjectiveFactory(
        priority__plan=current_plan, priority__reference="3.2", reference="3.2.1"
    )
    year = current_plan.starts_on.year
    other = ForceFactory(name="Guernsey Police")
    rows = [
        (first, "in_progress", "green", "Q1", force),
        (first, "completed", "green", "Q1", force),
        (nested, "in_progress", "red", "Q2", force),
        (second, "future", "", "Q4", force),
        (second, "in_progress", "amber", "TBA", other),
    ]
    made = []
    for n, (objective, status, rag, due, lead) in enumerate(rows):
        made.append(
            DeliverableFactory(
                objective=objective,
                reference=f"D{n}",
                status=status,
                rag=rag,
                forecast_date=f"{due} {year}" if due != "TBA" else due,
                baseline_date="TBA",
                lead_organisation=lead,
            )
        )
    return made


def count(client, **params):
    response = client.get("/api/v1/deliverables/", params)
    assert response.status_code == 200, response.content
    return len(response.json()["results"])


@pytest.fixture
def editor_api(personas):
    return session_client(personas["editor"])


def test_filters_each_narrow_the_list(editor_api, spread, current_plan, force):
    year = current_plan.starts_on.year
    first_priority = spread[0].objective.priority
    assert count(editor_api) == 5
    assert count(editor_api, plan=current_plan.pk) == 5
    assert count(editor_api, plan=current_plan.pk + 1000) == 0
    assert count(editor_api, plan_reference=current_plan.reference) == 5
    assert count(editor_api, priority=first_priority.pk) == 3  # includes nested 3.1.2
    assert count(editor_api, priority_reference="3.2") == 2
    assert count(editor_api, status="in_progress") == 3
    assert count(editor_api, status=["in_progress", "future"]) == 4
    assert count(editor_api, rag="green") == 2
    assert count(editor_api, lead_organisation=force.pk) == 4
    assert count(editor_api, lead_organisation_name="Guernsey Police") == 1
    assert count(editor_api, late_as_of=f"{year}-07-01") == 2  # Q1 and Q2, still open
    assert count(editor_api, late_as_of=f"{year}-04-01") == 1


def test_updated_since_returns_only_what_changed(editor_api, spread):
    cutoff = timezone.now()
    Deliverable.objects.filter(pk=spread[0].pk).update(
        updated_at=cutoff + datetime.timedelta(seconds=5)
    )
    assert count(editor_api, updated_since=cutoff.isoformat()) == 1


def test_a_bad_filter_value_is_a_400_naming_it(editor_api, spread):
    response = editor_api.get("/api/v1/deliverables/", {"late_as_of": "someday"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "late_as_of"


def test_ordering(editor_api, spread):
    refs = [
        d["reference"]
        for d in editor_api.get(
            "/api/v1/deliverables/", {"ordering": "-reference"}
        ).json()["results"]
    ]
    assert refs == ["D4", "D3", "D2", "D1", "D0"]


def test_a_cursor_walks_every_row_once(editor_api, spread):
    seen, url = [], "/api/v1/deliverables/?page_size=2"
    while url:
        page = editor_api.get(url).json()
        seen += [row["reference"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == ["D0", "D1", "D2", "D3", "D4"]


def test_a_deliverable_shows_owners_dates_and_milestones(editor_api, spread):
    body = editor_api.get(f"/api/v1/deliverables/{spread[4].pk}/").json()
    assert body["forecast_date"] == {"text": "TBA", "start": None, "end": None}
    assert body["status"] == "in_progress"
    assert body["priority"] == spread[4].objective.priority_id
    assert {"owners", "milestones", "expected_benefits", "etag"} <= set(body)


def test_every_resource_lists_for_a_signed_in_editor(editor_api, spread):
    for resource in (
        "organisations",
        "plans",
        "priorities",
        "objectives",
        "deliverables",
        "milestones",
        "progress-updates",
        "indicators",
        "decision-notices",
        "reports",
        "scrutiny-actions",
    ):
        response = editor_api.get(f"/api/v1/{resource}/")
        assert response.status_code == 200, resource
        assert "results" in response.json()


def test_late_and_needs_update_agree_with_their_dated_forms(editor_api, spread):
    today = timezone.localdate().isoformat()
    assert count(editor_api, late="true") == count(editor_api, late_as_of=today)
    assert count(editor_api, late="true") + count(editor_api, late="false") == 5
    # Nothing has an update yet, so every open deliverable needs one.
    assert count(editor_api, needs_update="true") == 4
    assert count(editor_api, needs_update="false") == 1
    assert editor_api.get("/api/v1/deliverables/", {"late": "maybe"}).status_code == 400


def test_owner_and_text_filters(editor_api, spread):
    from tests.factories import DeliverableOwnerFactory

    DeliverableOwnerFactory(deliverable=spread[0], role="Ch. Insp Operations")
    assert count(editor_api, owner="insp oper") == 1
    assert count(editor_api, q=spread[3].title.split()[-1]) == 1


def test_a_path_with_a_newline_is_a_problem_json_404(editor_api):
    response = editor_api.get("/api/v1/plans/%0A1/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
