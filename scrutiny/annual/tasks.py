"""The annual report's background work: drawing a published version's PDF."""

from __future__ import annotations

from django.tasks import task

from core import audit
from scrutiny.annual.models import PublishedAnnualReport
from scrutiny.annual.pdf import stored_annual_pdf


@task
def draw_annual_pdf(report_id: int) -> int:
    """Draw and store the PDF of the published annual report ``report_id`` (nothing
    if it has one already); return its size in bytes."""
    report = PublishedAnnualReport.objects.get(pk=report_id)
    with audit.acting(via=audit.Via.TASK):
        return stored_annual_pdf(report=report).size
