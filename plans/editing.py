"""Editing a plan and its structure in the workspace: setting a plan up and changing
it, its priorities and objectives. Plan editors only; simple-history records who
changed what. The deliverables app adds its own pages (deliverables, milestones) on
the same bases."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, UpdateView

from core.conflicts import ConflictMixin, StaleVersion, lock_unchanged
from core.forms import GovukDateField, GovukFormMixin, add_service_errors
from core.views import ScopedPage
from plans.models import Objective, Plan, Priority
from plans.permissions import edits_plan, edits_plan_of
from plans.selectors import NOT_WORKED_WITH, bodies_edited_by, choosable_by
from plans.services import save_plan, save_plan_part
from plans.views import PlanEditorPage

#: The form page every part of a plan's structure uses.
TEMPLATE = "deliverables/edit_form.html"


class PriorityForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Priority
        fields = [
            "parent",
            "reference",
            "title",
            "overview",
            "success_statement",
            "position",
        ]
        labels = {"parent": "Sits under", "position": "Order on the plan page"}


class ObjectiveForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["priority", "reference", "title", "description", "position"]
        labels = {"position": "Order on the plan page"}


class PlanEditorMixin:
    """The forms of a plan's structure: choices from ``self.plan`` only, and writes
    through the services. Who may come here is the page base's to decide
    (``PlanEditorPage``, or ``ScopedPage`` with ``edits_plan_of``): only editors and
    administrators of the plan's owner; anyone else gets 404."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # Choices come from this plan only, so nothing can be moved into another plan.
        limits = {
            "parent": Priority.objects.filter(plan=self.plan),
            "priority": Priority.objects.filter(plan=self.plan),
            "objective": Objective.objects.filter(plan=self.plan),
            # Only organisations the plan's body works with: never the whole service.
            "lead_organisation": choosable_by(
                self.plan.owner_id,
                keeping=getattr(form.instance, "lead_organisation_id", None),
            ),
        }
        for name, queryset in limits.items():
            if name in form.fields:
                form.fields[name].queryset = queryset
        if "lead_organisation" in form.fields:
            lead = form.fields["lead_organisation"]
            lead.error_messages["invalid_choice"] = NOT_WORKED_WITH
        if hasattr(form.instance, "plan_id"):
            # Set before validation: a quarter with no year takes the plan's year.
            form.instance.plan = self.plan
        return form

    def save(self, form):
        """Write the form's object through its service (a priority or objective
        here; the deliverables app's pages write theirs)."""
        save_plan_part(part=form.instance, by=self.request.user)

    def form_valid(self, form):
        obj = form.instance
        try:
            self.save(form)
        except forms.ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        self.object = obj
        messages.success(self.request, f"Saved {obj}.")
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.plan, **kwargs)


class AddToPlanMixin(PlanEditorMixin, PlanEditorPage):
    """Adds to the plan in the URL (``plan``)."""


class EditInPlanMixin(PlanEditorMixin, ScopedPage):
    """Edits the part of a plan in the URL (``pk``), found in the caller's scope."""

    needs = edits_plan_of

    @property
    def scope_model(self):
        return self.model

    def scoped(self, found):
        self.plan = found.plan

    def get_object(self, queryset=None):
        return self.object


class PriorityCreate(AddToPlanMixin, CreateView):
    model, form_class, template_name = Priority, PriorityForm, TEMPLATE

    def get_success_url(self):
        return reverse("plans:detail", args=[self.plan.pk])


class PriorityUpdate(EditInPlanMixin, UpdateView):
    model, form_class, template_name = Priority, PriorityForm, TEMPLATE

    def get_success_url(self):
        return reverse("plans:detail", args=[self.plan.pk])


class ObjectiveCreate(PriorityCreate):
    model, form_class = Objective, ObjectiveForm


class ObjectiveUpdate(PriorityUpdate):
    model, form_class = Objective, ObjectiveForm


class PlanForm(GovukFormMixin, forms.ModelForm):
    starts_on = GovukDateField(label="Starts on", help_text="For example, 1 4 2025.")
    ends_on = GovukDateField(label="Ends on", help_text="For example, 31 3 2029.")

    class Meta:
        model = Plan
        fields = [
            "owner",
            "reference",
            "title",
            "summary",
            "starts_on",
            "ends_on",
            "state",
            "is_public",
            "review_contributor_updates",
            "year_starts_month",
            "return_due_days",
            "grace_days",
            "reminders_enabled",
            "remind_days_before_due",
            "remind_days_after_due",
        ]
        labels = {
            "owner": "Policing body that owns it",
            "is_public": "Public: its published reports can be read without signing in",
            "review_contributor_updates": "Contributors' updates wait for an editor's "
            "review",
        }
        widgets = {"state": forms.RadioSelect, "year_starts_month": forms.RadioSelect}

    #: The reporting-cycle settings' limits: the model's rule (``Plan.clean``).
    DAY_LIMITS = Plan.DAY_LIMITS

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].empty_label = None
        self.__init_cycle_fields()

    def __init_cycle_fields(self):
        # Left out (an older form, a script), a setting keeps the plan's value.
        for name in (*self.DAY_LIMITS, "year_starts_month"):
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in (*self.DAY_LIMITS, "year_starts_month"):
            if cleaned.get(name) in (None, ""):
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class PlanCreate(LoginRequiredMixin, CreateView):
    """Set up a new plan (editors of a policing body); it gets quarterly periods."""

    model, form_class, template_name = Plan, PlanForm, "plans/plan_form.html"

    def owners(self):
        return bodies_edited_by(self.request.user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.owners().exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"owners": self.owners()}

    def form_valid(self, form):
        try:
            self.object = save_plan(plan=form.instance, by=self.request.user)
        except forms.ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Set up {self.object.title}.")
        return redirect(self.get_success_url())

    def get_success_url(self):
        return reverse("plans:detail", args=[self.object.pk])


class PlanUpdate(ConflictMixin, EditInPlanMixin, UpdateView):
    model, form_class, template_name = Plan, PlanForm, "plans/plan_form.html"
    needs = edits_plan

    def scoped(self, found):
        self.plan = found

    def versioned(self):
        # A plan has no ETag of its own: its version is made the same way, from
        # the time of its last save.
        return [self.object]

    def initial_for(self, obj):
        return model_to_dict(obj, fields=PlanForm.Meta.fields)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {
            "owners": bodies_edited_by(self.request.user)
        }

    def form_valid(self, form):
        try:
            with transaction.atomic():
                lock_unchanged(
                    Plan,
                    pk=self.object.pk,
                    if_match=self.version_sent(form) or self.loaded_version,
                )
                plan = save_plan(plan=form.instance, by=self.request.user)
        except StaleVersion:
            return self.conflicted(form)
        except forms.ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {plan.title}.")
        return redirect("plans:detail", plan.pk)
