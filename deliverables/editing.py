"""Editing a plan's deliverables and their milestones in the workspace, on the plan
editing pages' bases (``plans.editing``). Plan editors only; simple-history records
who changed what."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django.views.generic import CreateView, UpdateView

from core.conflicts import ConflictMixin, StaleVersion, lock_unchanged
from core.forms import GovukDateField, GovukFormMixin
from core.views import ScopedPage
from deliverables.models import Deliverable, Milestone
from deliverables.services import save_deliverable, save_milestone
from plans.editing import TEMPLATE, AddToPlanMixin, EditInPlanMixin, PlanEditorMixin
from plans.permissions import edits_plan, edits_plan_of


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


class WorkEditorMixin(PlanEditorMixin):
    """Writes a deliverable (with its owner roles) or a milestone through its
    service."""

    def save(self, form):
        obj, by = form.instance, self.request.user
        if isinstance(obj, Deliverable):
            save_deliverable(deliverable=obj, by=by, owners=form.cleaned_data["owners"])
        else:
            save_milestone(milestone=obj, by=by)


class DeliverableCreate(WorkEditorMixin, AddToPlanMixin, CreateView):
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


class DeliverableUpdate(ConflictMixin, WorkEditorMixin, EditInPlanMixin, UpdateView):
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


class MilestoneCreate(WorkEditorMixin, ScopedPage, CreateView):
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


class MilestoneUpdate(WorkEditorMixin, ScopedPage, UpdateView):
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
