"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Plan Delivery Tracker administration"
admin.site.site_title = "Plan Delivery Tracker"
admin.site.index_title = "Administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("config.api")),
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
]
