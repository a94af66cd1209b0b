"""A plan's variations: the list with what each changed (anyone who sees the
plan), and starting, correcting, recording or discarding one (its editors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.forms import add_service_errors
from plans.permissions import edits_plan
from plans.variations import services
from plans.variations.forms import VariationForm
from plans.variations.models import PlanVariation
from plans.views import PlanEditorPage, PlanPage


class VariationList(PlanPage, View):
    """A plan's variations: public with a public plan (names for the signed in)."""

    methods_first = True
    signed_in = False

    def get(self, request, plan):
        variations = list(
            PlanVariation.objects.filter(plan=self.plan).select_related(
                "started_by", "recorded_by"
            )
        )
        for variation in variations:
            variation.described = services.described(variation)
        editor = edits_plan(request.user, self.plan)
        return render(
            request,
            "plans/variations/list.html",
            {
                "plan": self.plan,
                "variations": variations,
                "may_vary": editor
                and self.plan.state in services.IN_FORCE
                and not any(v.is_open for v in variations),
                "editor": editor,
                "earliest": services.earliest_day(self.plan) if editor else None,
            },
        )


class VariationEdit(PlanEditorPage, View):
    """Start a variation (no ``pk``) or correct the one being made."""

    methods_first = True

    def setup_objects(self, pk):
        self.variation = (
            get_object_or_404(
                PlanVariation.objects.filter(plan=self.plan, state="open"), pk=pk
            )
            if pk
            else None
        )

    def get(self, request, plan, pk=None):
        self.setup_objects(pk)
        initial = {}
        if self.variation is not None:
            initial = {
                "takes_effect_on": self.variation.takes_effect_on,
                "reason": self.variation.reason,
                "consultation": self.variation.consultation,
            }
        return self.show(request, VariationForm(initial=initial))

    def post(self, request, plan, pk=None):
        self.setup_objects(pk)
        form = VariationForm(request.POST)
        if form.is_valid():
            try:
                if self.variation is None:
                    services.start_variation(
                        plan=self.plan, by=request.user, **form.cleaned_data
                    )
                    messages.success(
                        request,
                        "Started the variation. Change the plan's titles, priorities, "
                        "objectives or indicators now: each change is recorded in it. "
                        "Record the variation when you have finished.",
                    )
                else:
                    services.change_variation(
                        variation=self.variation, by=request.user, **form.cleaned_data
                    )
                    messages.success(request, "Saved the variation's details.")
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("plans:variations", self.plan.pk)
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "plans/variations/form.html",
            {
                "form": form,
                "plan": self.plan,
                "variation": self.variation,
                "earliest": services.earliest_day(self.plan),
            },
            status=status,
        )


class VariationStep(PlanEditorPage, View):
    """Record or discard the variation being made (POST only)."""

    methods_first = True
    step = "record"

    def post(self, request, plan, pk):
        variation = get_object_or_404(
            PlanVariation.objects.filter(plan=self.plan), pk=pk
        )
        try:
            if self.step == "record":
                services.record_variation(variation=variation, by=request.user)
                messages.success(request, "Recorded the variation.")
            else:
                services.discard_variation(variation=variation, by=request.user)
                messages.success(request, "Discarded the variation.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("plans:variations", self.plan.pk)
