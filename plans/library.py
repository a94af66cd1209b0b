"""The indicator library of a plan: national measures and the plan owner's own
definitions, each added to the plan in one step. Plan editors only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.forms import add_service_errors
from plans.forms import IndicatorDefinitionForm
from plans.models import IndicatorDefinition, Plan
from plans.services import (
    DEFINITION_EDITABLE,
    add_indicator_from_definition,
    create_indicator_definition,
    update_indicator_definition,
)
from plans.views import PlanEditorPage


def library_of(plan: Plan):
    """The definitions a plan may use: national ones, then its owner's own."""
    return IndicatorDefinition.objects.filter(
        Q(owner__isnull=True) | Q(owner=plan.owner_id)
    ).order_by(F("owner_id").asc(nulls_first=True), "title")


class IndicatorLibrary(PlanEditorPage, View):
    """Every definition the plan may use, each with "Add to plan" unless added."""

    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        added = dict(
            plan.indicators.filter(definition__isnull=False).values_list(
                "definition_id", "title"
            )
        )
        national: list[Any] = []
        own: list[Any] = []
        for definition in library_of(plan):
            definition.added_as = added.get(definition.pk)
            (national if definition.is_national else own).append(definition)
        return render(
            request,
            "plans/indicator_library.html",
            {"plan": plan, "national": national, "own": own},
        )


class AddFromLibrary(PlanEditorPage, View):
    """Add one definition to the plan (POST only)."""

    methods_first = True

    def post(self, request, plan, pk):
        plan = self.plan
        definition = get_object_or_404(library_of(plan), pk=pk)
        try:
            indicator = add_indicator_from_definition(
                plan=plan, definition=definition, by=request.user
            )
        except ValidationError as error:
            for problems in error.message_dict.values():
                for problem in problems:
                    messages.error(request, problem)
            return redirect("plans:indicator-library", plan.pk)
        messages.success(
            request,
            f"Added {indicator.title} to the plan. Give it a baseline and a target "
            "from its Edit link.",
        )
        return redirect("plans:indicators", plan.pk)


class DefinitionEdit(PlanEditorPage, View):
    """Define one of the plan owner's own definitions (no ``pk``) or change one."""

    methods_first = True

    def objects(self, request, plan, pk):
        self.definition = None
        if pk is not None:
            self.definition = get_object_or_404(
                self.plan.owner.indicator_definitions, pk=pk
            )

    def form(self, data=None):
        return IndicatorDefinitionForm(
            data, instance=self.definition, owner=self.plan.owner
        )

    def get(self, request, plan, pk=None):
        self.objects(request, plan, pk)
        return self.show(request, self.form())

    def post(self, request, plan, pk=None):
        self.objects(request, plan, pk)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(request, form, status=400)
        fields = {name: form.cleaned_data[name] for name in DEFINITION_EDITABLE}
        try:
            if self.definition is None:
                definition = create_indicator_definition(
                    owner=self.plan.owner, by=request.user, **fields
                )
            else:
                definition = update_indicator_definition(
                    definition=self.definition, by=request.user, **fields
                )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.show(request, form, status=400)
        messages.success(request, f"Saved the definition {definition.title}.")
        return redirect("plans:indicator-library", self.plan.pk)

    def show(self, request, form, status=200):
        return render(
            request,
            "plans/definition_form.html",
            {"form": form, "plan": self.plan, "definition": self.definition},
            status=status,
        )
