"""Top-level URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as site
from deliverables.urls import deliverable_patterns, plan_work_patterns
from plans.api.views import MeView
from plans.urls import patterns as plan_patterns

admin.site.site_header = "Plan Delivery Tracker administration"
admin.site.site_title = "Plan Delivery Tracker"
admin.site.index_title = "Administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Who the caller is (docs/api.md); before the API's catch-all 404.
    path("api/v1/me/", MeView.as_view(), name="api-me"),
    path("", include("config.api")),
    path("", site.home, name="home"),
    path("sign-in/", site.SignInView.as_view(), name="sign-in"),
    # Signing in with an organisation's identity provider (docs/sign-in.md).
    path("", include("plans.sign_in.urls")),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path("brand.css", site.brand_css, name="brand-css"),
    path("accessibility/", site.AccessibilityView.as_view(), name="accessibility"),
    path("cookies/", site.CookiesView.as_view(), name="cookies"),
    # One namespace for every page about a plan: its own (plans) and its work's.
    path("plans/", include((plan_patterns + plan_work_patterns, "plans"))),
    path("deliverables/", include(deliverable_patterns)),
    path("", include("scrutiny.urls")),
    path("", include("core.accounts.urls")),
    path("", include("plans.audit_urls")),
]

# The service's own error pages, each with a way back (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
