"""Who may do what with a recommendation, beyond the plan's own rules."""

from __future__ import annotations

from typing import Any

from plans.permissions import edits_plan, writes_for
from scrutiny.recommendations.models import Recommendation


def may_respond(user: Any, recommendation: Recommendation) -> bool:
    """Recommendations awaiting a response only (a response is never overwritten
    here): plan editors, and writers of the organisation that must respond."""
    if recommendation.state != Recommendation.State.OPEN:
        return False
    return edits_plan(user, recommendation.plan) or writes_for(
        user, {recommendation.owner_id}
    )


def may_close(user: Any, recommendation: Recommendation) -> bool:
    """Plan editors close a recommendation once it has its response."""
    return recommendation.state == Recommendation.State.RESPONDED and edits_plan(
        user, recommendation.plan
    )
