"""Signing in with an organisation's identity provider: django-allauth's OpenID
Connect login and callback (/sign-in/oidc/<provider>/login/ and .../callback/), and
the service's own pages for what comes back."""

from django.urls import include, path

from plans.sign_in import views

urlpatterns = [
    path("sign-in/", include("allauth.socialaccount.providers.openid_connect.urls")),
    # The names allauth sends people to when a provider cancels or fails.
    path(
        "sign-in/cancelled/",
        views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("sign-in/failed/", views.login_error, name="socialaccount_login_error"),
    path("sign-in/no-role/", views.NoRoleView.as_view(), name="sign-in-no-role"),
]
