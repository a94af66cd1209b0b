"""The API refuses updates and indicator values for a locked period, naming the
field, and writes nothing."""

import pytest

from deliverables.models import ProgressUpdate
from plans.models import IndicatorValue
from plans.services import lock_period
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

LOCKED = "is locked because its report has been published"


@pytest.fixture
def locked_q1(current_plan, editor):
    q1 = current_plan.reporting_periods.order_by("starts_on").first()
    lock_period(period=q1, by=editor, reason="Report version 1 published.")
    return q1


def test_a_single_update_for_a_locked_period_is_refused(force_api, led, locked_q1):
    body = {"narrative": "On track.", "rag": "green", "period": locked_q1.label}
    response = force_api.post(
        f"/api/v1/deliverables/{led.pk}/updates/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["field"] == "period"
    assert LOCKED in error["message"]
    assert not ProgressUpdate.objects.exists()


def test_a_bulk_update_for_a_locked_period_is_refused(force_api, led, locked_q1):
    body = {
        "updates": [
            {"deliverable": led.pk, "narrative": "Fine.", "period": locked_q1.pk},
            {"deliverable": led.pk, "narrative": "Also fine.", "rag": "amber"},
        ]
    }
    response = force_api.post("/api/v1/progress-updates/bulk/", body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(0, "period")]
    assert LOCKED in errors[0]["message"]
    assert not ProgressUpdate.objects.exists()


def test_an_indicator_value_for_a_locked_period_is_refused(
    editor, current_plan, locked_q1
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(editor)
    indicator = IndicatorFactory(plan=current_plan)
    response = api.post(
        f"/api/v1/indicators/{indicator.pk}/values/",
        {"period": locked_q1.label, "value": "3"},
        format="json",
    )
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "period" and LOCKED in error["message"]
    assert not IndicatorValue.objects.exists()
