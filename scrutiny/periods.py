"""Reopening a reporting period that a published report locked (or that closed)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.views import View

from core.forms import GovukDateField, GovukFormMixin, add_service_errors
from plans.services import reopen_period
from plans.views import PlanEditorPage


class ReopenForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you reopening it?",
        help_text="This is recorded and shown with the period's history.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the period is being reopened."},
    )
    closes_on = GovukDateField(
        label="Take updates until (optional)",
        help_text="Leave blank for two weeks from today. For example, 28 7 2026.",
        required=False,
    )


class ReopenPeriodView(PlanEditorPage, View):
    """Reopen a period for updates, with a reason. Plan editors only."""

    methods_first = True

    def objects(self, request, plan, period):
        self.period = get_object_or_404(self.plan.reporting_periods, pk=period)

    def get(self, request, plan, period):
        self.objects(request, plan, period)
        return self.show(request, ReopenForm())

    def post(self, request, plan, period):
        self.objects(request, plan, period)
        form = ReopenForm(request.POST)
        if form.is_valid():
            try:
                reopened = reopen_period(
                    period=self.period,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    closes_on=form.cleaned_data["closes_on"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"{reopened.label} is open for updates until "
                    f"{date_format(reopened.closes_on, 'j F Y')}.",
                )
                return redirect(
                    "plans:period", plan=self.plan.pk, period=self.period.pk
                )
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/period_reopen.html",
            {"plan": self.plan, "period": self.period, "form": form},
            status=status,
        )
