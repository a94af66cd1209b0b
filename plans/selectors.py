"""Reads about a plan's calendar that several apps share."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from core.actors import Actor, roles_of, sees_everything
from plans.models import Organisation, OrganisationKind, Plan, ReportingPeriod
from plans.permissions import EDITORS


def open_period(plan: Plan, day: datetime.date) -> ReportingPeriod | None:
    """The period a plan is collecting updates for on ``day``, or None.

    Where two overlap (the previous quarter's grace period and the new quarter), the
    earlier one is open until it closes or is locked.
    """
    return ReportingPeriod.objects.filter(plan=plan).open_on(day).first()


def period_for_day(
    periods: list[ReportingPeriod], day: datetime.date
) -> ReportingPeriod | None:
    """From one plan's periods, the one an update written on ``day`` belongs to.

    The earliest unlocked period open on that day; failing that, the period whose
    quarter contains the day (which may be locked or closed, so the caller can say
    why it cannot be used).
    """
    ordered = sorted(periods, key=lambda p: p.starts_on)
    for period in ordered:
        if not period.is_locked and period.opens_on <= day <= period.closes_on:
            return period
    for period in ordered:
        if period.starts_on <= day <= period.ends_on:
            return period
    return None


def periods_to_record_for(
    periods: list[ReportingPeriod], day: datetime.date, *, editor: bool
) -> list[ReportingPeriod]:
    """From one plan's periods, those a person may record progress for on ``day``,
    latest first: every period open for updates then (``state_on``); for an editor
    of the plan, also every earlier one that is closed but not locked, to bring the
    plan's history up to date. Never a locked period (reopen it first) nor one not
    yet open."""
    allowed = {ReportingPeriod.State.OPEN}
    if editor:
        allowed.add(ReportingPeriod.State.CLOSED)
    return sorted(
        (p for p in periods if p.state_on(day) in allowed),
        key=lambda p: p.starts_on,
        reverse=True,
    )


def period_to_offer(
    choices: list[ReportingPeriod], day: datetime.date
) -> ReportingPeriod | None:
    """Which of ``choices`` (from ``periods_to_record_for``) a form starts on: the
    period an update written on ``day`` belongs to when it may be chosen, else the
    latest open one, else the latest."""
    if (usual := period_for_day(choices, day)) is not None and usual in choices:
        return usual
    open_now = [p for p in choices if p.state_on(day) == ReportingPeriod.State.OPEN]
    return next(iter(open_now or choices), None)


def bodies_edited_by(actor: Actor) -> QuerySet[Organisation]:
    """The policing bodies whose plans the actor edits (set up, import, review):
    every body for a superuser, else those where they are an editor or
    administrator."""
    if sees_everything(actor):
        return Organisation.objects.filter(kind__slug=OrganisationKind.POLICING_BODY)
    editing = [org for org, role in roles_of(actor).items() if role in EDITORS]
    return Organisation.objects.filter(pk__in=editing)


def plans_edited_by(actor: Actor) -> QuerySet[Plan]:
    """The plans whose updates the actor reviews: those of the bodies they edit for
    (every plan for a superuser)."""
    if sees_everything(actor):
        return Plan.objects.all()
    editing = [org for org, role in roles_of(actor).items() if role in EDITORS]
    return Plan.objects.filter(owner_id__in=editing)


#: Said beside an owner or lead field when the organisation chosen is not one the
#: plan's body works with (a forged or stale choice).
NOT_WORKED_WITH = "Choose an organisation your body works with."


def works_with(organisation_ids: Iterable[int]) -> QuerySet[Organisation]:
    """The organisations these bodies work with, which their editors may name as
    the owner of a scrutiny action or recommendation or as a deliverable's lead:
    the bodies themselves, their children and successors, the partners they list,
    and every organisation that leads or owns a deliverable of their plans.

    Never the whole service: an editor of one body must not learn the names of
    every other body from a list of choices."""
    ids = list(organisation_ids)
    # Deliverables are reached through the reverse relations: plans imports
    # nothing from deliverables.
    deliverable: Any = Organisation._meta.get_field("led_deliverables").related_model
    owner: Any = Organisation._meta.get_field("owned_deliverables").related_model
    partners: Any = Organisation.partners.through
    return Organisation.objects.filter(
        Q(pk__in=ids)
        | Q(parent_id__in=ids)
        | Q(pk__in=Organisation.objects.filter(pk__in=ids).values("successor_id"))
        | Q(
            pk__in=partners.objects.filter(from_organisation_id__in=ids).values(
                "to_organisation_id"
            )
        )
        | Q(
            pk__in=deliverable.objects.filter(plan__owner_id__in=ids).values(
                "lead_organisation_id"
            )
        )
        | Q(
            pk__in=owner.objects.filter(
                deliverable__plan__owner_id__in=ids, organisation_id__isnull=False
            ).values("organisation_id")
        )
    ).order_by("name")


def choosable_by(body_id: int, *, keeping: int | None = None) -> QuerySet[Organisation]:
    """The choices of an owner or lead field on a form of ``body_id``'s plan:
    ``works_with`` the body, and the organisation already stored (``keeping``), so
    that saving an older record unchanged is never refused."""
    choices = works_with([body_id])
    if keeping is None:
        return choices
    return (choices | Organisation.objects.filter(pk=keeping)).order_by("name")


def worked_with(body_id: int, organisation_id: int | None) -> bool:
    """Whether ``body_id`` works with the organisation (``works_with``)."""
    if organisation_id is None:
        return False
    return works_with([body_id]).filter(pk=organisation_id).exists()


def owner_stored(model: Any, instance: Any, field: str = "owner_id") -> int | None:
    """The organisation ``instance`` has in the database under ``field`` (None
    when it is new): a form may already have changed the instance in memory."""
    if instance.pk is None:
        return None
    return model.objects.filter(pk=instance.pk).values_list(field, flat=True).first()


def owner_allowed(
    plan: Plan, organisation_id: int | None, *, stored: int | None
) -> bool:
    """Whether a service may save ``organisation_id`` as an owner or lead on
    ``plan``: none given (the model's own checks say it is needed), the one already
    stored, or one the plan's body works with."""
    if organisation_id is None or organisation_id == stored:
        return True
    return worked_with(plan.owner_id, organisation_id)
