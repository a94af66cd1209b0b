"""The audit log's addresses, under each organisation."""

from django.urls import path

from plans import audit_views

app_name = "audit"

urlpatterns = [
    path("audit/", audit_views.AuditIndexView.as_view(), name="index"),
    path(
        "organisations/<int:organisation>/audit/",
        audit_views.AuditLogView.as_view(),
        name="log",
    ),
]
