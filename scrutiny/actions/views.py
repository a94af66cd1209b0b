"""Scrutiny actions: the questions and recommendations a panel or board raises, who
must answer, by when, and the answer. Plan editors record and close them; writers of
the owning organisation respond."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.actors import organisation_ids_of
from core.forms import add_service_errors
from core.views import ScopedPage
from plans.permissions import edits_plan
from plans.views import PlanEditorPage, PlanPage
from scrutiny.actions.permissions import may_respond
from scrutiny.actions.services import respond_to_action, save_scrutiny_action
from scrutiny.forms import ResponseForm, ScrutinyActionForm
from scrutiny.models import ScrutinyAction


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


class ActionRespondView(ScopedPage, View):
    """The owning organisation (or a plan editor) answers an open action."""

    scope_model = ScrutinyAction
    scope_attr = "action"
    needs = may_respond
    methods_first = True

    def narrowed(self, queryset):
        """Widened, not narrowed, on purpose: an action addressed to one's own
        organisation is answerable even where its plan is otherwise out of sight (a
        partner named as the owner, say), so those actions join the caller's scope.
        ``plan_in_sight`` says whether the plan is visible too (an action is visible
        exactly when its plan is): the page links to the plan only then."""
        addressed = ScrutinyAction.objects.filter(
            owner_id__in=organisation_ids_of(self.request.user)
        )
        return (
            (queryset | addressed)
            .annotate(plan_in_sight=Exists(queryset.filter(pk=OuterRef("pk"))))
            .select_related("plan", "owner")
            .distinct()
        )

    def refuse(self) -> None:
        if self.action.state != ScrutinyAction.State.OPEN:
            raise PermissionDenied(
                "This action has been answered: its answer cannot be changed here."
            )
        super().refuse()

    def get(self, request, pk):
        return self.show(request, ResponseForm(instance=self.action))

    def post(self, request, pk):
        form = ResponseForm(request.POST, instance=self.action)
        if form.is_valid():
            try:
                respond_to_action(
                    action=self.action,
                    by=request.user,
                    response=form.cleaned_data["response"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return self.show(request, form, status=400)
            messages.success(request, "Sent your response.")
            if self.action.plan_in_sight:
                return redirect("scrutiny:actions", self.action.plan_id)
            return redirect("plans:list")
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/action_respond.html",
            {
                "form": form,
                "action": self.action,
                "plan": self.action.plan,
                "plan_visible": self.action.plan_in_sight,
            },
            status=status,
        )
