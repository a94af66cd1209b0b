"""Telling subscribers that a reporting period has opened or closes soon: once a
day, each only once per period (the message's ``once_key`` records it)."""

from __future__ import annotations

import datetime

from plans.models import ReportingPeriod
from plans.webhooks import services
from plans.webhooks.events import period_data
from plans.webhooks.models import Event

#: A period is announced as closing soon this many days before it closes.
CLOSING_SOON_DAYS = 7


def announce_periods(*, day: datetime.date) -> int:
    """``period.opened`` for each period open for updates on ``day`` not yet
    announced, and ``period.closing_soon`` for each that closes within
    ``CLOSING_SOON_DAYS`` days. A period reopened with a new closing date is
    announced as closing soon again. Returns how many events were recorded."""
    told = 0
    soon = day + datetime.timedelta(days=CLOSING_SOON_DAYS)
    for period in ReportingPeriod.objects.open_on(day).select_related("plan"):
        events = [(Event.PERIOD_OPENED, f"period:{period.pk}:opens:{period.opens_on}")]
        if period.closes_on <= soon:
            key = f"period:{period.pk}:closes:{period.closes_on}"
            events.append((Event.PERIOD_CLOSING_SOON, key))
        for event_type, key in events:
            message = services.emit(
                event_type, plan=period.plan, data=period_data(period), once_key=key
            )
            told += message is not None
    return told
