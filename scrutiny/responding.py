"""A page on which the organisation something is addressed to answers it: a panel's
scrutiny action or a recommendation. Shared by both, so the rule of who may reach
it is written once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from core.actors import organisation_ids_of
from core.forms import add_service_errors
from core.views import ScopedPage


class AddressedResponsePage(ScopedPage, View):
    """Answer an open item addressed to one's organisation (or, for a plan editor,
    on its behalf). A subclass names the model (``scope_model``, ``scope_attr``),
    who may answer (``needs``), its ``form_class``, the template, the list it
    returns to
    (``list_url``), the words when it is already answered (``answered``) and the
    service that records the answer (``respond``)."""

    methods_first = True
    form_class: Any = None
    template_name = ""
    list_url = ""
    answered = ""

    def respond(self, item: Any, response: str) -> None:
        raise NotImplementedError

    @property
    def item(self) -> Any:
        return getattr(self, self.scope_attr)

    def narrowed(self, queryset):
        """Widened, not narrowed, on purpose: what is addressed to one's own
        organisation is answerable even where its plan is otherwise out of sight (a
        partner named as the owner, say), so it joins the caller's scope.
        ``plan_in_sight`` says whether the plan is visible too (the item is visible
        exactly when its plan is): the page links to the plan only then."""
        addressed = self.scope_model._default_manager.filter(
            owner_id__in=organisation_ids_of(self.request.user)
        )
        return (
            (queryset | addressed)
            .annotate(plan_in_sight=Exists(queryset.filter(pk=OuterRef("pk"))))
            .select_related("plan", "owner")
            .distinct()
        )

    def refuse(self) -> None:
        if self.item.state != self.scope_model.State.OPEN:
            raise PermissionDenied(self.answered)
        super().refuse()

    def get(self, request, pk):
        return self.show(request, self.form_class(instance=self.item))

    def post(self, request, pk):
        form = self.form_class(request.POST, instance=self.item)
        if form.is_valid():
            try:
                self.respond(self.item, form.cleaned_data["response"])
            except ValidationError as error:
                add_service_errors(form, error)
                return self.show(request, form, status=400)
            messages.success(request, "Sent your response.")
            return redirect(self.back())
        return self.show(request, form, status=400)

    def back(self) -> str:
        """The list of the plan's items when the plan is in sight; else the plans."""
        if self.item.plan_in_sight:
            return reverse(self.list_url, args=[self.item.plan_id])
        return reverse("plans:list")

    def show(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                self.scope_attr: self.item,
                "plan": self.item.plan,
                "plan_visible": self.item.plan_in_sight,
                "back": self.back(),
            },
            status=status,
        )
