"""Querysets for deliverables and progress updates: scope, lateness, append-only."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from plans.querysets import PlanScopedQuerySet, organisation_ids_of, sees_everything

# Kept as literals so this module does not import the models it serves.
_CLOSED = ("completed", "will_not_proceed", "merged", "split")


def _party_to(org_ids: list[int], prefix: str = "") -> Q:
    """Deliverables an organisation may see: all of its own plans', those it leads or
    owns in a plan that is no longer a draft, and all of a public plan's."""
    p = prefix
    public = Q(**{f"{p}plan__is_public": True}) & ~Q(**{f"{p}plan__state": "draft"})
    if not org_ids:
        return public
    party = ~Q(**{f"{p}plan__state": "draft"}) & (
        Q(**{f"{p}lead_organisation_id__in": org_ids})
        | Q(**{f"{p}owners__organisation_id__in": org_ids})
    )
    return public | Q(**{f"{p}plan__owner_id__in": org_ids}) | party


class DeliverableQuerySet(PlanScopedQuerySet):
    def visible_to(self, actor: Any) -> DeliverableQuerySet:
        """Stricter than the plan's scope: a force sees only the work it is party to."""
        if sees_everything(actor):
            return self.all()
        visible = self.model._default_manager.filter(
            _party_to(organisation_ids_of(actor))
        )
        return self.filter(pk__in=visible.values("pk"))

    def open(self) -> DeliverableQuerySet:
        """Deliverables still to be finished: not completed, stopped or merged."""
        return self.exclude(status__in=_CLOSED)

    def with_due_end(self) -> DeliverableQuerySet:
        """Annotate ``due_end``: the forecast window's end, or the baseline's if
        unknown.
        """
        return self.annotate(due_end=Coalesce("forecast_date_end", "baseline_date_end"))

    def needs_update(self, as_of: datetime.date) -> DeliverableQuerySet:
        """Open deliverables with no accepted or waiting update for the period that
        contains ``as_of`` (an update returned to its author does not count)."""
        from deliverables.models import ProgressUpdate

        reported = ProgressUpdate.objects.filter(
            deliverable=OuterRef("pk"),
            period__starts_on__lte=as_of,
            period__ends_on__gte=as_of,
        ).exclude(review__decision="returned")
        return self.open().exclude(Exists(reported))

    def late_as_of(self, as_of: datetime.date) -> DeliverableQuerySet:
        """Open deliverables whose due window ended before ``as_of``.

        A deliverable whose dates are unknown (TBA) is never late: it has no promise to
        break yet, and shows up in its own "no date" list instead.
        """
        return self.open().with_due_end().filter(due_end__lt=as_of)


class DeliverableChildQuerySet(PlanScopedQuerySet):
    """For rows that belong to a deliverable: visible when the deliverable is."""

    def visible_to(self, actor: Any) -> DeliverableChildQuerySet:
        from deliverables.models import Deliverable

        if sees_everything(actor):
            return self.all()
        return self.filter(deliverable__in=Deliverable.objects.visible_to(actor))


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
