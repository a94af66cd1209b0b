"""Decision notices and indicators in the workspace."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import Indicator, IndicatorValue
from plans.services import ensure_quarterly_periods
from scrutiny.models import DecisionNotice
from tests.factories import DeliverableFactory, IndicatorFactory, PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(authority, force):
    year = timezone.localdate().year
    plan = PlanFactory(
        owner=authority,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
    )
    ensure_quarterly_periods(plan=plan)
    DeliverableFactory(
        objective__priority__plan=plan, lead_organisation=force, reference="3.1.1"
    )
    return plan


def notice_data(plan, **extra):
    year = plan.starts_on.year
    return {
        "reference": "DN-001",
        "title": "Fund ANPR cameras",
        "summary": "",
        "approved_on_0": "10",
        "approved_on_1": "2",
        "approved_on_2": str(year),
        "url": "",
        "deliverables": [plan.deliverables.get().pk],
    } | extra


def test_an_editor_records_a_decision_notice_and_lists_it_by_period(
    client, editor, plan
):
    client.force_login(editor)
    url = reverse("scrutiny:add-decision", args=[plan.pk])
    refused = client.post(url, notice_data(plan, approved_on_0="31", approved_on_1="2"))
    assert "Enter a real date." in refused.content.decode()
    assert not DecisionNotice.objects.exists()
    assert client.post(url, notice_data(plan)).status_code == 302
    notice = DecisionNotice.objects.get()
    assert notice.decided_by == plan.owner
    assert list(notice.deliverables.values_list("reference", flat=True)) == ["3.1.1"]
    duplicate = client.post(url, notice_data(plan))
    assert "already has this reference" in duplicate.content.decode()
    q1, q2 = plan.reporting_periods.order_by("starts_on")[:2]
    listing = reverse("scrutiny:decisions", args=[plan.pk])
    assert (
        "Fund ANPR cameras" in client.get(listing, {"period": q1.pk}).content.decode()
    )
    assert (
        "Fund ANPR cameras"
        not in client.get(listing, {"period": q2.pk}).content.decode()
    )


def test_contributors_cannot_record_decisions(client, contributor, plan):
    client.force_login(contributor)
    url = reverse("scrutiny:add-decision", args=[plan.pk])
    assert client.post(url, notice_data(plan)).status_code == 404
    assert not DecisionNotice.objects.exists()


def test_an_editor_defines_an_indicator_and_enters_values(client, editor, plan):
    client.force_login(editor)
    response = client.post(
        reverse("plans:add-indicator", args=[plan.pk]),
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
    q1 = plan.reporting_periods.order_by("starts_on").first()
    refused = client.post(url, {f"period_{q1.pk}": "lots"})
    assert "Enter a number, such as 412 or 81.5." in refused.content.decode()
    assert not IndicatorValue.objects.exists()
    client.post(url, {f"period_{q1.pk}": "301"})
    value = IndicatorValue.objects.get()
    assert (value.value, value.period, value.recorded_by) == (301, q1, editor)
    page = client.get(reverse("plans:indicators", args=[plan.pk])).content.decode()
    assert "301" in page and "Anti-social behaviour incidents" in page


def test_a_force_contributor_enters_values_but_cannot_define(client, contributor, plan):
    indicator = IndicatorFactory(plan=plan)
    client.force_login(contributor)
    assert client.get(reverse("plans:add-indicator", args=[plan.pk])).status_code == 404
    assert (
        client.get(reverse("plans:indicator-values", args=[indicator.pk])).status_code
        == 200
    )
