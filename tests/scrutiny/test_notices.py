"""Decision notices: an editor records one against the plan's work, and the register
lists it by the period of its date."""

import pytest
from django.urls import reverse

from scrutiny.models import DecisionNotice

pytestmark = pytest.mark.django_db


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
    client, editor, current_plan, led
):
    client.force_login(editor)
    url = reverse("scrutiny:add-decision", args=[current_plan.pk])
    refused = client.post(
        url, notice_data(current_plan, approved_on_0="31", approved_on_1="2")
    )
    assert "Enter a real date." in refused.content.decode()
    assert not DecisionNotice.objects.exists()
    assert client.post(url, notice_data(current_plan)).status_code == 302
    notice = DecisionNotice.objects.get()
    assert notice.decided_by == current_plan.owner
    assert list(notice.deliverables.values_list("reference", flat=True)) == [
        led.reference
    ]
    duplicate = client.post(url, notice_data(current_plan))
    assert "already has this reference" in duplicate.content.decode()
    q1, q2 = current_plan.reporting_periods.order_by("starts_on")[:2]
    listing = reverse("scrutiny:decisions", args=[current_plan.pk])
    assert (
        "Fund ANPR cameras" in client.get(listing, {"period": q1.pk}).content.decode()
    )
    assert (
        "Fund ANPR cameras"
        not in client.get(listing, {"period": q2.pk}).content.decode()
    )


def test_contributors_cannot_record_decisions(client, contributor, current_plan, led):
    client.force_login(contributor)
    url = reverse("scrutiny:add-decision", args=[current_plan.pk])
    # The force leads work in the plan, so its contributor sees it: 403.
    assert client.post(url, notice_data(current_plan)).status_code == 403
    assert not DecisionNotice.objects.exists()
