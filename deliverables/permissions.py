"""Write permissions on deliverables and their updates."""

from __future__ import annotations

from core.actors import Actor
from deliverables.models import Deliverable, ProgressUpdate
from plans.permissions import edits_plan, edits_structure, writes_for


def party_organisations(deliverable: Deliverable) -> set[int]:
    """The organisations that lead or own the deliverable."""
    owners = {o.organisation_id for o in deliverable.owners.all() if o.organisation_id}
    return {deliverable.lead_organisation_id} | owners


def may_record_progress(actor: Actor, deliverable: Deliverable) -> bool:
    """Plan editors; and contributors and above of the lead or an owning organisation,
    once the plan is no longer a draft (a draft is its owners' alone)."""
    if edits_plan(actor, deliverable.plan):
        return True
    if deliverable.plan.state == deliverable.plan.State.DRAFT:
        return False
    # The lead first: it settles most cases without reading the owners.
    return writes_for(actor, {deliverable.lead_organisation_id}) or writes_for(
        actor, party_organisations(deliverable)
    )


def needs_review(actor: Actor, deliverable: Deliverable) -> bool:
    """Whether an update by this actor waits for an editor before it takes effect
    (not one by an API client that keeps the plan's structure: it acts as an
    editor)."""
    return deliverable.plan.review_contributor_updates and not edits_structure(
        actor, deliverable.plan
    )


def may_add_evidence(actor: Actor, update: ProgressUpdate) -> bool:
    """The update's author, and whoever may record progress on its deliverable (its
    lead's and owners' writers, and the plan's editors)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if update.recorded_by_id == actor.pk:
        return True
    return may_record_progress(actor, update.deliverable)


def may_publish_evidence(actor: Actor, update: ProgressUpdate) -> bool:
    """Only the plan's editors decide which evidence readers of its published reports
    may open."""
    return edits_plan(actor, update.deliverable.plan)
