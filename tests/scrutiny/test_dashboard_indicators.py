"""Indicators on the quarterly dashboard as forces really report them: a figure may be
withheld with the reason (and every comparison that needs it says it was skipped), may
carry a data-quality note, and each quarter is compared with the same quarter a year
before.

A two-year plan (2016 and 2017, eight quarters):

===============  ====================  =======  =======  =======  =======  =======
indicator        better when           Q1 2016  Q2 2016  Q4 2016  Q1 2017  Q2 2017
===============  ====================  =======  =======  =======  =======  =======
Recorded crime   lower                 100      90       85       80       withheld
Satisfaction     higher                70       72       68       65       66
===============  ====================  =======  =======  =======  =======  =======
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import Indicator
from plans.services import (
    change_indicator,
    ensure_quarterly_periods,
    record_indicator_value,
)
from scrutiny.dashboards.figures import build_dashboard
from scrutiny.dashboards.tables import tables
from tests.factories import IndicatorFactory, PlanFactory

pytestmark = pytest.mark.django_db

SMALL = "Too few offences to publish"


@pytest.fixture
def two_years(authority):
    plan = PlanFactory(
        owner=authority,
        reference="PP/2016-17",
        title="2016 to 2017 Policing Plan",
        starts_on=datetime.date(2016, 1, 1),
        ends_on=datetime.date(2017, 12, 31),
    )
    ensure_quarterly_periods(plan=plan)
    return plan


@pytest.fixture
def quarters(two_years):
    return {p.label: p for p in two_years.reporting_periods.order_by("starts_on")}


@pytest.fixture
def crime(two_years, quarters, editor):
    indicator = IndicatorFactory(
        plan=two_years,
        title="Recorded crime",
        unit="crimes",
        direction=Indicator.Direction.LOWER_IS_BETTER,
        position=1,
    )
    for label, value in (
        ("Q1 2016", 100),
        ("Q2 2016", 90),
        ("Q4 2016", 85),
        ("Q1 2017", 80),
    ):
        record_indicator_value(
            indicator=indicator, period=quarters[label], value=value, by=editor
        )
    record_indicator_value(
        indicator=indicator,
        period=quarters["Q2 2017"],
        withheld_reason=SMALL,
        note="Two stations did not report",
        by=editor,
    )
    return indicator


@pytest.fixture
def satisfaction(two_years, quarters, editor):
    indicator = IndicatorFactory(
        plan=two_years,
        title="Victim satisfaction",
        unit="%",
        direction=Indicator.Direction.HIGHER_IS_BETTER,
        position=2,
    )
    for label, value in (
        ("Q1 2016", 70),
        ("Q2 2016", 72),
        ("Q4 2016", 68),
        ("Q1 2017", 65),
        ("Q2 2017", 66),
    ):
        record_indicator_value(
            indicator=indicator,
            period=quarters[label],
            value=value,
            note="Provisional: excludes March" if label == "Q1 2017" else "",
            by=editor,
        )
    return indicator


def rows(plan, period):
    return {r["title"]: r for r in build_dashboard(plan, period)["indicators"]}


def test_each_quarter_is_compared_with_the_same_quarter_last_year(
    two_years, quarters, crime, satisfaction
):
    shown = rows(two_years, quarters["Q1 2017"])

    fewer_crimes = shown["Recorded crime"]
    assert fewer_crimes["last_year"] == {
        "label": "Q1 2016",
        "value": 100.0,
        "withheld": "",
    }
    assert fewer_crimes["vs_last_year"] == {"by": -20.0, "percent": -20.0}
    assert fewer_crimes["movement_last_year"] == "better"  # lower is better

    less_satisfied = shown["Victim satisfaction"]
    assert less_satisfied["vs_last_year"] == {"by": -5.0, "percent": -7.1}
    assert less_satisfied["movement_last_year"] == "worse"  # higher is better
    assert less_satisfied["quality_note"] == "Provisional: excludes March"
    assert less_satisfied["withheld"] == ""
    assert less_satisfied["skipped"] == []


def test_the_same_figure_a_year_on_is_the_same(two_years, quarters, editor):
    steady = IndicatorFactory(plan=two_years, title="Steady")
    for label in ("Q3 2016", "Q3 2017"):
        record_indicator_value(
            indicator=steady, period=quarters[label], value=50, by=editor
        )
    (row,) = build_dashboard(two_years, quarters["Q3 2017"])["indicators"]
    assert row["vs_last_year"] == {"by": 0.0, "percent": 0.0}
    assert row["movement_last_year"] == "same"


def test_a_quarter_with_none_a_year_before_has_no_last_year(two_years, quarters, crime):
    (row,) = build_dashboard(two_years, quarters["Q4 2016"])["indicators"]
    assert row["last_year"] is None
    assert row["vs_last_year"] is None
    assert row["movement_last_year"] == ""


def test_the_last_year_series_lines_up_with_the_series(two_years, quarters, crime):
    (row,) = build_dashboard(two_years, quarters["Q2 2017"])["indicators"]
    assert [p["label"] for p in row["series"]] == [
        "Q1 2016",
        "Q2 2016",
        "Q3 2016",
        "Q4 2016",
        "Q1 2017",
        "Q2 2017",
    ]
    assert row["series"][-1] == {"label": "Q2 2017", "value": None, "withheld": SMALL}
    assert [(p["label"], p["value"]) for p in row["series_last_year"]] == [
        ("", None),
        ("", None),
        ("", None),
        ("", None),
        ("Q1 2016", 100.0),
        ("Q2 2016", 90.0),
    ]


def test_a_withheld_figure_skips_the_comparisons_and_says_so(
    two_years, quarters, crime
):
    (row,) = build_dashboard(two_years, quarters["Q2 2017"])["indicators"]
    assert row["value"] is None
    assert row["withheld"] == SMALL
    assert row["quality_note"] == "Two stations did not report"
    assert row["skipped"] == ["this quarter withheld"]
    assert (row["vs_previous"], row["movement"]) == (None, "")
    assert (row["vs_last_year"], row["movement_last_year"]) == (None, "")
    assert row["last_year"] == {"label": "Q2 2016", "value": 90.0, "withheld": ""}


def test_a_withheld_previous_quarter_skips_only_that_comparison(
    two_years, quarters, crime, editor
):
    record_indicator_value(
        indicator=crime, period=quarters["Q3 2017"], value=70, by=editor
    )
    (row,) = build_dashboard(two_years, quarters["Q3 2017"])["indicators"]
    assert row["skipped"] == ["previous quarter withheld"]
    assert row["vs_previous"] is None
    # No Q3 2016 figure: nothing to compare, but nothing withheld either.
    assert row["last_year"] == {"label": "Q3 2016", "value": None, "withheld": ""}
    assert row["vs_last_year"] is None


def test_a_withheld_figure_last_year_skips_that_comparison(two_years, quarters, editor):
    burglary = IndicatorFactory(plan=two_years, title="Burglary")
    record_indicator_value(
        indicator=burglary,
        period=quarters["Q4 2016"],
        withheld_reason="System change",
        by=editor,
    )
    record_indicator_value(
        indicator=burglary, period=quarters["Q3 2017"], value=30, by=editor
    )
    record_indicator_value(
        indicator=burglary, period=quarters["Q4 2017"], value=25, by=editor
    )
    (row,) = build_dashboard(two_years, quarters["Q4 2017"])["indicators"]
    assert row["skipped"] == ["same quarter last year withheld"]
    assert row["last_year"]["withheld"] == "System change"
    assert row["vs_last_year"] is None
    assert row["vs_previous"] == {"by": -5.0, "percent": -16.7}
    assert row["movement"] == "better"


def test_a_redefinition_since_last_year_is_not_called_better_or_worse(
    two_years, quarters, crime, editor
):
    change_indicator(
        indicator=crime,
        by=editor,
        reason="Home Office counting rules",
        from_period=quarters["Q4 2016"],
        unit="offences",
    )
    (row,) = build_dashboard(two_years, quarters["Q1 2017"])["indicators"]
    assert row["like_for_like"] is True  # Q4 2016 and Q1 2017: both the new way
    assert row["like_for_like_last_year"] is False
    assert row["vs_last_year"] == {"by": -20.0, "percent": -20.0}
    assert row["movement_last_year"] == ""


def test_the_dashboard_page_shows_withheld_figures_notes_and_last_year(
    client, editor, two_years, quarters, crime, satisfaction
):
    client.force_login(editor)
    url = reverse(
        "scrutiny:dashboard-period", args=[two_years.pk, quarters["Q2 2017"].pk]
    )
    page = client.get(url).content.decode()
    table = page.split('id="indicators"')[1].split("app-chart-grid")[0]
    assert f"withheld: {SMALL}" in table
    assert "Note: Two stations did not report" in table
    assert "Not compared: this quarter withheld" in table
    assert "Same quarter last year" in table
    # Satisfaction: 66% against 72% in Q2 2016.
    assert "Q2 2016: 72<br>down 6 (-8.3%): worse" in table


def test_the_downloads_carry_the_same_columns(two_years, quarters, crime):
    data = build_dashboard(two_years, quarters["Q2 2017"])
    (indicators,) = [t for slug, _title, t in tables(data, []) if slug == "indicators"]
    header, row = indicators
    shown = dict(zip(header, row, strict=True))
    assert shown["Value"] is None
    assert shown["Withheld"] == SMALL
    assert shown["Data-quality note"] == "Two stations did not report"
    assert shown["Same quarter last year"] == "Q2 2016"
    assert shown["Value last year"] == 90.0
    assert shown["Not compared"] == "this quarter withheld"


NEW_KEYS = (
    "withheld",
    "quality_note",
    "last_year",
    "vs_last_year",
    "movement_last_year",
    "like_for_like_last_year",
    "skipped",
    "series_last_year",
)


def test_a_report_published_before_these_keys_still_renders(
    two_years, quarters, crime, satisfaction
):
    data = build_dashboard(two_years, quarters["Q1 2017"])
    for row in data["indicators"]:
        for key in NEW_KEYS:
            del row[key]
        for point in row["series"]:
            del point["withheld"]

    html = render_to_string(
        "scrutiny/_dashboard.html", {"data": data, "charts": {}, "report": None}
    )

    table = html.split('id="indicators"')[1].split("app-chart-grid")[0]
    assert "Recorded crime" in table and "80 crimes" in table
    assert "Same quarter last year" not in table
    assert "withheld" not in table
    (indicators,) = [t for slug, _title, t in tables(data, []) if slug == "indicators"]
    shown = dict(zip(indicators[0], indicators[1], strict=True))
    assert (shown["Value"], shown["Withheld"], shown["Same quarter last year"]) == (
        80.0,
        "",
        "",
    )


def test_withheld_figures_and_last_year_cost_no_more_queries(
    two_years, quarters, editor
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            build_dashboard(two_years, quarters["Q4 2017"])
        return len(captured)

    first = IndicatorFactory(plan=two_years, title="First")
    record_indicator_value(
        indicator=first, period=quarters["Q4 2017"], value=1, by=editor
    )
    few = queries()
    for n in range(10):
        indicator = IndicatorFactory(plan=two_years, title=f"Measure {n}")
        for i, period in enumerate(quarters.values()):
            record_indicator_value(
                indicator=indicator,
                period=period,
                value=None if i % 3 == 0 else Decimal(n + i),
                withheld_reason="Unreliable" if i % 3 == 0 else "",
                note="Provisional" if i % 2 else "",
                by=editor,
            )
    assert queries() == few
