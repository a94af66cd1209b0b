"""The plans app's pages, in the ``plans:`` namespace: setting a plan up and editing
its structure, its periods' dates, its indicators and the national measures library.

``config/urls.py`` serves them under /plans/ together with the deliverables app's
pages about a plan's work (``deliverables.urls.plan_work_patterns``), in one
namespace.
"""

from django.urls import path

from plans import editing, library, periods, views
from plans.variations import views as variations

patterns = [
    path(
        "<int:plan>/variations/",
        variations.VariationList.as_view(),
        name="variations",
    ),
    path(
        "<int:plan>/variations/start/",
        variations.VariationEdit.as_view(),
        name="start-variation",
    ),
    path(
        "<int:plan>/variations/<int:pk>/edit/",
        variations.VariationEdit.as_view(),
        name="edit-variation",
    ),
    path(
        "<int:plan>/variations/<int:pk>/record/",
        variations.VariationStep.as_view(step="record"),
        name="record-variation",
    ),
    path(
        "<int:plan>/variations/<int:pk>/discard/",
        variations.VariationStep.as_view(step="discard"),
        name="discard-variation",
    ),
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
        "<int:plan>/periods/<int:period>/dates/",
        periods.PeriodDates.as_view(),
        name="period-dates",
    ),
    path(
        "<int:plan>/indicators/",
        views.IndicatorList.as_view(),
        name="indicators",
    ),
    path(
        "<int:plan>/indicators/add/",
        views.IndicatorEdit.as_view(),
        name="add-indicator",
    ),
    path(
        "<int:plan>/indicators/<int:pk>/edit/",
        views.IndicatorEdit.as_view(),
        name="edit-indicator",
    ),
    path(
        "indicators/<int:pk>/values/",
        views.IndicatorValues.as_view(),
        name="indicator-values",
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
]
