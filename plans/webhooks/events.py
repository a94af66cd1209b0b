"""What each event's payload says (its ``data``), built from the objects the services
already hold, so emitting costs no extra reads.

These take the objects as they come (duck-typed): plans imports nothing from the
deliverables or scrutiny apps. Payloads carry ids, references, titles, states and API
links, but no free text (narratives, reasons, review comments): text may later be
redacted of people's names, and a payload once sent cannot be. A receiver reads the
text from the linked API resource.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def api_link(name: str, pk: Any) -> str:
    """The absolute API address of an object (``SITE_URL`` and the route)."""
    try:
        path = reverse(name, args=[pk])
    except NoReverseMatch:  # pragma: no cover - a renamed route
        return ""
    return settings.SITE_URL.rstrip("/") + path


def plan_summary(plan: Any) -> dict[str, Any]:
    """What a payload says about the plan an event belongs to."""
    return {
        "id": plan.pk,
        "reference": plan.reference,
        "title": plan.title,
        "state": plan.state,
        "url": api_link("plan-detail", plan.pk),
    }


def period_data(period: Any) -> dict[str, Any]:
    """A reporting period: its dates, and whether it is locked."""
    return {
        "period": {
            "id": period.pk,
            "label": period.label,
            "starts_on": period.starts_on,
            "ends_on": period.ends_on,
            "opens_on": period.opens_on,
            "due_on": period.due_on,
            "closes_on": period.closes_on,
            "locked": period.locked_at is not None,
        }
    }


def deliverable_summary(deliverable: Any) -> dict[str, Any]:
    """A deliverable's identity, state and dates."""
    return {
        "id": deliverable.pk,
        "reference": deliverable.reference,
        "title": deliverable.title,
        "status": deliverable.status,
        "rag": deliverable.rag or None,
        "percent_complete": deliverable.percent_complete,
        "forecast_date": deliverable.forecast_date or None,
        "lead_organisation_id": deliverable.lead_organisation_id,
        "merged_into_id": deliverable.merged_into_id,
        "split_from_id": deliverable.split_from_id,
        "url": api_link("deliverable-detail", deliverable.pk),
    }


def deliverable_data(deliverable: Any, **more: Any) -> dict[str, Any]:
    """``deliverable.created`` and ``deliverable.changed``."""
    return {"deliverable": deliverable_summary(deliverable), **more}


def update_data(update: Any, *, review: Any = None) -> dict[str, Any]:
    """``update.recorded``, ``update.accepted`` and ``update.returned``."""
    data: dict[str, Any] = {
        "update": {
            "id": update.pk,
            "status": update.status,
            "rag": update.rag or None,
            "percent_complete": update.percent_complete,
            "forecast_date": update.forecast_date or None,
            "recorded_at": update.recorded_at,
            "source": update.source,
            "requires_review": update.requires_review,
            "url": api_link("progressupdate-detail", update.pk),
        },
        "deliverable": deliverable_summary(update.deliverable),
        "period": {"id": update.period_id, "label": update.period.label},
    }
    if review is not None:
        data["review"] = {
            "decision": review.decision,
            "reviewed_at": review.reviewed_at,
        }
    return data


def report_data(report: Any, period: Any) -> dict[str, Any]:
    """``report.published``: the report and the period it reports on."""
    return {
        "report": {
            "id": report.pk,
            "version": report.version,
            "published_at": report.published_at,
            "url": api_link("publishedreport-detail", report.pk),
        },
        **period_data(period),
    }
