from django.contrib import admin

from plans.admin import ScopedAdmin
from scrutiny.models import DecisionNotice


@admin.register(DecisionNotice)
class DecisionNoticeAdmin(ScopedAdmin):
    list_display = ["reference", "title", "approved_on", "decided_by", "plan"]
    list_filter = ["plan", "decided_by"]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "approved_on"
    autocomplete_fields = ["plan", "decided_by", "deliverables"]
