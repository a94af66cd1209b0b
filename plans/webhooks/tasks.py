"""Webhook background tasks (``django.tasks``) and their schedule (django-crontask,
which loads them through ``plans.tasks``).

The first attempt of each delivery is queued when its event's transaction commits;
the later ones are made by ``send_due_webhooks``, which the scheduler runs every
minute (the immediate backend used in development cannot defer a task).
"""

from __future__ import annotations

import logging

from crontask import cron
from django.db import close_old_connections, connection
from django.tasks import task

from plans.webhooks import sending

logger = logging.getLogger(__name__)


@task
def send_webhook(delivery_id: int) -> bool:
    """Make a delivery's first attempt (queued when its event commits)."""
    fresh_connection()
    return sending.attempt(delivery_id=delivery_id) is not None


@cron("* * * * *")
@task
def send_due_webhooks() -> int:
    """Retry the deliveries that are due, every minute; return how many were tried."""
    fresh_connection()
    tried = sending.send_due()
    if tried:
        logger.info("Attempted %d webhook deliveries.", tried)
    return tried


def fresh_connection() -> None:
    """As ``deliverables.tasks`` does: drop a stale connection of a long-running
    scheduler, but not inside a transaction (a request, a test)."""
    if not connection.in_atomic_block:
        close_old_connections()
