"""The "Your tasks" page: for the signed-in person's organisations, what needs an
update in the period being collected, which updates were returned, and which
milestones fall due soon.

Each list is scoped twice: to what the person may see (``visible_to``), and to the
work their own organisations lead or share, where they may record progress. "Needs an
update" is ``rules.needs_update``, through ``DeliverableQuerySet.needs_update``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from deliverables import rules
from deliverables.missing import writer_organisations
from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    ReviewState,
)
from plans.models import ReportingPeriod

#: How far ahead "milestones due soon" looks.
MILESTONES_AHEAD = datetime.timedelta(days=90)


def _ours(org_ids: set[int], prefix: str = "") -> Q:
    """Work one of these organisations leads or shares."""
    shared = DeliverableOwner.objects.filter(
        deliverable=OuterRef(f"{prefix}pk"), organisation_id__in=org_ids
    )
    return Q(**{f"{prefix}lead_organisation_id__in": org_ids}) | Q(Exists(shared))


def needing_update(*, actor: Any, as_of: datetime.date) -> list[Deliverable]:
    """The actor's organisations' deliverables that need an update for the period
    their plan is collecting on ``as_of``, each with that ``period`` (two queries)."""
    deliverables = list(
        Deliverable.objects.visible_to(actor)
        .filter(_ours(writer_organisations(actor)))
        .needs_update(as_of)
        .select_related("plan", "lead_organisation")
        .order_by("plan__title", "position", "reference")
    )
    periods = ReportingPeriod.objects.in_bulk({d.open_period for d in deliverables})
    for d in deliverables:
        d.period = periods[d.open_period]
    return sorted(
        deliverables,
        key=lambda d: (d.period.due_on, d.plan.title, d.position, d.reference),
    )


def returned_updates(*, actor: Any) -> QuerySet[ProgressUpdate]:
    """Updates on the actor's organisations' open deliverables that an editor
    returned and that nobody has recorded again since, for a period still taking
    updates; newest decision first."""
    again = ProgressUpdate.objects.filter(
        deliverable_id=OuterRef("deliverable_id"),
        period_id=OuterRef("period_id"),
        # Written after it (updates are append-only; ``recorded_at`` may be backdated).
        pk__gt=OuterRef("pk"),
    )
    return (
        ProgressUpdate.objects.visible_to(actor)
        .filter(_ours(writer_organisations(actor), prefix="deliverable__"))
        .filter(review__decision=ReviewState.RETURNED, period__locked_at__isnull=True)
        .exclude(rules.closed("deliverable__"))
        .exclude(Exists(again))
        .select_related(
            "deliverable__plan", "period", "review__reviewed_by", "recorded_by"
        )
        .order_by("-review__reviewed_at", "-pk")
    )


def milestones_due(*, actor: Any, as_of: datetime.date) -> QuerySet[Milestone]:
    """Milestones not yet met on the actor's organisations' open deliverables, due by
    ``MILESTONES_AHEAD`` from ``as_of`` (those past their date first)."""
    return (
        Milestone.objects.visible_to(actor)
        .filter(_ours(writer_organisations(actor), prefix="deliverable__"))
        .exclude(rules.closed("deliverable__"))
        .filter(completed_on__isnull=True, due_date_end__lte=as_of + MILESTONES_AHEAD)
        .select_related("deliverable__plan")
        .order_by("due_date_end", "deliverable__reference", "position", "pk")
    )


class YourTasksView(LoginRequiredMixin, View):
    """What the signed-in contributor or editor's organisations owe, with dates."""

    template_name = "deliverables/your_tasks.html"

    def get(self, request):
        if not writer_organisations(request.user):
            # Readers record nothing, so have no tasks.
            raise Http404
        today = timezone.localdate()
        return render(
            request,
            self.template_name,
            {
                "today": today,
                "needing_update": needing_update(actor=request.user, as_of=today),
                "returned": returned_updates(actor=request.user),
                "milestones": milestones_due(actor=request.user, as_of=today),
            },
        )
