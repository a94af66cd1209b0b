"""What a person (or an API client's service account) may do, from their memberships.

Reads are scoped by each model's ``visible_to``; these answer the write questions.
"""

from __future__ import annotations

from typing import Any

from core.actors import Actor, roles_of, sees_everything
from plans.models import ApiClient, Membership, Organisation, OrganisationKind, Plan

WRITERS = (Membership.Role.ADMIN, Membership.Role.EDITOR, Membership.Role.CONTRIBUTOR)
EDITORS = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def administers(actor: Actor, organisation: Organisation) -> bool:
    """Superusers, and the organisation's administrators (who read its audit log and
    manage its people)."""
    if sees_everything(actor):
        return True
    return roles_of(actor).get(organisation.pk) == Membership.Role.ADMIN


def edits_plan(actor: Actor, plan: Plan) -> bool:
    """Editors and administrators of the policing body that owns the plan."""
    if getattr(actor, "is_superuser", False):
        return True
    return roles_of(actor).get(plan.owner_id) in EDITORS


def structure_client(actor: Actor) -> ApiClient | None:
    """The API client ``actor`` acts for when it may keep plans' structure in step
    (issued ``plans:write``, not revoked); None for a person or any other client.
    Read once per request and kept on the actor."""
    if not getattr(actor, "is_authenticated", False):
        return None
    if not hasattr(actor, "_structure_client"):
        client = (
            ApiClient.objects.filter(service_user_id=actor.pk, revoked_at__isnull=True)
            .select_related("organisation__kind")
            .first()
        )
        if client is not None and ApiClient.Scope.WRITE_PLANS not in client.scopes:
            client = None
        actor._structure_client = client  # type: ignore[union-attr]
    return actor._structure_client  # type: ignore[union-attr]


def edits_structure(actor: Actor, plan: Plan) -> bool:
    """Who may change a plan's structure (the plan, its priorities, objectives,
    strands, deliverables and milestones): its editors, and the owning body's own
    API clients issued ``plans:write`` (never a force's clients)."""
    if edits_plan(actor, plan):
        return True
    if roles_of(actor).get(plan.owner_id) != Membership.Role.CONTRIBUTOR:
        return False  # API clients act as contributors of their organisation
    client = structure_client(actor)
    return (
        client is not None
        and client.organisation_id == plan.owner_id
        and client.organisation.kind.slug != OrganisationKind.FORCE
    )


def edits_structure_anywhere(actor: Actor) -> bool:
    """Whether the actor keeps any plan's structure: an editor or administrator
    somewhere, or an API client issued ``plans:write`` (not a force's)."""
    if getattr(actor, "is_superuser", False):
        return True
    if any(role in EDITORS for role in roles_of(actor).values()):
        return True
    client = structure_client(actor)
    return (
        client is not None and client.organisation.kind.slug != OrganisationKind.FORCE
    )


def writes_commentary(actor: Actor, plan: Plan) -> bool:
    """The plan's editors, and the owning body's own API clients with the write
    scope: a body that writes its quarterly commentary in its own system sends it.
    (Other API clients act as contributors, and write no commentary.)"""
    if edits_plan(actor, plan):
        return True
    client = getattr(actor, "api_client", None)  # None for a person
    return (
        client is not None
        and client.organisation_id == plan.owner_id
        and "updates:write" in (client.scopes or [])
    )


def edits_plan_of(actor: Actor, part: Any) -> bool:
    """Editors of the plan that ``part`` (a priority, objective, deliverable or
    period) belongs to."""
    return edits_plan(actor, part.plan)


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


def may_record_indicators_of(actor: Actor, indicator: Any) -> bool:
    """``may_record_indicators`` asked of an indicator's plan (the page about one
    indicator)."""
    return may_record_indicators(actor, indicator.plan)
