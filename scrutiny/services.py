"""Publishing a quarterly report: the dashboard frozen as data and HTML, versioned."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from deliverables.models import Deliverable
from plans.models import PeriodEvent, Plan, ReportingPeriod
from plans.permissions import edits_plan
from scrutiny.charts import charts_for
from scrutiny.dashboard import build_dashboard
from scrutiny.models import PublishedReport


def differences(old: dict, new: dict) -> list[str]:
    """What a correction changed in the figures, line by line, in words."""
    lines = []
    if old["total"] != new["total"]:
        lines.append(f"Deliverables: {old['total']} to {new['total']}")
    before = {r["status"]: r["count"] for r in old["statuses"]}
    for row in new["statuses"]:
        if before.get(row["status"], 0) != row["count"]:
            lines.append(
                f"{row['label']}: {before.get(row['status'], 0)} to {row['count']}"
            )
    rows_before = {r["id"]: r for r in old.get("deliverables", [])}
    for row in new.get("deliverables", []):
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
    for key, label in (("late", "Late"), ("off_track", "Off track")):
        if len(old[key]) != len(new[key]):
            lines.append(f"{label}: {len(old[key])} to {len(new[key])}")
    return lines


def render_report(data: dict, report: dict | None = None) -> str:
    """The dashboard's body as HTML, the same for screen, print and PDF."""
    return render_to_string(
        "scrutiny/_dashboard.html",
        {"data": data, "charts": charts_for(data), "report": report},
    )


def publish_report(
    *, plan: Plan, period: ReportingPeriod, by: Any, change_note: str = ""
) -> PublishedReport:
    """Freeze the dashboard of ``plan`` at the end of ``period`` as a new version.

    The first publication is version 1; each correction is the next version and must
    say what changed. Plan editors only. A published report shows names only when the
    plan's owner has chosen to show them in public.
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
        )
        version = last.version + 1 if last else 1
        published_at = timezone.now()
        data["differences"] = differences(last.data, data) if last else []
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
            html=render_report(data, meta),
        )
        lock_period(
            period=period,
            by=by,
            reason=f"Report version {version} published.",
            at=published_at,
        )
        return report


@transaction.atomic
def lock_period(
    *,
    period: ReportingPeriod,
    by: Any,
    reason: str,
    at: datetime.datetime | None = None,
) -> ReportingPeriod:
    """Lock a period so that no path takes updates for it; record who and why.

    Publishing a quarter's report calls this. Locking a locked period changes nothing.
    """
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_locked:
        return period
    at = at or timezone.now()
    period.locked_at, period.locked_by = at, by
    period.save(update_fields=["locked_at", "locked_by"])
    PeriodEvent.objects.create(
        period=period, kind=PeriodEvent.Kind.LOCKED, reason=reason, by=by, at=at
    )
    return period


@transaction.atomic
def reopen_period(
    *,
    period: ReportingPeriod,
    by: Any,
    reason: str,
    closes_on: datetime.date | None = None,
) -> ReportingPeriod:
    """Reopen a locked or closed period for updates, with the reason recorded.

    It takes updates again until ``closes_on`` (by default two weeks from today, or
    its own closing date if that is later). Publishing a correction locks it again.
    Plan editors only.
    """
    period = (
        ReportingPeriod.objects.select_for_update()
        .select_related("plan")
        .get(pk=period.pk)
    )
    if not edits_plan(by, period.plan):
        raise PermissionDenied("Only the plan's editors reopen its periods.")
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why the period is being reopened."
    elif len(reason) > 2000:
        errors["reason"] = "Keep the reason to 2,000 characters or fewer."
    today = timezone.localdate()
    if closes_on is None:
        closes_on = max(period.closes_on, today + datetime.timedelta(days=14))
    elif closes_on < today:
        errors["closes_on"] = "The date it closes again must be today or later."
    elif closes_on < period.due_on:
        errors["closes_on"] = (
            "The date it closes again must be on or after the due date, "
            f"{date_format(period.due_on, 'j F Y')}."
        )
    if not errors and period.state_on(today) == ReportingPeriod.State.OPEN:
        if closes_on == period.closes_on:
            errors["reason"] = f"{period.label} is already open for updates."
    if errors:
        raise ValidationError(errors)
    period.locked_at, period.locked_by = None, None
    period.closes_on = closes_on
    period.save(update_fields=["locked_at", "locked_by", "closes_on"])
    PeriodEvent.objects.create(
        period=period,
        kind=PeriodEvent.Kind.REOPENED,
        reason=reason,
        by=by,
        at=timezone.now(),
        closes_on=closes_on,
    )
    return period
