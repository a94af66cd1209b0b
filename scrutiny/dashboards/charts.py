"""Server-rendered SVG charts for the dashboard, drawn by pygal from its data.

Each chart is an image with a title and an alt text that states its point; the same
figures are always in a table beside it, so nothing is told by colour alone. No script
or CDN is ever referenced.

A chart is first described as a small spec (its kind, title, labels and series), then
drawn. A published report embeds its charts as data URIs, so that the report, its print
view and its PDF carry them without fetching anything. The live dashboard instead links
each chart to ``chart_view``, whose URL holds the spec itself, signed: drawing some
forty charts with pygal takes longer than building the whole dashboard, and the inline
images would make the page over a megabyte. A chart's URL changes whenever its figures
do, so browsers keep it for good, and drawing it reads nothing from the database.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pygal
from django.core import signing
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from pygal.style import Style

from scrutiny.dashboards.figures import COUNTED

#: One colour a status, each at least 3:1 against white (WCAG 1.4.11).
STATUS_COLOURS = {
    "completed": "#00703c",
    "in_progress": "#1d70b8",
    "future": "#505a5f",
    "not_yet_commenced": "#003078",
    "on_hold": "#4c2c92",
    "will_not_proceed": "#d4351c",
    "merged": "#0b0c0c",
    "split": "#912b88",
}
SINGLE = "#1d70b8"
FONT = "Arial, Helvetica, sans-serif"


def _style(colours) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#0b0c0c",
        foreground_strong="#0b0c0c",
        foreground_subtle="#505a5f",
        opacity="1",
        opacity_hover="1",
        colors=tuple(colours),
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        title_font_family=FONT,
        legend_font_family=FONT,
        title_font_size=20,
        label_font_size=14,
        major_label_font_size=14,
        legend_font_size=14,
        value_font_size=14,
        value_colors=("#ffffff",) * len(colours),
    )


def _config(**extra) -> dict:
    return {
        "js": [],  # no tooltips script: nothing loads from elsewhere
        "disable_xml_declaration": True,
        "print_values": True,
        "print_zeroes": False,
        "show_y_guides": False,
        "width": 800,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "truncate_legend": -1,
        "truncate_label": -1,
        "margin": 16,
    } | extra


#: Separates chart URLs' signatures from every other use of the secret key.
SALT = "scrutiny.chart"


def draw(spec: dict[str, Any]):
    """The pygal chart a spec describes: ``bar`` (one series of horizontal bars),
    ``stacked`` (horizontal bars of several coloured series) or ``line``."""
    kind = spec["kind"]
    series = spec["series"]
    if kind == "bar":
        chart = pygal.HorizontalBar(
            style=_style([SINGLE]),
            **_config(height=spec["height"], show_legend=False),
        )
    elif kind == "stacked":
        chart = pygal.HorizontalStackedBar(
            style=_style([s["colour"] for s in series]),
            **_config(height=spec["height"]),
        )
    elif kind == "line":
        chart = pygal.Line(
            style=_style([SINGLE]),
            **_config(
                width=400,
                height=220,
                show_legend=False,
                print_values=False,
                show_y_guides=True,
                title_font_size=16,
            ),
        )
    else:
        raise ValueError(f"No such kind of chart: {kind}")
    chart.title = spec["title"]
    chart.x_labels = spec["labels"]
    for s in series:
        chart.add(s["name"], s["values"])
    return chart


#: pygal writes its configuration into the SVG for its tooltip script, which is never
#: loaded here (``js=[]``): an image needs no script, so it is left out.
_CONFIG_SCRIPT = re.compile(rb"<script[^>]*>.*?</script>", re.DOTALL)


def svg(spec: dict[str, Any]) -> bytes:
    rendered = draw(spec).render()
    if isinstance(rendered, str):
        rendered = rendered.encode("utf-8")
    return _CONFIG_SCRIPT.sub(b"", rendered)


def data_uri(spec: dict[str, Any]) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg(spec)).decode("ascii")


def chart_url(spec: dict[str, Any]) -> str:
    """A URL that draws the chart, holding its spec signed (not secret: the figures
    are the page's own), so that nobody can make this site draw anything else."""
    token = signing.dumps(spec, salt=SALT, compress=True)
    return reverse("scrutiny:chart", args=[token])


def _image(spec: dict[str, Any], alt: str, inline: bool) -> dict:
    return {
        "title": spec["title"],
        "src": data_uri(spec) if inline else chart_url(spec),
        "alt": alt,
    }


def status_chart(data: dict, inline: bool = True) -> dict:
    """Deliverables by status at the end of the period: one bar a status."""
    rows = [r for r in data["statuses"] if r["count"]]
    period = data["period"]["label"]
    # pygal draws a horizontal chart's first label at the bottom: reverse, so the
    # chart reads in the same order as the table beside it.
    spec = {
        "kind": "bar",
        "title": f"Deliverables by status, end of {period}",
        "height": 90 + 44 * max(len(rows), 1),
        "labels": [r["label"] for r in reversed(rows)],
        "series": [
            {"name": "Deliverables", "values": [r["count"] for r in reversed(rows)]}
        ],
    }
    parts = ", ".join(f"{r['label'].lower()} {r['count']}" for r in rows)
    alt = f"Bar chart. Of {data['total']} deliverables at the end of {period}: {parts}."
    return _image(spec, alt, inline)


def breakdown_chart(
    data: dict, key: str, noun: str, nouns: str, inline: bool = True
) -> dict | None:
    """Stacked bars of status counts for each priority (or strand)."""
    groups = [g for g in data[key] if g["total"]]
    if not groups:
        return None
    used = [s for s in COUNTED if any(g["counts"][s.value] for g in groups)]
    period = data["period"]["label"]
    spec = {
        "kind": "stacked",
        "title": f"Deliverables by {noun} and status, end of {period}",
        "height": 170 + 48 * len(groups) + 24 * (len(used) // 4),
        "labels": [g["label"] for g in reversed(groups)],
        "series": [
            {
                "name": status.label,
                "colour": STATUS_COLOURS[status.value],
                "values": [g["counts"][status.value] or None for g in reversed(groups)],
            }
            for status in used
        ],
    }
    leader = max(groups, key=lambda g: g["counts"]["completed"] / g["total"])
    share = round(100 * leader["counts"]["completed"] / leader["total"])
    alt = (
        f"Stacked bar chart of {len(groups)} {nouns}. "
        f"{leader['label']} {leader['title']} has the largest share completed: "
        f"{leader['counts']['completed']} of {leader['total']} ({share}%). "
        "The table that follows gives every figure."
    )
    return _image(spec, alt, inline)


def rag_chart(data: dict, inline: bool = True) -> dict:
    rows = data["rag"]
    period = data["period"]["label"]
    spec = {
        "kind": "bar",
        "title": f"Open deliverables by RAG rating, end of {period}",
        "height": 90 + 44 * len(rows),
        "labels": [r["label"] for r in reversed(rows)],
        "series": [
            {
                "name": "Open deliverables",
                "values": [r["count"] for r in reversed(rows)],
            }
        ],
    }
    parts = ", ".join(f"{r['label'].lower()} {r['count']}" for r in rows)
    alt = f"Bar chart of open deliverables by RAG rating: {parts}."
    return _image(spec, alt, inline)


def indicator_chart(row: dict, inline: bool = True) -> dict | None:
    points = [p for p in row["series"] if p["value"] is not None]
    if len(points) < 2:
        return None
    spec = {
        "kind": "line",
        "title": row["title"],
        "labels": [p["label"] for p in row["series"]],
        "series": [
            {"name": row["title"], "values": [p["value"] for p in row["series"]]}
        ],
    }
    first, last = points[0], points[-1]
    alt = (
        f"Line chart of {row['title']}: {first['value']:g} {row['unit']} in "
        f"{first['label']}, {last['value']:g} {row['unit']} in {last['label']}."
    )
    return _image(spec, alt, inline)


def charts_for(data: dict, *, inline: bool = True) -> dict:
    """Every chart of a dashboard, keyed by where it goes: embedded (``inline``, for
    a published report) or linked to ``chart_view`` (for the live page)."""
    return {
        "status": status_chart(data, inline),
        "priority": breakdown_chart(
            data, "by_priority", "priority", "priorities", inline
        ),
        "strand": breakdown_chart(data, "by_strand", "strand", "strands", inline),
        "rag": rag_chart(data, inline),
        "indicators": {
            row["id"]: indicator_chart(row, inline) for row in data["indicators"]
        },
    }


@require_GET
def chart_view(request, token: str) -> HttpResponse:
    """Draw the chart whose signed spec is in the URL. Its figures are in the URL,
    so it needs no sign-in and reads nothing from the database; the same URL always
    draws the same chart, so browsers may keep it."""
    try:
        spec = signing.loads(token, salt=SALT)
        image = svg(spec)
    except (signing.BadSignature, KeyError, TypeError, ValueError) as refused:
        raise Http404("No such chart.") from refused
    response = HttpResponse(image, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
