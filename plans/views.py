"""The bases of every page about a plan, and a plan's indicators: the list, editing
one, and recording values by period."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from core.forms import add_service_errors
from core.history import attribute_to
from core.views import ScopedPage
from plans.forms import IndicatorForm, IndicatorValuesForm
from plans.measures import change_heading, changes_in_words
from plans.models import Indicator, IndicatorChange, Organisation, Plan
from plans.permissions import (
    administers,
    edits_plan,
    may_record_indicators_of,
)
from plans.services import (
    FiguresRefused,
    change_indicator,
    record_indicator_values,
)


class PlanPage(ScopedPage):
    """A page about one plan (the URL's ``plan``), for anyone who can see it."""

    scope_model = Plan
    scope_kwarg = "plan"
    scope_attr = "plan"
    scope_related = ("owner",)
    plan: Plan  # set by ``dispatch``, before any handler


class PlanEditorPage(PlanPage):
    """A page that changes a plan: its owning body's editors and administrators."""

    needs = edits_plan


class OrganisationAdminPage(ScopedPage):
    """A page about one organisation (the URL's ``organisation``) for its
    administrators; anyone else is refused with 403, as the organisation itself is no
    secret (the directory is public to anyone signed in)."""

    scope_model = Organisation
    scope_kwarg = "organisation"
    scope_attr = "organisation"
    needs = administers
    organisation: Organisation  # set by ``dispatch``, before any handler


class IndicatorList(PlanPage, View):
    """A plan's indicators with their values by period."""

    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        periods = list(plan.reporting_periods.order_by("starts_on"))
        changes = IndicatorChange.objects.select_related(
            "from_period", "changed_by"
        ).order_by("changed_at", "pk")
        indicators = list(
            plan.indicators.prefetch_related(
                "values", Prefetch("changes", queryset=changes)
            ).order_by("position", "title")
        )
        for indicator in indicators:
            by_period = {v.period_id: v for v in indicator.values.all()}
            indicator.row = [by_period.get(p.pk) for p in periods]
            indicator.described_changes = [
                {
                    "heading": change_heading(
                        c.from_period.label if c.from_period else "",
                        timezone.localtime(c.changed_at).date(),
                    ),
                    "what": changes_in_words(c.changes),
                    "reason": c.reason,
                    "by": c.changed_by.get_full_name() or c.changed_by.username,
                    "at": c.changed_at,
                }
                for c in indicator.changes.all()
            ]
        return render(
            request,
            "plans/indicator_list.html",
            {
                "plan": plan,
                "periods": periods,
                "indicators": indicators,
                "may_edit": edits_plan(request.user, plan),
            },
        )


class IndicatorEdit(PlanEditorPage, View):
    """Define an indicator (no ``pk``) or change its definition. Plan editors only."""

    methods_first = True

    def objects(self, request, plan, pk):
        self.indicator = get_object_or_404(self.plan.indicators, pk=pk) if pk else None

    def get(self, request, plan, pk=None):
        self.objects(request, plan, pk)
        return self.show(
            request, IndicatorForm(instance=self.indicator, plan=self.plan)
        )

    def post(self, request, plan, pk=None):
        self.objects(request, plan, pk)
        form = IndicatorForm(request.POST, instance=self.indicator, plan=self.plan)
        if not form.is_valid():
            return self.show(request, form, status=400)
        if self.indicator is None:
            indicator = attribute_to(form.instance, by=request.user)
            indicator.save()
        else:
            # Reloaded: the form has already written its values onto the instance.
            indicator = self.plan.indicators.get(pk=self.indicator.pk)
            try:
                change_indicator(
                    indicator=indicator,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    from_period=form.cleaned_data["from_period"],
                    **form.fields_to_save(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return self.show(request, form, status=400)
        messages.success(request, f"Saved the indicator {indicator.title}.")
        return redirect("plans:indicators", self.plan.pk)

    def show(self, request, form, status=200):
        return render(
            request,
            "plans/indicator_form.html",
            {"form": form, "plan": self.plan, "indicator": self.indicator},
            status=status,
        )


class IndicatorValues(ScopedPage, View):
    """Enter an indicator's values for its plan's periods: plan editors, and
    contributors of the organisations that lead or own its work."""

    scope_model = Indicator
    scope_attr = "indicator"
    scope_related = ("plan",)
    needs = may_record_indicators_of
    methods_first = True

    def objects(self, request, pk):
        self.periods = list(self.indicator.plan.reporting_periods.order_by("starts_on"))

    def form(self, data=None):
        return IndicatorValuesForm(data, indicator=self.indicator, periods=self.periods)

    def get(self, request, pk):
        self.objects(request, pk)
        return self.show(request, self.form())

    def post(self, request, pk):
        self.objects(request, pk)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(request, form, status=400)
        figures = form.figures()
        try:
            record_indicator_values(
                indicator=self.indicator, figures=figures, by=request.user
            )
        except FiguresRefused as refused:
            form.add_refusal(refused, figures)
            return self.show(request, form, status=400)
        messages.success(request, f"Saved the values of {self.indicator.title}.")
        return redirect("plans:indicators", self.indicator.plan_id)

    def show(self, request, form, status=200):
        return render(
            request,
            "plans/indicator_values.html",
            {"form": form, "indicator": self.indicator, "plan": self.indicator.plan},
            status=status,
        )
