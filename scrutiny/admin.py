from django.contrib import admin

from plans.admin import ScopedAdmin
from scrutiny.models import DecisionNotice


@admin.register(DecisionNotice)
class DecisionNoticeAdmin(ScopedAdmin):
    list_display = ["shown_reference", "title", "approved", "decided_by", "plan"]
    list_filter = ["plan", "decided_by", "approved_on_precision", "reference_generated"]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "approved_on"
    autocomplete_fields = ["plan", "decided_by", "deliverables"]
    readonly_fields = ["reference_generated"]

    @admin.display(description="reference", ordering="reference")
    def shown_reference(self, notice: DecisionNotice) -> str:
        return notice.reference_text

    @admin.display(description="approved", ordering="approved_on")
    def approved(self, notice: DecisionNotice) -> str:
        return notice.approved_text

    def save_model(self, request, obj, form, change):
        # A reference typed here is the body's own (only the service gives one).
        if "reference" in form.changed_data:
            obj.reference_generated = False
        super().save_model(request, obj, form, change)
