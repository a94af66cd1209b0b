"""The deliverables app's pages: the deliverables list and each deliverable's pages
(``deliverable_patterns``), and the pages about a plan's work, served under /plans/ in
the ``plans:`` namespace (``plan_work_patterns``: the plans list and page, a
deliverable added to a plan, periods with their missing updates, returns)."""

from django.urls import path

from deliverables import (
    editing,
    evidence_views,
    history_views,
    import_views,
    missing,
    periods,
    return_views,
    views,
    your_tasks,
)

plan_work_patterns = [
    path("", views.PlanListView.as_view(), name="list"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="detail"),
    path(
        "<int:plan>/deliverables/add/",
        editing.DeliverableCreate.as_view(),
        name="add-deliverable",
    ),
    path(
        "<int:plan>/deliverables/change/",
        views.ChangeSeveralView.as_view(),
        name="change-deliverables",
    ),
    path("<int:plan>/periods/", periods.PeriodList.as_view(), name="periods"),
    path(
        "<int:plan>/periods/<int:period>/",
        periods.PeriodDetail.as_view(),
        name="period",
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
        "<int:plan>/periods/<int:period>/missing/",
        missing.MissingUpdatesView.as_view(),
        name="missing",
    ),
    path(
        "<int:plan>/history/import/",
        history_views.HistoryImportView.as_view(),
        name="history-import",
    ),
]


deliverable_patterns = (
    [
        path("", views.DeliverableListView.as_view(), name="list"),
        path("review/", views.ReviewQueueView.as_view(), name="review-queue"),
        path("tasks/", your_tasks.YourTasksView.as_view(), name="tasks"),
        path("import/", import_views.ImportPlanView.as_view(), name="import"),
        path(
            "import/<str:token>/columns/",
            import_views.ImportColumnsView.as_view(),
            name="import-columns",
        ),
        path(
            "import/<str:token>/",
            import_views.ImportCheckView.as_view(),
            name="import-check",
        ),
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
