"""Published reports' background work (``django.tasks``): drawing a newly published
report's PDF, which takes seconds, so that publishing does not wait for it.

With the default backend the task runs at once, in the process that publishes (on a
laptop and in tests); with ``TASKS_BACKEND=database`` it is queued in the database and
a worker (``manage.py db_worker``) runs it.
"""

from __future__ import annotations

from django.tasks import task

from core import audit
from scrutiny.models import PublishedReport
from scrutiny.reports.pdf import stored_report_pdf


@task
def draw_report_pdf(report_id: int) -> int:
    """Draw and store the PDF of the published report ``report_id`` (nothing if it
    has one already); return its size in bytes."""
    report = PublishedReport.objects.get(pk=report_id)
    with audit.acting(via=audit.Via.TASK):
        return stored_report_pdf(report=report).size
