"""Who sends which return, and what it asks about: the organisations returning for a
plan, and the deliverables (with their latest update) on an organisation's return.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from core.actors import (
    Actor,
    Writer,
    organisation_ids_of,
    roles_of,
    sees_everything,
)
from deliverables import visibility
from deliverables.models import (
    CLOSED_STATUSES,
    Deliverable,
    DeliverableOwner,
    ProgressUpdate,
    ReviewState,
)
from plans.models import Organisation, Plan, ReportingPeriod
from plans.permissions import WRITERS, edits_plan


def returning_organisations(plan: Plan) -> QuerySet[Organisation]:
    """The organisations that lead or own at least one of the plan's deliverables."""
    leads = Deliverable.objects.filter(plan=plan).values("lead_organisation_id")
    owners = DeliverableOwner.objects.filter(
        deliverable__plan=plan, organisation__isnull=False
    ).values("organisation_id")
    return Organisation.objects.filter(Q(pk__in=leads) | Q(pk__in=owners)).order_by(
        "name"
    )


def organisations_returning_for(actor: Actor, plan: Plan) -> QuerySet[Organisation]:
    """The returns this person may download and upload: any organisation's for the
    plan's editors; for contributors, editors and administrators of a force, their own
    organisations', once the plan is no longer a draft."""
    organisations = returning_organisations(plan)
    if edits_plan(actor, plan):
        return organisations
    if plan.state == Plan.State.DRAFT:
        return organisations.none()
    writing = [org for org, role in roles_of(actor).items() if role in WRITERS]
    return organisations.filter(pk__in=writing)


def deliverables_of(
    *, plan: Plan, organisation: Organisation, by: Writer
) -> QuerySet[Deliverable]:
    """Every deliverable of the plan the organisation leads or owns, as ``by`` sees
    them."""
    party = Q(lead_organisation=organisation) | Q(owners__organisation=organisation)
    ids = Deliverable.objects.filter(plan=plan).filter(party).values("pk")
    return (
        Deliverable.objects.visible_to(by)
        .filter(pk__in=ids)
        .order_by("position", "reference")
    )


def return_rows(
    *, plan: Plan, period: ReportingPeriod, organisation: Organisation, by: Writer
) -> list[Deliverable]:
    """The deliverables a return asks about: those still open, and those closed by an
    update in this period. Each has ``last_update`` (its latest update not returned
    to its author, or None)."""
    deliverables: list[Any] = list(
        deliverables_of(plan=plan, organisation=organisation, by=by)
        .filter(~Q(status__in=CLOSED_STATUSES) | Q(updates__period=period))
        .distinct()
        .annotate(last_update_id=Subquery(_latest_update_ids(seen_by=by)))
    )
    updates = ProgressUpdate.objects.select_related("review").in_bulk(
        [d.last_update_id for d in deliverables if d.last_update_id]
    )
    for deliverable in deliverables:
        deliverable.last_update = updates.get(deliverable.last_update_id)
    return deliverables


def _latest_update_ids(seen_by: Actor | None = None) -> QuerySet[ProgressUpdate, Any]:
    """The latest update of each deliverable not returned to its author; with
    ``seen_by``, of those the actor may read (an update waiting for review is
    internal to the plan's bodies: ``deliverables.visibility``)."""
    updates = ProgressUpdate.objects.filter(deliverable=OuterRef("pk"))
    if seen_by is not None and not sees_everything(seen_by):
        updates = updates.filter(
            visibility.update_shown_to(organisation_ids_of(seen_by))
        )
    return (
        updates.exclude(review__decision=ReviewState.RETURNED)
        .order_by("-recorded_at", "-pk")
        .values("pk")[:1]
    )
