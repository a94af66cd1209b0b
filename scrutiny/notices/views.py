"""The decision notices register: list by reporting period, create and edit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.forms import add_service_errors
from plans.models import ReportingPeriod
from plans.permissions import edits_plan
from plans.views import PlanEditorPage, PlanPage
from scrutiny.forms import DecisionNoticeForm
from scrutiny.models import DecisionNotice
from scrutiny.notices.services import save_decision_notice


class DecisionNoticeList(PlanPage, View):
    """A plan's decision notices, optionally only those approved in one period."""

    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        notices = DecisionNotice.objects.filter(plan=plan).prefetch_related(
            "deliverables"
        )
        periods = ReportingPeriod.objects.filter(plan=plan).order_by("starts_on")
        period = periods.filter(pk=request.GET.get("period") or 0).first()
        if request.GET.get("period", "").isdigit() and period:
            notices = notices.filter(
                approved_on__gte=period.starts_on, approved_on__lte=period.ends_on
            )
        return render(
            request,
            "scrutiny/decision_notice_list.html",
            {
                "plan": plan,
                "notices": notices.order_by(*DecisionNotice.NEWEST_FIRST),
                "periods": periods,
                "period": period,
                "may_edit": edits_plan(request.user, plan),
            },
        )


class DecisionNoticeEdit(PlanEditorPage, View):
    """Create (no ``pk``) or edit a notice. Plan editors only."""

    methods_first = True

    def setup_objects(self, request, plan, pk=None):
        self.notice = (
            get_object_or_404(self.plan.decision_notices, pk=pk) if pk else None
        )
        # As stored, for the heading: a form that is not saved still changes the
        # instance it was given.
        self.stored_reference = self.notice.reference_text if self.notice else ""

    def get(self, request, plan, pk=None):
        self.setup_objects(request, plan, pk)
        form = DecisionNoticeForm(instance=self.notice, plan=self.plan)
        return self.show(request, form)

    def post(self, request, plan, pk=None):
        self.setup_objects(request, plan, pk)
        form = DecisionNoticeForm(request.POST, instance=self.notice, plan=self.plan)
        if form.is_valid():
            data = form.fields_for_service()
            try:
                notice = save_decision_notice(
                    plan=self.plan,
                    by=request.user,
                    notice=self.notice,
                    deliverables=list(data.pop("deliverables")),
                    **data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"Saved decision notice {notice.reference_text}."
                )
                return redirect("scrutiny:decisions", self.plan.pk)
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/decision_notice_form.html",
            {
                "form": form,
                "plan": self.plan,
                "notice": self.notice,
                "stored_reference": self.stored_reference,
            },
            status=status,
        )
