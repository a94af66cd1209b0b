"""Reads about a plan's calendar that several apps share."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

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
