"""Background tasks (``django.tasks``), and when the scheduler runs them.

``manage.py crontask`` (django-crontask) runs every task decorated with ``@cron`` on its
schedule by enqueueing it; with the default backend the scheduler process runs it at
once, and with ``TASKS_BACKEND=database`` it is queued in the database and a worker
(``manage.py db_worker``) runs it. The day's reminders and the editors' review digests
go at ``REMINDER_TIME`` (an environment variable, 07:00 by default) in the site's time
zone. The e-mail about a reviewed update is queued by the review itself.
"""

from __future__ import annotations

import datetime
import logging

from crontask import cron
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.tasks import task

from deliverables import notifications
from deliverables.reminders import Kind, send_reminders
from deliverables.uploads import discard_expired_uploads

logger = logging.getLogger(__name__)


def daily_at(hour_minute: tuple[int, int]) -> str:
    """A crontab line for once a day at the given time."""
    hour, minute = hour_minute
    return f"{minute} {hour} * * *"


# Read when the scheduler loads this module (settings are configured by then): the
# schedule is fixed for the life of the scheduler process, so a change of
# REMINDER_TIME needs the scheduler restarted.
@cron(daily_at(settings.REMINDER_TIME))
@task
def send_update_reminders(as_of: str | None = None) -> int:
    """E-mail the reminders and digests due today (or on ``as_of``, an ISO date) that
    have not been sent yet; return how many were sent."""
    day = datetime.date.fromisoformat(as_of) if as_of else None
    _fresh_connection()
    try:
        sent = send_reminders(as_of=day)
    finally:
        _fresh_connection()
    logger.info(
        "Sent %d reminders and %d digests.",
        sum(sent.values()) - sent[Kind.DIGEST],
        sent[Kind.DIGEST],
    )
    return sum(sent.values())


def queue_review_notice(review) -> None:
    """Once the review's transaction commits, queue the e-mail to the update's
    author (``send_review_notice`` decides whether to send)."""
    transaction.on_commit(lambda: send_review_notice.enqueue(review.pk))


@task
def send_review_notice(review_id: int) -> bool:
    """E-mail the author of a returned (or accepted) update, queued when the review
    commits (``deliverables.notifications``); nothing if already sent."""
    _fresh_connection()
    return notifications.send_review_notice(review_id=review_id)


# With the reminders, so editors read both over their first coffee.
@cron(daily_at(settings.REMINDER_TIME))
@task
def send_review_digests(as_of: str | None = None) -> int:
    """E-mail each editor the updates waiting for their review, once a day and only
    when something waits; return how many were sent."""
    day = datetime.date.fromisoformat(as_of) if as_of else None
    _fresh_connection()
    try:
        sent = notifications.send_review_digests(as_of=day)
    finally:
        _fresh_connection()
    logger.info("Sent %d review digests.", sent)
    return sent


# Every day at a quarter past three, out of office hours.
@cron("15 3 * * *")
@task
def clear_expired_uploads() -> int:
    """Discard the returns and action tables uploaded but never confirmed within a day;
    return how many were discarded."""
    _fresh_connection()
    discarded = discard_expired_uploads()
    logger.info("Discarded %d expired uploads.", discarded)
    return discarded


def _fresh_connection() -> None:
    """A long-running scheduler keeps its database connection between days; drop it
    if it has gone stale, as Django does around each web request. Not inside a
    transaction (a request, a test), where the connection is in use."""
    if not connection.in_atomic_block:
        close_old_connections()
