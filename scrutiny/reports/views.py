"""Published reports' pages: publishing, the list of a plan's reports, a report as
published (screen, PDF, CSV, XLSX) and its drill-downs. The live dashboard's pages
are in ``scrutiny.dashboards.views``, whose drill-down and timeline helpers these
share.

Anyone may read the published reports of a public plan, signed in or not; signed out,
a deliverable's timeline shows no review comments, and names only where the plan's
owner allows.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views import View

from core.forms import add_service_errors
from core.spreadsheets import csv_response, xlsx_response
from plans.permissions import edits_plan
from plans.views import PlanEditorPage, PlanPage
from scrutiny.dashboards.figures import matching
from scrutiny.dashboards.tables import TABLES, tables
from scrutiny.dashboards.views import _drill_down, _old_link, _timeline
from scrutiny.forms import PublishForm
from scrutiny.models import PublishedReport
from scrutiny.reports.pdf import drawn_report_pdf, stored_report_pdf
from scrutiny.reports.services import publish_report

logger = logging.getLogger(__name__)


def visible_report(request, pk) -> PublishedReport:
    """A report the person may see, or 404. Its rows (every deliverable's, which grow
    with the plan) are read only when a page asks for them."""
    return get_object_or_404(
        PublishedReport.objects.visible_to(request.user)
        .select_related("plan__owner", "period", "published_by", "pdf")
        .defer("rows"),
        pk=pk,
    )


class ReportDrillDownView(View):
    """The deliverables behind one figure of a published report, as published."""

    def get(self, request, pk):
        if old_link := _old_link(request):
            return old_link
        report = visible_report(request, pk)
        back = reverse("scrutiny:report", args=[report.pk])
        return _drill_down(
            request,
            plan=report.plan,
            data=report.data,
            rows=matching(report.every_row, request.GET),
            source=report,
            back=back,
        )


class ReportTimelineView(View):
    """From a published report to a deliverable's timeline."""

    def get(self, request, pk, deliverable):
        report = visible_report(request, pk)
        row = next((r for r in report.every_row if r["id"] == deliverable), None)
        if row is None:
            raise Http404("That deliverable is not in this report.")
        return _timeline(
            request,
            plan=report.plan,
            deliverable_pk=deliverable,
            upto=report.period,
            back=reverse("scrutiny:report", args=[report.pk]),
            back_label=f"Back to the {report.period.label} report",
            row=row,
        )


class PublishView(PlanEditorPage, View):
    """Publish the dashboard of a period as a report, or a corrected version of it.
    Plan editors only."""

    methods_first = True

    def setup_objects(self, request, plan, period):
        self.period = get_object_or_404(self.plan.reporting_periods, pk=period)
        self.latest = (
            PublishedReport.objects.filter(plan=self.plan, period=self.period)
            .order_by("-version")
            .first()
        )

    def get(self, request, plan, period):
        self.setup_objects(request, plan, period)
        return self.show(request, PublishForm())

    def post(self, request, plan, period):
        self.setup_objects(request, plan, period)
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                report = publish_report(
                    plan=self.plan,
                    period=self.period,
                    by=request.user,
                    change_note=form.cleaned_data["change_note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Published the {self.period.label} report "
                    f"(version {report.version}).",
                )
                return redirect("scrutiny:report", report.pk)
        return self.show(request, form, status=400)

    def show(self, request, form, status=200):
        return render(
            request,
            "scrutiny/publish.html",
            {
                "plan": self.plan,
                "period": self.period,
                "latest": self.latest,
                "form": form,
            },
            status=status,
        )


class ReportListView(PlanPage, View):
    """A plan's published reports, newest period first, every version listed; open
    to signed-out readers of a public plan."""

    signed_in = False
    methods_first = True

    def get(self, request, plan):
        plan = self.plan
        versions = defaultdict(list)
        for report in (
            PublishedReport.objects.filter(plan=plan)
            .select_related("period", "pdf")
            .order_by("-period__starts_on", "-version")
            .defer("html", "data")
        ):
            versions[report.period].append(report)
        return render(
            request,
            "scrutiny/report_list.html",
            {
                "plan": plan,
                "periods": list(versions.items()),
                "may_publish": edits_plan(request.user, plan),
            },
        )


class ReportDetailView(View):
    """A published report exactly as published, with its downloads."""

    def get(self, request, pk):
        report = visible_report(request, pk)
        newer = (
            PublishedReport.objects.filter(
                plan=report.plan, period=report.period, version__gt=report.version
            )
            .order_by("-version")
            .defer("html", "data")
            .first()
        )
        return render(
            request,
            "scrutiny/report_detail.html",
            {
                "report": report,
                "plan": report.plan,
                "newer": newer,
                "tables": TABLES,
            },
        )


def _filename(report: PublishedReport, extension: str) -> str:
    stem = slugify(f"{report.plan.reference} {report.period.label}")
    return f"{stem}-report-v{report.version}.{extension}"


class ReportPdfView(View):
    """A published report's PDF, sent from storage. One not stored yet (still being
    drawn in the background, or published before PDFs were kept) is drawn and stored
    now, so the next download sends the file."""

    def get(self, request, pk):
        report = visible_report(request, pk)
        pdf = report.stored_pdf or stored_report_pdf(report=report)
        filename = _filename(report, "pdf")
        try:
            stored = pdf.file.open("rb")
        except FileNotFoundError:
            # The row outlived its file (a database restored without its media):
            # send it drawn afresh, and say so, rather than fail.
            logger.error("The PDF of report %s is missing: %s", pk, pdf.file.name)
            response = HttpResponse(
                drawn_report_pdf(report), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return FileResponse(
            stored,
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )


class ReportXlsxView(View):
    def get(self, request, pk):
        report = visible_report(request, pk)
        sheets = [
            (title, rows) for _, title, rows in tables(report.data, report.every_row)
        ]
        return xlsx_response(sheets, _filename(report, "xlsx"))


class ReportCsvView(View):
    def get(self, request, pk, table):
        report = visible_report(request, pk)
        for slug, _title, rows in tables(report.data, report.every_row):
            if slug == table:
                return csv_response(rows, _filename(report, f"{slug}.csv"))
        raise Http404("No such table in this report.")
