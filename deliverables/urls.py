from django.urls import path

from deliverables import views

plan_patterns = (
    [
        path("", views.PlanListView.as_view(), name="list"),
        path("<int:pk>/", views.PlanDetailView.as_view(), name="detail"),
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
        path("<int:pk>/merge/", views.MergeView.as_view(), name="merge"),
    ],
    "deliverables",
)
