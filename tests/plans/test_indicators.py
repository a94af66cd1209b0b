"""Indicators in the workspace: editors define them, the force whose work the plan
holds enters their values, each checked as a number."""

import pytest
from django.urls import reverse

from plans.models import Indicator, IndicatorValue
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


def test_an_editor_defines_an_indicator_and_enters_values(client, editor, current_plan):
    client.force_login(editor)
    response = client.post(
        reverse("plans:add-indicator", args=[current_plan.pk]),
        {
            "reference": "",
            "title": "Anti-social behaviour incidents",
            "unit": "incidents",
            "direction": "lower",
            "source": "recorded",
            "baseline_value": "1200",
            "baseline_label": "2016",
            "target_value": "",
            "priority": "",
            "position": "1",
        },
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get()
    url = reverse("plans:indicator-values", args=[indicator.pk])
    q1 = current_plan.reporting_periods.order_by("starts_on").first()
    refused = client.post(url, {f"period_{q1.pk}": "lots"})
    assert "Enter a number, such as 412 or 81.5." in refused.content.decode()
    assert not IndicatorValue.objects.exists()
    client.post(url, {f"period_{q1.pk}": "301"})
    value = IndicatorValue.objects.get()
    assert (value.value, value.period, value.recorded_by) == (301, q1, editor)
    page = client.get(
        reverse("plans:indicators", args=[current_plan.pk])
    ).content.decode()
    assert "301" in page and "Anti-social behaviour incidents" in page


def test_a_force_contributor_enters_values_but_cannot_define(
    client, contributor, current_plan, led
):
    indicator = IndicatorFactory(plan=current_plan)
    client.force_login(contributor)
    assert (
        client.get(reverse("plans:add-indicator", args=[current_plan.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("plans:indicator-values", args=[indicator.pk])).status_code
        == 200
    )
