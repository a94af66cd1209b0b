"""The rules the design names, each defined once: closed, late, forecast after its
milestone, needs an update, and counts as made.

Every list, filter, dashboard, reminder, export and API answer uses these; none
writes its own. Each rule is a database condition (a ``Q`` for ``filter()``,
``exclude()``, ``annotate()`` or ``Count(filter=...)``) and, where a page holds rows in
memory (the dashboard rebuilds past quarters from the update log), a plain function
over the same fields.

Closed
    Completed, will not proceed, merged or split: no more work will be done on it.
    Anything else is *open*, on hold included.

Late
    Open, and its due date has passed: the whole window of its forecast date or,
    while no forecast is known, of its milestone (baseline) date ended before the day
    asked about. Something due "Q2" is late from 1 July, not during June. A
    deliverable whose dates are not known (TBA) is never late: there is no promise to
    break yet. Lists, filters and the API ask about today; a quarter's dashboard asks
    about the end of its quarter, that is the day after it ends (``end_of``).

Forecast after its milestone
    Open, both dates known, and the forecast window ends after the milestone's: it is
    expected to miss the date the plan gave. A warning of its own, not "late" (a
    deliverable can be both).

Needs an update (for a reporting period)
    Open, and without an update for that period that was accepted or is waiting for
    review. An update returned to its author does not count.

Counts as made (for a progress update)
    It changed the deliverable: it never waited for review, or an editor accepted
    it. One waiting for review, or returned, does not count.

Pure: this module reads no model at import time (``deliverables.models`` imports it
through the querysets), and reaches the one model it needs through the app registry.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from deliverables.choices import ReviewState, Status

#: The statuses of a deliverable that is closed.
CLOSED_STATUSES: tuple[str, ...] = (
    Status.COMPLETED,
    Status.WILL_NOT_PROCEED,
    Status.MERGED,
    Status.SPLIT,
)

LATE_LABEL = "Past its date"
FORECAST_AFTER_MILESTONE_LABEL = "Forecast after its milestone"


# Closed -------------------------------------------------------------------------


def closed(prefix: str = "") -> Q:
    """Deliverables that are closed; ``prefix`` reaches the deliverable from a row
    that belongs to one, such as ``"deliverable__"``."""
    return Q(**{f"{prefix}status__in": CLOSED_STATUSES})


def is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES


# Late ---------------------------------------------------------------------------


def late(as_of: datetime.date) -> Q:
    """Deliverables that are late on ``as_of``."""
    overdue = Q(forecast_date_end__lt=as_of) | Q(
        forecast_date_end__isnull=True, baseline_date_end__lt=as_of
    )
    return ~closed() & overdue


def due_end(
    forecast_end: datetime.date | None, baseline_end: datetime.date | None
) -> datetime.date | None:
    """The last day of the window a deliverable is due in: its forecast's, or, while
    that is not known, its milestone's."""
    return forecast_end if forecast_end is not None else baseline_end


def is_late(
    status: str,
    forecast_end: datetime.date | None,
    baseline_end: datetime.date | None,
    as_of: datetime.date,
) -> bool:
    """``late(as_of)`` for a deliverable (or its state at some time) in memory."""
    due = due_end(forecast_end, baseline_end)
    return not is_closed(status) and due is not None and due < as_of


def end_of(period: Any) -> datetime.date:
    """The day to ask "late?" of a period's figures: the day after it ends, so that
    anything due by its last day and still open counts."""
    return period.ends_on + datetime.timedelta(days=1)


# Forecast after its milestone ---------------------------------------------------


def is_forecast_after_milestone(
    status: str,
    forecast_end: datetime.date | None,
    baseline_end: datetime.date | None,
) -> bool:
    return (
        not is_closed(status)
        and forecast_end is not None
        and baseline_end is not None
        and forecast_end > baseline_end
    )


# Needs an update ----------------------------------------------------------------


def has_update_for(period: Any, prefix: str = "") -> Q:
    """Deliverables with an update for ``period`` (a period, its id or an expression
    for one, such as ``OuterRef("pk")``) that was accepted or waits for review."""
    update: Any = apps.get_model("deliverables", "ProgressUpdate")
    review: Any = apps.get_model("deliverables", "UpdateReview")
    # NOT EXISTS rather than a join: the database looks up the few reviews of the
    # period's updates by their index instead of reading every review.
    returned = review._default_manager.filter(
        update=OuterRef("pk"), decision=ReviewState.RETURNED
    )
    reported = update._default_manager.filter(
        deliverable=OuterRef(f"{prefix}pk"), period=period
    ).exclude(Exists(returned))
    return Q(Exists(reported))


def needs_update(period: Any, prefix: str = "") -> Q:
    """Deliverables that need an update for ``period`` (as ``has_update_for``):
    open, in the plan by the period's end (identified by then, or part of the plan
    from its start) and with no update for it; ``prefix`` as for ``closed``.

    Given an expression for the period (the one a plan collects today), the
    condition on when it was identified is left out: that period is under way."""
    rule = ~closed(prefix) & ~has_update_for(period, prefix)
    ends_on = getattr(period, "ends_on", None)
    if ends_on is not None:
        rule &= Q(**{f"{prefix}identified_on__isnull": True}) | Q(
            **{f"{prefix}identified_on__lte": ends_on}
        )
    return rule


# Counts as made -----------------------------------------------------------------


def counts_as_made(prefix: str = "") -> Q:
    """Progress updates that count as made; ``prefix`` reaches the update from a row
    that belongs to one, such as ``"update__"``."""
    return Q(**{f"{prefix}requires_review": False}) | Q(
        **{f"{prefix}review__decision": ReviewState.ACCEPTED}
    )
