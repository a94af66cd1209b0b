from django.urls import path

from plans import periods
from scrutiny.actions import views as actions
from scrutiny.annual import views as annual
from scrutiny.commentary import views as commentary
from scrutiny.dashboards import charts
from scrutiny.dashboards import views as dashboards
from scrutiny.notices import views as notices
from scrutiny.recommendations import views as recommendations
from scrutiny.reports import views as reports

app_name = "scrutiny"
urlpatterns = [
    path(
        "plans/<int:plan>/decisions/",
        notices.DecisionNoticeList.as_view(),
        name="decisions",
    ),
    path(
        "plans/<int:plan>/decisions/add/",
        notices.DecisionNoticeEdit.as_view(),
        name="add-decision",
    ),
    path(
        "plans/<int:plan>/decisions/<int:pk>/edit/",
        notices.DecisionNoticeEdit.as_view(),
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
        "plans/<int:plan>/dashboard/<int:period>/indicators/<int:indicator>.svg",
        dashboards.IndicatorChartView.as_view(),
        name="indicator-chart",
    ),
    path(
        "plans/<int:plan>/dashboard/<int:period>/commentary/",
        commentary.CommentaryView.as_view(),
        name="commentary",
    ),
    path(
        "plans/<int:plan>/dashboard/<int:period>/publish/",
        reports.PublishView.as_view(),
        name="publish",
    ),
    path(
        "plans/<int:plan>/reports/",
        reports.ReportListView.as_view(),
        name="reports",
    ),
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="report"),
    path(
        "reports/<int:pk>/deliverables/",
        reports.ReportDrillDownView.as_view(),
        name="report-drill-down",
    ),
    path(
        "reports/<int:pk>/deliverables/<int:deliverable>/",
        reports.ReportTimelineView.as_view(),
        name="report-timeline",
    ),
    path("reports/<int:pk>/pdf/", reports.ReportPdfView.as_view(), name="report-pdf"),
    path(
        "reports/<int:pk>/tables.xlsx",
        reports.ReportXlsxView.as_view(),
        name="report-xlsx",
    ),
    path(
        "reports/<int:pk>/tables/<slug:table>.csv",
        reports.ReportCsvView.as_view(),
        name="report-csv",
    ),
    path(
        "plans/<int:plan>/annual-reports/",
        annual.AnnualReportListView.as_view(),
        name="annual-reports",
    ),
    path(
        "plans/<int:plan>/annual-reports/new/",
        annual.NewAnnualReportView.as_view(),
        name="annual-new",
    ),
    path(
        "plans/<int:plan>/annual-reports/<str:year>/",
        annual.AnnualReportView.as_view(),
        name="annual-year",
    ),
    path(
        "annual-reports/<int:pk>/",
        annual.PublishedAnnualReportView.as_view(),
        name="annual-report",
    ),
    path(
        "annual-reports/<int:pk>/pdf/",
        annual.AnnualReportPdfView.as_view(),
        name="annual-report-pdf",
    ),
    path(
        "annual-reports/<int:pk>/tables.xlsx",
        annual.AnnualReportXlsxView.as_view(),
        name="annual-report-xlsx",
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
    path(
        "plans/<int:plan>/recommendations/",
        recommendations.RecommendationListView.as_view(),
        name="recommendations",
    ),
    path(
        "plans/<int:plan>/recommendations.csv",
        recommendations.RecommendationExportView.as_view(kind="csv"),
        name="recommendations-csv",
    ),
    path(
        "plans/<int:plan>/recommendations.xlsx",
        recommendations.RecommendationExportView.as_view(kind="xlsx"),
        name="recommendations-xlsx",
    ),
    path(
        "plans/<int:plan>/recommendations/add/",
        recommendations.RecommendationEditView.as_view(),
        name="add-recommendation",
    ),
    path(
        "plans/<int:plan>/recommendations/import/",
        recommendations.RecommendationImportView.as_view(),
        name="import-recommendations",
    ),
    path(
        "plans/<int:plan>/recommendations/<int:pk>/edit/",
        recommendations.RecommendationEditView.as_view(),
        name="edit-recommendation",
    ),
    path(
        "plans/<int:plan>/recommendations/<int:pk>/close/",
        recommendations.RecommendationCloseView.as_view(),
        name="close-recommendation",
    ),
    path(
        "recommendations/<int:pk>/respond/",
        recommendations.RecommendationRespondView.as_view(),
        name="respond-recommendation",
    ),
]
