"""Server-rendered SVG charts for the dashboard, drawn by pygal from its data.

Each chart is an image with a title and an alt text that states its point; the same
figures are always in a table beside it, so nothing is told by colour alone. Charts are
embedded as data URIs so that a published report, its print view and its PDF carry
them without fetching anything, and no script or CDN is ever referenced.
"""

from __future__ import annotations

import base64

import pygal
from pygal.style import Style

from scrutiny.dashboard import COUNTED

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


def data_uri(chart) -> str:
    svg = chart.render()
    if isinstance(svg, str):
        svg = svg.encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def status_chart(data: dict) -> dict:
    """Deliverables by status at the end of the period: one bar a status."""
    rows = [r for r in data["statuses"] if r["count"]]
    period = data["period"]["label"]
    chart = pygal.HorizontalBar(
        style=_style([SINGLE]),
        **_config(height=90 + 44 * max(len(rows), 1), show_legend=False),
    )
    chart.title = f"Deliverables by status, end of {period}"
    # pygal draws a horizontal chart's first label at the bottom: reverse, so the
    # chart reads in the same order as the table beside it.
    chart.x_labels = [r["label"] for r in reversed(rows)]
    chart.add("Deliverables", [r["count"] for r in reversed(rows)])
    parts = ", ".join(f"{r['label'].lower()} {r['count']}" for r in rows)
    return {
        "title": chart.title,
        "src": data_uri(chart),
        "alt": (
            f"Bar chart. Of {data['total']} deliverables at the end of {period}: "
            f"{parts}."
        ),
    }


def breakdown_chart(data: dict, key: str, noun: str, nouns: str) -> dict | None:
    """Stacked bars of status counts for each priority (or strand)."""
    groups = [g for g in data[key] if g["total"]]
    if not groups:
        return None
    used = [s for s in COUNTED if any(g["counts"][s.value] for g in groups)]
    chart = pygal.HorizontalStackedBar(
        style=_style([STATUS_COLOURS[s.value] for s in used]),
        **_config(height=170 + 48 * len(groups) + 24 * (len(used) // 4)),
    )
    period = data["period"]["label"]
    chart.title = f"Deliverables by {noun} and status, end of {period}"
    chart.x_labels = [g["label"] for g in reversed(groups)]
    for status in used:
        chart.add(
            status.label, [g["counts"][status.value] or None for g in reversed(groups)]
        )
    leader = max(groups, key=lambda g: g["counts"]["completed"] / g["total"])
    share = round(100 * leader["counts"]["completed"] / leader["total"])
    return {
        "title": chart.title,
        "src": data_uri(chart),
        "alt": (
            f"Stacked bar chart of {len(groups)} {nouns}. "
            f"{leader['label']} {leader['title']} has the largest share completed: "
            f"{leader['counts']['completed']} of {leader['total']} ({share}%). "
            "The table that follows gives every figure."
        ),
    }


def rag_chart(data: dict) -> dict:
    rows = data["rag"]
    chart = pygal.HorizontalBar(
        style=_style([SINGLE]),
        **_config(height=90 + 44 * len(rows), show_legend=False),
    )
    period = data["period"]["label"]
    chart.title = f"Open deliverables by RAG rating, end of {period}"
    chart.x_labels = [r["label"] for r in reversed(rows)]
    chart.add("Open deliverables", [r["count"] for r in reversed(rows)])
    parts = ", ".join(f"{r['label'].lower()} {r['count']}" for r in rows)
    return {
        "title": chart.title,
        "src": data_uri(chart),
        "alt": f"Bar chart of open deliverables by RAG rating: {parts}.",
    }


def indicator_chart(row: dict) -> dict | None:
    points = [p for p in row["series"] if p["value"] is not None]
    if len(points) < 2:
        return None
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
    chart.title = row["title"]
    chart.x_labels = [p["label"] for p in row["series"]]
    chart.add(row["title"], [p["value"] for p in row["series"]])
    first, last = points[0], points[-1]
    return {
        "title": chart.title,
        "src": data_uri(chart),
        "alt": (
            f"Line chart of {row['title']}: {first['value']:g} {row['unit']} in "
            f"{first['label']}, {last['value']:g} {row['unit']} in {last['label']}."
        ),
    }


def charts_for(data: dict) -> dict:
    """Every chart of a dashboard, keyed by where it goes."""
    return {
        "status": status_chart(data),
        "priority": breakdown_chart(data, "by_priority", "priority", "priorities"),
        "strand": breakdown_chart(data, "by_strand", "strand", "strands"),
        "rag": rag_chart(data),
        "indicators": {row["id"]: indicator_chart(row) for row in data["indicators"]},
    }
