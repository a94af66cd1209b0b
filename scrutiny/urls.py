from django.urls import path

from plans import periods
from scrutiny import actions, charts, dashboards, views

app_name = "scrutiny"
urlpatterns = [
    path(
        "plans/<int:plan>/decisions/",
        views.DecisionNoticeList.as_view(),
        name="decisions",
    ),
    path(
        "plans/<int:plan>/decisions/add/",
        views.DecisionNoticeEdit.as_view(),
        name="add-decision",
    ),
    path(
        "plans/<int:plan>/decisions/<int:pk>/edit/",
        views.DecisionNoticeEdit.as_view(),
        name="edit-decision",
    ),
    path(
        "plans/<int:plan>/periods/<int:period>/reopen/",
        periods.ReopenPeriodView.as_view(),
        name="reopen-period",
    ),
    path("dashboards/", dashboards.OverviewView.as_view(), name="overview"),
    path("charts/<str:token>.svg", charts.chart_view, name="chart"),
    path(
        "plans/<int:plan>/dashboard/",
        dashboards.DashboardView.as_view(),
        name="dashboard",
    ),
    path(
        "plans/<int:plan>/dashboard/<int:period>/",
        dashboards.DashboardView.as_view(),
        name="dashboard-period",
    ),
    path(
        "plans/<int:plan>/dashboard/<int:period>/deliverables/",
        dashboards.DrillDownView.as_view(),
        name="drill-down",
    ),
    path(
        "plans/<int:plan>/dashboard/<int:period>/deliverables/<int:pk>/",
        dashboards.TimelineView.as_view(),
        name="timeline",
    ),
    path(
        "plans/<int:plan>/dashboard/<int:period>/publish/",
        dashboards.PublishView.as_view(),
        name="publish",
    ),
    path(
        "plans/<int:plan>/reports/",
        dashboards.ReportListView.as_view(),
        name="reports",
    ),
    path("reports/<int:pk>/", dashboards.ReportDetailView.as_view(), name="report"),
    path(
        "reports/<int:pk>/deliverables/",
        dashboards.ReportDrillDownView.as_view(),
        name="report-drill-down",
    ),
    path(
        "reports/<int:pk>/deliverables/<int:deliverable>/",
        dashboards.ReportTimelineView.as_view(),
        name="report-timeline",
    ),
    path(
        "reports/<int:pk>/pdf/", dashboards.ReportPdfView.as_view(), name="report-pdf"
    ),
    path(
        "reports/<int:pk>/tables.xlsx",
        dashboards.ReportXlsxView.as_view(),
        name="report-xlsx",
    ),
    path(
        "reports/<int:pk>/tables/<slug:table>.csv",
        dashboards.ReportCsvView.as_view(),
        name="report-csv",
    ),
    path("plans/<int:plan>/actions/", actions.ActionListView.as_view(), name="actions"),
    path(
        "plans/<int:plan>/actions/add/",
        actions.ActionEditView.as_view(),
        name="add-action",
    ),
    path(
        "plans/<int:plan>/actions/<int:pk>/edit/",
        actions.ActionEditView.as_view(),
        name="edit-action",
    ),
    path(
        "actions/<int:pk>/respond/",
        actions.ActionRespondView.as_view(),
        name="respond-action",
    ),
]
