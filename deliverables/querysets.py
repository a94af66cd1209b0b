"""Querysets for deliverables and progress updates: scope, lateness, append-only."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce

from core.actors import organisation_ids_of, sees_everything
from plans.querysets import PlanScopedQuerySet

# Kept as literals so this module does not import the models it serves.
_CLOSED = ("completed", "will_not_proceed", "merged", "split")


def _party_to(org_ids: list[int], prefix: str = "") -> Q:
    """Deliverables an organisation may see: all of its own plans', those it leads or
    owns in a plan that is no longer a draft, and all of a public plan's.

    A condition on the row itself (and its plan), never "id in (every visible
    deliverable)": a list of one plan's work then costs what that plan holds, not
    what the whole service holds. ``prefix`` reaches the deliverable from a row
    that belongs to one, such as ``"deliverable__"``."""
    p = prefix
    public = Q(**{f"{p}plan__is_public": True}) & ~Q(**{f"{p}plan__state": "draft"})
    if not org_ids:
        return public
    return public | _taking_part(org_ids, prefix)


def _taking_part(org_ids: list[int], prefix: str = "") -> Q:
    """Deliverables an organisation sees as a party to the work, whether or not the
    plan is public: all of its own plans', and those it leads or owns in a plan that
    is no longer a draft."""
    from deliverables.models import DeliverableOwner

    p = prefix
    # EXISTS rather than a join on owners, so a deliverable with two owners is one row.
    owned = Exists(
        DeliverableOwner.objects.filter(
            deliverable=OuterRef(f"{p}pk"), organisation_id__in=org_ids
        )
    )
    party = ~Q(**{f"{p}plan__state": "draft"}) & (
        Q(**{f"{p}lead_organisation_id__in": org_ids}) | Q(owned)
    )
    return Q(**{f"{p}plan__owner_id__in": org_ids}) | party


def late_on(as_of: datetime.date) -> Q:
    """The rule of ``DeliverableQuerySet.late_as_of`` as a condition, to count late
    deliverables beside others in one query (after ``with_due_end()``)."""
    return ~Q(status__in=_CLOSED) & Q(due_end__lt=as_of)


def _lacks_update_for(period: Any) -> Q:
    from deliverables.models import ProgressUpdate

    reported = ProgressUpdate.objects.filter(
        deliverable=OuterRef("pk"), period=period
    ).exclude(review__decision="returned")
    return ~Q(status__in=_CLOSED) & ~Q(Exists(reported))


class DeliverableQuerySet(PlanScopedQuerySet):
    def visible_to(self, actor: Any) -> DeliverableQuerySet:
        """Stricter than the plan's scope: a force sees only the work it is party to."""
        if sees_everything(actor):
            return self.all()
        return self.filter(_party_to(organisation_ids_of(actor)))

    def open(self) -> DeliverableQuerySet:
        """Deliverables still to be finished: not completed, stopped or merged."""
        return self.exclude(status__in=_CLOSED)

    def with_due_end(self) -> DeliverableQuerySet:
        """Annotate ``due_end``: the forecast window's end, or the baseline's if
        unknown.
        """
        return self.annotate(due_end=Coalesce("forecast_date_end", "baseline_date_end"))

    def lacking_update_for(self, period: Any) -> DeliverableQuerySet:
        """The one rule of "needs an update", against ``period`` (a period, its id,
        or an expression for one): deliverables that are not finished or stopped and
        have no accepted or waiting update for that period. An update returned to
        its author does not count."""
        return self.filter(_lacks_update_for(period))

    def with_needs_update(self, period: Any) -> DeliverableQuerySet:
        """Annotate ``needs_update``: the same rule as ``lacking_update_for``, as a
        column, for a page that shows it beside every row rather than filters by it.
        """
        return self.annotate(
            needs_update=ExpressionWrapper(
                _lacks_update_for(period), output_field=BooleanField()
            )
        )

    def needs_update_in(self, period: Any) -> DeliverableQuerySet:
        """Deliverables of the period's plan that need an update for it."""
        return self.filter(plan_id=period.plan_id).lacking_update_for(period)

    def needs_update(self, as_of: datetime.date) -> DeliverableQuerySet:
        """The same rule across plans, each against the period it has open on
        ``as_of`` (see ``ReportingPeriodQuerySet.open_on``). A plan with no open
        period is collecting nothing, so none of its deliverables needs an update."""
        from plans.models import ReportingPeriod

        open_period = (
            ReportingPeriod.objects.filter(plan_id=OuterRef("plan_id"))
            .open_on(as_of)
            .values("pk")[:1]
        )
        return (
            self.annotate(open_period=Subquery(open_period))
            .filter(open_period__isnull=False)
            .lacking_update_for(OuterRef("open_period"))
        )

    def late_as_of(self, as_of: datetime.date) -> DeliverableQuerySet:
        """Open deliverables whose due window ended before ``as_of``.

        A deliverable whose dates are unknown (TBA) is never late: it has no promise to
        break yet, and shows up in its own "no date" list instead.
        """
        return self.with_due_end().filter(late_on(as_of))


class DeliverableChildQuerySet(PlanScopedQuerySet):
    """For rows that belong to a deliverable: visible when the deliverable is."""

    def visible_to(self, actor: Any) -> DeliverableChildQuerySet:
        if sees_everything(actor):
            return self.all()
        return self.filter(
            _party_to(organisation_ids_of(actor), prefix="deliverable__")
        )


class ProgressUpdateQuerySet(DeliverableChildQuerySet):
    """Progress updates are append-only: bulk edits and deletes are refused too."""

    def update(self, **kwargs: Any) -> int:
        from deliverables.models import ProgressUpdate

        raise ProgressUpdate.Immutable(
            "Progress updates are never edited: record a new update instead."
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        from deliverables.models import ProgressUpdate

        raise ProgressUpdate.Immutable(
            "Progress updates are never deleted: record a new update instead."
        )


class AttachmentQuerySet(PlanScopedQuerySet):
    """Evidence on progress updates. Stricter than the update's scope: the whole of a
    public plan is open to anyone signed in, but its evidence is not."""

    def visible_to(self, actor: Any) -> AttachmentQuerySet:
        """Everything on updates of work the actor's organisations are party to; and,
        for anyone else (signed out too), only what ``published()`` holds.

        Both are conditions on the attachment's own update, deliverable and plan,
        not "id in (every such attachment)", so showing one update's evidence costs
        what that update holds."""
        if sees_everything(actor):
            return self.all()
        shown = _published()
        org_ids = organisation_ids_of(actor)
        if org_ids:
            shown |= _taking_part(org_ids, prefix="update__deliverable__")
        return self.filter(shown)

    def published(self) -> AttachmentQuerySet:
        """What a public plan's published reports show to anyone: evidence an editor
        marked public, on an accepted update (not waiting, not returned) of a plan that
        is public and no longer a draft, for a period up to one whose report has been
        published."""
        return self.filter(_published())


def _published() -> Q:
    from plans.models import ReportingPeriod

    # By the reverse name, so that this app need not import the scrutiny app.
    reported = ReportingPeriod.objects.filter(
        plan_id=OuterRef("update__period__plan_id"),
        starts_on__gte=OuterRef("update__period__starts_on"),
        published_reports__isnull=False,
    )
    return (
        Q(is_public=True, update__deliverable__plan__is_public=True)
        & ~Q(update__deliverable__plan__state="draft")
        & (Q(update__requires_review=False) | Q(update__review__decision="accepted"))
        & Q(Exists(reported))
    )
