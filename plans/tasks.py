"""The plans app's background tasks, where the scheduler (django-crontask) finds
them: the webhooks' deliveries and the daily announcement of reporting periods."""

from __future__ import annotations

import datetime

from crontask import cron
from django.conf import settings
from django.tasks import task
from django.utils import timezone

from plans.webhooks import periods
from plans.webhooks.tasks import fresh_connection, send_due_webhooks, send_webhook

__all__ = ["announce_periods", "send_due_webhooks", "send_webhook"]


# With the reminders (deliverables.tasks), at REMINDER_TIME in the site's time zone;
# read when the scheduler loads this module.
@cron(f"{settings.REMINDER_TIME[1]} {settings.REMINDER_TIME[0]} * * *")
@task
def announce_periods(as_of: str | None = None) -> int:
    """Tell webhook subscribers of periods that opened or close soon (on ``as_of``,
    an ISO date, or today); return how many events were recorded."""
    fresh_connection()
    day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return periods.announce_periods(day=day)
