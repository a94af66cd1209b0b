"""Indicator charts on the live dashboard, at short addresses of their own.

A plan may have forty indicators: with each chart's signed spec in its address, they
were a third of a large plan's page. Each is now linked as
``/plans/<plan>/dashboard/<period>/indicators/<indicator>.svg?v=<version>``, which
draws it from the figures as they are, for whoever may see that dashboard; the
version changes when the figures do, so browsers keep a chart for good. Published
reports keep their charts embedded (tests/scrutiny/test_charts.py).
"""

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import Membership
from plans.services import record_indicator_value
from scrutiny.dashboards.charts import (
    charts_for,
    indicator_chart,
    indicator_spec,
    version,
)
from scrutiny.dashboards.figures import indicator_rows
from tests.factories import (
    IndicatorFactory,
    OrganisationFactory,
    member,
    plan_for_year,
)

pytestmark = pytest.mark.django_db

LINE_CHART = re.compile(r'<img class="app-chart__image" src="([^"]+)" alt="Line chart')
SIGN_IN = "/sign-in/"
#: pygal names each chart it draws afresh: the rest of the SVG is what is drawn.
CHART_ID = re.compile(
    rb"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def drawn(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    return CHART_ID.sub(b"chart", response.content)


def periods_of(plan):
    return list(plan.reporting_periods.order_by("starts_on"))


def measured(plan, editor, n: int = 1, start: int = 0) -> list:
    """``n`` indicators of ``plan``, each with figures for Q1 and Q2."""
    q1, q2 = periods_of(plan)[:2]
    indicators = []
    for i in range(start, start + n):
        indicator = IndicatorFactory(plan=plan, title=f"Burglaries {i}", unit="crimes")
        record_indicator_value(indicator=indicator, period=q1, by=editor, value=120 + i)
        record_indicator_value(indicator=indicator, period=q2, by=editor, value=110 + i)
        indicators.append(indicator)
    return indicators


def dashboard(client, plan, period):
    response = client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, period]))
    assert response.status_code == 200
    return response


def chart_address(plan, period, indicator) -> str:
    return reverse("scrutiny:indicator-chart", args=[plan.pk, period.pk, indicator.pk])


def spec_of(plan, period, indicator) -> dict:
    """The spec of an indicator's chart, as the dashboard of ``period`` draws it."""
    (row,) = indicator_rows(plan, period, indicator=indicator.pk)
    return indicator_spec(row)[0]


def test_the_dashboard_links_each_indicator_chart_by_a_short_address(
    client, reader, editor, plan, q2
):
    indicators = measured(plan, editor, n=3)
    client.force_login(reader)
    response = dashboard(client, plan, q2.pk)
    html = response.content.decode()

    srcs = LINE_CHART.findall(html)
    assert len(srcs) == 3
    for src, indicator in zip(srcs, indicators, strict=True):
        address, _, v = src.partition("?v=")
        assert address == chart_address(plan, q2, indicator)
        assert re.fullmatch(r"[0-9a-f]{8}", v)
        assert len(src) < 100

    # The same page with each chart's signed spec in its address instead.
    context = {
        key: response.context[key]
        for key in (
            "plan",
            "period",
            "periods",
            "data",
            "may_publish",
            "reports",
            "varied_since",
            "recommendations",
        )
    }
    signed = render_to_string(
        "scrutiny/dashboard.html",
        context | {"charts": charts_for(context["data"], inline=False)},
        request=response.wsgi_request,
    )
    assert not LINE_CHART.findall(signed)[0].startswith("/plans/")
    assert len(signed) - len(html) > 3 * 100


def test_the_short_address_draws_the_chart_the_signed_spec_draws(
    client, reader, editor, plan, q2
):
    (indicator,) = measured(plan, editor)
    client.force_login(reader)
    page = dashboard(client, plan, q2.pk)
    (row,) = page.context["data"]["indicators"]
    signed = indicator_chart(row, inline=False)["src"]
    (src,) = LINE_CHART.findall(page.content.decode())
    v = version(spec_of(plan, q2, indicator))
    assert src == f"{chart_address(plan, q2, indicator)}?v={v}"

    response = client.get(src)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert drawn(response) == drawn(client.get(signed))
    assert "Burglaries 0" in response.content.decode()
    assert "<script" not in response.content.decode()


def test_recording_a_value_changes_the_version_and_the_old_address_draws_it_now(
    client, reader, editor, plan, q2
):
    (indicator,) = measured(plan, editor)
    client.force_login(reader)
    before = LINE_CHART.findall(dashboard(client, plan, q2.pk).content.decode())[0]
    drawn_before = drawn(client.get(before))

    record_indicator_value(indicator=indicator, period=q2, by=editor, value=95)
    after = LINE_CHART.findall(dashboard(client, plan, q2.pk).content.decode())[0]
    assert after != before
    assert after.partition("?")[0] == before.partition("?")[0]

    # A page drawn before the figure was recorded still gets the chart as it is now,
    # kept for a short while only.
    stale = client.get(before)
    assert stale.status_code == 200
    assert stale["Cache-Control"] == "private, max-age=60"
    current = client.get(after)
    assert "immutable" in current["Cache-Control"]
    assert drawn(stale) == drawn(current) != drawn_before

    # No version at all: drawn, but not kept for good.
    bare = client.get(after.partition("?")[0])
    assert drawn(bare) == drawn(current)
    assert "immutable" not in bare["Cache-Control"]


def test_a_reader_of_the_plan_sees_the_chart_and_no_one_else_does(
    client, reader, editor, plan, q2
):
    (indicator,) = measured(plan, editor)
    url = chart_address(plan, q2, indicator)
    v = version(spec_of(plan, q2, indicator))

    client.force_login(reader)
    assert client.get(f"{url}?v={v}").status_code == 200

    elsewhere = member(
        OrganisationFactory(), Membership.Role.READER, "ola", "Ola Elsewhere"
    )
    client.force_login(elsewhere)
    assert client.get(f"{url}?v={v}").status_code == 404

    # Signed out, no live figures show, even of a public plan (its published
    # reports carry their own charts).
    client.logout()
    plan.is_public = True
    plan.save(update_fields=["is_public"])
    signed_out = client.get(f"{url}?v={v}")
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(SIGN_IN)


def test_an_unknown_indicator_or_period_or_one_without_a_chart_is_not_found(
    client, reader, editor, authority, plan, q2
):
    (indicator,) = measured(plan, editor)
    next_year = plan_for_year(authority, 2018, reference="R.4/2018")
    (elsewhere,) = measured(next_year, editor)
    unmeasured = IndicatorFactory(plan=plan)
    q1 = periods_of(plan)[0]
    client.force_login(reader)
    for args in [
        (plan.pk, q2.pk, 999_999),
        (plan.pk, 999_999, indicator.pk),
        (plan.pk, periods_of(next_year)[1].pk, indicator.pk),  # another plan's
        (plan.pk, q2.pk, elsewhere.pk),  # another plan's indicator
        (plan.pk, q2.pk, unmeasured.pk),  # no figures: no chart on the dashboard
        (plan.pk, q1.pk, indicator.pk),  # one figure by Q1: no chart yet
    ]:
        url = reverse("scrutiny:indicator-chart", args=args)
        assert client.get(url).status_code == 404, args


def test_a_chart_costs_the_same_queries_for_1_or_10_indicators(
    client, reader, editor, plan, q2
):
    (first,) = measured(plan, editor)
    client.force_login(reader)
    url = chart_address(plan, q2, first)
    client.get(url)  # warm any per-process caches

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    measured(plan, editor, n=9, start=1)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200
    assert len(ten) == len(one), "\n".join(q["sql"] for q in ten.captured_queries)
