"""A dashboard's figures as plain tables, for CSV and XLSX downloads."""

from __future__ import annotations

import datetime
from typing import Any

from deliverables import rules
from deliverables.models import Rag
from scrutiny.dashboards.figures import COUNTED
from scrutiny.models import DecisionNotice


def _status_table(data: dict) -> list[list]:
    previous = data["previous"]
    header = ["Status", f"End of {data['period']['label']}"]
    if previous:
        header += [f"End of {previous['label']}", "Change"]
    rows = [header]
    for r in data["statuses"]:
        row = [r["label"], r["count"]]
        if previous:
            row += [r["previous"], r["change"]]
        rows.append(row)
    total = ["Total", data["total"]]
    if previous:
        total += [data["previous_total"], data["total"] - data["previous_total"]]
    return [*rows, total]


ROLLUP_COLUMNS = [
    ("RAG (worst of open)", "rag_label"),
    ("RAG rated", "rag_count"),
    ("Percent complete (mean)", "percent"),
    ("Percent from", "percent_count"),
]


def _breakdown(groups: list[dict], first: str, rollup: bool = False) -> list[list]:
    # Reports published before the roll-up (or the movement) existed have none.
    rollup = rollup and all("rag" in g for g in groups)
    extra = [name for name, _ in ROLLUP_COLUMNS] if rollup else []
    moved = bool(groups) and all("change" in g for g in groups)
    changes = (
        [f"{s.label}, change" for s in COUNTED] + ["Total, change"] if moved else []
    )
    rows = [[first, "Title", *(s.label for s in COUNTED), "Total", *changes, *extra]]
    for g in groups:
        rows.append(
            [
                g["label"],
                g["title"],
                *(g["counts"][s.value] for s in COUNTED),
                g["total"],
                *(
                    [*(g["change"][s.value] for s in COUNTED), g["total_change"]]
                    if moved
                    else []
                ),
                *([g[key] for _, key in ROLLUP_COLUMNS] if rollup else []),
            ]
        )
    return rows


def _summary(data: dict) -> list[list]:
    """The headline tiles, then the body's own words (as published)."""
    previous = data["previous"]
    header = ["Figure", f"End of {data['period']['label']}"]
    if previous:
        header += [previous["label"], "Change"]
    rows = [header]
    for tile in data.get("summary", []):
        row = [tile["label"], tile["count"]]
        if previous:
            row += [tile["previous"], tile["change"]]
        rows.append(row)
    words = data.get("commentary") or {}
    for key, label in (
        ("summary", "Executive summary"),
        ("forward_look", "Looking ahead"),
    ):
        if words.get(key):
            rows.append([label, words[key]])
    for group in data["by_priority"]:
        if group.get("narrative"):
            rows.append([f"{group['label']} {group['title']}", group["narrative"]])
    return rows


DELIVERABLE_COLUMNS = [
    ("Reference", "reference"),
    ("Title", "title"),
    ("Lead", "lead"),
    ("Status", "status_label"),
    ("RAG", "rag_label"),
    ("Milestone", "milestone"),
    ("Forecast", "forecast"),
    ("Late", "late"),
    ("Forecast after milestone", "forecast_after_milestone"),
    ("Latest narrative", "narrative"),
    ("Narrative for", "narrative_period"),
]


def _deliverables(rows: list[dict]) -> list[list]:
    # A report published before a column existed leaves it blank.
    return [[name for name, _ in DELIVERABLE_COLUMNS]] + [
        [r.get(key, "") for _, key in DELIVERABLE_COLUMNS] for r in rows
    ]


def _listing(rows: list[dict], columns: list[tuple[str, str]]) -> list[list]:
    return [[name for name, _ in columns]] + [
        [r.get(key, "") for _, key in columns] for r in rows
    ]


def _decisions(data: dict) -> list[dict]:
    """The notices with their references and dates as a spreadsheet shows them (a
    report published before either could be marked has neither mark)."""
    return [
        n
        | {
            "reference": DecisionNotice.reference_label(
                n["reference"], n.get("reference_generated")
            ),
            "approved_on": DecisionNotice.date_cell(
                datetime.date.fromisoformat(n["approved_on"]),
                n.get("approved_on_precision"),
            ),
        }
        for n in data["decisions"]
    ]


def _indicators(data: dict) -> list[list]:
    # A report published before a figure could be withheld, or compared with the
    # same quarter last year, lacks those keys: their cells are left blank.
    rows: list[list[Any]] = [
        [
            "Indicator",
            "Unit",
            "Direction",
            "Value",
            "Withheld",
            "Data-quality note",
            "Previous period",
            "Change",
            "Change %",
            "Same quarter last year",
            "Value last year",
            "Withheld last year",
            "Change from last year",
            "Change from last year %",
            "Movement from last year",
            "Not compared",
            "Baseline",
            "Change from baseline %",
            "Target",
            "Target met",
            "Like for like",
            "Definition changes",
        ]
    ]
    for r in data["indicators"]:
        vs_prev: dict[str, Any] = r["vs_previous"] or {}
        vs_base: dict[str, Any] = r["vs_baseline"] or {}
        last_year: dict[str, Any] = r.get("last_year") or {}
        vs_last_year: dict[str, Any] = r.get("vs_last_year") or {}
        met = {True: "Yes", False: "No", None: ""}[r["target_met"]]
        rows.append(
            [
                r["title"],
                r["unit"],
                r["direction_label"],
                r["value"],
                r.get("withheld", ""),
                r.get("quality_note", ""),
                r["previous"],
                vs_prev.get("by"),
                vs_prev.get("percent"),
                last_year.get("label", ""),
                last_year.get("value"),
                last_year.get("withheld", ""),
                vs_last_year.get("by"),
                vs_last_year.get("percent"),
                r.get("movement_last_year", ""),
                ", ".join(r.get("skipped", [])),
                r["baseline"],
                vs_base.get("percent"),
                r["target"],
                met,
                {True: "Yes", False: "No"}.get(r.get("like_for_like"), ""),
                "\n".join(c["summary"] for c in r.get("changes", [])),
            ]
        )
    return rows


def _flagged(data: dict, rows: list[dict], key: str) -> list[dict]:
    """The rows with a flag, such as "completed this period"; a report published
    before its rows carried the flag listed them among its figures."""
    if rows and key in rows[0]:
        return [r for r in rows if r[key]]
    return data.get(key) or []


def _changed(data: dict, rows: list[dict], kind: str) -> list[dict]:
    """Every change of one kind in the period, with its reason (the dashboard
    shows the first few)."""
    if rows and "changes" in rows[0]:
        return [r["changes"][kind] for r in rows if kind in r["changes"]]
    return data["changes"].get(kind, [])


def _milestones(data: dict, rows: list[dict]) -> list[dict]:
    if rows and "milestones_due" in rows[0]:
        return [
            {"reference": r["reference"], "title": r["title"]} | m
            for r in rows
            for m in r["milestones_due"]
        ]
    return data["milestones_next"]


#: Every table's slug and title, in order (the report's page lists them without
#: reading the rows).
TABLES = [
    ("summary", "Summary"),
    ("late", "Late"),
    ("forecast-after-milestone", "Forecast after its milestone"),
    ("off-track", "Off track"),
    ("status", "Deliverables by status"),
    ("priorities", "By priority"),
    ("strands", "By strand"),
    ("rag", "RAG of open deliverables"),
    ("merged", "Merged"),
    ("on-hold", "Put on hold"),
    ("redated", "Re-dated"),
    ("stopped", "Stopped"),
    ("completed", "Completed this period"),
    ("started", "Started this period"),
    ("new", "Newly identified"),
    ("milestones", "Milestones due next period"),
    ("indicators", "Indicators"),
    ("decisions", "Decision notices"),
    ("actions", "Open scrutiny actions"),
    ("deliverables", "All deliverables"),
]


def tables(data: dict, rows: list[dict]) -> list[tuple[str, str, list[list]]]:
    """(slug, title, rows with a header row first) for every table of a dashboard,
    from its figures and every deliverable's row (``dashboard_rows``)."""
    late = [r for r in rows if r.get("late")]
    after = [r for r in rows if r.get("forecast_after_milestone")]
    off_track = [
        r for r in rows if r["rag"] == Rag.RED and not rules.is_closed(r["status"])
    ]
    found = dict(_tables(data, rows, late=late, after=after, off_track=off_track))
    return [(slug, title, found[slug]) for slug, title in TABLES]


def _tables(data, rows, *, late, after, off_track) -> list[tuple[str, list[list]]]:
    """Summary first, then the exceptions, then the detail: the page's own order."""
    reason = ("Reason", "reason")
    ref = [("Reference", "reference"), ("Title", "title")]
    return [
        ("summary", _summary(data)),
        ("late", _deliverables(late)),
        ("forecast-after-milestone", _deliverables(after)),
        ("off-track", _deliverables(off_track)),
        ("status", _status_table(data)),
        ("priorities", _breakdown(data["by_priority"], "Priority", rollup=True)),
        ("strands", _breakdown(data["by_strand"], "Strand")),
        (
            "rag",
            [["RAG", "Count"]] + [[r["label"], r["count"]] for r in data["rag"]],
        ),
        (
            "merged",
            _listing(
                _changed(data, rows, "merged"),
                [*ref, ("Merged into", "into_reference"), reason],
            ),
        ),
        ("on-hold", _listing(_changed(data, rows, "on_hold"), [*ref, reason])),
        (
            "redated",
            _listing(
                _changed(data, rows, "redated"),
                [*ref, ("From", "old"), ("To", "new"), reason],
            ),
        ),
        ("stopped", _listing(_changed(data, rows, "stopped"), [*ref, reason])),
        ("completed", _deliverables(_flagged(data, rows, "completed"))),
        ("started", _deliverables(_flagged(data, rows, "started"))),
        ("new", _deliverables(_flagged(data, rows, "new"))),
        (
            "milestones",
            _listing(
                _milestones(data, rows),
                [*ref, ("Milestone", "milestone"), ("Due", "due")],
            ),
        ),
        ("indicators", _indicators(data)),
        (
            "decisions",
            _listing(
                _decisions(data),
                [
                    ("Reference", "reference"),
                    ("Title", "title"),
                    ("Approved on", "approved_on"),
                    ("Decided by", "decided_by"),
                ],
            ),
        ),
        (
            "actions",
            _listing(
                data["actions"]["open"],
                [
                    ("Kind", "kind"),
                    ("Question or recommendation", "text"),
                    ("Raised by", "raised_by"),
                    ("Raised on", "raised_on"),
                    ("Owner", "owner"),
                    ("Due", "due_on"),
                ],
            ),
        ),
        ("deliverables", _deliverables(rows)),
    ]
