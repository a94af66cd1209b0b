"""Published reports' reads."""

from __future__ import annotations

from plans.models import Plan
from scrutiny.models import PublishedReport, PublishedReportQuerySet


def latest_reports(plan: Plan) -> PublishedReportQuerySet:
    """The latest version of each period's report of ``plan``, newest period first."""
    return (
        PublishedReport.objects.filter(plan=plan)
        .latest_versions()
        .select_related("period")
        .order_by("-period__starts_on")
    )
