"""What a person (or an API client's service account) may do, from their memberships.

Reads are scoped by each model's ``visible_to``; these answer the write questions.
"""

from __future__ import annotations

from core.actors import Actor, roles_of
from plans.models import Membership, Plan

WRITERS = (Membership.Role.ADMIN, Membership.Role.EDITOR, Membership.Role.CONTRIBUTOR)
EDITORS = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def edits_plan(actor: Actor, plan: Plan) -> bool:
    """Editors and administrators of the policing body that owns the plan."""
    if getattr(actor, "is_superuser", False):
        return True
    return roles_of(actor).get(plan.owner_id) in EDITORS


def writes_for(actor: Actor, organisation_ids: set[int]) -> bool:
    """Whether the actor holds a writing role in any of these organisations."""
    roles = roles_of(actor)
    return any(roles.get(org) in WRITERS for org in organisation_ids)


def may_record_indicators(actor: Actor, plan: Plan) -> bool:
    """Plan editors, and contributors of organisations that lead or own its work."""
    if edits_plan(actor, plan):
        return True
    # Reverse lookups by name, so this app need not import the deliverables app.
    leads = plan.deliverables.values_list("lead_organisation_id", flat=True)
    owners = plan.deliverables.exclude(owners__organisation=None).values_list(
        "owners__organisation_id", flat=True
    )
    return writes_for(actor, set(leads) | set(owners))
