"""The annual report's figures: the plan's year, read ONLY from the year's published
quarterly reports (the latest version of each), never from live rows, so that the
year adds up to what the panel was shown quarter by quarter.

Delivery by status and by top-level priority at the start of the year (the first
quarter's counts before its movement, that is as its report showed the end of the
quarter before) and at its end (the last quarter's counts); the year's movement (the
four quarters' movements added up); the work completed in the year; every change of
the year with its reason and its quarter; indicators against baseline and target at
the year's end; decision notices approved and scrutiny actions raised in the year.

``reconcile`` checks the sums: start plus movements equals end for every status and
every priority, and every quarter's changes appear once each. A quarter with no
published report is named in ``missing``: its movement is the difference between the
published reports either side of it (``derived``); at the start or end of the year,
the year starts or ends with the nearest published quarter.

Pure apart from ``year_figures`` (one query for the reports): what it builds is plain
data (strings, numbers, ISO dates), stored as is in a published annual report.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from deliverables.models import PeriodState, Status
from plans.models import Plan, ReportingPeriod
from scrutiny.models import DecisionNotice, PublishedReport

#: The statuses counted, in the lifecycle's order (as the quarterly dashboard).
STATUSES = [
    Status.COMPLETED,
    Status.IN_PROGRESS,
    Status.FUTURE,
    Status.NOT_YET_COMMENCED,
    Status.ON_HOLD,
    Status.WILL_NOT_PROCEED,
    Status.MERGED,
    Status.SPLIT,
]
#: The kinds of change a quarter's summary of changes lists, in its order, and what
#: each is called.
CHANGE_KINDS = {
    **{c.value: c.label for c in PeriodState.Change if c.value},
    "redated": "Re-dated",
}


@dataclass
class PlanYear:
    """A plan year: twelve months from the month the plan's first period starts,
    and the plan's periods that start in them (four quarters, usually)."""

    label: str
    starts_on: datetime.date
    ends_on: datetime.date
    periods: list[ReportingPeriod] = field(default_factory=list)


def _months_after(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def year_label(starts_on: datetime.date) -> str:
    """ "2017" for a year from January, "2024-25" for one from any other month."""
    if starts_on.month == 1:
        return str(starts_on.year)
    return f"{starts_on.year}-{(starts_on.year + 1) % 100:02d}"


def plan_years(periods: list[ReportingPeriod]) -> list[PlanYear]:
    """The plan years of ``periods`` (one plan's), oldest first."""
    periods = sorted(periods, key=lambda p: p.starts_on)
    if not periods:
        return []
    first = periods[0].starts_on.replace(day=1)
    years: dict[int, PlanYear] = {}
    for period in periods:
        months = (period.starts_on.year - first.year) * 12 + (
            period.starts_on.month - first.month
        )
        index = months // 12
        if index not in years:
            starts = _months_after(first, 12 * index)
            years[index] = PlanYear(
                label=year_label(starts),
                starts_on=starts,
                ends_on=_months_after(starts, 12) - datetime.timedelta(days=1),
            )
        years[index].periods.append(period)
    return [years[i] for i in sorted(years)]


def plan_year(plan: Plan, label: str) -> PlanYear | None:
    """The plan's year called ``label``, or None."""
    for year in plan_years(list(plan.reporting_periods.all())):
        if year.label == label:
            return year
    return None


def latest_quarterly_reports(
    plan: Plan, periods: list[ReportingPeriod]
) -> dict[int, PublishedReport]:
    """The latest published version of each of ``periods``' reports, by period id:
    one query."""
    return {
        r.period_id: r
        for r in PublishedReport.objects.filter(plan=plan, period__in=periods)
        .latest_versions()
        .select_related("period")
        .defer("html")
    }


def missing_text(labels: list[str]) -> str:
    """ "Q3 2017 and Q4 2017 have no published report"."""
    if not labels:
        return ""
    names = (
        labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    )
    verb = "has" if len(labels) == 1 else "have"
    return f"{names} {verb} no published report"


def _status_counts(data: dict, key: str) -> dict[str, int]:
    counts = {s.value: 0 for s in STATUSES}
    for row in data.get("statuses", []):
        if row["status"] in counts:
            counts[row["status"]] = row.get(key, 0) or 0
    return counts


def _group_counts(group: dict | None, key: str) -> dict[str, int]:
    counts = (group or {}).get(key) or {}
    return {s.value: counts.get(s.value, 0) for s in STATUSES}


def build_figures(
    year: PlanYear, reports: dict[int, PublishedReport]
) -> dict[str, Any]:
    """The year's figures from ``reports`` (the latest published report of each of
    the year's periods that has one, by period id)."""
    quarters: list[dict[str, Any]] = []
    present: list[tuple[dict[str, Any], PublishedReport]] = []
    for period in year.periods:
        report = reports.get(period.pk)
        quarter: dict[str, Any] = {
            "id": period.pk,
            "label": period.label,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            "report_id": report.pk if report else None,
            "version": report.version if report else None,
        }
        quarters.append(quarter)
        if report is not None:
            present.append((quarter, report))
    missing = [q["label"] for q in quarters if q["report_id"] is None]
    figures: dict[str, Any] = {
        "schema": 1,
        "year": year.label,
        "starts_on": year.starts_on.isoformat(),
        "ends_on": year.ends_on.isoformat(),
        "quarters": quarters,
        "missing": missing,
        "missing_text": missing_text(missing),
        "statuses": [],
        "by_priority": [],
        "priority_columns": [],
        "completed": [],
        "changes": [],
        "declared": {},
        "indicators": [],
        "decisions": [],
        "actions": [],
    }
    if not present:
        return figures
    first_quarter, first = present[0]
    last_quarter, last = present[-1]
    figures["start_as_at"] = (first.data.get("previous") or {"label": ""}).get(
        "label"
    ) or ""
    figures["start_quarter"] = first_quarter["label"]
    figures["end_quarter"] = last_quarter["label"]

    # Each quarter's movement by status and by top-level priority: its counts less
    # the counts before it. A run of missing quarters between two published ones
    # moved what the later one's "before" differs from the earlier one's counts (put
    # on the run's first quarter); at the year's start or end, nothing is known.
    tallies: list[dict[str, Any] | None] = []
    for quarter in quarters:
        report = reports.get(quarter["id"])
        if report is None:
            tallies.append(None)
            continue
        groups = {str(g["id"]): g for g in report.data.get("by_priority", [])}
        tallies.append(
            {
                "now": _status_counts(report.data, "count"),
                "was": _status_counts(report.data, "previous"),
                "group_now": {k: _group_counts(g, "counts") for k, g in groups.items()},
                "group_was": {
                    k: _group_counts(g, "previous_counts") for k, g in groups.items()
                },
            }
        )

    def minus(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
        return {s: a.get(s, 0) - b.get(s, 0) for s in a}

    def minus_groups(a: dict[str, dict], b: dict[str, dict]) -> dict[str, dict]:
        zero = {s.value: 0 for s in STATUSES}
        return {k: minus(a.get(k, zero), b.get(k, zero)) for k in set(a) | set(b)}

    moves: list[dict[str, Any]] = []
    # Deliverables that stood under another top-level priority at the end of the
    # quarter before than its report showed them under (a plan variation, or work
    # moved to another objective): counted as moved between priorities, by status.
    regrouped: dict[str, Counter[str]] = {}
    for index, tally in enumerate(tallies):
        label = quarters[index]["label"]
        if tally is not None:
            before = tallies[index - 1] if index > 0 else None
            if before is not None:
                for gid, by in minus_groups(
                    tally["group_was"], before["group_now"]
                ).items():
                    regrouped.setdefault(gid, Counter()).update(by)
            moves.append(
                {
                    "label": label,
                    "derived": False,
                    "statuses": minus(tally["now"], tally["was"]),
                    "groups": minus_groups(tally["group_now"], tally["group_was"]),
                }
            )
            continue
        earlier = next((t for t in reversed(tallies[:index]) if t), None)
        later = next((t for t in tallies[index + 1 :] if t), None)
        opens_run = index == 0 or tallies[index - 1] is not None
        if earlier is None or later is None:
            moves.append({"label": label, "derived": True, "unknown": True})
        elif opens_run:
            moves.append(
                {
                    "label": label,
                    "derived": True,
                    "statuses": minus(later["was"], earlier["now"]),
                    "groups": minus_groups(later["group_was"], earlier["group_now"]),
                }
            )
        else:
            moves.append(
                {"label": label, "derived": True, "statuses": {}, "groups": {}}
            )

    start = _status_counts(first.data, "previous")
    end = _status_counts(last.data, "count")
    labels = {s.value: s.label for s in STATUSES}
    for status in STATUSES:
        s = status.value
        per_quarter = [
            None if m.get("unknown") else m["statuses"].get(s, 0) for m in moves
        ]
        figures["statuses"].append(
            {
                "status": s,
                "label": labels[s],
                "start": start[s],
                "movements": per_quarter,
                "movement": sum(v for v in per_quarter if v is not None),
                "end": end[s],
            }
        )
    figures["movement_labels"] = [
        {"label": m["label"], "derived": bool(m.get("derived"))} for m in moves
    ]
    figures["start_total"] = sum(start.values())
    figures["end_total"] = sum(end.values())

    # Priorities: as the last quarter shows them (its labels and order), then any
    # only earlier quarters had.
    first_groups = {str(g["id"]): g for g in first.data.get("by_priority", [])}
    order: list[dict] = list(last.data.get("by_priority", []))
    seen = {str(g["id"]) for g in order}
    for _quarter, report in reversed(present):
        for g in report.data.get("by_priority", []):
            if str(g["id"]) not in seen:
                order.append(g)
                seen.add(str(g["id"]))
    last_groups = {str(g["id"]): g for g in last.data.get("by_priority", [])}
    for group in order:
        gid = str(group["id"])
        g_start = _group_counts(first_groups.get(gid), "previous_counts")
        g_end = _group_counts(last_groups.get(gid), "counts")
        movement = Counter[str]()
        for m in moves:
            for s, n in (m.get("groups", {}).get(gid) or {}).items():
                movement[s] += n
        figures["by_priority"].append(
            {
                "id": group["id"],
                "label": group["label"],
                "title": group["title"],
                "start": g_start,
                "movement": {s.value: movement[s.value] for s in STATUSES},
                "moved": {
                    s.value: regrouped.get(gid, Counter())[s.value] for s in STATUSES
                },
                "end": g_end,
                "start_total": sum(g_start.values()),
                "end_total": sum(g_end.values()),
            }
        )
    figures["priority_columns"] = [
        s.value
        for s in STATUSES
        if any(
            g["start"][s.value] or g["end"][s.value] or g["movement"][s.value]
            for g in figures["by_priority"]
        )
    ]
    figures["regrouped"] = any(any(g["moved"].values()) for g in figures["by_priority"])

    # Completed work and every change, quarter by quarter, from every row.
    for quarter, report in present:
        label = quarter["label"]
        counts = report.data.get("counts", {})
        figures["declared"][label] = {
            kind: counts.get(kind, 0) for kind in (*CHANGE_KINDS, "completed")
        }
        for row in report.every_row:
            if row.get("completed"):
                figures["completed"].append(
                    {
                        "quarter": label,
                        "id": row["id"],
                        "reference": row["reference"],
                        "title": row["title"],
                        "lead": row.get("lead", ""),
                    }
                )
            for kind, entry in (row.get("changes") or {}).items():
                change = {
                    "quarter": label,
                    "kind": kind,
                    "kind_label": CHANGE_KINDS.get(kind, kind),
                    "id": entry.get("id", row["id"]),
                    "reference": entry.get("reference", row["reference"]),
                    "title": entry.get("title", row["title"]),
                    "reason": entry.get("reason") or "",
                }
                if kind == "redated":
                    change["detail"] = f"From {entry.get('old')} to {entry.get('new')}"
                elif kind == "merged" and entry.get("into_reference"):
                    change["detail"] = f"Into {entry['into_reference']}"
                elif kind == "split" and entry.get("parts"):
                    change["detail"] = "Into " + ", ".join(entry["parts"])
                elif kind == "resumed" and entry.get("status"):
                    change["detail"] = f"Now {entry['status']}"
                else:
                    change["detail"] = ""
                figures["changes"].append(change)

    # Indicators at the year's end, against baseline and target, with each
    # published quarter's value.
    values: dict[Any, dict[str, Any]] = {}
    for quarter, report in present:
        for ind in report.data.get("indicators", []):
            values.setdefault(ind["id"], {})[quarter["label"]] = ind.get(
                "withheld"
            ) or ind.get("value")
    for ind in last.data.get("indicators", []):
        figures["indicators"].append(
            {
                "id": ind["id"],
                "title": ind["title"],
                "unit": ind.get("unit", ""),
                "direction_label": ind.get("direction_label", ""),
                "baseline": ind.get("baseline"),
                "baseline_label": ind.get("baseline_label", ""),
                "target": ind.get("target"),
                "value": ind.get("value"),
                "withheld": ind.get("withheld", ""),
                "vs_baseline": ind.get("vs_baseline"),
                "target_met": ind.get("target_met"),
                "quarters": [
                    values.get(ind["id"], {}).get(q["label"]) for q in quarters
                ],
            }
        )

    # Decision notices approved in the year, and scrutiny actions raised in it
    # with their state as the last published quarter showed it.
    notices: dict[Any, dict] = {}
    actions: dict[Any, dict] = {}
    for quarter, report in present:
        for notice in report.data.get("decisions", []):
            notices[notice["id"]] = {
                "id": notice["id"],
                "reference": DecisionNotice.reference_label(
                    notice["reference"], notice.get("reference_generated")
                ),
                "title": notice["title"],
                "approved_on": notice["approved_on"],
                "approved": DecisionNotice.date_text(
                    datetime.date.fromisoformat(notice["approved_on"]),
                    notice.get("approved_on_precision"),
                ),
                "decided_by": notice.get("decided_by", ""),
                "deliverables": notice.get("deliverables", []),
                "quarter": quarter["label"],
            }
        listed = report.data.get("actions") or {}
        for state, rows in (("Open", listed.get("open", [])),) + (
            ("Answered", listed.get("answered", [])),
        ):
            for action in rows:
                if not (
                    figures["starts_on"] <= action["raised_on"] <= figures["ends_on"]
                ):
                    continue
                actions[action["id"]] = {
                    "id": action["id"],
                    "kind": action["kind"],
                    "text": action["text"],
                    "raised_by": action["raised_by"],
                    "raised_on": action["raised_on"],
                    "owner": action["owner"],
                    "due_on": action.get("due_on", ""),
                    "state": state,
                    "answered_on": action.get("answered_on", "")
                    if state == "Answered"
                    else "",
                    "response": action.get("response", "")
                    if state == "Answered"
                    else "",
                }
    figures["decisions"] = sorted(
        notices.values(), key=lambda n: (n["approved_on"], str(n["reference"]))
    )
    figures["actions"] = sorted(
        actions.values(), key=lambda a: (a["raised_on"], a["id"])
    )
    return figures


def year_figures(plan: Plan, year: PlanYear) -> dict[str, Any]:
    """The figures of ``plan``'s ``year``, from its published quarterly reports."""
    return build_figures(year, latest_quarterly_reports(plan, year.periods))


def reconcile(figures: dict[str, Any]) -> list[str]:
    """What does not add up, in words: empty when the year reconciles.

    For every status, and every status of every top-level priority, the start of
    the year plus the year's movements must equal the end; every quarter's changes
    must appear once each, as many of each kind as its report counted."""
    problems: list[str] = []
    for row in figures["statuses"]:
        if row["start"] + row["movement"] != row["end"]:
            problems.append(
                f"{row['label']}: {row['start']} at the start of the year and "
                f"{row['movement']:+d} in the year make "
                f"{row['start'] + row['movement']}, but the year ends with "
                f"{row['end']}."
            )
    for group in figures["by_priority"]:
        for s in STATUSES:
            begin, moved, end = (
                group["start"][s.value],
                group["movement"][s.value],
                group["end"][s.value],
            )
            between = group.get("moved", {}).get(s.value, 0)
            if begin + moved + between != end:
                problems.append(
                    f"{group['label']} {group['title']}, {s.label}: {begin} at the "
                    f"start of the year and {moved + between:+d} in the year make "
                    f"{begin + moved + between}, but the year ends with {end}."
                )
    for s in STATUSES:
        # What moved between priorities moved out of one and into another.
        net = sum(g.get("moved", {}).get(s.value, 0) for g in figures["by_priority"])
        if net:
            problems.append(
                f"{s.label}: the moves between priorities add up to {net:+d}, not 0: "
                "a quarter's report does not follow on from the one before it."
            )
    listed: Counter[tuple[str, str]] = Counter()
    seen: Counter[tuple[str, Any, str]] = Counter()
    for change in figures["changes"]:
        listed[change["quarter"], change["kind"]] += 1
        seen[change["quarter"], change["id"], change["kind"]] += 1
    for (quarter, _id, kind), times in seen.items():
        if times > 1:
            reference = next(
                c["reference"]
                for c in figures["changes"]
                if (c["quarter"], c["id"], c["kind"]) == (quarter, _id, kind)
            )
            problems.append(
                f"{quarter}: {reference} ({CHANGE_KINDS.get(kind, kind).lower()}) "
                f"appears {times} times."
            )
    completed = Counter(c["quarter"] for c in figures["completed"])
    for quarter, declared in figures["declared"].items():
        for kind, label in CHANGE_KINDS.items():
            if declared.get(kind, 0) != listed[quarter, kind]:
                problems.append(
                    f"{quarter}: its report counts {declared.get(kind, 0)} "
                    f"{label.lower()}, but {listed[quarter, kind]} are listed."
                )
        if declared.get("completed", 0) != completed[quarter]:
            problems.append(
                f"{quarter}: its report counts {declared.get('completed', 0)} "
                f"completed, but {completed[quarter]} are listed."
            )
    return problems
