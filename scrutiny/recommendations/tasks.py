"""The register's daily task: reminders of responses due soon or overdue, sent
with the progress-update reminders at ``REMINDER_TIME`` in the site's time zone.
``scrutiny.tasks`` imports it, where the scheduler (django-crontask) finds it."""

from __future__ import annotations

import datetime
import logging

from crontask import cron
from django.conf import settings
from django.tasks import task

from deliverables.tasks import _fresh_connection, daily_at
from scrutiny.recommendations.reminders import send_recommendation_reminders

logger = logging.getLogger(__name__)


# Read when the scheduler loads this module: a change of REMINDER_TIME needs the
# scheduler restarted.
@cron(daily_at(settings.REMINDER_TIME))
@task
def send_recommendation_reminders_task(as_of: str | None = None) -> int:
    """E-mail the reminders about recommendations due today (or on ``as_of``, an
    ISO date) not sent yet; return how many recommendations were told about."""
    day = datetime.date.fromisoformat(as_of) if as_of else None
    _fresh_connection()
    try:
        told = send_recommendation_reminders(as_of=day)
    finally:
        _fresh_connection()
    logger.info(
        "Reminded owners of %d recommendations due soon and %d overdue.",
        told["due_soon"],
        told["overdue"],
    )
    return sum(told.values())
