"""Charts: linked from the live dashboard through signed URLs that draw without the
database, embedded in published reports so that they travel with them."""

import re

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.models import Status
from scrutiny.dashboards.charts import SALT, chart_url
from scrutiny.reports.services import publish_report
from tests.factories import IndicatorFactory, IndicatorValueFactory, record_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(plan, deliverable, editor):
    """A plan with an indicator measured twice and a completed deliverable."""
    q1, q2 = plan.reporting_periods.order_by("starts_on")[:2]
    indicator = IndicatorFactory(plan=plan, title="Burglaries", unit="crimes")
    IndicatorValueFactory(indicator=indicator, period=q1, value=120)
    IndicatorValueFactory(indicator=indicator, period=q2, value=110)
    record_update(
        deliverable=deliverable,
        by=editor,
        narrative="Delivered.",
        status=Status.COMPLETED,
        reason="Done.",
        period=q2,
    )
    return plan, q2


def images(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<img class="app-chart__image" src="([^"]+)" alt="([^"]+)"', html
    )


def test_the_live_dashboard_links_its_charts_which_draw_without_the_database(
    client, editor, measured
):
    plan, q2 = measured
    client.force_login(editor)
    html = client.get(
        reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk])
    ).content.decode()

    charts = images(html)
    assert len(charts) >= 3  # status, RAG and the indicator at least
    assert "data:image" not in html
    srcs = [src for src, _ in charts]
    assert all(src.startswith("/charts/") and src.endswith(".svg") for src in srcs)
    burglaries = next(src for src, alt in charts if alt.startswith("Line chart"))

    signed_out = Client()
    with CaptureQueriesContext(connection) as queries:
        response = signed_out.get(burglaries)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "immutable" in response["Cache-Control"]
    assert "Burglaries" in response.content.decode()
    assert "<script" not in response.content.decode()
    assert [
        q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]
    ] == []


def test_a_chart_url_draws_only_what_this_site_signed(client):
    spec = {
        "kind": "bar",
        "title": "Deliverables by status",
        "height": 200,
        "labels": ["Completed"],
        "series": [{"name": "Deliverables", "values": [3]}],
    }
    assert client.get(chart_url(spec)).status_code == 200

    forged = signing.dumps(spec | {"title": "Call this number"}, salt="another")
    assert client.get(reverse("scrutiny:chart", args=[forged])).status_code == 404
    token = chart_url(spec).removeprefix("/charts/").removesuffix(".svg")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("scrutiny:chart", args=[tampered])).status_code == 404
    nonsense = signing.dumps({"kind": "pie"}, salt=SALT)
    assert client.get(reverse("scrutiny:chart", args=[nonsense])).status_code == 404


def test_a_published_report_embeds_its_charts(editor, measured):
    plan, q2 = measured

    report = publish_report(plan=plan, period=q2, by=editor)

    charts = images(report.html)
    assert charts
    assert all(src.startswith("data:image/svg+xml;base64,") for src, _ in charts)
    assert "/charts/" not in report.html
