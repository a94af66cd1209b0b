"""Forces pushing progress through the API: writes, retries, conflicts and errors."""

import datetime

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from core.api.throttling import PerClientThrottle
from deliverables.models import Deliverable, ProgressUpdate, Status
from deliverables.services import accept_update, return_update
from plans.models import IndicatorValue
from plans.services import revoke_api_client
from tests.api.conftest import bearer, fetch_token
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

AMBER = {"narrative": "Recruitment behind plan.", "rag": "amber"}


def updates_url(deliverable):
    return f"/api/v1/deliverables/{deliverable.pk}/updates/"


def problems(response):
    assert response["Content-Type"] == "application/problem+json"
    return {
        (e.get("index"), e["field"]): e["message"] for e in response.json()["errors"]
    }


# Recording ----------------------------------------------------------------------


def test_force_client_records_progress_and_the_deliverable_follows(force_api, led):
    response = force_api.post(
        updates_url(led),
        {
            "status": "in_progress",
            "percent_complete": 25,
            "forecast_date": "Q4",
            "narrative": "Patrol plan agreed.",
            "reason": "Work started.",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["forecast_date"]["text"] == "Q4"
    assert body["api_client"] == "Performance system"
    assert body["source"] == "api"
    assert body["review_state"] == "accepted"
    led.refresh_from_db()
    assert (led.status, led.percent_complete) == (Status.IN_PROGRESS, 25)
    update = ProgressUpdate.objects.get()
    assert update.api_client.name == "Performance system"
    assert update.recorded_by.api_client == update.api_client
    assert response["ETag"] == led.etag


def test_the_same_update_can_be_sent_with_the_deliverable_id(force_api, led):
    response = force_api.post(
        "/api/v1/progress-updates/", {**AMBER, "deliverable": led.pk}
    )
    assert response.status_code == 201
    led.refresh_from_db()
    assert led.rag == "amber"


def test_a_period_can_be_named_by_its_label(force_api, led, current_plan):
    label = current_plan.reporting_periods.first().label
    response = force_api.post(updates_url(led), {**AMBER, "period": label})
    assert response.status_code == 201
    assert response.json()["period"]["label"] == label


# If-Match --------------------------------------------------------------------------


def test_reading_a_deliverable_gives_its_etag_and_honours_if_none_match(force_api, led):
    first = force_api.get(f"/api/v1/deliverables/{led.pk}/")
    assert first.status_code == 200
    etag = first["ETag"]
    assert first.json()["etag"] == etag
    again = force_api.get(f"/api/v1/deliverables/{led.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_a_stale_if_match_gets_412_and_changes_nothing(force_api, led):
    etag = force_api.get(f"/api/v1/deliverables/{led.pk}/")["ETag"]
    assert (
        force_api.post(updates_url(led), AMBER, HTTP_IF_MATCH=etag).status_code == 201
    )
    stale = force_api.post(
        updates_url(led),
        {"narrative": "Back on track.", "rag": "green"},
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert problems(stale)[(None, None)].startswith("The resource has changed")
    led.refresh_from_db()
    assert led.rag == "amber"
    assert ProgressUpdate.objects.count() == 1


def test_a_current_if_match_is_accepted(force_api, led):
    etag = force_api.get(f"/api/v1/deliverables/{led.pk}/")["ETag"]
    response = force_api.post(updates_url(led), AMBER, HTTP_IF_MATCH=etag)
    assert response.status_code == 201
    assert response["ETag"] != etag


# Idempotency -----------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_first_response(force_api, led):
    first = force_api.post(updates_url(led), AMBER, HTTP_IDEMPOTENCY_KEY="q3-return-1")
    retry = force_api.post(updates_url(led), AMBER, HTTP_IDEMPOTENCY_KEY="q3-return-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["ETag"] == first["ETag"]  # the first answer's headers come back too
    assert ProgressUpdate.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(force_api, led):
    force_api.post(updates_url(led), AMBER, HTTP_IDEMPOTENCY_KEY="k-1")
    other = force_api.post(
        updates_url(led),
        {"narrative": "Different", "rag": "red"},
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert ProgressUpdate.objects.count() == 1


def test_keys_belong_to_their_client(force_api, issue_client, partner, owned, led):
    _, _, token = issue_client(partner)
    force_api.post(updates_url(led), AMBER, HTTP_IDEMPOTENCY_KEY="shared")
    partner_response = bearer(token).post(
        updates_url(owned), AMBER, HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert partner_response.status_code == 201
    assert ProgressUpdate.objects.count() == 2


def test_bulk_requests_are_idempotent_too(force_api, led):
    body = {"updates": [{**AMBER, "deliverable": led.pk}]}
    force_api.post("/api/v1/progress-updates/bulk/", body, HTTP_IDEMPOTENCY_KEY="b-1")
    retry = force_api.post(
        "/api/v1/progress-updates/bulk/", body, HTTP_IDEMPOTENCY_KEY="b-1"
    )
    assert retry.status_code == 201
    assert ProgressUpdate.objects.count() == 1


# Bulk ------------------------------------------------------------------------------


def test_bulk_records_every_update_in_one_request(force_api, current_plan, force):
    from tests.factories import DeliverableFactory

    many = DeliverableFactory.create_batch(
        12, objective__priority__plan=current_plan, lead_organisation=force
    )
    body = {"updates": [{**AMBER, "deliverable": d.pk} for d in many]}
    response = force_api.post("/api/v1/progress-updates/bulk/", body)
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 12
    assert ProgressUpdate.objects.count() == 12
    assert set(Deliverable.objects.values_list("rag", flat=True)) == {"amber"}


def test_bulk_is_all_or_nothing_and_names_every_bad_item(force_api, led, owned):
    body = {
        "updates": [
            {**AMBER, "deliverable": led.pk},  # 0 fine
            {**AMBER, "deliverable": led.pk, "status": "started"},  # 1
            {
                **AMBER,
                "deliverable": led.pk,
                "forecast_date": "next spring",
                "reason": "Slipped.",
            },  # 2
            {**AMBER, "deliverable": owned.pk},  # 3 not theirs
            {"deliverable": led.pk, "rag": "green", "colour": "blue"},  # 4
            {**AMBER, "deliverable": led.pk, "status": "completed"},  # 5 no reason
        ]
    }
    response = force_api.post("/api/v1/progress-updates/bulk/", body)
    assert response.status_code == 400
    found = problems(response)
    assert set(found) == {
        (1, "status"),
        (2, "forecast_date"),
        (3, "deliverable"),
        (4, "colour"),
        (4, "narrative"),
        (5, "reason"),
    }
    assert "is not a date we recognise" in found[(2, "forecast_date")]
    assert found[(4, "colour")] == "This field is not recognised."
    assert (
        response.json()["detail"]
        == "5 of 6 updates were refused, so none was recorded."
    )
    assert not ProgressUpdate.objects.exists()
    led.refresh_from_db()
    assert led.rag == ""


def test_bulk_takes_at_most_a_thousand_updates(force_api, led):
    body = {"updates": [{**AMBER, "deliverable": led.pk}] * 1001}
    response = force_api.post("/api/v1/progress-updates/bulk/", body)
    assert response.status_code == 400
    assert (None, "updates") in problems(response)
    assert not ProgressUpdate.objects.exists()


# Errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"rag": "amber"}, "narrative", "required"),
        ({**AMBER, "percent_complete": "lots"}, "percent_complete", "valid integer"),
        ({**AMBER, "percent_complete": 140}, "percent_complete", "less than or equal"),
        ({**AMBER, "status": "started"}, "status", "not a valid choice"),
        (
            {**AMBER, "forecast_date": "soonish", "reason": "x"},
            "forecast_date",
            "is not a date we recognise",
        ),
        ({**AMBER, "narrative": "x" * 10_001}, "narrative", "no more than 10000"),
        ({**AMBER, "mood": "cheerful"}, "mood", "not recognised"),
        ({**AMBER, "status": "completed"}, "reason", "Give a reason"),
        ({**AMBER, "status": "merged", "reason": "x"}, "merged_into", "merged into"),
        ({**AMBER, "period": "Q9 1999"}, "period", "no reporting period"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(force_api, led, body, field, fragment):
    response = force_api.post(updates_url(led), body)
    assert response.status_code == 400
    found = problems(response)
    assert (None, field) in found, found
    assert fragment in found[(None, field)]
    assert not ProgressUpdate.objects.exists()


def test_malformed_json_is_a_problem_too(force_api, led):
    response = force_api.post(
        updates_url(led), '{"narrative": "oops",', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not ProgressUpdate.objects.exists()


def test_an_unknown_deliverable_is_404(force_api):
    assert (
        force_api.post(updates_url(Deliverable(pk=999_999)), AMBER).status_code == 404
    )


# Access: tokens, scopes, throttling --------------------------------------------------


def test_client_secret_is_stored_hashed(issue_client, force):
    client, secret, _ = issue_client(force)
    stored = Application.objects.get(pk=client.application_id).client_secret
    assert secret not in stored
    assert check_password(secret, stored)


def test_an_expired_token_is_refused(issue_client, force, led):
    _, _, token = issue_client(force)
    AccessToken.objects.filter(token_checksum__isnull=False).update(
        expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = bearer(token).get("/api/v1/deliverables/")
    assert response.status_code == 401


def test_a_revoked_client_is_refused_at_once(issue_client, force, led):
    client, secret, token = issue_client(force)
    revoke_api_client(client=client, by=client.created_by)
    assert bearer(token).get("/api/v1/deliverables/").status_code == 401
    assert bearer(token).post(updates_url(led), AMBER).status_code == 401
    assert fetch_token(client.application_id or "gone", secret).status_code == 401
    assert not ProgressUpdate.objects.exists()


def test_deactivating_a_clients_account_refuses_its_tokens_at_once(
    issue_client, force, led
):
    client, secret, token = issue_client(force)
    client.service_user.is_active = False
    client.service_user.save()
    assert bearer(token).get("/api/v1/deliverables/").status_code == 401
    assert bearer(token).post(updates_url(led), AMBER).status_code == 401
    assert fetch_token(client.application.client_id, secret).status_code != 200
    assert not ProgressUpdate.objects.exists()


def test_a_client_cannot_ask_for_scopes_it_was_not_given(issue_client, force):
    client, secret, _ = issue_client(force, scopes=["read"], name="Reader")
    response = fetch_token(client.application.client_id, secret, "read updates:write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_clients_are_throttled_with_retry_after(force_api, monkeypatch, led):
    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", {"client": "3/minute"})
    statuses = [force_api.get("/api/v1/deliverables/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = force_api.get("/api/v1/deliverables/")
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["title"] == "Too many requests"


# Review ----------------------------------------------------------------------------


def test_updates_from_a_force_can_wait_for_review(force_api, led, current_plan, editor):
    current_plan.review_contributor_updates = True
    current_plan.save()
    response = force_api.post(updates_url(led), AMBER)
    assert response.json()["review_state"] == "submitted"
    led.refresh_from_db()
    assert led.rag == ""

    accept_update(update=ProgressUpdate.objects.get(), by=editor)
    led.refresh_from_db()
    assert led.rag == "amber"
    listed = force_api.get(updates_url(led)).json()
    assert listed[0]["review_state"] == "accepted"


def test_a_returned_update_shows_why(force_api, led, current_plan, editor):
    current_plan.review_contributor_updates = True
    current_plan.save()
    force_api.post(updates_url(led), AMBER)
    return_update(
        update=ProgressUpdate.objects.get(),
        by=editor,
        comment="Say which posts are unfilled.",
    )
    body = force_api.get(updates_url(led)).json()[0]
    assert body["review_state"] == "returned"
    assert body["review_comment"] == "Say which posts are unfilled."
    led.refresh_from_db()
    assert led.rag == ""


# Indicator values --------------------------------------------------------------------


def test_an_indicator_value_is_recorded_for_a_period(force_api, led, current_plan):
    indicator = IndicatorFactory(plan=current_plan, title="ASB incidents")
    period = current_plan.reporting_periods.first()
    url = f"/api/v1/indicators/{indicator.pk}/values/"
    response = force_api.post(url, {"period": period.label, "value": "412"})
    assert response.status_code == 201, response.content
    corrected = force_api.post(
        url,
        {"period": str(period.pk), "value": "410", "note": "Late crime returns added."},
    )
    assert corrected.status_code == 201
    value = IndicatorValue.objects.get()
    assert (value.value, value.note) == (410, "Late crime returns added.")
    assert value.history.count() == 2


def test_an_unknown_period_is_named(force_api, led, current_plan):
    indicator = IndicatorFactory(plan=current_plan)
    response = force_api.post(
        f"/api/v1/indicators/{indicator.pk}/values/", {"period": "Q5", "value": "1"}
    )
    assert response.status_code == 400
    assert "no reporting period" in problems(response)[(None, "period")]
