"""Charts: linked from the live dashboard through signed URLs that draw without the
database, embedded in published reports so that they travel with them."""

import base64
import colorsys
import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.models import Status
from scrutiny.dashboards.charts import (
    LINES,
    RAG_COLOURS,
    SALT,
    STATUS_COLOURS,
    breakdown_chart,
    chart_url,
    charts_for,
    indicator_chart,
    movement_chart,
    rag_chart,
    status_chart,
    text_on,
)
from scrutiny.dashboards.figures import COUNTED
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
    # An indicator's chart has a short address of its own (test_indicator_charts.py).
    burglaries = next(src for src, alt in charts if alt.startswith("Line chart"))
    assert burglaries.startswith(f"/plans/{plan.pk}/dashboard/{q2.pk}/indicators/")
    srcs = [src for src, _ in charts if src != burglaries]
    assert all(src.startswith("/charts/") and src.endswith(".svg") for src in srcs)
    by_status = next(src for src, alt in charts if alt.startswith("Bar chart. Of "))

    signed_out = Client()
    with CaptureQueriesContext(connection) as queries:
        response = signed_out.get(by_status)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "immutable" in response["Cache-Control"]
    assert "Deliverables by status" in response.content.decode()
    assert "<script" not in response.content.decode()
    assert [
        q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]
    ] == []


def test_every_chart_on_the_live_dashboard_draws_and_scales(client, editor, measured):
    plan, q2 = measured
    client.force_login(editor)
    html = client.get(
        reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk])
    ).content.decode()

    for src, alt in images(html):
        response = client.get(src)
        assert response.status_code == 200, alt
        root = ET.fromstring(response.content)
        assert root.get("viewBox") and root.get("width") is None, alt


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


# ------------------------------------------------ what a panel member sees in a chart

SVG = "{http://www.w3.org/2000/svg}"


def drawn(chart: dict) -> str:
    """The SVG of a chart embedded as a data URI."""
    return base64.b64decode(chart["src"].split(",", 1)[1]).decode()


def texts(svg_text: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg_text).iter(f"{SVG}text")]


def luminance(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hue_and_saturation(colour: str) -> tuple[float, float]:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, _lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    return hue * 360, saturation


def lab(colour: str) -> tuple[float, float, float]:
    """CIELAB, to judge whether two colours look alike."""
    r, g, b = (
        (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
        for c in (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    )
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def counts(**given: int) -> dict[str, int]:
    return {s.value: given.get(s.value, 0) for s in COUNTED}


def dashboard(**extra) -> dict:
    """A quarter's figures as ``build_dashboard`` gives them, as charts read them."""
    return {
        "period": {"label": "Q3 2017"},
        "previous": {"label": "Q2 2017"},
        "total": 41,
        "statuses": [
            {"status": "completed", "label": "Completed", "count": 12},
            {"status": "in_progress", "label": "In progress", "count": 20},
            {"status": "on_hold", "label": "On hold", "count": 3},
            {"status": "will_not_proceed", "label": "Will not proceed", "count": 6},
        ],
        "rag": [
            {"rag": "green", "label": "Green: on track", "count": 18},
            {"rag": "amber", "label": "Amber: at risk", "count": 7},
            {"rag": "red", "label": "Red: off track", "count": 1},
            {"rag": "none", "label": "Not assessed", "count": 0},
        ],
        "by_priority": [
            {
                "id": 1,
                "label": "1",
                "title": "Keeping people safe",
                "counts": counts(completed=5, in_progress=8, future=2, on_hold=1),
                "total": 16,
                "previous_counts": counts(completed=2, in_progress=10, future=2),
            },
            {
                "id": 2,
                "label": "3.1",
                "title": "Supporting victims and witnesses through the courts",
                "counts": counts(completed=7, in_progress=12, will_not_proceed=6),
                "total": 25,
                "previous_counts": counts(
                    completed=7, in_progress=12, will_not_proceed=6
                ),
            },
        ],
        "by_strand": [],
        "indicators": [],
    } | extra


def burglaries(**extra) -> dict:
    """An indicator row as ``build_dashboard`` gives it, measured for seven quarters."""
    quarters = ["Q1 2016", "Q2 2016", "Q3 2016", "Q4 2016", "Q1 2017"]
    quarters += ["Q2 2017", "Q3 2017"]
    values = [1250, 1230, 1190, 1160, 1120, 1090, 1050]
    return {
        "id": 7,
        "title": "Burglaries recorded",
        "unit": "crimes",
        "baseline": 1200.0,
        "baseline_label": "2016",
        "target": 1000.0,
        "series": [
            {"label": q, "value": float(v)}
            for q, v in zip(quarters, values, strict=True)
        ],
    } | extra


def test_the_rag_chart_is_red_amber_and_green_and_names_and_counts_every_bar():
    chart = rag_chart(dashboard())
    root = ET.fromstring(drawn(chart))

    bars = [g.get("style") for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    # Bottom to top: not assessed, red, amber, green (the table's order, upwards).
    assert [re.search(r"fill: (#[0-9a-f]{6})", b)[1] for b in bars] == [
        RAG_COLOURS[r] for r in ("none", "red", "amber", "green")
    ]
    words = texts(drawn(chart))
    for label in ("Green: on track", "Amber: at risk", "Red: off track"):
        assert label in words
    assert "Not assessed" in words
    assert {"18", "7", "1", "0"} <= set(words)


def test_values_printed_on_a_chart_are_readable_on_what_is_behind_them():
    """Beside a bar, a value is dark on white; inside a stacked bar's segment, it is
    white or dark, whichever reaches 4.5:1 on the segment's colour."""
    svg_text = drawn(rag_chart(dashboard()))
    fills = re.findall(
        r"\.text-overlay \.color-\d+ text\{fill:(#[0-9a-f]{6})", svg_text
    )
    assert fills
    assert all(contrast_ratio(fill, "#ffffff") >= 4.5 for fill in fills)

    for colour in STATUS_COLOURS.values():
        assert contrast_ratio(text_on(colour), colour) >= 4.5, colour


def test_every_chart_colour_reaches_3_to_1_against_white():
    colours = [*STATUS_COLOURS.values(), *RAG_COLOURS.values()]
    colours += [colour for colour, _dashes in LINES.values()]
    for colour in colours:
        assert contrast_ratio(colour, "#ffffff") >= 3, colour


def test_no_status_colour_is_or_resembles_a_rag_colour():
    rag = {RAG_COLOURS[r] for r in ("red", "amber", "green")}
    for status, colour in STATUS_COLOURS.items():
        assert colour not in RAG_COLOURS.values(), status
        hue, saturation = hue_and_saturation(colour)
        for rating in rag:
            if saturation > 0.15:  # a grey or black has no hue to mistake
                apart = abs(hue - hue_and_saturation(rating)[0]) % 360
                assert min(apart, 360 - apart) >= 30, (status, rating)
        for rating in RAG_COLOURS.values():
            assert math.dist(lab(colour), lab(rating)) >= 20, (status, rating)
    assert STATUS_COLOURS["completed"] != RAG_COLOURS["green"]


def test_status_colours_are_distinguishable_from_each_other():
    for (one, a), (other, b) in itertools.combinations(STATUS_COLOURS.items(), 2):
        assert math.dist(lab(a), lab(b)) >= 15, (one, other)


def test_the_status_chart_colours_each_status_as_the_breakdown_does():
    svg_text = drawn(status_chart(dashboard())).lower()

    for status in ("completed", "in_progress", "on_hold", "will_not_proceed"):
        assert STATUS_COLOURS[status] in svg_text


def test_priority_bars_are_labelled_with_reference_and_short_title_and_legend_fits():
    chart = breakdown_chart(dashboard(), "by_priority", "priority", "priorities")
    svg_text = drawn(chart)
    root = ET.fromstring(svg_text)
    words = texts(svg_text)

    assert "1 Keeping people safe" in words
    cut = next(w for w in words if w.startswith("3.1 Supporting"))
    assert len(cut) <= 30 and cut.endswith("\u2026")
    assert chart["alt"].startswith(
        "Stacked bar chart of 2 priorities. 1 Keeping people safe has the largest"
    )
    # Every status in the legend, and the legend inside the picture.
    height = float(root.get("viewBox").split()[3])
    legends = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legends")
    top = float(
        re.search(r"translate\([\d.]+, ([\d.]+)\)", legends.get("transform"))[1]
    )
    shown = {t.text: top + float(t.get("y")) for t in legends.iter(f"{SVG}text")}
    assert set(shown) == {"Completed", "In progress", "Future", "On hold"} | {
        "Will not proceed"
    }
    assert max(shown.values()) < height


def test_a_breakdown_chart_grows_with_its_bars():
    def height(groups: int) -> float:
        group = dashboard()["by_priority"][0]
        many = [group | {"id": n, "label": str(n)} for n in range(groups)]
        chart = breakdown_chart(
            dashboard(by_priority=many), "by_priority", "priority", "priorities"
        )
        return float(ET.fromstring(drawn(chart)).get("viewBox").split()[3])

    assert height(12) - height(2) >= 10 * 40


def test_an_indicator_chart_draws_baseline_and_target_and_every_label_whole():
    chart = indicator_chart(burglaries())
    svg_text = drawn(chart)
    root = ET.fromstring(svg_text)
    words = texts(svg_text)

    assert "Baseline (2016): 1,200" in words
    assert "Target: 1,000" in words
    assert "Baseline (2016): 1,200 crimes; Target: 1,000 crimes" in chart["alt"]
    width = float(root.get("viewBox").split()[2])
    plot = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "plot")
    left = float(re.search(r"translate\(([\d.]+),", plot.get("transform"))[1])
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class", "") == "axis x")
    labels = [(t.text or "", float(t.get("x"))) for t in axis.iter(f"{SVG}text")]
    assert labels[-1][0] in ("Q3 2017", "Q3 17")  # the latest quarter, whole
    for text, _x in labels:
        assert re.fullmatch(r"Q[1-4] (\d\d|\d{4})", text), text
    # No two labels overlap, and the last stays inside the picture.
    for (one, x), (other, y) in itertools.pairwise(labels):
        assert y - x >= 0.6 * 14 * max(len(one), len(other)), (one, other)
    last, x = labels[-1]
    assert left + x + 0.6 * 14 * len(last) / 2 <= width
    # The alt text and the table keep full labels.
    assert "in Q1 2016" in chart["alt"] and "in Q3 2017" in chart["alt"]


def test_an_indicator_chart_draws_the_same_quarter_last_year_dashed_when_given():
    earlier = ["Q1 2015", "Q2 2015", "Q3 2015", "Q4 2015", "Q1 2016", "Q2 2016"]
    earlier += ["Q3 2016"]
    last_year = [{"label": q, "value": None} for q in earlier[:3]] + [
        {"label": q, "value": v}
        for q, v in zip(earlier[3:], [1300, 1250, 1230, 1190], strict=True)
    ]

    chart = indicator_chart(burglaries(series_last_year=last_year))
    svg_text = drawn(chart)

    assert "Same quarter a year earlier" in texts(svg_text)
    assert re.search(r"\.serie-1\{[^}]*stroke-dasharray:\d", svg_text)
    assert "A year earlier, in Q3 2016: 1,190 crimes." in chart["alt"]
    assert "Same quarter a year earlier" not in texts(
        drawn(indicator_chart(burglaries()))
    )


def test_a_withheld_figure_is_a_gap_in_the_line_and_said_in_the_alt_text():
    row = burglaries()
    row["series"][5] = {
        "label": "Q2 2017",
        "value": None,
        "withheld": "figures unreliable",
    }

    chart = indicator_chart(row)
    root = ET.fromstring(drawn(chart))

    assert "Q2 2017 withheld: figures unreliable." in chart["alt"]
    main = [
        g for g in root.iter(f"{SVG}g") if g.get("class") == "series serie-0 color-0"
    ]
    dots = sorted(float(c.get("cx")) for g in main for c in g.iter(f"{SVG}circle"))
    assert len(dots) == 6  # seven quarters, one withheld
    step = min(b - a for a, b in itertools.pairwise(dots))
    for g in main:
        for path in g.iter(f"{SVG}path"):
            for stretch in path.get("d").split("M")[1:]:
                xs = [float(n) for n in re.findall(r"[\d.]+", stretch)[::2]]
                # No stretch of line joins the quarters either side of the gap.
                assert all(b - a <= step * 1.01 for a, b in itertools.pairwise(xs))


def test_an_indicator_chart_works_with_rows_from_before_these_figures():
    row = {
        "id": 1,
        "title": "Burglaries",
        "unit": "crimes",
        "series": [
            {"label": "Q1 2017", "value": 120},
            {"label": "Q2 2017", "value": 110},
        ],
    }

    chart = indicator_chart(row)

    assert (
        chart["alt"]
        == "Line chart of Burglaries: 120 crimes in Q1 2017, 110 crimes in Q2 2017."
    )
    assert indicator_chart(row | {"series": row["series"][:1]}) is None


def test_the_movement_chart_shows_signed_changes_since_the_previous_quarter():
    data = dashboard()

    chart = charts_for(data)["movement_priority"]
    root = ET.fromstring(drawn(chart))
    words = texts(drawn(chart))
    printed = [t.text for t in root.iter(f"{SVG}text") if "value" in t.get("class", "")]

    # Priority 1: completed +3, in progress -2, stopped (on hold) +1, the rest as
    # they were; priority 3.1 unchanged.
    assert sorted(printed) == sorted(["+3", "\u22122", "+1"])
    assert "Stopped" in words and "Not started" not in words
    assert chart["title"] == "Change by priority since the end of Q2 2017"
    assert chart["alt"].startswith(
        "Bar chart. Since Q2 2017: 3 more completed, 2 fewer in progress, "
        "1 more stopped in 1 Keeping people safe."
    )
    assert "No change in 3.1 Supporting victims" in chart["alt"]


def test_there_is_no_movement_chart_without_a_previous_quarter():
    groups = [
        {k: v for k, v in g.items() if k != "previous_counts"}
        for g in dashboard()["by_priority"]
    ]

    assert movement_chart(groups, "Change by priority") is None
    first = dashboard(by_priority=groups, previous=None)
    assert charts_for(first)["movement_priority"] is None
    assert charts_for(first)["movement_strand"] is None


def test_every_chart_scales_down_to_a_phone():
    """A viewBox and no width or height, so that the image shrinks to its column;
    a modest width and large type, so that its words are still legible there."""
    data = dashboard(indicators=[burglaries()])
    charts = charts_for(data)
    drawn_charts = [
        charts[k] for k in ("status", "priority", "rag", "movement_priority")
    ]
    drawn_charts += list(charts["indicators"].values())

    for chart in drawn_charts:
        root = ET.fromstring(drawn(chart))
        assert root.get("viewBox"), chart["title"]
        assert root.get("width") is None and root.get("height") is None
        assert float(root.get("viewBox").split()[2]) <= 800
        css = "".join(s.text or "" for s in root.iter(f"{SVG}style"))
        for selector in (".axis text", ".legends .legend text", "text.value", ".title"):
            sizes = re.findall(re.escape(selector) + r"\{[^}]*font-size:(\d+)px", css)
            assert sizes and all(int(s) >= 14 for s in sizes), (
                selector,
                chart["title"],
            )


def test_chart_urls_signed_before_these_charts_still_draw(client):
    """Specs signed into pages and reports before colours, references and the
    movement chart came still draw."""
    old = [
        {
            "kind": "stacked",
            "title": "Deliverables by priority and status",
            "height": 300,
            "labels": ["2", "1"],
            "series": [
                {"name": "Completed", "colour": "#00703c", "values": [1, 2]},
                {"name": "In progress", "colour": "#1d70b8", "values": [None, 3]},
            ],
        },
        {
            "kind": "line",
            "title": "Burglaries",
            "labels": ["Q1 2017", "Q2 2017", "Q3 2017"],
            "series": [{"name": "Burglaries", "values": [120, None, 110]}],
        },
    ]
    for spec in old:
        assert client.get(chart_url(spec)).status_code == 200
