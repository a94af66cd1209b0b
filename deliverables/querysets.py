"""Querysets for deliverables and progress updates: scope, lateness, append-only."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models.functions import Coalesce

from plans.querysets import PlanScopedQuerySet, sees_everything

# Kept as literals so this module does not import the models it serves.
_CLOSED = ("completed", "will_not_proceed", "merged")


class DeliverableQuerySet(PlanScopedQuerySet):
    def open(self) -> DeliverableQuerySet:
        """Deliverables still to be finished: not completed, stopped or merged."""
        return self.exclude(status__in=_CLOSED)

    def with_due_end(self) -> DeliverableQuerySet:
        """Annotate ``due_end``: the forecast window's end, or the baseline's if
        unknown.
        """
        return self.annotate(due_end=Coalesce("forecast_date_end", "baseline_date_end"))

    def late_as_of(self, as_of: datetime.date) -> DeliverableQuerySet:
        """Open deliverables whose due window ended before ``as_of``.

        A deliverable whose dates are unknown (TBA) is never late: it has no promise to
        break yet, and shows up in its own "no date" list instead.
        """
        return self.open().with_due_end().filter(due_end__lt=as_of)


class ProgressUpdateQuerySet(PlanScopedQuerySet):
    """Progress updates are append-only: bulk edits and deletes are refused too."""

    def visible_to(self, actor: Any) -> ProgressUpdateQuerySet:
        from plans.models import Plan

        if sees_everything(actor):
            return self.all()
        return self.filter(deliverable__plan__in=Plan.objects.visible_to(actor))

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
