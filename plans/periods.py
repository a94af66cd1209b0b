"""A reporting period's own pages: moving its dates, and reopening it after a
published report locked it (or it closed). Plan editors only; the services record
who and why (``plans.services.change_period_dates``, ``reopen_period``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.views import View

from core.forms import GovukDateField, GovukFormMixin, add_service_errors
from plans.services import change_period_dates, reopen_period
from plans.views import PlanEditorPage


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
