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

An indicator's chart, of which a plan may have forty, is linked by a short address
instead (its plan, period and indicator, given by ``charts_for``'s ``indicator_src``),
with the ``version`` of its spec after ``?v=``: the signed spec would be some 580
characters a chart, a third of a large plan's page. That address reads the figures
again (``scrutiny.dashboards.views.IndicatorChartView``); it still changes whenever
they do, so browsers keep it for good too.

Colour carries meaning only with words beside it: RAG charts are red, amber, green and
grey; statuses are blues, purples, a grey and black, so that a status is never read as
a rating. Every colour reaches 3:1 against white, and every printed value 4.5:1 against
what is behind it. An SVG carries a viewBox and no size, so it shrinks to a phone's
width; charts are drawn narrow, with large type, so that it stays legible there.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from typing import Any

import pygal
from django.core import signing
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from pygal.style import Style
from pygal.util import split_title

from scrutiny.dashboards.figures import COUNTED, NOT_ASSESSED

#: One colour a RAG rating, each at least 3:1 against white (WCAG 1.4.11): GOV.UK red
#: and green, an amber darker than GOV.UK orange (#f47738 is 2.8:1) and dark grey for
#: "Not assessed". Each bar is named beside it and its count printed past its end in
#: the text colour, so nothing is told by colour alone.
RAG_COLOURS = {
    "red": "#d4351c",
    "amber": "#e07000",
    "green": "#00703c",
    NOT_ASSESSED: "#505a5f",
}

#: One colour a status, each at least 3:1 against white (WCAG 1.4.11), from blues,
#: purples, a light grey and black: no hue of a RAG colour, so that a status is never
#: read as a rating ("Completed" as on track, "Will not proceed" as off track).
STATUS_COLOURS = {
    "completed": "#003078",
    "in_progress": "#1d70b8",
    "future": "#8a8f93",
    "not_yet_commenced": "#4c2c92",
    "on_hold": "#912b88",
    "will_not_proceed": "#0b0c0c",
    "merged": "#6b6ea8",
    "split": "#5694ca",
}
SINGLE = "#1d70b8"
TEXT = "#0b0c0c"
WHITE = "#ffffff"
FONT = "Arial, Helvetica, sans-serif"

#: An indicator chart's lines, each its own colour and dashes: the figures, the same
#: quarters a year earlier, the baseline and the target.
LINES = {
    "value": (SINGLE, None),
    "last_year": ("#505a5f", "8,5"),
    "baseline": ("#912b88", "3,5"),
    "target": (TEXT, "14,6"),
}

#: The movement chart's measures: each a name and the statuses it adds up, drawn in
#: the colour of its first status.
MOVEMENTS = [
    ("Completed", ("completed",)),
    ("In progress", ("in_progress",)),
    ("Not started", ("future", "not_yet_commenced")),
    ("Stopped", ("on_hold", "will_not_proceed")),
]

#: Sizes in the SVG's own units. The SVG has a viewBox and no width or height, so it
#: scales to fit its container, text and all: charts are drawn narrow, with large
#: text, so that a phone's screen shrinks them no more than it must.
WIDTH = 640
SMALL_WIDTH = 400  # an indicator's chart, several to a row on a wide screen
FONT_SIZE = 16
SMALL_FONT_SIZE = 14
TITLE_SIZE = 20
SMALL_TITLE_SIZE = 16
MARGIN = 16
SPACING = 10  # pygal's space between the title, the plot, its labels and the legend
LEGEND_BOX = 12  # pygal's legend swatch
#: Where a bar's label is cut short, with an ellipsis; the table beside has it whole.
LABEL_LENGTH = 30


def _luminance(colour: str) -> float:
    """A ``#rrggbb`` colour's relative luminance, as WCAG 2 defines it."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(colour: str) -> str:
    """White or near-black, whichever reads better on ``colour``."""
    return WHITE if contrast(WHITE, colour) >= contrast(TEXT, colour) else TEXT


def _number(value: float) -> str:
    """A figure as the dashboard's tables show it: 1,234.5, and 82 rather than 82.0."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _signed(value: float) -> str:
    """A change with its sign: "+3", "−2" (a minus sign, not a hyphen)."""
    return f"+{value:g}" if value > 0 else f"−{-value:g}"


def _shortened(text: str, limit: int = LABEL_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _group_label(group: dict) -> str:
    """A priority's reference and title, "3.1 Keep people safe"; a strand's name."""
    label = str(group["label"])
    title = str(group.get("title") or "")
    return label if not title or title == label else f"{label} {title}"


def _short_period(label: str) -> str:
    """ "Q3 17" for "Q3 2017"; any other label as it is."""
    found = re.fullmatch(r"(Q[1-4])\s+\d\d(\d\d)", label)
    return f"{found[1]} {found[2]}" if found else label


def _text_width(text: str, size: float) -> float:
    """pygal's own estimate of a text's width, which it lays charts out by."""
    return 0.6 * size * len(text)


def _style(
    colours,
    value_colours=None,
    *,
    size: int = FONT_SIZE,
    title: int = TITLE_SIZE,
    stroke: int = 1,
) -> Style:
    """GOV.UK type and colours; printed values in ``value_colours`` (one a series),
    by default white or black, whichever reads on the series' colour. Guides are
    faint and solid, so that no dashed line but a chart's own is read as data."""
    colours = tuple(colours)
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground=TEXT,
        foreground_strong=TEXT,
        foreground_subtle="#505a5f",
        opacity="1",
        opacity_hover="1",
        colors=colours,
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        title_font_family=FONT,
        legend_font_family=FONT,
        title_font_size=title,
        label_font_size=size,
        major_label_font_size=size,
        legend_font_size=size,
        value_font_size=size,
        value_colors=tuple(value_colours or [text_on(c) for c in colours]),
        guide_stroke_color="#b1b4b6",
        major_guide_stroke_color="#b1b4b6",
        guide_stroke_dasharray="none",
        major_guide_stroke_dasharray="none",
        stroke_width=str(stroke),
        stroke_opacity="1",  # a line's colour as chosen, at its full contrast
        stroke_opacity_hover="1",
    )


def _config(**extra) -> dict:
    return {
        "js": [],  # no tooltips script: nothing loads from elsewhere
        "disable_xml_declaration": True,
        # A viewBox and no width or height: the image shrinks to fit a phone.
        "explicit_size": False,
        "print_values": True,
        "print_zeroes": False,
        "show_y_guides": False,
        "width": WIDTH,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "truncate_label": -1,
        "margin": MARGIN,
    } | extra


#: Separates chart URLs' signatures from every other use of the secret key.
SALT = "scrutiny.chart"


class _Bars(pygal.HorizontalBar):
    """Horizontal bars, each value printed just past its bar's end (before it, for a
    fall) in the text colour: it reads against white whatever the bar's colour, and
    a short bar cannot hide it."""

    def _tooltip_and_print_values(
        self, serie_node, serie, parent, i, val, metadata, x, y, width, height
    ):
        # pygal lays a horizontal chart out transposed: ``y`` is where the bar ends
        # along the value axis, ``x + width / 2`` its middle across it.
        gap = self.style.value_font_size / 2
        rising = serie.values[i] >= self.zero
        self._static_value(
            serie_node,
            val,
            y + gap if rising else y - gap,
            x + width / 2,
            metadata,
            "start" if rising else "end",
        )


class _Stacks(pygal.HorizontalStackedBar):
    """Stacked horizontal bars, each value printed in its segment in white or black,
    whichever reads on the segment's colour; a value too wide for its segment is left
    out rather than spilt over the next (the table beside has every figure)."""

    def _tooltip_and_print_values(
        self, serie_node, serie, parent, i, val, metadata, x, y, width, height
    ):
        # ``height`` is the segment's length along the value axis (see ``_Bars``).
        if abs(height) < _text_width(val, self.style.value_font_size) + 6:
            return
        super()._tooltip_and_print_values(
            serie_node, serie, parent, i, val, metadata, x, y, width, height
        )


def _legend(names: list[str], room: float, size: int) -> tuple[int, int, float]:
    """The columns and rows of a legend under a plot ``room`` wide, as many columns
    as its longest name allows, and the height pygal leaves out of its bottom margin
    (it counts only full rows, so a part-filled last row would be cut off)."""
    cell = max(_text_width(n, size) for n in names) + LEGEND_BOX + 5 + SPACING
    columns = max(1, min(len(names), 4, int(room // cell)))
    rows = math.ceil(len(names) / columns)
    missing = (rows - len(names) // columns) * 1.5 * max(size, LEGEND_BOX)
    return columns, rows, missing


def _height(
    title: str,
    plot: float,
    *,
    width: int = WIDTH,
    size: int = FONT_SIZE,
    title_size: int = TITLE_SIZE,
    axis: bool = True,
    legend_rows: int = 0,
) -> int:
    """A chart's height: its title's lines, a plot ``plot`` high, the value axis'
    labels and the legend's rows, so that none is squeezed or cut off."""
    lines = len(split_title(title, width, title_size)) if title else 0
    height = 2 * MARGIN + lines * (title_size + SPACING) + plot
    if axis:
        height += SPACING + size
    if legend_rows:
        height += SPACING + (1.5 * (legend_rows - 1) + 1) * max(size, LEGEND_BOX)
    return math.ceil(height)


def _plot_width(labels: list[str], *, width: int = WIDTH, size: int = FONT_SIZE):
    """The plot's width once the bars' labels are set beside it."""
    widest = max((_text_width(label, size) for label in labels), default=0)
    return width - 2 * MARGIN - SPACING - widest


def _value_range(values, room: float, formatter, size: int = FONT_SIZE) -> tuple:
    """A value axis with space past the longest bars, each way, for their printed
    values, so that none runs off the chart or into the bars' labels."""
    numbers = [v for v in values if v is not None]
    high, low = max([0, *numbers]), min([0, *numbers])
    if high == low:
        return (0, 1)
    text = max(_text_width(formatter(v), size) for v in numbers) + size
    sides = (high > 0) + (low < 0)
    per_unit = max(room - sides * text, room / 2) / (high - low)
    return (low - text / per_unit if low < 0 else 0, high + text / per_unit)


def _ticks(values) -> list[int]:
    """Whole-number ticks, five or so, for a value axis of counts: 1, 2 or 5 apart
    (or ten, twenty, fifty...), never a fraction of a deliverable."""
    numbers = [v for v in values if v is not None]
    high, low = max([0, *numbers]), min([0, *numbers])
    steps = (m * 10**e for e in range(12) for m in (1, 2, 5))
    step = next((s for s in steps if (high - low) / s <= 5), 10**12)
    return list(range(math.floor(low / step) * step, high + step, step))


def draw(spec: dict[str, Any]):
    """The pygal chart a spec describes: ``bar`` (one series of horizontal bars, each
    in its own colour when the spec gives ``colours``), ``stacked`` (horizontal bars
    of several coloured series), ``movement`` (grouped horizontal bars of signed
    changes) or ``line`` (a series over time, with reference lines)."""
    kind = spec["kind"]
    if kind == "bar":
        return _bar_chart(spec)
    if kind == "stacked":
        return _stacked_chart(spec)
    if kind == "movement":
        return _movement_chart(spec)
    if kind == "line":
        return _line_chart(spec)
    raise ValueError(f"No such kind of chart: {kind}")


def _bar_chart(spec: dict[str, Any]):
    labels = [str(label) for label in spec["labels"]]
    (series,) = spec["series"]
    values = series["values"]
    colours = spec.get("colours") or [SINGLE] * len(values)
    chart = _Bars(
        style=_style([SINGLE], [TEXT]),
        **_config(
            height=_height(spec["title"], 44 * max(len(labels), 1), axis=False),
            show_legend=False,
            show_x_labels=False,  # the value axis: every bar has its value printed
            print_zeroes=True,  # "Red 0" says there are none
            range=_value_range(values, _plot_width(labels), _number),
            formatter=_number,
        ),
    )
    chart.title = spec["title"]
    chart.x_labels = labels
    chart.add(
        series["name"],
        [
            {"value": value, "color": colour}
            for value, colour in zip(values, colours, strict=True)
        ],
    )
    return chart


def _stacked_chart(spec: dict[str, Any]):
    labels = [str(label) for label in spec["labels"]]
    series = spec["series"]
    bars = zip(*(s["values"] for s in series), strict=True)
    totals = [sum(v or 0 for v in bar) for bar in bars]
    columns, rows, missing = _legend(
        [s["name"] for s in series], _plot_width(labels), FONT_SIZE
    )
    chart = _Stacks(
        style=_style([s["colour"] for s in series]),
        **_config(
            height=_height(spec["title"], 48 * len(labels), legend_rows=rows),
            legend_at_bottom_columns=columns,
            margin_bottom=MARGIN + missing,
            y_labels=_ticks(totals),
            formatter=_number,
            value_formatter=_number,
        ),
    )
    chart.title = spec["title"]
    chart.x_labels = labels
    for s in series:
        chart.add(s["name"], s["values"])
    return chart


def _movement_chart(spec: dict[str, Any]):
    labels = [str(label) for label in spec["labels"]]
    series = spec["series"]
    values = [v for s in series for v in s["values"]]
    room = _plot_width(labels)
    columns, rows, missing = _legend([s["name"] for s in series], room, FONT_SIZE)
    chart = _Bars(
        style=_style([s["colour"] for s in series], [TEXT] * len(series)),
        **_config(
            height=_height(
                spec["title"],
                len(labels) * (24 * len(series) + 16),
                legend_rows=rows,
            ),
            legend_at_bottom_columns=columns,
            margin_bottom=MARGIN + missing,
            # Whole-number ticks, 0 among them: the axis bars rise or fall from.
            y_labels=_ticks(values),
            range=_value_range(values, room, _signed),
            formatter=_signed,
            value_formatter=lambda v: _signed(v) if v else "0",
        ),
    )
    chart.title = spec["title"]
    chart.x_labels = labels
    for s in series:
        chart.add(s["name"], s["values"])
    return chart


def _line_chart(spec: dict[str, Any]):
    """A series over time (``series``: the figures first, then any the spec marks
    ``last_year``, dashed) and horizontal reference lines (``references``, a
    baseline and a target). The quarters' labels are shortened ("Q3 17"), then
    thinned, until they fit side by side; the last is always shown, whole."""
    labels = [str(label) for label in spec["labels"]]
    lines = spec["series"]
    references = spec.get("references") or []
    size = SMALL_FONT_SIZE
    numbers = [v for s in lines for v in s["values"] if v is not None]
    numbers += [r["value"] for r in references]
    values_width = max((_text_width(_number(v), size) for v in numbers), default=0)
    low, high = min(numbers, default=0), max(numbers, default=1)
    pad = (high - low) / 10 or abs(high) / 10 or 1
    plot = SMALL_WIDTH - 2 * MARGIN - SPACING - values_width
    step = plot / max(len(labels) - 1, 1)
    shown = labels
    if max(_text_width(label, size) for label in labels) + size > step:
        shown = [_short_period(label) for label in labels]
    every = math.ceil((max(_text_width(label, size) for label in shown) + size) / step)
    # The last label is centred on the plot's right edge: make room for its half.
    right = max(MARGIN, math.ceil(_text_width(shown[-1], size) / 2) + 4)
    names = [s["name"] for s in lines] + [r["name"] for r in references]
    legend_rows = 0
    columns, missing = 1, 0.0
    if len(names) > 1:
        columns, legend_rows, missing = _legend(names, plot - right, size)
    chart = pygal.Line(
        style=_style(
            [LINES[s.get("role", "value")][0] for s in lines]
            + [LINES[r.get("role", "target")][0] for r in references],
            size=size,
            title=SMALL_TITLE_SIZE,
            stroke=3,
        ),
        **_config(
            width=SMALL_WIDTH,
            height=_height(
                spec["title"],
                150,
                width=SMALL_WIDTH,
                size=size,
                title_size=SMALL_TITLE_SIZE,
                legend_rows=legend_rows,
            ),
            show_legend=len(names) > 1,
            legend_at_bottom_columns=columns,
            margin_right=right,
            margin_bottom=MARGIN + missing,
            print_values=False,
            show_y_guides=True,
            max_scale=5,  # a few round figures up the side, not a crowd
            # Room above and below, so that no line lies on the chart's edge.
            range=(low - pad, high + pad),
            allow_interruptions=True,  # a missing or withheld figure is a gap
            show_minor_x_labels=every == 1,
            x_labels_major=shown[::-1][::every],
            value_formatter=_number,
        ),
    )
    chart.title = spec["title"]
    chart.x_labels = shown
    for s in lines:
        dashes = LINES[s.get("role", "value")][1]
        chart.add(
            s["name"],
            s["values"],
            stroke_style={"dasharray": dashes or "none"},
            dots_size=4,
        )
    for r in references:
        dashes = LINES[r.get("role", "target")][1]
        chart.add(
            r["name"],
            [r["value"]] * len(labels),
            show_dots=False,
            stroke_style={"dasharray": dashes or "none"},
        )
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


def version(spec: dict[str, Any]) -> str:
    """Eight hex digits that change whenever anything drawn changes: a digest of the
    spec, for a chart's short address (``?v=``), so that it can be kept for good."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _image(
    spec: dict[str, Any], alt: str, inline: bool, src: str | None = None
) -> dict:
    """A chart as the page shows it: embedded (``inline``), at its short address
    ``src`` with its version, or else at a URL holding its signed spec."""
    if inline:
        address = data_uri(spec)
    elif src is not None:
        address = f"{src}?v={version(spec)}"
    else:
        address = chart_url(spec)
    return {"title": spec["title"], "src": address, "alt": alt}


def status_chart(data: dict, inline: bool = True) -> dict:
    """Deliverables by status at the end of the period: one bar a status, in the
    status' colour, named beside it, its count printed past its end."""
    rows = [r for r in data["statuses"] if r["count"]]
    period = data["period"]["label"]
    # pygal draws a horizontal chart's first label at the bottom: reverse, so the
    # chart reads in the same order as the table beside it.
    spec = {
        "kind": "bar",
        "title": f"Deliverables by status, end of {period}",
        "labels": [r["label"] for r in reversed(rows)],
        "colours": [
            STATUS_COLOURS.get(r.get("status"), SINGLE) for r in reversed(rows)
        ],
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
    """Stacked bars of status counts for each priority (or strand), each bar named
    by its reference and shortened title; the chart as tall as its bars need."""
    groups = [g for g in data[key] if g["total"]]
    if not groups:
        return None
    used = [s for s in COUNTED if any(g["counts"][s.value] for g in groups)]
    period = data["period"]["label"]
    spec = {
        "kind": "stacked",
        "title": f"Deliverables by {noun} and status, end of {period}",
        "labels": [_shortened(_group_label(g)) for g in reversed(groups)],
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
        f"{_group_label(leader)} has the largest share completed: "
        f"{leader['counts']['completed']} of {leader['total']} ({share}%). "
        "The table that follows gives every figure."
    )
    return _image(spec, alt, inline)


def rag_chart(data: dict, inline: bool = True) -> dict:
    """Open deliverables by RAG rating: red, amber, green and grey bars, each named
    beside it and its count printed past its end, so that colour is never the only
    way to tell them apart."""
    rows = data["rag"]
    period = data["period"]["label"]
    spec = {
        "kind": "bar",
        "title": f"Open deliverables by RAG rating, end of {period}",
        "labels": [r["label"] for r in reversed(rows)],
        "colours": [RAG_COLOURS.get(r.get("rag"), SINGLE) for r in reversed(rows)],
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


def indicator_chart(
    row: dict, inline: bool = True, *, src: str | None = None
) -> dict | None:
    """An indicator's figures quarter by quarter, against its baseline and target
    (horizontal lines, named in the legend with their values) and, when the row has
    them (``series_last_year``), the same quarters a year earlier, dashed. A figure
    withheld (a point with ``withheld``, its reason) is a gap, and the alt text says
    why. None with fewer than two figures to draw.

    ``src``, when not ``inline``: the chart's short address, which draws it from the
    same row (see ``indicator_spec``)."""
    drawn = indicator_spec(row)
    if drawn is None:
        return None
    spec, alt = drawn
    return _image(spec, alt, inline, src)


def indicator_spec(row: dict) -> tuple[dict[str, Any], str] | None:
    """The spec and alt text of an indicator's chart (see ``indicator_chart``), or
    None with fewer than two figures to draw."""
    series = row.get("series") or []
    values = [None if p.get("withheld") else p.get("value") for p in series]
    drawn = {i: v for i, v in enumerate(values) if v is not None}
    if len(drawn) < 2:
        return None
    unit = row.get("unit") or ""

    def amount(value: float) -> str:
        return f"{_number(value)} {unit}".strip()

    lines: list[dict[str, Any]] = [
        {"name": "Each quarter", "role": "value", "values": values}
    ]
    earlier = (row.get("series_last_year") or [])[: len(series)]
    earlier += [{}] * (len(series) - len(earlier))
    last_year = [None if p.get("withheld") else p.get("value") for p in earlier]
    if any(v is not None for v in last_year):
        lines.append(
            {
                "name": "Same quarter a year earlier",
                "role": "last_year",
                "values": last_year,
            }
        )
    references = []
    said = []
    baseline = row.get("baseline")
    if baseline is not None:
        when = row.get("baseline_label")
        name = f"Baseline ({when})" if when else "Baseline"
        references.append(
            {
                "name": f"{name}: {_number(baseline)}",
                "role": "baseline",
                "value": baseline,
            }
        )
        said.append(f"{name}: {amount(baseline)}")
    target = row.get("target")
    if target is not None:
        references.append(
            {"name": f"Target: {_number(target)}", "role": "target", "value": target}
        )
        said.append(f"Target: {amount(target)}")
    spec = {
        "kind": "line",
        "title": row["title"],
        "labels": [p["label"] for p in series],
        "series": lines,
        "references": references,
    }
    first, last = min(drawn), max(drawn)
    alt = (
        f"Line chart of {row['title']}: {amount(drawn[first])} in "
        f"{series[first]['label']}, {amount(drawn[last])} in {series[last]['label']}."
    )
    before = last_year[last]
    if before is not None:
        when = earlier[last].get("label") or "the same quarter a year earlier"
        alt += f" A year earlier, in {when}: {amount(before)}."
    if said:
        alt += f" {'; '.join(said)}."
    for p in series:
        if p.get("withheld"):
            alt += f" {p['label']} withheld: {p['withheld']}."
    return spec, alt


def _moved(group: dict) -> dict[str, int]:
    """A group's change since the previous period in each of ``MOVEMENTS``."""
    now, then = group.get("counts") or {}, group.get("previous_counts") or {}
    return {
        name: sum(now.get(s, 0) - then.get(s, 0) for s in statuses)
        for name, statuses in MOVEMENTS
    }


def movement_chart(
    groups: list[dict], title: str, inline: bool = True, *, since: str | None = None
) -> dict | None:
    """For each group (a row of ``by_priority`` or ``by_strand``), the change since
    the previous period in deliverables completed, in progress, not started (future
    or not yet commenced) and stopped (on hold or will not proceed): grouped bars,
    each change printed with its sign, no change not drawn. ``since`` names the
    previous period in the alt text. None without a previous period to compare with
    (no group has ``previous_counts``) or when nothing moved."""
    compared = [g for g in groups if g.get("previous_counts") is not None]
    if not compared:
        return None
    moved = [(g, _moved(g)) for g in compared]
    changed = [(g, m) for g, m in moved if any(m.values())]
    if not changed:
        return None
    names = [n for n, _ in MOVEMENTS if any(m[n] for _, m in changed)]
    colours = {name: STATUS_COLOURS[statuses[0]] for name, statuses in MOVEMENTS}
    # pygal draws a horizontal chart's first label at the bottom: reverse, so the
    # chart reads in the table's order.
    spec = {
        "kind": "movement",
        "title": title,
        "labels": [_shortened(_group_label(g)) for g, _ in reversed(changed)],
        "series": [
            {
                "name": name,
                "colour": colours[name],
                "values": [m[name] or None for _, m in reversed(changed)],
            }
            for name in names
        ],
    }
    parts = []
    for group, m in changed:
        said = [
            f"{abs(m[n])} {'more' if m[n] > 0 else 'fewer'} {n.lower()}"
            for n in names
            if m[n]
        ]
        parts.append(f"{', '.join(said)} in {_group_label(group)}")
    alt = f"Bar chart. Since {since or 'the previous quarter'}: {'; '.join(parts)}."
    still = [_group_label(g) for g, m in moved if not any(m.values())]
    if still:
        alt += f" No change in {', '.join(still)}."
    return _image(spec, alt, inline)


def charts_for(data: dict, *, inline: bool = True, indicator_src=None) -> dict:
    """Every chart of a dashboard, keyed by where it goes: embedded (``inline``, for
    a published report) or linked to ``chart_view`` (for the live page).

    ``indicator_src``, for the live page: a function of an indicator's row giving
    the short address that draws its chart (without its version, which is added)."""
    since = (data.get("previous") or {}).get("label")
    after = f"since the end of {since}" if since else "since the previous quarter"
    return {
        "status": status_chart(data, inline),
        "priority": breakdown_chart(
            data, "by_priority", "priority", "priorities", inline
        ),
        "strand": breakdown_chart(data, "by_strand", "strand", "strands", inline),
        "movement_priority": movement_chart(
            data.get("by_priority", []),
            f"Change by priority {after}",
            inline,
            since=since,
        ),
        "movement_strand": movement_chart(
            data.get("by_strand", []),
            f"Change by strand {after}",
            inline,
            since=since,
        ),
        "rag": rag_chart(data, inline),
        "indicators": {
            row["id"]: indicator_chart(
                row, inline, src=indicator_src(row) if indicator_src else None
            )
            for row in data["indicators"]
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
