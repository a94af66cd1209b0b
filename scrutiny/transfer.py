"""The scrutiny part of a body's transfer to its successor (``plans.succession``):
open scrutiny actions and open recommendations are now the successor's to answer.
Answered and closed ones keep the old body's name: it is the body that answered.
Registered in ``ScrutinyConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from core.history import attribute_to
from scrutiny.models import ScrutinyAction
from scrutiny.recommendations.models import Recommendation


def _move_open(
    model: type[Model], from_body: Any, to_body: Any, *, by: Any, dry_run: bool
) -> int:
    rows = list(
        model._default_manager.filter(owner=from_body, state="open").order_by("pk")
    )
    if not dry_run:
        reason = f"Transferred from {from_body} to its successor {to_body}"
        for row in rows:
            row.owner = to_body  # type: ignore[attr-defined]
            attribute_to(row, by=by, reason=reason)
            row.save()
    return len(rows)


def transfer_scrutiny(
    from_body: Any, to_body: Any, *, by: Any, dry_run: bool
) -> dict[str, Any]:
    """Move (or count) the body's open actions and recommendations."""
    return {
        "open_actions": _move_open(
            ScrutinyAction, from_body, to_body, by=by, dry_run=dry_run
        ),
        "open_recommendations": _move_open(
            Recommendation, from_body, to_body, by=by, dry_run=dry_run
        ),
    }
