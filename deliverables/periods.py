"""A plan's reporting periods: their return dates, state and how many updates are in.

Locking and reopening are the scrutiny app's (a published report locks its period);
these pages show the calendar and let editors move its dates.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from deliverables import rules
from deliverables.models import Deliverable
from plans.models import Plan, ReportingPeriod
from plans.permissions import edits_plan, writes_for
from plans.views import PlanPage


def _counts(plan: Plan, actor) -> dict[str, Subquery]:
    """Per period, one query: how many of the deliverables the reader may see need
    an update for it, and how many have one."""
    visible = Deliverable.objects.visible_to(actor).filter(plan=plan)

    def count(queryset) -> Coalesce:
        return Coalesce(
            Subquery(
                queryset.order_by()
                .values("plan_id")
                .annotate(n=Count("pk", distinct=True))
                .values("n")[:1]
            ),
            0,
        )

    # The period is two levels out: deliverables, then their updates.
    period = OuterRef(OuterRef("pk"))
    return {
        "missing": count(visible.filter(rules.needs_update(period))),
        "received": count(visible.filter(rules.has_update_for(period))),
    }


def _period_links(plan: Plan, user) -> dict[str, bool]:
    org_ids = set(
        Deliverable.objects.filter(plan=plan)
        .values_list("lead_organisation_id", flat=True)
        .distinct()
    ) | set(
        Deliverable.objects.filter(plan=plan)
        .values_list("owners__organisation_id", flat=True)
        .exclude(owners__organisation_id=None)
        .distinct()
    )
    editor = edits_plan(user, plan)
    return {"editor": editor, "writer": editor or writes_for(user, org_ids)}


class PeriodList(PlanPage, View):
    """Every period of a plan, with its dates, its state today and its returns."""

    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        today = timezone.localdate()
        periods = list(
            plan.reporting_periods.annotate(**_counts(plan, request.user)).order_by(
                "starts_on"
            )
        )
        for period in periods:
            period.state = period.state_on(today)
            period.state_label = ReportingPeriod.State(period.state).label
            period.days_late = period.days_late(today) if period.state == "open" else 0
        current = next((p for p in periods if p.state == "open"), None)
        return render(
            request,
            "deliverables/period_list.html",
            {
                "plan": plan,
                "periods": periods,
                "current": current,
                "today": today,
                **_period_links(plan, request.user),
            },
        )


class PeriodDetail(PlanPage, View):
    """One period: its dates, state, counts and the record of locks and reopenings."""

    methods_first = True

    def get(self, request, plan, period):
        plan = self.plan
        period = get_object_or_404(
            plan.reporting_periods.annotate(**_counts(plan, request.user)),
            pk=period,
        )
        today = timezone.localdate()
        state = period.state_on(today)
        return render(
            request,
            "deliverables/period_detail.html",
            {
                "plan": plan,
                "period": period,
                "state": state,
                "state_label": ReportingPeriod.State(state).label,
                "days_late": period.days_late(today) if state == "open" else 0,
                "events": period.events.select_related("by").order_by("at", "pk"),
                **_period_links(plan, request.user),
            },
        )
