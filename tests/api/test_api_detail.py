"""The API's finer points: a deliverable with its updates in one request, who the
caller is, the updates' review filters, unknown query parameters, writes to a draft
plan, and every error (a bad token, malformed, deep or huge bodies) as a problem."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliverables.models import ProgressUpdate
from deliverables.services import accept_update, return_update
from plans.models import Plan
from tests.api.conftest import bearer, session_client
from tests.factories import DeliverableFactory, plan_for_year, record_update

pytestmark = pytest.mark.django_db

API = "/api/v1"
PROBLEM = "application/problem+json"


def problems(response):
    """The answer's problems as {field: message}, checking it is problem details."""
    assert response["Content-Type"] == PROBLEM, response.content[:300]
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status_code
    return {e["field"]: e["message"] for e in body["errors"]}


def updates_on(deliverable, by, count, start=None):
    start = start or timezone.now() - datetime.timedelta(days=count + 1)
    return [
        record_update(
            deliverable=deliverable,
            by=by,
            narrative=f"Update {n}",
            recorded_at=start + datetime.timedelta(days=n),
        )
        for n in range(count)
    ]


# ?expand=updates ------------------------------------------------------------------


def test_a_deliverable_carries_its_updates_newest_first_when_expanded(
    force_api, led, editor
):
    first, second = updates_on(led, editor, 2)
    plain = force_api.get(f"{API}/deliverables/{led.pk}/")
    assert plain.status_code == 200
    assert "updates" not in plain.json()

    response = force_api.get(f"{API}/deliverables/{led.pk}/?expand=updates")
    assert response.status_code == 200
    body = response.json()
    assert [u["id"] for u in body["updates"]] == [second.pk, first.pk]
    assert body["updates"][0]["narrative"] == "Update 1"
    # The same updates, in the same shape, as the deliverable's own list of them.
    listed = force_api.get(f"{API}/deliverables/{led.pk}/updates/").json()
    assert body["updates"] == listed


def test_a_list_of_deliverables_expands_too(force_api, led, editor):
    (update,) = updates_on(led, editor, 1)
    response = force_api.get(f"{API}/deliverables/?expand=updates")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert [u["id"] for u in row["updates"]] == [update.pk]
    plain = force_api.get(f"{API}/deliverables/").json()["results"][0]
    assert "updates" not in plain


def test_expanding_something_unknown_is_refused_naming_expand(force_api, led):
    response = force_api.get(f"{API}/deliverables/{led.pk}/?expand=milestones")
    assert response.status_code == 400
    assert "milestones" in problems(response)["expand"]


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_expanded_updates_cost_the_same_queries_whatever_their_number(
    force_api, current_plan, force, editor
):
    few = DeliverableFactory(
        objective__priority__plan=current_plan, lead_organisation=force
    )
    many = DeliverableFactory(objective=few.objective, lead_organisation=force)
    updates_on(few, editor, 3)
    updates_on(many, editor, 30)
    few_queries = _queries(force_api, f"{API}/deliverables/{few.pk}/?expand=updates")
    many_queries = _queries(force_api, f"{API}/deliverables/{many.pk}/?expand=updates")
    assert few_queries == many_queries


def test_an_expanded_list_costs_the_same_queries_for_3_or_30_deliverables(
    force_api, current_plan, force, editor
):
    objective = DeliverableFactory(
        objective__priority__plan=current_plan, lead_organisation=force
    ).objective
    for _ in range(2):
        updates_on(
            DeliverableFactory(objective=objective, lead_organisation=force), editor, 2
        )
    url = f"{API}/deliverables/?expand=updates"
    few_queries = _queries(force_api, url)
    for _ in range(27):
        updates_on(
            DeliverableFactory(objective=objective, lead_organisation=force), editor, 2
        )
    assert len(force_api.get(url).json()["results"]) == 30
    assert _queries(force_api, url) == few_queries


# /api/v1/me/ ----------------------------------------------------------------------


def test_a_client_asks_who_it_is(issue_client, force):
    _, _, token = issue_client(force, scopes=["read"], name="SOJP performance system")
    response = bearer(token).get(f"{API}/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "client"
    assert body["name"] == "SOJP performance system"
    assert body["organisation"] == {
        "id": force.pk,
        "name": "States of Jersey Police",
        "short_name": "SOJP",
        "role": "contributor",
    }
    assert body["organisations"] == [body["organisation"]]
    assert body["scopes"] == ["read"]
    assert body["rate_limit"] == {
        "rate": "1200/minute",
        "requests": 1200,
        "period_seconds": 60,
    }


def test_a_person_signed_in_sees_their_organisations_and_no_scopes(editor, authority):
    body = session_client(editor).get(f"{API}/me/").json()
    assert body["kind"] == "person"
    assert body["name"] == "Erin Editor"
    assert body["organisation"] is None
    assert body["organisations"] == [
        {
            "id": authority.pk,
            "name": "Jersey Police Authority",
            "short_name": "JPA",
            "role": "editor",
        }
    ]
    assert body["scopes"] is None


def test_nobody_signed_in_is_asked_to_authenticate(db):
    response = session_client(None).get(f"{API}/me/")
    assert response.status_code == 401
    assert problems(response)


# Updates: review_state and changed_since ------------------------------------------


@pytest.fixture
def reviewed(current_plan, led, contributor, editor):
    """Three updates by the force's contributor on a plan whose editors review them:
    one waiting, one accepted and one returned, all recorded ten days ago; the
    return decided just now."""
    Plan.objects.filter(pk=current_plan.pk).update(review_contributor_updates=True)
    led.plan.refresh_from_db()
    long_ago = timezone.now() - datetime.timedelta(days=10)
    waiting, accepted, returned = updates_on(led, contributor, 3, start=long_ago)
    accept_update(update=accepted, by=editor)
    return_update(update=returned, by=editor, comment="Say which posts are filled.")
    return {"submitted": waiting, "accepted": accepted, "returned": returned}


@pytest.mark.parametrize("state", ["submitted", "accepted", "returned"])
def test_updates_filter_by_review_state(force_api, reviewed, state):
    response = force_api.get(f"{API}/progress-updates/?review_state={state}")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [u["id"] for u in rows] == [reviewed[state].pk]
    assert rows[0]["review_state"] == state


def test_review_state_repeats_for_several(force_api, reviewed):
    response = force_api.get(
        f"{API}/progress-updates/?review_state=submitted&review_state=returned"
    )
    ids = {u["id"] for u in response.json()["results"]}
    assert ids == {reviewed["submitted"].pk, reviewed["returned"].pk}


def test_a_review_state_that_is_not_one_is_refused(force_api, reviewed):
    response = force_api.get(f"{API}/progress-updates/?review_state=rejected")
    assert response.status_code == 400
    assert "review_state" in problems(response)


def test_changed_since_finds_updates_reviewed_since_though_recorded_before(
    force_api, reviewed, led, contributor
):
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    fresh = record_update(deliverable=led, by=contributor, narrative="New this week")
    response = force_api.get(f"{API}/progress-updates/", {"changed_since": since})
    assert response.status_code == 200
    ids = {u["id"] for u in response.json()["results"]}
    # Accepted and returned just now (recorded ten days ago), and the new one; not
    # the one still waiting, which nothing has touched since.
    assert ids == {reviewed["accepted"].pk, reviewed["returned"].pk, fresh.pk}
    # updated_since keeps its documented meaning: when the update was recorded.
    older = force_api.get(f"{API}/progress-updates/", {"updated_since": since})
    assert {u["id"] for u in older.json()["results"]} == {fresh.pk}


def test_changed_since_takes_a_moment_only(force_api, reviewed):
    response = force_api.get(f"{API}/progress-updates/?changed_since=last+week")
    assert response.status_code == 400
    assert "changed_since" in problems(response)


# Unknown query parameters ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/deliverables/?statuss=in_progress",
        "/deliverables/{led}/?page_size=10",
        "/deliverables/{led}/updates/?review_state=returned",
        "/progress-updates/?review_sate=returned",
        "/plans/?colour=blue",
        "/reports/?plan_id=1",
        "/me/?verbose=true",
    ],
)
def test_an_unknown_query_parameter_is_refused_naming_it(force_api, led, url):
    response = force_api.get(API + url.format(led=led.pk))
    assert response.status_code == 400
    name = url.split("?")[1].split("=")[0]
    found = problems(response)
    assert set(found) == {name}
    assert "not a query parameter" in found[name]


def test_every_unknown_parameter_is_named_at_once(force_api, led):
    response = force_api.get(f"{API}/deliverables/?one=1&two=2&status=in_progress")
    assert set(problems(response)) == {"one", "two"}


def test_the_documented_parameters_are_all_taken(force_api, led):
    response = force_api.get(
        f"{API}/deliverables/",
        {
            "status": "in_progress",
            "ordering": "-updated_at",
            "page_size": 10,
            "format": "json",
            "expand": "updates",
            "updated_since": "2017-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 200, response.content
    assert [d["id"] for d in response.json()["results"]] == [led.pk]


def test_commentary_refuses_unknown_parameters_too(force_api, current_plan):
    period = current_plan.reporting_periods.first()
    url = f"{API}/plans/{current_plan.pk}/periods/{period.pk}/commentary/?lang=cy"
    response = session_client(None).get(url)
    assert response.status_code == 401  # who asks comes first
    response = force_api.get(url)
    assert set(problems(response)) == {"lang"}


# Writes to a draft plan -----------------------------------------------------------


@pytest.fixture
def draft_work(authority, force):
    """A draft plan of the authority's, with a deliverable it leads and one the force
    leads."""
    draft = plan_for_year(
        authority,
        timezone.localdate().year,
        reference="DRAFT/1",
        title="Next plan",
        state=Plan.State.DRAFT,
    )
    own = DeliverableFactory(
        objective__priority__plan=draft, lead_organisation=authority
    )
    forces = DeliverableFactory(objective=own.objective, lead_organisation=force)
    return own, forces


@pytest.fixture
def authority_api(issue_client, authority):
    _, _, token = issue_client(authority, name="JPA system")
    return bearer(token)


def test_a_write_to_a_draft_plan_one_may_read_is_a_409_saying_so(
    authority_api, draft_work
):
    own, _ = draft_work
    assert authority_api.get(f"{API}/deliverables/{own.pk}/").status_code == 200
    response = authority_api.post(
        f"{API}/deliverables/{own.pk}/updates/", {"narrative": "Started."}
    )
    assert response.status_code == 409
    assert "DRAFT/1 is a draft" in problems(response)[None]
    assert response.json()["errors"][0]["code"] == "draft"
    response = authority_api.post(
        f"{API}/progress-updates/", {"deliverable": own.pk, "narrative": "Started."}
    )
    assert response.status_code == 409
    assert not ProgressUpdate.objects.exists()


def test_a_bulk_write_to_a_draft_plan_is_a_409_naming_each_item(
    authority_api, draft_work
):
    own, forces = draft_work
    items = [{"deliverable": d.pk, "narrative": "Started."} for d in (own, forces)]
    response = authority_api.post(f"{API}/progress-updates/bulk/", {"updates": items})
    assert response.status_code == 409
    errors = response.json()["errors"]
    assert [(e["index"], e["field"], e["code"]) for e in errors] == [
        (0, "deliverable", "draft"),
        (1, "deliverable", "draft"),
    ]
    assert not ProgressUpdate.objects.exists()


def test_a_bulk_write_with_other_problems_stays_a_400(authority_api, draft_work):
    own, _ = draft_work
    items = [{"deliverable": own.pk, "narrative": "Started."}, {"narrative": "x"}]
    response = authority_api.post(f"{API}/progress-updates/bulk/", {"updates": items})
    assert response.status_code == 400
    assert {e["code"] for e in response.json()["errors"]} == {"draft", "invalid"}


def test_a_draft_plan_one_may_not_see_is_still_a_404(force_api, draft_work):
    _, forces = draft_work
    # The force leads it, but a draft is its owners' alone: the force cannot read
    # it, so is told nothing about it.
    assert force_api.get(f"{API}/deliverables/{forces.pk}/").status_code == 404
    response = force_api.post(
        f"{API}/deliverables/{forces.pk}/updates/", {"narrative": "Started."}
    )
    assert response.status_code == 404
    assert problems(response)


# Every error as problem details ---------------------------------------------------


def test_a_bad_token_is_told_its_token_is_not_valid(db):
    response = bearer("not-a-token").get(f"{API}/deliverables/")
    assert response.status_code == 401
    message = problems(response)[None]
    assert "access token is not valid" in message
    assert "not provided" not in message
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_token_at_all_is_told_to_send_one(db):
    response = session_client(None).get(f"{API}/deliverables/")
    assert response.status_code == 401
    assert "not provided" in problems(response)[None]


def _post(client, url, body: bytes):
    return client.generic("POST", url, body, content_type="application/json")


def test_malformed_json_is_a_problem(force_api, led):
    response = _post(force_api, f"{API}/deliverables/{led.pk}/updates/", b'{"narr')
    assert response.status_code == 400
    assert "JSON parse error" in problems(response)[None]


def test_json_nested_10000_levels_deep_is_a_400_problem(force_api, led):
    body = b"[" * 10_000 + b"]" * 10_000
    response = _post(force_api, f"{API}/progress-updates/bulk/", body)
    assert response.status_code == 400
    assert "levels deep" in problems(response)[None]


def test_json_nested_past_the_limit_but_parseable_is_refused_too(force_api, led):
    # 40 levels: Python reads it, the API refuses it.
    deep = ("[" * 40 + "]" * 40).encode()
    response = _post(force_api, f"{API}/progress-updates/bulk/", deep)
    assert response.status_code == 400
    assert "levels deep" in problems(response)[None]


def test_a_50_mb_body_is_a_413_problem(force_api, led):
    body = b'{"narrative": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    response = _post(force_api, f"{API}/deliverables/{led.pk}/updates/", body)
    assert response.status_code == 413
    assert "larger than" in problems(response)[None]
    assert not ProgressUpdate.objects.exists()


def test_a_body_just_over_the_limit_is_a_413_and_one_under_is_read(
    force_api, led, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    url = f"{API}/deliverables/{led.pk}/updates/"
    under = json.dumps({"narrative": "x" * 100}).encode()
    assert _post(force_api, url, under).status_code == 201
    over = json.dumps({"narrative": "x" * 200}).encode()
    assert _post(force_api, url, over).status_code == 413


def test_100000_bulk_items_are_refused_naming_updates(force_api, led):
    body = json.dumps({"updates": [{}] * 100_000}).encode()
    response = _post(force_api, f"{API}/progress-updates/bulk/", body)
    assert response.status_code == 400
    assert "1000" in problems(response)["updates"]


def test_a_method_the_address_does_not_take_is_a_405_whatever_the_parameters(
    force_api, led
):
    response = force_api.delete(f"{API}/deliverables/?colour=blue")
    assert response.status_code == 405
    assert problems(response)


@pytest.mark.parametrize(
    "moment",
    [
        "0850-06-13T11:42:49-19:21",
        "2017-06-13T11:42:49+15:00",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
    ],
)
@pytest.mark.parametrize("name", ["changed_since", "updated_since"])
def test_a_moment_in_any_zone_or_year_is_read_in_utc(force_api, name, moment):
    response = force_api.get("/api/v1/progress-updates/", {name: moment})
    assert response.status_code == 200, response.content
