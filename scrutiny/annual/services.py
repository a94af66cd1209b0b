"""The annual report's writes, in the order the law sets its steps (Police Reform and
Social Responsibility Act 2011, s.12 and s.28): draft it, send it to the panel,
record the recommendations the panel made at its public meeting, record the
response, and publish it (frozen, with versions; a correction is a new version
that says what changed).

The plan's editors only; every write names who made it. Each step refuses, with a
ValidationError naming the field, a report not at the step before it, and writes
nothing when it refuses.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.actors import Writer
from core.history import attribute_to
from plans.models import Plan
from plans.permissions import edits_plan
from scrutiny.annual.figures import plan_year, reconcile, year_figures
from scrutiny.annual.models import AnnualReport, PublishedAnnualReport
from scrutiny.annual.tasks import draw_annual_pdf
from scrutiny.recommendations.models import Recommendation
from scrutiny.recommendations.services import (
    respond_to_recommendation,
    save_recommendation,
)

State = AnnualReport.State

#: The longest each of the editor's sections may be, in characters.
SECTION_LIMITS = {"foreword": 6000, "looking_ahead": 4000, "narrative": 4000}
#: The longest reason for missing quarters, and what a correction changed.
REASON_LIMIT = 2000
#: How many recommendations one meeting's record may hold.
MAX_RECOMMENDATIONS = 50


def _editor(by: Writer, plan: Plan) -> None:
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors work on its annual report.")


def _locked(report: AnnualReport) -> AnnualReport:
    return (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("plan__owner")
        .get(pk=report.pk)
    )


def _at(report: AnnualReport, state: str, field: str, doing: str) -> None:
    if report.state != state:
        raise ValidationError(
            {
                field: f'The report is at the step "{report.get_state_display()}": '
                f"it can be {doing} only at the step "
                f'"{AnnualReport.State(state).label}".'
            }
        )


def _touch(report: AnnualReport, by: Writer) -> None:
    report.updated_by = by
    report.updated_at = timezone.now()
    attribute_to(report, by=by)
    report.save()


@transaction.atomic
def create_annual_report(*, plan: Plan, year: str, by: Writer) -> AnnualReport:
    """A draft annual report of ``plan`` for its year ``year`` (such as "2017"),
    made of the plan's periods in that year. One report per plan year."""
    _editor(by, plan)
    found = plan_year(plan, (year or "").strip())
    if found is None:
        raise ValidationError({"year": "Choose one of the plan's years."})
    if AnnualReport.objects.filter(plan=plan, year=found.label).exists():
        raise ValidationError(
            {"year": f"The plan already has an annual report for {found.label}."}
        )
    report = AnnualReport(plan=plan, year=found.label, created_by=by, updated_by=by)
    attribute_to(report, by=by)
    report.save()
    report.periods.set(found.periods)
    return report


@transaction.atomic
def save_sections(
    *,
    report: AnnualReport,
    by: Writer,
    foreword: str = "",
    looking_ahead: str = "",
    narratives: dict[str, str] | None = None,
    missing_quarters_reason: str = "",
) -> AnnualReport:
    """The editor's own words: the foreword, a narrative per top-level priority
    (by the priority's id), a look ahead, and why quarters are missing if any are.
    They may change at any step; a published version keeps the words it was
    published with."""
    _editor(by, report.plan)
    report = _locked(report)
    errors: dict[str, str] = {}
    foreword = (foreword or "").strip()
    looking_ahead = (looking_ahead or "").strip()
    reason = (missing_quarters_reason or "").strip()
    if len(foreword) > SECTION_LIMITS["foreword"]:
        errors["foreword"] = (
            f"Keep the foreword to {SECTION_LIMITS['foreword']:,} characters or fewer."
        )
    if len(looking_ahead) > SECTION_LIMITS["looking_ahead"]:
        errors["looking_ahead"] = (
            f"Keep the look ahead to {SECTION_LIMITS['looking_ahead']:,} characters "
            "or fewer."
        )
    if len(reason) > REASON_LIMIT:
        errors["missing_quarters_reason"] = (
            f"Keep the reason to {REASON_LIMIT:,} characters or fewer."
        )
    kept: dict[str, str] = {}
    for key, text in (narratives or {}).items():
        text = (text or "").strip()
        if len(text) > SECTION_LIMITS["narrative"]:
            errors[f"narrative_{key}"] = (
                f"Keep each narrative to {SECTION_LIMITS['narrative']:,} characters "
                "or fewer."
            )
        elif text:
            kept[str(key)] = text
    if errors:
        raise ValidationError(errors)
    report.foreword = foreword
    report.looking_ahead = looking_ahead
    report.narratives = kept
    report.missing_quarters_reason = reason
    _touch(report, by)
    return report


def _year_start(report: AnnualReport) -> datetime.date | None:
    found = plan_year(report.plan, report.year)
    return found.starts_on if found else None


@transaction.atomic
def send_to_panel(
    *, report: AnnualReport, by: Writer, sent_on: datetime.date | None
) -> AnnualReport:
    """The draft goes to the police and crime panel, on ``sent_on``."""
    _editor(by, report.plan)
    report = _locked(report)
    _at(report, State.DRAFT, "sent_on", "sent to the panel")
    if sent_on is None:
        raise ValidationError({"sent_on": "Enter the date it was sent to the panel."})
    starts = _year_start(report)
    if starts is not None and sent_on < starts:
        raise ValidationError(
            {"sent_on": "The date sent must be after the year's start."}
        )
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": "The date sent must not be in the future."})
    report.state = State.SENT_TO_PANEL
    report.sent_on = sent_on
    _touch(report, by)
    return report


@transaction.atomic
def record_panel_recommendations(
    *,
    report: AnnualReport,
    by: Writer,
    reviewed_on: datetime.date | None,
    texts: list[str],
) -> AnnualReport:
    """The panel reviewed the report at its public meeting on ``reviewed_on`` and
    made the recommendations ``texts`` (none, if it made none): each becomes a
    recommendation in the register (source "panel review of the annual report",
    the plan's owner to respond, due by the source's rule) linked to the report."""
    _editor(by, report.plan)
    report = _locked(report)
    _at(report, State.SENT_TO_PANEL, "reviewed_on", "reviewed")
    if reviewed_on is None:
        raise ValidationError(
            {"reviewed_on": "Enter the date of the panel's public meeting."}
        )
    if report.sent_on and reviewed_on < report.sent_on:
        raise ValidationError(
            {
                "reviewed_on": "The meeting must be on or after the day the report "
                "was sent to the panel."
            }
        )
    if reviewed_on > timezone.localdate():
        raise ValidationError(
            {"reviewed_on": "The meeting's date must not be in the future."}
        )
    texts = [t.strip() for t in texts if t and t.strip()]
    if len(texts) > MAX_RECOMMENDATIONS:
        raise ValidationError(
            {
                "recommendations": f"Record at most {MAX_RECOMMENDATIONS} "
                "recommendations at once."
            }
        )
    made = []
    for number, text in enumerate(texts, start=1):
        made.append(
            save_recommendation(
                plan=report.plan,
                by=by,
                text=text,
                reference=f"AR {report.year}/{number}",
                source=Recommendation.Source.ANNUAL_REVIEW,
                source_title=f"Panel review of the annual report {report.year}",
                published_on=reviewed_on,
                owner=report.plan.owner,
            )
        )
    report.recommendations.add(*made)
    report.state = State.PANEL_RECOMMENDATIONS
    report.reviewed_on = reviewed_on
    _touch(report, by)
    return report


@transaction.atomic
def record_response(
    *,
    report: AnnualReport,
    by: Writer,
    responded_on: datetime.date | None,
    responses: dict[int, str] | None = None,
    overall: str = "",
) -> AnnualReport:
    """The commissioner's response to the panel, given on ``responded_on``: a
    response to each recommendation (``responses``, by its id), an overall one,
    or both. Every recommendation needs its own response unless an overall one is
    given; with no recommendations, the overall one is needed."""
    _editor(by, report.plan)
    report = _locked(report)
    _at(report, State.PANEL_RECOMMENDATIONS, "responded_on", "responded to")
    if responded_on is None:
        raise ValidationError({"responded_on": "Enter the date of the response."})
    if report.reviewed_on and responded_on < report.reviewed_on:
        raise ValidationError(
            {"responded_on": "The response must be on or after the panel's meeting."}
        )
    if responded_on > timezone.localdate():
        raise ValidationError(
            {"responded_on": "The response's date must not be in the future."}
        )
    overall = (overall or "").strip()
    answers = {int(k): (v or "").strip() for k, v in (responses or {}).items()}
    recommendations = list(report.recommendations.order_by("pk"))
    errors: dict[str, str] = {}
    if len(overall) > SECTION_LIMITS["foreword"]:
        errors["overall"] = (
            f"Keep the response to {SECTION_LIMITS['foreword']:,} characters or fewer."
        )
    if not recommendations and not overall:
        errors["overall"] = "Enter the response to the panel."
    for recommendation in recommendations:
        if recommendation.state != Recommendation.State.OPEN:
            continue
        if not answers.get(recommendation.pk) and not overall:
            errors[f"response_{recommendation.pk}"] = (
                "Enter the response to this recommendation, or an overall response."
            )
    if errors:
        raise ValidationError(errors)
    for recommendation in recommendations:
        text = answers.get(recommendation.pk) or ""
        if recommendation.state == Recommendation.State.OPEN and text:
            respond_to_recommendation(
                recommendation=recommendation,
                by=by,
                response=text,
                responded_on=responded_on,
            )
    report.overall_response = overall
    report.responded_on = responded_on
    report.state = State.RESPONSE_RECORDED
    _touch(report, by)
    return report


# Publishing -------------------------------------------------------------------------


def publishing_problems(report: AnnualReport, figures: dict[str, Any]) -> list[str]:
    """Why ``report`` may not be published as it stands (empty when it may)."""
    problems = []
    if not any(q["report_id"] for q in figures["quarters"]):
        problems.append(
            "None of the year's quarters has a published report: publish them first."
        )
    if figures["missing"] and not report.missing_quarters_reason.strip():
        problems.append(
            f"{figures['missing_text']}: publish them, or say why in "
            '"Why quarters are missing".'
        )
    problems += reconcile(figures)
    return problems


def _content(report: AnnualReport, figures: dict[str, Any]) -> dict[str, Any]:
    """What a published version holds: the figures, the editor's words, the panel's
    recommendations and the response, as they are now."""
    narratives = report.narratives or {}
    plan = report.plan
    return {
        "schema": 1,
        "year": report.year,
        "plan": {
            "id": plan.pk,
            "title": plan.title,
            "reference": plan.reference,
            "owner": plan.owner.name,
        },
        "figures": figures,
        "foreword": report.foreword,
        "looking_ahead": report.looking_ahead,
        "narratives": [
            {
                "id": g["id"],
                "label": g["label"],
                "title": g["title"],
                "text": narratives.get(str(g["id"]), ""),
            }
            for g in figures["by_priority"]
            if narratives.get(str(g["id"]))
        ],
        "missing_quarters_reason": (
            report.missing_quarters_reason if figures["missing"] else ""
        ),
        "sent_on": report.sent_on.isoformat() if report.sent_on else "",
        "reviewed_on": report.reviewed_on.isoformat() if report.reviewed_on else "",
        "responded_on": report.responded_on.isoformat() if report.responded_on else "",
        "recommendations": [
            {
                "id": r.pk,
                "reference": r.reference,
                "text": r.text,
                "response": r.response,
                "responded_on": r.responded_on.isoformat() if r.responded_on else "",
                "state": r.get_state_display(),
            }
            for r in report.recommendations.order_by("pk")
        ],
        "overall_response": report.overall_response,
    }


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What a correction changed, line by line, in words."""
    lines = []
    before = {r["status"]: r for r in old["figures"]["statuses"]}
    for row in new["figures"]["statuses"]:
        was = before.get(row["status"])
        for key, when in (("start", "at the start"), ("end", "at the end")):
            if was is not None and was[key] != row[key]:
                lines.append(
                    f"{row['label']} {when} of the year: {was[key]} to {row[key]}"
                )
    if old["figures"]["missing"] != new["figures"]["missing"]:
        lines.append(
            "Quarters without a published report: "
            f"{', '.join(old['figures']['missing']) or 'none'} to "
            f"{', '.join(new['figures']['missing']) or 'none'}"
        )
    for key, label in (
        ("foreword", "Foreword"),
        ("looking_ahead", "Looking ahead"),
        ("overall_response", "Response to the panel"),
        ("missing_quarters_reason", "Why quarters are missing"),
    ):
        if old.get(key, "") != new.get(key, ""):
            lines.append(f"{label}: rewritten" if new.get(key) else f"{label}: removed")
    said = {n["id"]: n["text"] for n in old.get("narratives", [])}
    for narrative in new.get("narratives", []):
        if said.get(narrative["id"], "") != narrative["text"]:
            lines.append(
                f"Narrative for {narrative['label']} {narrative['title']}: rewritten"
            )
    answered = {r["id"]: r["response"] for r in old.get("recommendations", [])}
    for rec in new.get("recommendations", []):
        if answered.get(rec["id"], "") != rec["response"]:
            lines.append(f"Response to {rec['reference'] or rec['text'][:40]}: changed")
    return lines


def render_annual_report(data: dict[str, Any], meta: dict[str, Any]) -> str:
    """The annual report's body as HTML, the same for screen, print and PDF."""
    return render_to_string(
        "scrutiny/annual/_report.html",
        {"data": data, "figures": data["figures"]} | meta,
    )


@transaction.atomic
def publish_annual_report(
    *, report: AnnualReport, by: Writer, change_note: str = ""
) -> PublishedAnnualReport:
    """Freeze the annual report as a new version: version 1 once the response is
    recorded; each later version a correction, which must say what changed.

    Refused while a quarter of the year has no published report and no reason is
    recorded, or while the year's figures do not reconcile. Its PDF is drawn in the
    background once the version is committed."""
    _editor(by, report.plan)
    report = _locked(report)
    change_note = (change_note or "").strip()
    if report.state not in (State.RESPONSE_RECORDED, State.PUBLISHED):
        _at(report, State.RESPONSE_RECORDED, "publish", "published")
    last = report.versions.order_by("-version").first()
    if last is not None and not change_note:
        raise ValidationError(
            {
                "change_note": f"Say what this correction changes since version "
                f"{last.version}, and why."
            }
        )
    if len(change_note) > REASON_LIMIT:
        raise ValidationError(
            {
                "change_note": f"Keep what changed to {REASON_LIMIT:,} characters "
                "or fewer."
            }
        )
    year = plan_year(report.plan, report.year)
    if year is None:
        raise ValidationError({"publish": "The plan no longer has this year."})
    figures = year_figures(report.plan, year)
    problems = publishing_problems(report, figures)
    if problems:
        raise ValidationError({"publish": problems})
    data = _content(report, figures)
    version = last.version + 1 if last else 1
    published_at = timezone.now()
    data["differences"] = differences(last.data, data) if last else []
    meta = {
        "version": version,
        "published_on": timezone.localdate(published_at).isoformat(),
        "change_note": change_note,
        "differences": data["differences"],
    }
    data["meta"] = meta
    published = PublishedAnnualReport.objects.create(
        annual_report=report,
        plan=report.plan,
        version=version,
        published_at=published_at,
        published_by=by,
        change_note=change_note,
        data=data,
        html=render_annual_report(data, meta),
    )
    report.state = State.PUBLISHED
    _touch(report, by)
    transaction.on_commit(
        functools.partial(draw_annual_pdf.enqueue, published.pk), robust=True
    )
    return published
