"""Published reports' writes: publishing a quarterly report (the dashboard frozen as
data and HTML, versioned, its PDF drawn in the background), and what a correction
changed.

Forms validate and shape; every rule about state and dates is decided here."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.actors import Writer
from deliverables.models import Deliverable
from plans.models import Plan, ReportingPeriod
from plans.permissions import edits_plan
from plans.services import lock_period
from plans.webhooks import services as webhooks
from plans.webhooks.events import report_data
from plans.webhooks.models import Event
from scrutiny.dashboards.charts import charts_for
from scrutiny.dashboards.figures import build_dashboard, dashboard_rows
from scrutiny.models import PublishedReport
from scrutiny.reports.tasks import draw_report_pdf


def _count(data: dict, key: str) -> int:
    """How many rows a figure had: its count, or (in a report published before the
    lists were capped) the length of its list."""
    if key in data.get("counts", {}):
        return data["counts"][key]
    return len(data.get(key, []))


def differences(
    old: dict, new: dict, old_rows: list[dict], new_rows: list[dict]
) -> list[str]:
    """What a correction changed in the figures and rows, line by line, in words."""
    lines = []
    if old["total"] != new["total"]:
        lines.append(f"Deliverables: {old['total']} to {new['total']}")
    before = {r["status"]: r["count"] for r in old["statuses"]}
    for row in new["statuses"]:
        if before.get(row["status"], 0) != row["count"]:
            lines.append(
                f"{row['label']}: {before.get(row['status'], 0)} to {row['count']}"
            )
    rows_before = {r["id"]: r for r in old_rows}
    for row in new_rows:
        was = rows_before.get(row["id"])
        if was is None:
            lines.append(f"{row['reference']} added")
            continue
        for key, label in (
            ("status_label", "status"),
            ("rag_label", "RAG"),
            ("forecast", "forecast"),
        ):
            if was[key] != row[key]:
                lines.append(f"{row['reference']} {label}: {was[key]} to {row[key]}")
    for key, label in (
        ("late", "Late"),
        ("forecast_after_milestone", "Forecast after its milestone"),
        ("off_track", "Off track"),
    ):
        # A version published before a figure existed counts none.
        had, has = _count(old, key), _count(new, key)
        if had != has:
            lines.append(f"{label}: {had} to {has}")
    # The body's own words: a correction may change only these, and still says so.
    said, says = old.get("commentary") or {}, new.get("commentary") or {}
    for key, label in (
        ("summary", "Executive summary"),
        ("forward_look", "Looking ahead"),
    ):
        if said.get(key, "") != says.get(key, ""):
            lines.append(
                f"{label}: rewritten" if says.get(key) else f"{label}: removed"
            )
    narratives = {g["id"]: g.get("narrative", "") for g in old.get("by_priority", [])}
    for group in new.get("by_priority", []):
        if narratives.get(group["id"], "") != group.get("narrative", ""):
            lines.append(f"Narrative for {group['label']} {group['title']}: rewritten")
    return lines


def render_report(data: dict, report: dict | None = None) -> str:
    """The dashboard's body as HTML, the same for screen, print and PDF."""
    return render_to_string(
        "scrutiny/_dashboard.html",
        {"data": data, "charts": charts_for(data), "report": report},
    )


def publish_report(
    *, plan: Plan, period: ReportingPeriod, by: Writer, change_note: str = ""
) -> PublishedReport:
    """Freeze the dashboard of ``plan`` at the end of ``period`` as a new version.

    The first publication is version 1; each correction is the next version and must
    say what changed. Plan editors only. A published report shows names only when the
    plan's owner has chosen to show them in public. Each version's PDF is drawn once,
    in the background after the transaction commits, and kept.
    """
    if period.plan_id != plan.pk:
        raise ValidationError({"period": "Choose a period of this plan."})
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors publish its reports.")
    change_note = (change_note or "").strip()
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("owner").get(pk=plan.pk)
        last = (
            PublishedReport.objects.filter(plan=plan, period=period)
            .order_by("-version")
            .first()
        )
        if last is not None and not change_note:
            raise ValidationError(
                {
                    "change_note": (
                        f"Say what this correction changes since version "
                        f"{last.version}, and why."
                    )
                }
            )
        if len(change_note) > 2000:
            raise ValidationError(
                {"change_note": "Keep what changed to 2,000 characters or fewer."}
            )
        data = build_dashboard(
            plan,
            period,
            Deliverable.objects.all(),
            show_names=plan.owner.names_in_public,
            today=timezone.localdate(),
            commentary=True,
        )
        rows = dashboard_rows(
            plan,
            period,
            Deliverable.objects.all(),
            show_names=plan.owner.names_in_public,
        )
        version = last.version + 1 if last else 1
        published_at = timezone.now()
        data["differences"] = (
            differences(last.data, data, last.every_row, rows) if last else []
        )
        meta = {
            "version": version,
            "published_on": timezone.localdate(published_at).isoformat(),
            "change_note": change_note,
            "differences": data["differences"],
        }
        report = PublishedReport.objects.create(
            plan=plan,
            period=period,
            version=version,
            published_at=published_at,
            published_by=by,
            change_note=change_note,
            data=data,
            rows=rows,
            html=render_report(data, meta),
        )
        lock_period(
            period=period,
            by=by,
            reason=f"Report version {version} published.",
            at=published_at,
        )
        webhooks.emit(
            Event.REPORT_PUBLISHED, plan=plan, data=report_data(report, period)
        )
        # Its PDF is drawn in the background once the report is committed (a worker
        # reads it from the database); should queueing fail, the first download
        # draws it instead, so publishing still succeeds.
        transaction.on_commit(
            functools.partial(draw_report_pdf.enqueue, report.pk), robust=True
        )
        return report
