"""The platform's admin: the audit log and retried API answers, read-only; and the
mixin that scopes every app's admin lists."""

from django.contrib import admin

from core.models import AuditEvent, IdempotencyRecord


def _model_at(model, path: str):
    """The model at the end of a lookup path such as ``"deliverable__plan"``."""
    for hop in path.split("__"):
        model = model._meta.get_field(hop).related_model
    return model


class ScopedAdminMixin:
    """Scopes admin lists like every other read; superusers see everything.

    Models whose queryset has ``visible_to`` use it; others name the path to a model
    that has one (their plan) in ``scope_through`` (for example
    ``"deliverable__plan"``).
    """

    scope_through = ""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            return queryset.visible_to(request.user)
        if request.user.is_superuser:
            return queryset
        target = _model_at(queryset.model, self.scope_through)
        return queryset.filter(
            **{
                f"{self.scope_through}__in": target._default_manager.visible_to(
                    request.user
                )
            }
        )


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """The first answers to retried API requests; old ones may be deleted."""

    list_display = ["key", "user", "status_code", "created_at"]
    search_fields = ["key", "user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The audit log, read-only: nobody adds, changes or deletes an event."""

    list_display = ["at", "action", "object_type", "object_text", "actor", "via"]
    list_filter = ["action", "via", "object_type"]
    search_fields = ["object_text", "object_id", "actor_name", "address"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
