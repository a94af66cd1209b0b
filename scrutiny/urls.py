from django.urls import path

from scrutiny import views

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
]
