"""Who may do what with a scrutiny action, beyond the plan's own rules."""

from __future__ import annotations

from plans.permissions import edits_plan, writes_for
from scrutiny.models import ScrutinyAction


def may_respond(user, action: ScrutinyAction) -> bool:
    """Open actions only (an answer is never overwritten here): plan editors, and
    writers of the organisation that must respond."""
    if action.state != ScrutinyAction.State.OPEN:
        return False
    return edits_plan(user, action.plan) or writes_for(user, {action.owner_id})
