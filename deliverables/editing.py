"""Editing a plan's structure in the workspace: priorities, objectives, deliverables
and milestones. Plan editors only; simple-history records who changed what."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import CreateView, UpdateView

from core.forms import GovukDateField, GovukFormMixin, add_service_errors
from core.views import ScopedPage
from deliverables.conflicts import ConflictMixin, lock_unchanged
from deliverables.models import Deliverable, Milestone
from deliverables.services import StaleVersion, save_deliverable, save_milestone
from plans.models import Objective, Organisation, Plan, Priority
from plans.permissions import edits_plan, edits_plan_of
from plans.selectors import bodies_edited_by
from plans.services import save_plan, save_plan_part
from plans.views import PlanEditorPage


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


class DeliverableForm(GovukFormMixin, forms.ModelForm):
    owners = forms.CharField(
        label="Owners",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='One role per line, such as "Ch. Insp Operations".',
    )
    identified_on = GovukDateField(
        label="Joined the plan on (if after the plan was written)",
        required=False,
        help_text=(
            "Leave blank for work in the plan from its start. Dashboards list a "
            "deliverable as newly identified in the period that contains this date."
        ),
    )

    class Meta:
        model = Deliverable
        fields = [
            "objective",
            "reference",
            "title",
            "description",
            "lead_organisation",
            "delivering_unit",
            "expected_benefits",
            "baseline_date",
            "identified_on",
            "position",
        ]
        labels = {
            "baseline_date": "Milestone date in the plan",
            "position": "Order on the plan page",
        }

    def clean_owners(self):
        roles = [line.strip() for line in self.cleaned_data["owners"].splitlines()]
        roles = list(dict.fromkeys(role for role in roles if role))
        if any(len(role) > 200 for role in roles):
            raise forms.ValidationError("Keep each owner to 200 characters or fewer.")
        return roles


class MilestoneForm(GovukFormMixin, forms.ModelForm):
    completed_on = GovukDateField(label="Completed on (if it is)", required=False)

    class Meta:
        model = Milestone
        fields = ["title", "due_date", "completed_on", "position"]


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
            "lead_organisation": Organisation.objects.order_by("name"),
        }
        for name, queryset in limits.items():
            if name in form.fields:
                form.fields[name].queryset = queryset
        if not isinstance(form.instance, Milestone):
            # Set before validation: a quarter with no year takes the plan's year.
            form.instance.plan = self.plan
        return form

    def form_valid(self, form):
        obj, by = form.instance, self.request.user
        try:
            if isinstance(obj, Deliverable):
                save_deliverable(
                    deliverable=obj, by=by, owners=form.cleaned_data["owners"]
                )
            elif isinstance(obj, Milestone):
                save_milestone(milestone=obj, by=by)
            else:
                save_plan_part(part=obj, by=by)
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


TEMPLATE = "deliverables/edit_form.html"


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


class DeliverableCreate(AddToPlanMixin, CreateView):
    model, form_class, template_name = Deliverable, DeliverableForm, TEMPLATE

    def get_initial(self):
        """Work added while the plan runs is dated today, so dashboards show it as
        newly identified."""
        today = timezone.localdate()
        if self.plan.starts_on < today <= self.plan.ends_on:
            return super().get_initial() | {"identified_on": today}
        return super().get_initial()

    def get_success_url(self):
        return reverse("deliverables:detail", args=[self.object.pk])


class DeliverableUpdate(ConflictMixin, EditInPlanMixin, UpdateView):
    model, form_class, template_name = Deliverable, DeliverableForm, TEMPLATE

    def versioned(self):
        return [self.object]

    def initial_for(self, obj):
        return model_to_dict(obj, fields=DeliverableForm.Meta.fields)

    def get_initial(self):
        roles = self.object.owners.values_list("role", flat=True)
        return super().get_initial() | {"owners": "\n".join(roles)}

    def form_valid(self, form):
        # The form saves the whole row as loaded: only if nobody saved it since the
        # person read it (or, with no version sent, since this request loaded it).
        try:
            with transaction.atomic():
                lock_unchanged(
                    Deliverable,
                    pk=self.object.pk,
                    if_match=self.version_sent(form) or self.loaded_version,
                )
                return super().form_valid(form)
        except StaleVersion:
            return self.conflicted(form)

    def get_success_url(self):
        return reverse("deliverables:detail", args=[self.object.pk])


def _edits_milestone_plan(actor, milestone: Milestone) -> bool:
    return edits_plan(actor, milestone.deliverable.plan)


class MilestoneCreate(PlanEditorMixin, ScopedPage, CreateView):
    model, form_class, template_name = Milestone, MilestoneForm, TEMPLATE
    scope_model, scope_kwarg, scope_attr = Deliverable, "deliverable", "deliverable"
    scope_related = ("plan",)
    needs = edits_plan_of

    def scoped(self, found):
        self.plan = found.plan

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.instance.deliverable = self.deliverable
        return form

    def get_success_url(self):
        return reverse("deliverables:detail", args=[self.deliverable.pk])


class MilestoneUpdate(PlanEditorMixin, ScopedPage, UpdateView):
    model, form_class, template_name = Milestone, MilestoneForm, TEMPLATE
    scope_model, scope_related = Milestone, ("deliverable__plan",)
    needs = _edits_milestone_plan

    def scoped(self, found):
        self.deliverable = found.deliverable
        self.plan = self.deliverable.plan

    def get_object(self, queryset=None):
        return self.object

    def get_success_url(self):
        return reverse("deliverables:detail", args=[self.deliverable.pk])


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

    #: The most days each reporting-cycle setting may take, with what it is.
    DAY_LIMITS = {
        "return_due_days": (90, "Updates must be due within 90 days of the quarter"),
        "grace_days": (90, "Keep the grace period to 90 days or fewer"),
        "remind_days_before_due": (60, "Send the first reminder within 60 days"),
        "remind_days_after_due": (60, "Send the chaser within 60 days"),
    }

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
        for name, (most, message) in self.DAY_LIMITS.items():
            value = cleaned.get(name)
            if value is not None and value > most:
                self.add_error(name, f"{message}.")
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
