"""The annual report's pages: a plan's annual reports, starting one, the working page
(figures, sections and the statutory steps), and a published version (screen, PDF,
XLSX), which a public plan shows to anyone, signed in or not."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views import View

from core.forms import add_service_errors
from core.spreadsheets import xlsx_response
from plans.permissions import edits_plan
from plans.views import PlanEditorPage, PlanPage
from scrutiny.annual import services
from scrutiny.annual.figures import plan_year, plan_years, reconcile, year_figures
from scrutiny.annual.forms import (
    NewAnnualReportForm,
    PanelForm,
    PublishAnnualForm,
    ResponseForm,
    SectionsForm,
    SendForm,
)
from scrutiny.annual.models import AnnualReport, PublishedAnnualReport
from scrutiny.annual.pdf import drawn_annual_pdf, stored_annual_pdf

logger = logging.getLogger(__name__)


class AnnualReportListView(PlanPage, View):
    """A plan's annual reports by year, with their state and published versions.
    Open to signed-out readers of a public plan, who see the published versions
    only; the plan's editors also see drafts and may start a year's report."""

    signed_in = False
    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        may_edit = edits_plan(request.user, plan)
        reports = list(
            AnnualReport.objects.filter(plan=plan)
            .prefetch_related("versions__pdf")
            .order_by("-year")
        )
        if not may_edit:
            reports = [r for r in reports if r.versions.all()]
        rows = [
            {
                "report": r,
                "versions": sorted(r.versions.all(), key=lambda v: -v.version),
            }
            for r in reports
        ]
        started = {r.year for r in reports}
        years = [
            y.label
            for y in plan_years(list(plan.reporting_periods.all()))
            if y.label not in started
        ]
        return render(
            request,
            "scrutiny/annual/list.html",
            {"plan": plan, "rows": rows, "may_edit": may_edit, "years": years},
        )


class NewAnnualReportView(PlanEditorPage, View):
    """Start a year's annual report (a draft). Plan editors only."""

    methods_first = True

    def years(self) -> list[str]:
        started = set(
            AnnualReport.objects.filter(plan=self.plan).values_list("year", flat=True)
        )
        return [
            y.label
            for y in plan_years(list(self.plan.reporting_periods.all()))
            if y.label not in started
        ]

    def get(self, request, plan):
        form = NewAnnualReportForm(years=self.years())
        return self.show(request, form)

    def post(self, request, plan):
        form = NewAnnualReportForm(request.POST, years=self.years())
        if form.is_valid():
            try:
                report = services.create_annual_report(
                    plan=self.plan, year=form.cleaned_data["year"], by=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Started the annual report {report.year}.")
                return redirect("scrutiny:annual-year", self.plan.pk, report.year)
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/annual/new.html",
            {"plan": self.plan, "form": form},
            status=status,
        )


#: The working page's forms, by the ``step`` each POST names.
STEPS = ("sections", "send", "panel", "response", "publish")


class AnnualReportView(PlanEditorPage, View):
    """The working page of a year's annual report: its figures from the year's
    published quarters, any missing quarters, the editor's sections and each
    statutory step in turn. Plan editors only."""

    methods_first = True

    def setup_report(self, year: str) -> None:
        self.report = get_object_or_404(
            AnnualReport.objects.filter(plan=self.plan), year=year
        )
        found = plan_year(self.plan, year)
        self.figures = year_figures(self.plan, found) if found else {"by_priority": []}
        self.priorities = [
            g for g in self.figures.get("by_priority", []) if g["id"] != "none"
        ]

    def forms(self, data=None, step: str = "") -> dict[str, Any]:
        report = self.report
        recommendations = list(report.recommendations.order_by("pk"))
        initial = {
            "foreword": report.foreword,
            "looking_ahead": report.looking_ahead,
            "missing_quarters_reason": report.missing_quarters_reason,
        } | {f"narrative_{k}": v for k, v in (report.narratives or {}).items()}

        def bound(name: str) -> Any:
            return data if step == name else None

        return {
            "sections": SectionsForm(
                bound("sections"),
                priorities=self.priorities,
                initial=initial,
                prefix="sections",
            ),
            "send": SendForm(bound("send"), prefix="send"),
            "panel": PanelForm(bound("panel"), prefix="panel"),
            "response": ResponseForm(
                bound("response"),
                recommendations=[r for r in recommendations if r.state == r.State.OPEN],
                prefix="response",
            ),
            "publish": PublishAnnualForm(bound("publish"), prefix="publish"),
            "recommendations": recommendations,
        }

    def get(self, request, plan, year):
        self.setup_report(year)
        return self.show(request, self.forms())

    def post(self, request, plan, year):
        self.setup_report(year)
        step = request.POST.get("step", "")
        forms = self.forms(request.POST, step)
        form = forms.get(step) if step in STEPS else None
        if form is None:
            return self.show(
                request, forms, status=400, problem="Choose what to do on this page."
            )
        if form.is_valid():
            try:
                done = self.do(step, form, request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done)
                if step == "publish":
                    latest = self.report.versions.order_by("-version").first()
                    return redirect("scrutiny:annual-report", latest.pk)
                return redirect("scrutiny:annual-year", self.plan.pk, self.report.year)
        return self.show(request, forms, status=400, step=step)

    def do(self, step: str, form, by) -> str:
        data = form.cleaned_data
        report = self.report
        if step == "sections":
            services.save_sections(
                report=report,
                by=by,
                foreword=data["foreword"],
                looking_ahead=data["looking_ahead"],
                narratives=form.narratives(),
                missing_quarters_reason=data["missing_quarters_reason"],
            )
            return "Saved the report's sections."
        if step == "send":
            services.send_to_panel(report=report, by=by, sent_on=data["sent_on"])
            return "Recorded that the report was sent to the panel."
        if step == "panel":
            services.record_panel_recommendations(
                report=report,
                by=by,
                reviewed_on=data["reviewed_on"],
                texts=form.texts(),
            )
            return "Recorded the panel's review and its recommendations."
        if step == "response":
            services.record_response(
                report=report,
                by=by,
                responded_on=data["responded_on"],
                responses=form.responses(),
                overall=data["overall"],
            )
            return "Recorded the response to the panel."
        published = services.publish_annual_report(
            report=report, by=by, change_note=data["change_note"]
        )
        return (
            f"Published the annual report {report.year} (version {published.version})."
        )

    def show(self, request, forms, status=200, problem="", step=""):
        report = self.report
        return render(
            request,
            "scrutiny/annual/detail.html",
            {
                "plan": self.plan,
                "report": report,
                "figures": self.figures,
                "problems": reconcile(self.figures)
                if self.figures.get("quarters")
                else [],
                "forms": forms,
                "step": step,
                "problem": problem,
                "versions": list(
                    report.versions.order_by("-version").defer("html", "data")
                ),
                "states": AnnualReport.State,
            },
            status=status,
        )


def visible_version(request, pk) -> PublishedAnnualReport:
    """A published annual report the person may read, or 404."""
    return get_object_or_404(
        PublishedAnnualReport.objects.visible_to(request.user).select_related(
            "plan__owner", "annual_report", "published_by", "pdf"
        ),
        pk=pk,
    )


class PublishedAnnualReportView(View):
    """A published annual report exactly as published, with its downloads."""

    def get(self, request, pk):
        version = visible_version(request, pk)
        newer = (
            PublishedAnnualReport.objects.filter(
                annual_report=version.annual_report, version__gt=version.version
            )
            .order_by("-version")
            .defer("html", "data")
            .first()
        )
        return render(
            request,
            "scrutiny/annual/published.html",
            {
                "version": version,
                "plan": version.plan,
                "newer": newer,
                "may_edit": edits_plan(request.user, version.plan),
            },
        )


def _filename(version: PublishedAnnualReport, extension: str) -> str:
    stem = slugify(f"{version.plan.reference} annual report {version.year}")
    return f"{stem}-v{version.version}.{extension}"


class AnnualReportPdfView(View):
    """A published annual report's PDF, from storage (drawn now if not yet)."""

    def get(self, request, pk):
        version = visible_version(request, pk)
        pdf = version.stored_pdf or stored_annual_pdf(report=version)
        filename = _filename(version, "pdf")
        try:
            stored = pdf.file.open("rb")
        except FileNotFoundError:
            logger.error("The PDF of annual report %s is missing: %s", pk, pdf.file)
            response = HttpResponse(
                drawn_annual_pdf(version), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return FileResponse(
            stored,
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )


def annual_tables(data: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """A published annual report's tables, as (sheet title, rows), header first."""
    figures = data["figures"]
    quarters = [m["label"] for m in figures.get("movement_labels", [])]
    statuses = [
        ["Status", "Start of year", *quarters, "Year's movement", "End of year"]
    ]
    for row in figures["statuses"]:
        statuses.append(
            [
                row["label"],
                row["start"],
                *("" if v is None else v for v in row["movements"]),
                row["movement"],
                row["end"],
            ]
        )
    priority = [
        [
            "Priority",
            "Title",
            "Status",
            "Start of year",
            "Movement",
            "Moved between priorities",
            "End",
        ]
    ]
    labels = {r["status"]: r["label"] for r in figures["statuses"]}
    for group in figures["by_priority"]:
        for status, label in labels.items():
            priority.append(
                [
                    group["label"],
                    group["title"],
                    label,
                    group["start"][status],
                    group["movement"][status],
                    group.get("moved", {}).get(status, 0),
                    group["end"][status],
                ]
            )
    completed = [["Quarter", "Reference", "Title", "Lead"]] + [
        [c["quarter"], c["reference"], c["title"], c["lead"]]
        for c in figures["completed"]
    ]
    changes = [["Quarter", "Change", "Reference", "Title", "Detail", "Reason"]] + [
        [
            c["quarter"],
            c["kind_label"],
            c["reference"],
            c["title"],
            c["detail"],
            c["reason"],
        ]
        for c in figures["changes"]
    ]
    indicators = [
        ["Indicator", "Unit", "Baseline", "Target", "Year end", "Target met"]
    ] + [
        [
            i["title"],
            i["unit"],
            i["baseline"],
            i["target"],
            i["withheld"] or i["value"],
            "" if i["target_met"] is None else ("Yes" if i["target_met"] else "No"),
        ]
        for i in figures["indicators"]
    ]
    decisions = [["Reference", "Title", "Approved", "Decided by"]] + [
        [d["reference"], d["title"], d["approved"], d["decided_by"]]
        for d in figures["decisions"]
    ]
    actions = [["Raised on", "Kind", "Question or recommendation", "Owner", "State"]]
    actions += [
        [a["raised_on"], a["kind"], a["text"], a["owner"], a["state"]]
        for a in figures["actions"]
    ]
    recommendations = [["Reference", "Recommendation", "Response", "Responded on"]]
    recommendations += [
        [r["reference"], r["text"], r["response"], r["responded_on"]]
        for r in data.get("recommendations", [])
    ]
    return [
        ("By status", statuses),
        ("By priority", priority),
        ("Completed", completed),
        ("Changes", changes),
        ("Indicators", indicators),
        ("Decision notices", decisions),
        ("Scrutiny actions", actions),
        ("Panel recommendations", recommendations),
    ]


class AnnualReportXlsxView(View):
    """A published annual report's tables as a spreadsheet (cells escaped as every
    export's are)."""

    def get(self, request, pk):
        version = visible_version(request, pk)
        return xlsx_response(annual_tables(version.data), _filename(version, "xlsx"))
