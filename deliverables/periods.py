"""A plan's reporting periods: their return dates, state and how many updates are in.

Locking and reopening are the scrutiny app's (a published report locks its period);
these pages show the calendar and let editors move its dates.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from core.forms import GovukDateField, GovukFormMixin, add_service_errors
from deliverables import rules
from deliverables.models import Deliverable
from plans.models import Plan, ReportingPeriod
from plans.permissions import edits_plan, writes_for
from plans.services import change_period_dates
from plans.views import PlanEditorPage, PlanPage


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


class PeriodDatesForm(GovukFormMixin, forms.Form):
    opens_on = GovukDateField(
        label="Opens for updates on", help_text="For example, 1 4 2026."
    )
    due_on = GovukDateField(label="Updates due on", help_text="For example, 14 7 2026.")
    closes_on = GovukDateField(
        label="Closes on",
        help_text="The last day of the grace period. For example, 28 7 2026.",
    )
    reason = forms.CharField(
        label="Why are the dates changing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the dates are changing."},
    )

    def clean(self):
        cleaned = super().clean()
        opens, due, closes = (
            cleaned.get(k) for k in ("opens_on", "due_on", "closes_on")
        )
        if opens and due and due < opens:
            self.add_error(
                "due_on", "The due date must be on or after the day it opens."
            )
        if due and closes and closes < due:
            self.add_error(
                "closes_on", "The closing date must be on or after the due date."
            )
        return cleaned


class PeriodDates(PlanEditorPage, View):
    """Move a period's opening, due and closing dates. Plan editors only."""

    methods_first = True

    def objects(self, request, plan, period):
        self.period = get_object_or_404(self.plan.reporting_periods, pk=period)

    def get(self, request, plan, period):
        self.objects(request, plan, period)
        initial = {
            "opens_on": self.period.opens_on,
            "due_on": self.period.due_on,
            "closes_on": self.period.closes_on,
        }
        return self.show(request, PeriodDatesForm(initial=initial))

    def post(self, request, plan, period):
        self.objects(request, plan, period)
        form = PeriodDatesForm(request.POST)
        if form.is_valid():
            try:
                change_period_dates(
                    period=self.period, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"The dates of {self.period.label} have changed."
                )
                return redirect(
                    "plans:period", plan=self.plan.pk, period=self.period.pk
                )
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "deliverables/period_dates.html",
            {"plan": self.plan, "period": self.period, "form": form},
            status=status,
        )
