"""The recommendations register: a plan's recommendations with their statutory due
dates, filtered and exported; plan editors record, import and close them, and the
owning organisation responds."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat, timezone
from django.views import View

from core.forms import add_service_errors
from core.spreadsheets import csv_response, xlsx_response
from deliverables.models import Deliverable
from deliverables.upload_errors import ImportFailed
from plans.models import Organisation
from plans.permissions import edits_plan
from plans.views import PlanEditorPage, PlanPage
from scrutiny import rules
from scrutiny.recommendations.filtersets import RecommendationFilter
from scrutiny.recommendations.forms import (
    CloseForm,
    ImportForm,
    RecommendationForm,
    ResponseForm,
)
from scrutiny.recommendations.models import Recommendation
from scrutiny.recommendations.permissions import may_close, may_respond
from scrutiny.recommendations.services import (
    close_recommendation,
    import_recommendations,
    respond_to_recommendation,
    save_recommendation,
)
from scrutiny.responding import AddressedResponsePage


def register_counts(plan, as_of: datetime.date) -> dict[str, int]:
    """How many of the plan's recommendations await a response, are overdue on
    ``as_of``, have been responded to, and are closed: one query."""
    State = Recommendation.State
    return Recommendation.objects.filter(plan=plan).aggregate(
        open=Count("pk", filter=rules.awaiting_response()),
        overdue=Count("pk", filter=rules.overdue(as_of)),
        responded=Count("pk", filter=Q(state=State.RESPONDED)),
        closed=Count("pk", filter=Q(state=State.CLOSED)),
    )


def _filtered(request, plan) -> RecommendationFilter:
    owners = Organisation.objects.filter(
        pk__in=Recommendation.objects.filter(plan=plan).values("owner")
    ).order_by("name")
    queryset = (
        Recommendation.objects.filter(plan=plan)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "deliverables",
                queryset=Deliverable.objects.only(
                    "pk", "reference", "plan_id"
                ).order_by("position", "reference"),
            )
        )
        .annotate(action_count=Count("actions", distinct=True))
        .order_by("state", "due_on", "reference", "pk")
    )
    return RecommendationFilter(request.GET, queryset=queryset, owners=owners)


def _rows(filtered: RecommendationFilter) -> list[Recommendation]:
    today = timezone.localdate()
    rows = list(filtered.qs) if filtered.is_valid() else []
    for row in rows:
        row.overdue = rules.is_overdue(row, today)
        row.days_left = row.days_until_due(today)
        row.references = [d.reference for d in row.deliverables.all()]
    return rows


class RecommendationListView(PlanPage, View):
    """The register: every recommendation of the plan, filtered as the GET form
    says, with the counts of the whole register at the top."""

    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        filtered = _filtered(request, plan)
        rows = _rows(filtered)
        editor = edits_plan(request.user, plan)
        for row in rows:
            row.plan = plan  # read once, by the page
            row.may_respond = may_respond(request.user, row)
            row.may_close = may_close(request.user, row)
        query = request.GET.urlencode()
        return render(
            request,
            "scrutiny/recommendations/register.html",
            {
                "plan": plan,
                "rows": rows,
                "filter": filtered,
                "counts": register_counts(plan, timezone.localdate()),
                "filtered": bool(request.GET),
                "may_edit": editor,
                "query": f"?{query}" if query else "",
                "overdue_label": rules.OVERDUE_LABEL,
            },
        )


EXPORT_HEADINGS = [
    "Reference",
    "Recommendation",
    "Source",
    "Source title",
    "Source address",
    "Published",
    "Due",
    "Overdue",
    "Owner",
    "Deliverables",
    "State",
    "Response",
    "Responded on",
    "Closed on",
]


def _cell_date(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def export_rows(rows: list[Recommendation]) -> list[list[Any]]:
    """The register as a table, its heading row first."""
    return [
        EXPORT_HEADINGS,
        *(
            [
                r.reference,
                r.text,
                r.get_source_display(),
                r.source_title,
                r.source_url,
                _cell_date(r.published_on),
                _cell_date(r.due_on),
                "Yes" if r.overdue else "No",
                r.owner.name,
                ", ".join(r.references),
                r.get_state_display(),
                r.response,
                _cell_date(r.responded_on),
                _cell_date(r.closed_on),
            ]
            for r in rows
        ),
    ]


class RecommendationExportView(PlanPage, View):
    """The filtered register as a CSV or XLSX download (``kind``)."""

    methods_first = True
    kind = "csv"

    def get(self, request, plan):
        rows = export_rows(_rows(_filtered(request, self.plan)))
        name = f"recommendations-{self.plan.pk}-{timezone.localdate():%Y-%m-%d}"
        if self.kind == "xlsx":
            return xlsx_response([("Recommendations", rows)], f"{name}.xlsx")
        return csv_response(rows, f"{name}.csv")


class RecommendationEditView(PlanEditorPage, View):
    """Record (no ``pk``) or update a recommendation. Plan editors only."""

    methods_first = True

    def scoped(self, found):
        pk = self.kwargs.get("pk")
        self.recommendation = (
            get_object_or_404(found.recommendations, pk=pk) if pk else None
        )

    def get(self, request, plan, pk=None):
        form = RecommendationForm(instance=self.recommendation, plan=self.plan)
        return self.show(request, form)

    def post(self, request, plan, pk=None):
        form = RecommendationForm(
            request.POST, instance=self.recommendation, plan=self.plan
        )
        if form.is_valid():
            try:
                saved = save_recommendation(
                    plan=self.plan,
                    by=request.user,
                    recommendation=self.recommendation,
                    **form.fields_for_service(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                due = (
                    f"its response is due {dateformat.format(saved.due_on, 'j F Y')}"
                    if saved.due_on
                    else "no response date is set"
                )
                messages.success(request, f"Saved the recommendation: {due}.")
                return redirect("scrutiny:recommendations", self.plan.pk)
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/recommendations/form.html",
            {"form": form, "plan": self.plan, "recommendation": self.recommendation},
            status=status,
        )


class RecommendationCloseView(PlanEditorPage, View):
    """A plan editor closes a recommendation that has its response."""

    methods_first = True

    def scoped(self, found):
        self.recommendation = get_object_or_404(
            found.recommendations.select_related("owner"), pk=self.kwargs["pk"]
        )

    def get(self, request, plan, pk):
        self.closable()
        return self.show(request, CloseForm())

    def post(self, request, plan, pk):
        self.closable()
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                close_recommendation(
                    recommendation=self.recommendation,
                    by=request.user,
                    closed_on=form.cleaned_data["closed_on"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Closed the recommendation.")
                return redirect("scrutiny:recommendations", self.plan.pk)
        return self.show(request, form, status=400)

    def closable(self) -> None:
        if not may_close(self.request.user, self.recommendation):
            raise PermissionDenied(
                "Only a recommendation that has been responded to can be closed."
            )

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/recommendations/close.html",
            {"form": form, "plan": self.plan, "recommendation": self.recommendation},
            status=status,
        )


class RecommendationImportView(PlanEditorPage, View):
    """Many recommendations from a spreadsheet, all or nothing: every problem is
    listed with its row and column, and nothing is written while any remains."""

    methods_first = True

    def get(self, request, plan):
        return self.show(request, ImportForm())

    def post(self, request, plan):
        form = ImportForm(request.POST, request.FILES)
        problems = []
        if form.is_valid():
            try:
                created = import_recommendations(
                    plan=self.plan, file=form.cleaned_data["file"], by=request.user
                )
            except ImportFailed as failure:
                problems = failure.errors
                form.add_error(
                    "file",
                    f"The file has {len(problems)} problem"
                    f"{'s' if len(problems) != 1 else ''}, listed below: nothing "
                    "was imported.",
                )
            else:
                count = len(created)
                messages.success(
                    request,
                    f"Imported {count} recommendation{'s' if count != 1 else ''}.",
                )
                return redirect("scrutiny:recommendations", self.plan.pk)
        return self.show(request, form, problems=problems, status=400)

    def show(self, request, form, problems=(), status=200):
        return render(
            request,
            "scrutiny/recommendations/import.html",
            {"form": form, "plan": self.plan, "problems": problems},
            status=status,
        )


class RecommendationRespondView(AddressedResponsePage):
    """The owning organisation (or a plan editor) responds to a recommendation
    awaiting its response."""

    scope_model = Recommendation
    scope_attr = "recommendation"
    needs = may_respond
    form_class = ResponseForm
    template_name = "scrutiny/recommendations/respond.html"
    list_url = "scrutiny:recommendations"
    answered = (
        "This recommendation has been responded to: its response cannot be changed "
        "here."
    )

    def respond(self, item, response):
        respond_to_recommendation(
            recommendation=item, by=self.request.user, response=response
        )
