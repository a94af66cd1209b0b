"""Querysets for deliverables and progress updates: scope, lateness, append-only.

"Closed", "late", "needs an update" and "counts as made" are defined in
``deliverables.rules``; these querysets only chain them as phrases. Models are reached
through ``self.model`` or the app registry, never imported, since
``deliverables.models`` imports this module."""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
)

from core.actors import organisation_ids_of, sees_everything
from deliverables import rules, visibility
from plans.querysets import PlanScopedQuerySet


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
    owner: Any = apps.get_model("deliverables", "DeliverableOwner")
    p = prefix
    # EXISTS rather than a join on owners, so a deliverable with two owners is one row.
    owned = Exists(
        owner._default_manager.filter(
            deliverable=OuterRef(f"{p}pk"), organisation_id__in=org_ids
        )
    )
    party = ~Q(**{f"{p}plan__state": "draft"}) & (
        Q(**{f"{p}lead_organisation_id__in": org_ids}) | Q(owned)
    )
    return Q(**{f"{p}plan__owner_id__in": org_ids}) | party


class DeliverableQuerySet(PlanScopedQuerySet):
    def visible_to(self, actor: Any) -> DeliverableQuerySet:
        """Stricter than the plan's scope: a force sees only the work it is party to."""
        if sees_everything(actor):
            return self.all()
        return self.filter(_party_to(organisation_ids_of(actor)))

    def visible_in(self, plan: Any, actor: Any) -> DeliverableQuerySet:
        """``visible_to``, for a page about one plan (callers still filter by it):
        with no condition on each row when the actor sees the whole plan (its
        owner's people, or anyone once a public plan is past draft), so that a
        count over the plan reads the plan alone."""
        whole = (plan.is_public and plan.state != "draft") or (
            plan.owner_id in organisation_ids_of(actor)
        )
        return self.all() if whole else self.visible_to(actor)

    def open(self) -> DeliverableQuerySet:
        """Deliverables that are not closed (``rules.closed``)."""
        return self.exclude(rules.closed())

    def with_needs_update(self, period: Any) -> DeliverableQuerySet:
        """Annotate ``needs_update`` (``rules.needs_update`` for ``period``), for a
        page that shows it beside every row rather than filters by it."""
        return self.annotate(
            needs_update=ExpressionWrapper(
                rules.needs_update(period), output_field=BooleanField()
            )
        )

    def needs_update_in(self, period: Any) -> DeliverableQuerySet:
        """Deliverables of the period's plan that need an update for it."""
        return self.filter(plan_id=period.plan_id).filter(rules.needs_update(period))

    def needs_update(self, as_of: datetime.date) -> DeliverableQuerySet:
        """The same rule across plans, each against the period it is collecting on
        ``as_of`` (see ``ReportingPeriodQuerySet.open_on``). A plan collecting nothing
        that day has nothing that needs an update."""
        period: Any = apps.get_model("plans", "ReportingPeriod")
        open_period = (
            period._default_manager.filter(plan_id=OuterRef("plan_id"))
            .open_on(as_of)
            .values("pk")[:1]
        )
        return (
            self.annotate(open_period=Subquery(open_period))
            .filter(open_period__isnull=False)
            .filter(rules.needs_update(OuterRef("open_period")))
        )

    def late_as_of(self, as_of: datetime.date) -> DeliverableQuerySet:
        """Deliverables late on ``as_of`` (``rules.late``): never one whose dates
        are not known (TBA)."""
        return self.filter(rules.late(as_of))


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

    def visible_to(self, actor: Any) -> ProgressUpdateQuerySet:
        """Updates of deliverables the actor sees, less those internal to the plan's
        bodies that are not for the actor (``visibility``): anyone else sees only
        updates that count as made."""
        if sees_everything(actor):
            return self.all()
        org_ids = organisation_ids_of(actor)
        return self.filter(
            _party_to(org_ids, prefix="deliverable__"),
            visibility.update_shown_to(org_ids),
        )

    def seen_by(self, actor: Any) -> ProgressUpdateQuerySet:
        """The internal rule alone (``visibility.update_shown_to``), for updates of
        a deliverable already found in the actor's scope, with ``shows_internal``
        on each (whether its review comment is for the actor)."""
        if sees_everything(actor):
            return self.annotate(shows_internal=Value(True))
        org_ids = organisation_ids_of(actor)
        return self.filter(visibility.update_shown_to(org_ids)).with_internal_flag(
            actor
        )

    def with_internal_flag(self, actor: Any) -> ProgressUpdateQuerySet:
        """Annotate ``shows_internal``: whether the update's internal material (its
        review comment) is for the actor (``visibility.internal_to``)."""
        if sees_everything(actor):
            return self.annotate(shows_internal=Value(True))
        org_ids = organisation_ids_of(actor)
        if not org_ids:
            return self.annotate(shows_internal=Value(False))
        return self.annotate(
            shows_internal=ExpressionWrapper(
                visibility.internal_to(org_ids), output_field=BooleanField()
            )
        )

    def update(self, **kwargs: Any) -> int:
        model: Any = self.model  # ProgressUpdate, which says what it refuses
        raise model.Immutable(
            "Progress updates are never edited: record a new update instead."
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        model: Any = self.model
        raise model.Immutable(
            "Progress updates are never deleted: record a new update instead."
        )


class AttachmentQuerySet(PlanScopedQuerySet):
    """Evidence on progress updates. Stricter than the update's scope: the whole of a
    public plan is open to anyone signed in, but its evidence is not."""

    def visible_to(self, actor: Any) -> AttachmentQuerySet:
        """Everything on updates internal to the actor's organisations (their plan's,
        or recorded by one of their members: ``visibility.internal_to``); evidence
        marked public on a counted update of work they are party to; and, for anyone
        else (signed out too), only what ``published()`` holds.

        Each is a condition on the attachment's own update, deliverable and plan,
        not "id in (every such attachment)", so showing one update's evidence costs
        what that update holds."""
        if sees_everything(actor):
            return self.all()
        shown = _published()
        org_ids = organisation_ids_of(actor)
        if org_ids:
            shown |= visibility.internal_to(org_ids, prefix="update__")
            shown |= (
                Q(is_public=True)
                & rules.counts_as_made(prefix="update__")
                & _taking_part(org_ids, prefix="update__deliverable__")
            )
        return self.filter(shown)

    def published(self) -> AttachmentQuerySet:
        """What a public plan's published reports show to anyone: evidence an editor
        marked public, on an accepted update (not waiting, not returned) of a plan that
        is public and no longer a draft, for a period up to one whose report has been
        published."""
        return self.filter(_published())


def _published() -> Q:
    period: Any = apps.get_model("plans", "ReportingPeriod")
    # By the reverse name, so that this app need not import the scrutiny app.
    reported = period._default_manager.filter(
        plan_id=OuterRef("update__period__plan_id"),
        starts_on__gte=OuterRef("update__period__starts_on"),
        published_reports__isnull=False,
    )
    return (
        Q(is_public=True, update__deliverable__plan__is_public=True)
        & ~Q(update__deliverable__plan__state="draft")
        & rules.counts_as_made(prefix="update__")
        & Q(Exists(reported))
    )
