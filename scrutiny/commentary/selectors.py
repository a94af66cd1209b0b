"""Reading a quarter's commentary, as the dashboard and its report show it."""

from __future__ import annotations

from typing import Any

from plans.models import ReportingPeriod
from scrutiny.models import Commentary


def commentary_for(period: ReportingPeriod) -> dict[str, Any]:
    """The period's commentary in one query: ``{"summary": text, "forward_look":
    text, "priorities": {priority id: text}, "updated_at": ISO time of the latest
    change or ""}``; empty texts where none is written."""
    found: dict[str, Any] = {"summary": "", "forward_look": "", "priorities": {}}
    latest = None
    for kind, priority_id, text, updated_at in Commentary.objects.filter(
        period=period
    ).values_list("kind", "priority_id", "text", "updated_at"):
        if kind == Commentary.Kind.PRIORITY:
            found["priorities"][priority_id] = text
        else:
            found[kind] = text
        latest = updated_at if latest is None else max(latest, updated_at)
    found["updated_at"] = latest.isoformat() if latest else ""
    return found
