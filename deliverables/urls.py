from django.urls import path

from deliverables import (
    editing,
    evidence_views,
    missing,
    periods,
    return_views,
    views,
)
from plans import library
from plans import views as plan_views

plan_patterns = (
    [
        path("", views.PlanListView.as_view(), name="list"),
        path("<int:pk>/", views.PlanDetailView.as_view(), name="detail"),
        path("add/", editing.PlanCreate.as_view(), name="add"),
        path("<int:pk>/edit/", editing.PlanUpdate.as_view(), name="edit"),
        path(
            "<int:plan>/priorities/add/",
            editing.PriorityCreate.as_view(),
            name="add-priority",
        ),
        path(
            "priorities/<int:pk>/edit/",
            editing.PriorityUpdate.as_view(),
            name="edit-priority",
        ),
        path(
            "<int:plan>/objectives/add/",
            editing.ObjectiveCreate.as_view(),
            name="add-objective",
        ),
        path(
            "objectives/<int:pk>/edit/",
            editing.ObjectiveUpdate.as_view(),
            name="edit-objective",
        ),
        path(
            "<int:plan>/deliverables/add/",
            editing.DeliverableCreate.as_view(),
            name="add-deliverable",
        ),
        path("<int:plan>/periods/", periods.PeriodList.as_view(), name="periods"),
        path(
            "<int:plan>/periods/<int:period>/",
            periods.PeriodDetail.as_view(),
            name="period",
        ),
        path(
            "<int:plan>/periods/<int:period>/dates/",
            periods.PeriodDates.as_view(),
            name="period-dates",
        ),
        path(
            "<int:plan>/indicators/",
            plan_views.IndicatorList.as_view(),
            name="indicators",
        ),
        path(
            "<int:plan>/indicators/add/",
            plan_views.IndicatorEdit.as_view(),
            name="add-indicator",
        ),
        path(
            "<int:plan>/indicators/<int:pk>/edit/",
            plan_views.IndicatorEdit.as_view(),
            name="edit-indicator",
        ),
        path(
            "indicators/<int:pk>/values/",
            plan_views.IndicatorValues.as_view(),
            name="indicator-values",
        ),
        path(
            "<int:plan>/periods/<int:period>/returns/",
            return_views.ReturnsView.as_view(),
            name="returns",
        ),
        path(
            "<int:plan>/periods/<int:period>/returns/<int:organisation>/download/",
            return_views.ReturnDownloadView.as_view(),
            name="return-download",
        ),
        path(
            "<int:plan>/indicators/library/",
            library.IndicatorLibrary.as_view(),
            name="indicator-library",
        ),
        path(
            "<int:plan>/indicators/library/<int:pk>/add/",
            library.AddFromLibrary.as_view(),
            name="add-from-library",
        ),
        path(
            "<int:plan>/indicators/library/define/",
            library.DefinitionEdit.as_view(),
            name="add-definition",
        ),
        path(
            "<int:plan>/indicators/library/<int:pk>/edit/",
            library.DefinitionEdit.as_view(),
            name="edit-definition",
        ),
        path(
            "<int:plan>/periods/<int:period>/missing/",
            missing.MissingUpdatesView.as_view(),
            name="missing",
        ),
    ],
    "plans",
)

deliverable_patterns = (
    [
        path("", views.DeliverableListView.as_view(), name="list"),
        path("review/", views.ReviewQueueView.as_view(), name="review-queue"),
        path("import/", views.ImportPlanView.as_view(), name="import"),
        path("<int:pk>/", views.DeliverableDetailView.as_view(), name="detail"),
        path("<int:pk>/progress/", views.RecordProgressView.as_view(), name="record"),
        path(
            "updates/<int:pk>/evidence/",
            evidence_views.AddEvidenceView.as_view(),
            name="add-evidence",
        ),
        path(
            "evidence/<int:pk>/",
            evidence_views.EvidenceFileView.as_view(),
            name="evidence",
        ),
        path(
            "evidence/<int:pk>/public/",
            evidence_views.EvidencePublicView.as_view(),
            name="evidence-public",
        ),
        path("<int:pk>/merge/", views.MergeView.as_view(), name="merge"),
        path("<int:pk>/split/", views.SplitView.as_view(), name="split"),
        path("<int:pk>/edit/", editing.DeliverableUpdate.as_view(), name="edit"),
        path(
            "<int:deliverable>/milestones/add/",
            editing.MilestoneCreate.as_view(),
            name="add-milestone",
        ),
        path(
            "milestones/<int:pk>/edit/",
            editing.MilestoneUpdate.as_view(),
            name="edit-milestone",
        ),
    ],
    "deliverables",
)
