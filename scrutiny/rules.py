"""The rules of scrutiny, each defined once: when a response is due, awaiting a
response, and overdue.

Every list, filter, dashboard, reminder and export about scrutiny actions and
recommendations uses these; none writes its own. As in ``deliverables.rules``, each
rule is a database condition (a ``Q``) and, for rows held in memory, a plain function
over the same fields.

Statutory due date (``response_due_on``)
    HMICFRS: a policing body must publish its comments on an inspection report within
    56 days of the report's publication (Police Act 1996, s.55). The day of
    publication is day 0, so the comments are due on ``published_on + 56 days``, and
    a response on that day itself is still within the 56 days (inclusive). Neither end
    moves for weekends or bank holidays: the statute counts calendar days, so a report
    published on a Saturday is due 56 days after that Saturday (also a Saturday). The
    56 days are the law's and cannot be configured.

    Other sources: a number of days from publication set in the setting
    ``RECOMMENDATION_RESPONSE_DAYS`` (a dict from source to days), counted the same
    way. The service's defaults (``DEFAULT_RESPONSE_DAYS``) are 28 days for a panel's
    report and for the panel's review of the annual report: a working rule of the
    service, not a period the law sets. A source with no number ("other" by default)
    has no rule: the editor gives the due date, or none.

Awaiting a response
    Open: not yet responded to (an action "answered", a recommendation "responded")
    and not closed.

Overdue (``overdue`` / ``is_overdue``)
    Awaiting a response, and its due date has passed: the due date is before the day
    asked about. On the due day itself it is not yet overdue; from the day after, it
    is. Something with no due date is never overdue. Lists, filters and reminders ask
    about today; a quarter's dashboard asks about the end of its quarter, that is the
    day after it ends (``deliverables.rules.end_of``), as for late deliverables.

Pure: this module reads no model, so that the models may use it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

#: The days the law gives a policing body to publish its comments on an HMICFRS
#: inspection report (Police Act 1996, s.55). Not configurable.
HMICFRS_RESPONSE_DAYS = 56

#: The service's own defaults for the other sources, in days from publication; a
#: source missing here, or set to None, has no rule (the editor gives the date).
#: ``settings.RECOMMENDATION_RESPONSE_DAYS`` overrides them source by source.
DEFAULT_RESPONSE_DAYS: dict[str, int | None] = {
    "panel_report": 28,
    "annual_review": 28,
    "other": None,
}

#: The state both scrutiny actions and recommendations are in while awaiting a
#: response.
AWAITING = "open"

#: How many days ahead the owner is reminded of a response due.
DUE_SOON_DAYS = 7

OVERDUE_LABEL = "Overdue"


# Statutory due date ---------------------------------------------------------------


def response_days(source: str) -> int | None:
    """The days from publication a response to ``source`` is due in, or None when
    no rule applies."""
    if source == "hmicfrs":
        return HMICFRS_RESPONSE_DAYS
    configured = getattr(settings, "RECOMMENDATION_RESPONSE_DAYS", None) or {}
    days = {**DEFAULT_RESPONSE_DAYS, **configured}.get(source)
    if days is not None and (not isinstance(days, int) or days < 0):
        raise ValueError(
            f"RECOMMENDATION_RESPONSE_DAYS[{source!r}] must be a whole number of "
            "days, 0 or more."
        )
    return days


def has_rule(source: str) -> bool:
    """Whether the due date of a response to ``source`` comes from a rule (else the
    editor gives it)."""
    return response_days(source) is not None


def response_due_on(
    source: str, published_on: datetime.date, *, days: int | None = None
) -> datetime.date | None:
    """The last day a response to something ``source`` published on
    ``published_on`` is within time (inclusive), or None when no rule applies.

    ``days`` replaces the configured number for a source other than HMICFRS; the
    56 days of an HMICFRS report are the law's and are not replaced."""
    if source == "hmicfrs":
        if days is not None and days != HMICFRS_RESPONSE_DAYS:
            raise ValueError("The 56 days for an HMICFRS report are set by law.")
        days = HMICFRS_RESPONSE_DAYS
    elif days is None:
        days = response_days(source)
    if days is None:
        return None
    return published_on + datetime.timedelta(days=days)


# Awaiting a response and overdue --------------------------------------------------


def awaiting_response(prefix: str = "") -> Q:
    """Actions or recommendations still awaiting a response; ``prefix`` reaches one
    from a row that belongs to it, such as ``"recommendation__"``."""
    return Q(**{f"{prefix}state": AWAITING})


def overdue(as_of: datetime.date, prefix: str = "") -> Q:
    """Actions or recommendations overdue on ``as_of`` (the due day itself is not)."""
    return awaiting_response(prefix) & Q(**{f"{prefix}due_on__lt": as_of})


def due_within(as_of: datetime.date, days: int = DUE_SOON_DAYS, prefix: str = "") -> Q:
    """Awaiting a response and due from ``as_of`` to ``days`` days after it,
    both ends included: not yet overdue, but soon."""
    return awaiting_response(prefix) & Q(
        **{
            f"{prefix}due_on__gte": as_of,
            f"{prefix}due_on__lte": as_of + datetime.timedelta(days=days),
        }
    )


def awaiting_response_at_end_of(
    day: datetime.date, *, answered_on: str = "responded_on", prefix: str = ""
) -> Q:
    """Awaiting a response at the end of ``day`` (a past quarter's last day): open
    now, or answered since (``answered_on`` names the date of the answer:
    ``responded_on`` for a recommendation, ``answered_on`` for an action)."""
    return awaiting_response(prefix) | Q(**{f"{prefix}{answered_on}__gt": day})


def overdue_at_end_of(
    day: datetime.date, *, answered_on: str = "responded_on", prefix: str = ""
) -> Q:
    """Overdue at the end of ``day``: awaiting a response then, and due on or
    before it (as ``overdue`` asks on the day after)."""
    return awaiting_response_at_end_of(day, answered_on=answered_on, prefix=prefix) & Q(
        **{f"{prefix}due_on__lte": day}
    )


def is_awaiting_response(obj: Any) -> bool:
    return obj.state == AWAITING


def is_overdue(obj: Any, as_of: datetime.date) -> bool:
    """``overdue(as_of)`` for an action or recommendation in memory."""
    return is_awaiting_response(obj) and obj.due_on is not None and obj.due_on < as_of
