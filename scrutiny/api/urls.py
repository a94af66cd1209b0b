"""The scrutiny API's routes that the router does not make: a plan's commentary for a
reporting period, nested under the plan as the router's names are (with a format
suffix, ``.json``, as every router route has)."""

from django.urls import re_path
from rest_framework.urlpatterns import format_suffix_patterns

from scrutiny.api.views import ID, CommentaryView

urlpatterns = format_suffix_patterns(
    [
        re_path(
            rf"^plans/(?P<plan>{ID})/periods/(?P<period>{ID})/commentary/$",
            CommentaryView.as_view(),
            name="plan-period-commentary",
        ),
    ]
)
