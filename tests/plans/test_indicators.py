"""Indicators in the workspace: editors define them, the force whose work the plan
holds enters their values, each checked as a number, or withholds a figure with the
reason, and may add a data-quality note."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from plans.models import Indicator, IndicatorValue
from plans.services import (
    Figure,
    FiguresRefused,
    lock_period,
    record_indicator_value,
    record_indicator_values,
)
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
    # The force's work is in the plan, so its contributor sees it: 403, not 404.
    assert (
        client.get(reverse("plans:add-indicator", args=[current_plan.pk])).status_code
        == 403
    )
    assert (
        client.get(reverse("plans:indicator-values", args=[indicator.pk])).status_code
        == 200
    )


# Withheld figures and data-quality notes -------------------------------------------


@pytest.fixture
def asb(current_plan):
    return IndicatorFactory(plan=current_plan, title="ASB incidents")


@pytest.fixture
def quarters(current_plan):
    return list(current_plan.reporting_periods.order_by("starts_on"))


def values_url(indicator):
    return reverse("plans:indicator-values", args=[indicator.pk])


def test_a_force_contributor_withholds_a_figure_with_a_reason_and_a_note(
    client, contributor, led, asb, quarters
):
    q1, q2, *_rest = quarters
    client.force_login(contributor)
    response = client.post(
        values_url(asb),
        {
            f"period_{q1.pk}": "301",
            f"note_{q1.pk}": "Provisional: excludes March",
            f"withheld_{q2.pk}": "on",
            f"withheld_reason_{q2.pk}": "Too few incidents to publish",
        },
    )
    assert response.status_code == 302
    stored = {v.period: v for v in IndicatorValue.objects.all()}
    assert (stored[q1].value, stored[q1].note) == (301, "Provisional: excludes March")
    assert (stored[q2].value, stored[q2].withheld_reason) == (
        None,
        "Too few incidents to publish",
    )
    page = client.get(values_url(asb)).content.decode()
    assert "Too few incidents to publish" in page
    assert f'id="id_withheld_{q2.pk}" name="withheld_{q2.pk}"' in page
    assert f'name="withheld_{q2.pk}" type="checkbox" value="on" checked' in page


def test_withholding_a_figure_without_a_reason_is_refused_beside_the_field(
    client, editor, asb, quarters
):
    q1, q2, *_rest = quarters
    client.force_login(editor)
    response = client.post(
        values_url(asb),
        {f"period_{q1.pk}": "301", f"withheld_{q2.pk}": "on"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_withheld_reason_{q2.pk}">Say why the figure is withheld' in page
    assert (
        f'id="id_withheld_reason_{q2.pk}-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "Say why the figure is withheld"
    ) in page
    # Q1's figure was fine, but nothing is half-written.
    assert not IndicatorValue.objects.exists()


def test_a_figure_cannot_be_both_given_and_withheld_on_the_page(
    client, editor, asb, quarters
):
    q1, *_rest = quarters
    client.force_login(editor)
    response = client.post(
        values_url(asb),
        {
            f"period_{q1.pk}": "301",
            f"withheld_{q1.pk}": "on",
            f"withheld_reason_{q1.pk}": "Unreliable",
        },
    )
    assert response.status_code == 400
    assert (
        f'id="id_period_{q1.pk}-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "Leave the figure blank when it is withheld"
    ) in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_a_note_without_a_figure_or_a_reason_is_refused(client, editor, asb, quarters):
    q1, *_rest = quarters
    client.force_login(editor)
    response = client.post(values_url(asb), {f"note_{q1.pk}": "Provisional"})
    assert response.status_code == 400
    assert "Enter the figure, or withhold it and say why" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_a_reason_left_behind_an_unticked_box_does_not_withhold(
    client, editor, asb, quarters
):
    # With JavaScript the reason is hidden, not emptied, when the box is cleared.
    q1, *_rest = quarters
    record_indicator_value(
        indicator=asb, period=q1, withheld_reason="Unreliable", by=editor
    )
    client.force_login(editor)
    response = client.post(
        values_url(asb),
        {f"period_{q1.pk}": "280", f"withheld_reason_{q1.pk}": "Unreliable"},
    )
    assert response.status_code == 302
    value = IndicatorValue.objects.get()
    assert (value.value, value.withheld_reason) == (280, "")
    assert value.history.count() == 2


def test_the_indicators_page_shows_a_withheld_figure_and_its_note(
    client, reader, editor, asb, quarters, current_plan
):
    q1, q2, *_rest = quarters
    record_indicator_value(
        indicator=asb, period=q1, value=12, note="Estimate", by=editor
    )
    record_indicator_value(
        indicator=asb, period=q2, withheld_reason="Too small to publish", by=editor
    )
    client.force_login(editor)
    page = client.get(reverse("plans:indicators", args=[current_plan.pk]))
    text = page.content.decode()
    assert "Withheld" in text and "Too small to publish" in text
    assert "Note: Estimate" in text


def test_saving_the_page_again_leaves_a_locked_periods_figure_alone(
    client, editor, asb, quarters
):
    # The page sends every period back; an unchanged figure in a locked period is
    # no change, so the others can still be saved.
    q1, q2, *_rest = quarters
    record_indicator_value(indicator=asb, period=q1, value=12, by=editor)
    lock_period(period=q1, by=editor, reason="Published.")
    client.force_login(editor)
    response = client.post(
        values_url(asb), {f"period_{q1.pk}": "12.00", f"period_{q2.pk}": "14"}
    )
    assert response.status_code == 302
    assert IndicatorValue.objects.get(period=q1).history.count() == 1
    assert IndicatorValue.objects.get(period=q2).value == 14
    changed = client.post(values_url(asb), {f"period_{q1.pk}": "13"})
    assert changed.status_code == 400
    assert "is locked because its report has been published" in (
        changed.content.decode()
    )
    assert IndicatorValue.objects.get(period=q1).value == 12


# The rule in the service and the database ------------------------------------------


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"withheld": True}, "withheld_reason", "Say why the figure is withheld"),
        (
            {"withheld_reason": "   "},
            "withheld_reason",
            "Say why the figure is withheld",
        ),
        (
            {"value": 5, "withheld_reason": "Unreliable"},
            "value",
            "Leave the figure blank when it is withheld",
        ),
        ({}, "value", "Enter the figure, or withhold it and say why"),
    ],
)
def test_the_service_takes_a_number_or_a_reason_never_both_nor_neither(
    editor, asb, quarters, given, field, message
):
    with pytest.raises(ValidationError) as refused:
        record_indicator_value(indicator=asb, period=quarters[0], by=editor, **given)
    assert refused.value.message_dict == {field: [message]}
    assert not IndicatorValue.objects.exists()


def test_the_service_records_several_figures_or_none(editor, asb, quarters):
    q1, q2, q3, _q4 = quarters
    figures = [
        Figure(period=q1, value=Decimal(10)),
        Figure(period=q2, withheld=True),
        Figure(period=q3, value=Decimal(3), withheld_reason="Unreliable"),
    ]
    with pytest.raises(FiguresRefused) as refused:
        record_indicator_values(indicator=asb, figures=figures, by=editor)
    assert refused.value.errors == {
        1: {"withheld_reason": ["Say why the figure is withheld"]},
        2: {"value": ["Leave the figure blank when it is withheld"]},
    }
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(
    "row",
    [
        {"value": Decimal(5), "withheld_reason": "Unreliable"},
        {"value": None, "withheld_reason": ""},
    ],
    ids=["both", "neither"],
)
def test_the_database_refuses_a_figure_both_given_and_withheld_or_neither(
    editor, asb, quarters, row
):
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(
            indicator=asb, period=quarters[0], recorded_by=editor, **row
        )
