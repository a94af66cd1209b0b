"""A change to an indicator's definition needs a reason, is recorded with who and when,
and is shown wherever the indicator is compared across periods."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from plans.models import Indicator, IndicatorChange
from plans.services import change_indicator, ensure_quarterly_periods
from scrutiny.dashboards.figures import build_dashboard
from scrutiny.reports.services import publish_report
from tests.factories import IndicatorFactory, IndicatorValueFactory, PlanFactory


@pytest.fixture
def crime(plan):
    """Recorded crime: 500 in 2016, target 500, values for Q1 to Q4 2017."""
    indicator = IndicatorFactory(
        plan=plan,
        title="Recorded crime",
        unit="crimes",
        direction=Indicator.Direction.LOWER_IS_BETTER,
        baseline_value=Decimal(500),
        baseline_label="2016",
        target_value=Decimal(500),
    )
    for period, value in zip(
        plan.reporting_periods.order_by("starts_on"), (120, 110, 90, 100), strict=True
    ):
        IndicatorValueFactory(indicator=indicator, period=period, value=value)
    return indicator


def quarters(plan):
    return list(plan.reporting_periods.order_by("starts_on"))


def form_data(indicator, **changes):
    data = {
        "reference": indicator.reference,
        "title": indicator.title,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "source": indicator.source,
        "baseline_value": indicator.baseline_value or "",
        "baseline_label": indicator.baseline_label,
        "target_value": indicator.target_value or "",
        "priority": "",
        "position": indicator.position,
        "reason": "",
        "from_period": "",
    }
    return data | changes


def edit_url(indicator):
    return reverse("plans:edit-indicator", args=[indicator.plan_id, indicator.pk])


# The edit form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("unit", "offences", "unit"),
        ("direction", "higher", "direction"),
        ("baseline_value", "480", "baseline"),
        ("baseline_label", "2015/16", "baseline label"),
        ("target_value", "450", "target"),
    ],
)
def test_changing_the_definition_without_a_reason_is_refused(
    client, editor, crime, field, value, words
):
    client.force_login(editor)

    response = client.post(edit_url(crime), form_data(crime, **{field: value}))

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_reason"' in page
    assert 'id="id_reason-error"' in page
    assert f"Enter the reason for the change to the {words}" in page
    before = Indicator.objects.get(pk=crime.pk)
    assert getattr(before, field) == getattr(crime, field)
    assert not IndicatorChange.objects.exists()


def test_a_change_with_its_reason_is_recorded_with_who_and_when(
    client, editor, crime, plan
):
    q1, q2, q3, q4 = quarters(plan)
    client.force_login(editor)
    started = timezone.now()

    response = client.post(
        edit_url(crime),
        form_data(
            crime,
            target_value="450",
            reason="The new plan asks for a 10% cut.",
            from_period=q3.pk,
        ),
    )

    assert response.status_code == 302
    crime.refresh_from_db()
    assert crime.target_value == Decimal(450)
    change = IndicatorChange.objects.get()
    assert change.indicator == crime
    assert change.changes == {"target_value": ["500", "450"]}
    assert change.reason == "The new plan asks for a 10% cut."
    assert change.from_period == q3
    assert change.changed_by == editor
    assert started <= change.changed_at <= timezone.now()
    assert crime.history.first().history_user == editor


def test_other_edits_need_no_reason_and_record_no_change(client, editor, crime):
    client.force_login(editor)

    response = client.post(
        edit_url(crime),
        form_data(crime, title="All recorded crime", position=3, target_value="500.00"),
    )

    assert response.status_code == 302
    crime.refresh_from_db()
    assert (crime.title, crime.position) == ("All recorded crime", 3)
    assert not IndicatorChange.objects.exists()


def test_the_reason_fields_are_only_on_the_edit_form(client, editor, plan, crime):
    client.force_login(editor)
    new = client.get(reverse("plans:add-indicator", args=[plan.pk])).content.decode()
    edit = client.get(edit_url(crime)).content.decode()
    assert "Reason for the change" not in new
    assert "Reason for the change" in edit
    assert "First period measured this way" in edit


def test_a_duplicate_title_is_an_error_beside_the_field(client, editor, plan, crime):
    IndicatorFactory(plan=plan, title="Burglary")
    client.force_login(editor)
    response = client.post(edit_url(crime), form_data(crime, title="Burglary"))
    assert response.status_code == 400
    assert 'id="id_title-error"' in response.content.decode()


# The service ----------------------------------------------------------------------


def test_the_service_changes_and_records_in_one_go(editor, crime, plan):
    q1, q2, q3, q4 = quarters(plan)
    change = change_indicator(
        indicator=crime,
        by=editor,
        reason="Counted as offences from Q2",
        from_period=q2,
        unit="offences",
        baseline_value=Decimal("480.50"),
    )
    assert change.changes == {
        "unit": ["crimes", "offences"],
        "baseline_value": ["500", "480.5"],
    }
    assert crime.unit == "offences"
    stored = Indicator.objects.get(pk=crime.pk)
    assert (stored.unit, stored.baseline_value) == ("offences", Decimal("480.50"))


def test_the_service_refuses_without_a_reason_and_writes_nothing(editor, crime):
    with pytest.raises(ValidationError) as refused:
        change_indicator(indicator=crime, by=editor, reason="  ", direction="higher")
    assert "reason" in refused.value.message_dict
    assert Indicator.objects.get(pk=crime.pk).direction == "lower"
    assert not IndicatorChange.objects.exists()


def test_the_service_refuses_another_plans_period(editor, crime):
    other = PlanFactory(owner=crime.plan.owner)
    (elsewhere, *_) = ensure_quarterly_periods(plan=other)
    with pytest.raises(ValidationError) as refused:
        change_indicator(
            indicator=crime,
            by=editor,
            reason="Rebased",
            from_period=elsewhere,
            target_value=Decimal(1),
        )
    assert "from_period" in refused.value.message_dict
    assert Indicator.objects.get(pk=crime.pk).target_value == Decimal(500)


# Where changes are shown ----------------------------------------------------------


def test_the_indicators_page_shows_each_change(client, editor, crime, plan):
    q1, q2, q3, q4 = quarters(plan)
    change_indicator(
        indicator=crime,
        by=editor,
        reason="New force target",
        from_period=q3,
        target_value=Decimal(450),
    )
    client.force_login(editor)

    page = client.get(reverse("plans:indicators", args=[plan.pk])).content.decode()

    assert "Definition changed from Q3 2017:</strong> target 500 → 450" in page
    assert "Reason: New force target" in page
    assert f"changed by {escape(editor.get_full_name())}" in page


def test_indicators_page_queries_do_not_grow_with_changes(client, editor, plan):
    client.force_login(editor)
    url = reverse("plans:indicators", args=[plan.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    def changed_indicator(n):
        indicator = IndicatorFactory(plan=plan, target_value=Decimal(10))
        change_indicator(
            indicator=indicator, by=editor, reason="Why", target_value=Decimal(n)
        )

    changed_indicator(1)
    few = queries()
    for n in range(2, 12):
        changed_indicator(n)
    assert queries() == few


@pytest.fixture
def redefined(editor, crime, plan):
    """The target moves from 500 to 450 from Q3; the unit changed in Q2's month."""
    q1, q2, q3, q4 = quarters(plan)
    change_indicator(
        indicator=crime,
        by=editor,
        reason="New force target",
        from_period=q3,
        target_value=Decimal(450),
    )
    unit = change_indicator(
        indicator=crime, by=editor, reason="Home Office counting", unit="offences"
    )
    # Made on 10 May 2017 with no first period given: it counts from Q2.
    unit.changed_at = timezone.make_aware(datetime.datetime(2017, 5, 10, 12))
    unit.save()
    return crime


def indicator_on(plan, period, **options):
    (row,) = build_dashboard(plan, period, **options)["indicators"]
    return row


def test_dashboard_shows_the_definition_as_it_stood(redefined, plan):
    q1, q2, q3, q4 = quarters(plan)

    first = indicator_on(plan, q1)
    assert (first["unit"], first["target"]) == ("crimes", 500)
    assert first["changes"] == []

    second = indicator_on(plan, q2)
    assert (second["unit"], second["target"]) == ("offences", 500)
    assert [c["summary"] for c in second["changes"]] == [
        "Definition changed on 10 May 2017: unit crimes → offences. "
        "Reason: Home Office counting"
    ]

    fourth = indicator_on(plan, q4)
    assert (fourth["unit"], fourth["target"]) == ("offences", 450)
    assert [c["from_period"] for c in fourth["changes"]] == ["Q2 2017", "Q3 2017"]
    assert fourth["changes"][1]["summary"] == (
        "Definition changed from Q3 2017: target 500 → 450. Reason: New force target"
    )


def test_a_change_between_two_periods_flags_the_comparison(redefined, plan):
    q1, q2, q3, q4 = quarters(plan)

    third = indicator_on(plan, q3)
    assert third["like_for_like"] is False
    assert third["vs_previous"] == {"by": -20.0, "percent": -18.2}
    assert third["movement"] == ""

    fourth = indicator_on(plan, q4)
    assert fourth["like_for_like"] is True
    assert fourth["movement"] == "worse"
    assert indicator_on(plan, q1)["like_for_like"] is True


def test_the_dashboard_page_shows_the_change_beside_the_chart(
    client, editor, redefined, plan
):
    q1, q2, q3, q4 = quarters(plan)
    client.force_login(editor)
    url = reverse("scrutiny:dashboard-period", args=[plan.pk, q3.pk])

    page = client.get(url).content.decode()

    assert "Not like for like" in page
    assert "The definition changed from Q3 2017." in page
    charts = page.split('class="app-chart-grid"')[1]
    assert "Definition changed from Q3 2017: target 500 → 450" in charts


def test_names_of_who_changed_it_follow_the_names_setting(redefined, plan, editor):
    q1, q2, q3, q4 = quarters(plan)
    named = indicator_on(plan, q4)["changes"][0]["by"]
    assert named == editor.get_full_name()
    assert indicator_on(plan, q4, show_names=False)["changes"][0]["by"] == ""


def test_a_published_report_carries_the_changes(redefined, plan, editor):
    q1, q2, q3, q4 = quarters(plan)
    report = publish_report(plan=plan, period=q3, by=editor)
    (row,) = report.data["indicators"]
    assert row["like_for_like"] is False
    assert len(row["changes"]) == 2
    change_indicator(
        indicator=redefined, by=editor, reason="Later", target_value=Decimal(1)
    )
    report.refresh_from_db()
    assert len(report.data["indicators"][0]["changes"]) == 2


def test_dashboard_queries_do_not_grow_with_indicators_and_changes(editor, plan):
    q1, q2, *_rest = quarters(plan)

    def changed_indicator(n):
        indicator = IndicatorFactory(plan=plan, target_value=Decimal(10))
        IndicatorValueFactory(indicator=indicator, period=q1, value=n)
        change_indicator(
            indicator=indicator,
            by=editor,
            reason="Why",
            from_period=q2,
            target_value=Decimal(n),
        )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            build_dashboard(plan, q2)
        return len(captured)

    changed_indicator(1)
    few = queries()
    for n in range(2, 12):
        changed_indicator(n)
    assert queries() == few


def test_the_api_shows_an_indicators_changes_beside_its_values(
    client, editor, crime, plan
):
    q2 = quarters(plan)[1]
    change_indicator(
        indicator=crime,
        by=editor,
        reason="Counted as offences from Q2",
        from_period=q2,
        unit="offences",
    )
    client.force_login(editor)
    body = client.get(f"/api/v1/indicators/{crime.pk}/").json()
    assert body["unit"] == "offences"
    assert body["changes"] == [
        {
            "changes": {"unit": ["crimes", "offences"]},
            "reason": "Counted as offences from Q2",
            "from_period": "Q2 2017",
            "changed_at": body["changes"][0]["changed_at"],
        }
    ]
