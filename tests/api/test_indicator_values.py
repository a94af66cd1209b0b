"""A force's system pushing indicator figures: a value, or withheld with the reason,
each with an optional data-quality note; refusals name the field."""

import pytest

from plans.models import IndicatorValue
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asb(current_plan):
    return IndicatorFactory(plan=current_plan, title="ASB incidents")


@pytest.fixture
def q1(current_plan):
    return current_plan.reporting_periods.order_by("starts_on").first()


def url(indicator):
    return f"/api/v1/indicators/{indicator.pk}/values/"


def problems(response):
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_force_withholds_a_figure_with_the_reason_and_a_quality_note(
    force_api, led, asb, q1
):
    response = force_api.post(
        url(asb),
        {
            "period": q1.label,
            "withheld_reason": "Too few incidents to publish",
            "quality_note": "Provisional: excludes March",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value"] is None
    assert body["withheld_reason"] == "Too few incidents to publish"
    assert body["quality_note"] == "Provisional: excludes March"
    stored = IndicatorValue.objects.get()
    assert (stored.value, stored.withheld_reason, stored.note) == (
        None,
        "Too few incidents to publish",
        "Provisional: excludes March",
    )
    shown = force_api.get(f"/api/v1/indicators/{asb.pk}/").json()["values"]
    assert shown[0]["withheld_reason"] == "Too few incidents to publish"


def test_a_figure_without_a_value_needs_a_reason(force_api, led, asb, q1):
    response = force_api.post(
        url(asb), {"period": q1.label, "value": None}, format="json"
    )
    assert response.status_code == 400
    assert problems(response) == {"withheld_reason": "Say why the figure is withheld"}
    assert not IndicatorValue.objects.exists()


def test_a_figure_cannot_have_both_a_value_and_a_reason(force_api, led, asb, q1):
    response = force_api.post(
        url(asb),
        {"period": q1.label, "value": "12", "withheld_reason": "Unreliable"},
        format="json",
    )
    assert response.status_code == 400
    assert problems(response) == {"value": "Leave the figure blank when it is withheld"}
    assert not IndicatorValue.objects.exists()


def test_a_value_replaces_a_withheld_figure(force_api, led, asb, q1):
    force_api.post(
        url(asb), {"period": q1.label, "withheld_reason": "Unreliable"}, format="json"
    )
    response = force_api.post(
        url(asb), {"period": q1.label, "value": "40"}, format="json"
    )
    assert response.status_code == 201
    stored = IndicatorValue.objects.get()
    assert (stored.value, stored.withheld_reason) == (40, "")


def test_the_note_is_taken_by_its_earlier_name_but_not_twice_over(
    force_api, led, asb, q1
):
    response = force_api.post(
        url(asb),
        {"period": q1.label, "value": "12", "note": "Estimate"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["quality_note"] == "Estimate"
    clash = force_api.post(
        url(asb),
        {"period": q1.label, "value": "12", "note": "A", "quality_note": "B"},
        format="json",
    )
    assert clash.status_code == 400
    assert set(problems(clash)) == {"quality_note"}
    assert IndicatorValue.objects.get().note == "Estimate"
