"""Scrutiny actions: the questions and recommendations a panel or board raises, who
must answer, by when, and the answer. Plan editors record and close them; writers of
the owning organisation respond."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.forms import add_service_errors
from plans.permissions import edits_plan
from plans.views import PlanEditorPage, PlanPage
from scrutiny.actions.permissions import may_respond
from scrutiny.actions.services import respond_to_action, save_scrutiny_action
from scrutiny.forms import ResponseForm, ScrutinyActionForm
from scrutiny.models import ScrutinyAction
from scrutiny.responding import AddressedResponsePage


class ActionListView(PlanPage, View):
    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        actions = list(
            ScrutinyAction.objects.filter(plan=plan)
            .select_related("plan", "owner", "report__period")
            .order_by("state", "due_on", "-raised_on", "pk")
        )
        for action in actions:
            action.may_respond = may_respond(request.user, action)
        state = request.GET.get("state", "")
        if state in ScrutinyAction.State.values:
            actions = [a for a in actions if a.state == state]
        return render(
            request,
            "scrutiny/action_list.html",
            {
                "plan": plan,
                "actions": actions,
                "state": state,
                "states": ScrutinyAction.State.choices,
                "may_edit": edits_plan(request.user, plan),
            },
        )


class ActionEditView(PlanEditorPage, View):
    """Record (no ``pk``) or update an action. Plan editors only."""

    methods_first = True

    def setup_objects(self, request, plan, pk=None):
        self.action = (
            get_object_or_404(self.plan.scrutiny_actions, pk=pk) if pk else None
        )

    def get(self, request, plan, pk=None):
        self.setup_objects(request, plan, pk)
        initial = {}
        if self.action is None and request.GET.get("report", "").isdigit():
            initial["report"] = request.GET["report"]
        form = ScrutinyActionForm(instance=self.action, plan=self.plan, initial=initial)
        return self.show(request, form)

    def post(self, request, plan, pk=None):
        self.setup_objects(request, plan, pk)
        form = ScrutinyActionForm(request.POST, instance=self.action, plan=self.plan)
        if form.is_valid():
            try:
                save_scrutiny_action(
                    plan=self.plan,
                    by=request.user,
                    action=self.action,
                    **form.fields_for_service(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Saved the scrutiny action.")
                return redirect("scrutiny:actions", self.plan.pk)
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/action_form.html",
            {"form": form, "plan": self.plan, "action": self.action},
            status=status,
        )


class ActionRespondView(AddressedResponsePage):
    """The owning organisation (or a plan editor) answers an open action."""

    scope_model = ScrutinyAction
    scope_attr = "action"
    needs = may_respond
    form_class = ResponseForm
    template_name = "scrutiny/action_respond.html"
    list_url = "scrutiny:actions"
    answered = "This action has been answered: its answer cannot be changed here."

    def respond(self, item, response):
        respond_to_action(action=item, by=self.request.user, response=response)
