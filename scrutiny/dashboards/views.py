"""Pages for panels and boards: the quarterly dashboard, its drill-downs and the
overview across plans. Published reports' pages are in ``scrutiny.reports.views``.

Signed-in readers see the live dashboard of any period of a plan they can see, built
from the deliverables they can see. Anyone may read the published reports of a public
plan; signed out, nothing else of it shows (no live figures, no review comments, and
names only where the plan's owner allows).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from deliverables import rules
from deliverables.evidence import with_attachments
from deliverables.filtersets import respelt
from deliverables.models import Deliverable, ProgressUpdate
from deliverables.views import ordered_counts
from plans.models import Plan, ReportingPeriod
from plans.permissions import edits_plan
from plans.variations.structure import plan_as_at, priority_as_at, variations_of
from plans.views import PlanPage
from scrutiny.dashboards import charts
from scrutiny.dashboards.figures import (
    build_dashboard,
    current_period,
    dashboard_rows,
    describe,
    effective,
    indicator_rows,
)
from scrutiny.models import PublishedReport
from scrutiny.recommendations.selectors import dashboard_panel
from scrutiny.reports.selectors import latest_reports


def visible_plan(request, pk) -> Plan:
    """A plan the person may see (signed out: a public one), or 404."""
    return get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("owner"), pk=pk
    )


def plan_and_periods(request, pk) -> tuple[Plan, list[ReportingPeriod]]:
    """A plan the person may see and its periods in order, in one query (two for a
    plan with no periods), or 404.

    The dashboard and its drill-down find their plan here rather than as a
    ``PlanPage``, in the same scope: the base reads the plan first and the periods
    after it, a query more on the busiest pages. Every other page about a plan is a
    ``PlanPage``."""
    periods = list(
        ReportingPeriod.objects.filter(
            plan__in=Plan.objects.visible_to(request.user).filter(pk=pk)
        )
        .select_related("plan__owner")
        .order_by("starts_on")
    )
    if not periods:
        return visible_plan(request, pk), []
    plan = periods[0].plan
    for period in periods:
        period.plan = plan
    return plan, periods


class DashboardView(View):
    """The dashboard of a plan for one period, as it stood at the end of that period.

    Without a period, the latest period that has ended. Signed out (a public plan),
    the latest published report instead: nothing unpublished shows publicly.
    """

    def get(self, request, plan, period=None):
        if not request.user.is_authenticated:
            plan = visible_plan(request, plan)
            reports = latest_reports(plan)
            report = reports.filter(period=period).first() or reports.first()
            if report is None:
                raise Http404("No report has been published for this plan yet.")
            return redirect("scrutiny:report", report.pk)
        plan, periods = plan_and_periods(request, plan)
        chosen = request.GET.get("period", "")
        if period is None:
            found = next((p for p in periods if str(p.pk) == chosen), None)
            found = found or current_period(plan, timezone.localdate())
            if found is None:
                return render(
                    request, "scrutiny/no_periods.html", {"plan": plan}, status=404
                )
            return redirect("scrutiny:dashboard-period", plan.pk, found.pk)
        period = next((p for p in periods if p.pk == period), None)
        if period is None:
            raise Http404("No such period in this plan.")
        editor = edits_plan(request.user, plan)
        variations = variations_of([plan.pk]).get(plan.pk, [])
        data = build_dashboard(
            plan,
            period,
            Deliverable.objects.visible_in(plan, request.user),
            today=timezone.localdate(),
            periods=periods,
            # Drafts until published: the plan's editors' alone.
            commentary=editor,
            variations=variations,
        )
        return render(
            request,
            "scrutiny/dashboard.html",
            {
                "plan": plan,
                "period": period,
                "periods": periods,
                "data": data,
                "charts": charts.charts_for(
                    data,
                    inline=False,
                    indicator_src=lambda row: reverse(
                        "scrutiny:indicator-chart", args=[plan.pk, period.pk, row["id"]]
                    ),
                ),
                "may_publish": editor,
                "recommendations": dashboard_panel(
                    plan=plan, period=period, today=timezone.localdate()
                ),
                "varied_since": sorted(
                    (v for v in variations if v.takes_effect_on > period.ends_on),
                    key=lambda v: v.takes_effect_on,
                ),
                "reports": PublishedReport.objects.filter(plan=plan, period=period)
                .only("pk", "version", "published_at")
                .order_by("-version"),
            },
        )


class IndicatorChartView(LoginRequiredMixin, View):
    """One indicator's chart on the live dashboard of a period, drawn from its figures
    now, for the reader who may see that dashboard.

    The dashboard links it with the ``version`` of the chart it drew (``?v=``): while
    the figures are unchanged, the chart is the same and browsers keep it for good; a
    version that no longer matches (a figure recorded since) still draws the chart as
    it is now, kept for a minute only. Its cost is the same few queries however many
    indicators the plan has."""

    def get(self, request, plan, period, indicator):
        plan, periods = plan_and_periods(request, plan)
        period = next((p for p in periods if p.pk == period), None)
        if period is None:
            raise Http404("No such period in this plan.")
        rows = indicator_rows(
            plan, period, periods=periods, indicator=indicator, show_names=False
        )
        drawn = charts.indicator_spec(rows[0]) if rows else None
        if drawn is None:
            raise Http404("This indicator has no chart for this period.")
        spec, _alt = drawn
        response = HttpResponse(charts.svg(spec), content_type="image/svg+xml")
        if request.GET.get("v") == charts.version(spec):
            response["Cache-Control"] = "private, max-age=31536000, immutable"
        else:
            response["Cache-Control"] = "private, max-age=60"
        return response


def _old_link(request):
    """A redirect for a drill-down link spelt the old way (``late=yes``), or None."""
    fixed = respelt(request.GET)
    return None if fixed is None else redirect(f"{request.path}?{fixed.urlencode()}")


def _drill_down(request, *, plan, data, rows, source, back):
    return render(
        request,
        "scrutiny/drill_down.html",
        {
            "plan": plan,
            "data": data,
            "rows": rows,
            "heading": describe(request.GET, data),
            "source": source,
            "back": back,
        },
    )


class DrillDownView(LoginRequiredMixin, View):
    """The deliverables behind one figure of the live dashboard."""

    def get(self, request, plan, period):
        if old_link := _old_link(request):
            return old_link
        plan, periods = plan_and_periods(request, plan)
        period = next((p for p in periods if p.pk == period), None)
        if period is None:
            raise Http404("No such period in this plan.")
        visible = Deliverable.objects.visible_in(plan, request.user)
        data = build_dashboard(
            plan, period, visible, today=timezone.localdate(), periods=periods
        )
        rows = dashboard_rows(plan, period, visible, query=request.GET, periods=periods)
        back = reverse("scrutiny:dashboard-period", args=[plan.pk, period.pk])
        return _drill_down(
            request, plan=plan, data=data, rows=rows, source="dashboard", back=back
        )


def as_at(updates: list, deliverable: Deliverable) -> dict:
    """The deliverable's state at the end of the period the updates run to: from its
    latest counted update then, or else as it stood before its first update."""
    if updates:
        latest = updates[0]
        return {
            "status": latest.status,
            "rag": latest.rag,
            "forecast": latest.forecast_date or deliverable.baseline_date or "TBA",
            "percent_complete": latest.percent_complete,
        }
    return {
        "status": "",
        "rag": "",
        "forecast": deliverable.baseline_date or "TBA",
        "percent_complete": None,
    }


def _timeline(request, *, plan, deliverable_pk, upto, back, back_label, row=None):
    """A deliverable as it stood at the end of ``upto``, opened from a past dashboard
    or a published report: its state then, and its counted updates up to then (no
    review comments; signed out, only evidence marked public). Signed in, a link
    leads on to the deliverable as it is today. ``row`` is the report's stored row,
    which says exactly what the report showed."""
    deliverable = get_object_or_404(
        Deliverable.objects.visible_to(request.user).select_related(
            "objective__priority", "lead_organisation", "plan__owner"
        ),
        pk=deliverable_pk,
        plan=plan,
    )
    updates = list(
        with_attachments(
            effective(ProgressUpdate.objects.filter(deliverable=deliverable))
            .filter(period__starts_on__lte=upto.starts_on)
            .order_by("-period__starts_on", "-recorded_at", "-id"),
            request.user,  # signed out: only evidence marked public
        )
    )
    state = as_at(updates, deliverable)
    # The plan's title and the deliverable's priority as they stood then.
    varied = variations_of([plan.pk]).get(plan.pk, [])
    plan_title = plan_as_at(plan, upto.ends_on, varied)["title"]
    objective = deliverable.objective
    priority = priority_as_at(objective, upto.ends_on, varied) if objective else None
    if row is not None:
        state |= {
            "status": row["status"],
            "rag": "" if row["rag"] == "none" else row["rag"],
            "forecast": row["forecast"],
            "late": row.get("late", ""),
        }
    return render(
        request,
        "scrutiny/public_timeline.html",
        {
            "deliverable": deliverable,
            "updates": updates,
            "state": state,
            "show_names": request.user.is_authenticated or plan.owner.names_in_public,
            "upto": upto,
            "back": back,
            "back_label": back_label,
            "from_report": row is not None,
            "plan": plan,
            "plan_title": plan_title,
            "priority": priority,
        },
    )


class TimelineView(PlanPage, View):
    """From a dashboard to a deliverable as it stood at the end of its period."""

    methods_first = True

    def get(self, request, plan, period, pk):
        upto = get_object_or_404(self.plan.reporting_periods, pk=period)
        return _timeline(
            request,
            plan=self.plan,
            deliverable_pk=pk,
            upto=upto,
            back=reverse("scrutiny:dashboard-period", args=[self.plan.pk, upto.pk]),
            back_label=f"Back to the {upto.label} dashboard",
        )


class OverviewView(View):
    """Every plan the reader can see, a page at a time, with today's counts and its
    latest report. Signed out, only plans with a published report.

    A page costs the same few queries however many plans there are: the plans of the
    page, then their latest reports and their counts (by status, and late), each
    read for those plans only.
    """

    paginate_by = 25

    def get(self, request):
        signed_in = request.user.is_authenticated
        plans = Plan.objects.visible_to(request.user)
        if not signed_in:
            plans = plans.filter(
                Exists(PublishedReport.objects.filter(plan=OuterRef("pk")))
            )
        page = Paginator(
            plans.select_related("owner").order_by("-starts_on", "title", "pk"),
            self.paginate_by,
        ).get_page(request.GET.get("page"))
        shown = [plan.pk for plan in page.object_list]
        latest = {}
        for report in (
            PublishedReport.objects.filter(plan_id__in=shown)
            .latest_versions()
            .select_related("period")
            .only("pk", "plan_id", "version", "period__label", "period__starts_on")
            .order_by("period__starts_on")
        ):
            latest[report.plan_id] = report
        counts: dict[int, Counter] = defaultdict(Counter)
        late: dict[int, int] = defaultdict(int)
        if signed_in:
            today = timezone.localdate()
            for row in (
                Deliverable.objects.visible_to(request.user)
                .filter(plan_id__in=shown)
                .values("plan_id", "status")
                .annotate(n=Count("pk"), late=Count("pk", filter=rules.late(today)))
                .order_by()
            ):
                counts[row["plan_id"]][row["status"]] += row["n"]
                late[row["plan_id"]] += row["late"]
        rows = [
            {
                "plan": plan,
                "counts": ordered_counts(counts[plan.pk]),
                "total": sum(counts[plan.pk].values()),
                "late": late[plan.pk],
                "report": latest.get(plan.pk),
            }
            for plan in page.object_list
        ]
        return render(
            request,
            "scrutiny/overview.html",
            {"rows": rows, "page": page, "query": ""},
        )
