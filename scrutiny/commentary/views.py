"""The page where a plan's editors write a quarter's commentary."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.forms import add_service_errors
from plans.models import Priority
from plans.views import PlanEditorPage
from scrutiny.commentary.selectors import commentary_for
from scrutiny.commentary.services import Kind, field_name, save_commentary
from scrutiny.forms import CommentaryForm


class CommentaryView(PlanEditorPage, View):
    """Write or change the commentary of one period. Plan editors only; drafts until
    the period's report is published, which freezes them into it."""

    methods_first = True

    def setup_objects(self, plan, period):
        self.period = get_object_or_404(self.plan.reporting_periods, pk=period)
        self.priorities = Priority.objects.filter(
            plan=self.plan, parent__isnull=True
        ).order_by("position", "reference")

    def get(self, request, plan, period):
        self.setup_objects(plan, period)
        words = commentary_for(self.period)
        initial = {"summary": words["summary"], "forward_look": words["forward_look"]}
        for pk, text in words["priorities"].items():
            initial[field_name(Kind.PRIORITY, pk)] = text
        return self.show(
            request, CommentaryForm(initial=initial, priorities=self.priorities)
        )

    def post(self, request, plan, period):
        self.setup_objects(plan, period)
        form = CommentaryForm(request.POST, priorities=self.priorities)
        if form.is_valid():
            try:
                changed = save_commentary(
                    plan=self.plan,
                    period=self.period,
                    by=request.user,
                    texts=form.texts(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if changed:
                    messages.success(
                        request,
                        f"Saved the {self.period.label} commentary: "
                        f"{', '.join(changed)}. It is a draft until the report is "
                        "published.",
                    )
                else:
                    messages.info(request, "Nothing changed.")
                return redirect(
                    "scrutiny:dashboard-period", self.plan.pk, self.period.pk
                )
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/commentary_form.html",
            {"plan": self.plan, "period": self.period, "form": form},
            status=status,
        )
