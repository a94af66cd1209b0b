"""Writes that span plan-level rows. Each is one transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model

from plans.models import Plan, ReportingPeriod


def _quarter_starts(starts_on: datetime.date, ends_on: datetime.date):
    """Calendar quarters (Jan, Apr, Jul, Oct) overlapping the plan, clipped to it."""
    year, month = starts_on.year, ((starts_on.month - 1) // 3) * 3 + 1
    while datetime.date(year, month, 1) <= ends_on:
        first = datetime.date(year, month, 1)
        next_year, next_month = (year + 1, 1) if month == 10 else (year, month + 3)
        last = datetime.date(next_year, next_month, 1) - datetime.timedelta(days=1)
        yield (
            max(first, starts_on),
            min(last, ends_on),
            f"Q{(month - 1) // 3 + 1} {year}",
        )
        year, month = next_year, next_month


@transaction.atomic
def ensure_quarterly_periods(*, plan: Plan) -> list[ReportingPeriod]:
    """Give the plan a reporting period for each calendar quarter it spans.

    Existing periods are kept as they are, so calling this again changes nothing.
    """
    periods = []
    for starts_on, ends_on, label in _quarter_starts(plan.starts_on, plan.ends_on):
        period, _ = ReportingPeriod.objects.get_or_create(
            plan=plan,
            starts_on=starts_on,
            defaults={"ends_on": ends_on, "label": label},
        )
        periods.append(period)
    return periods


def attribute_to(instance: Model, *, by: Any, reason: str = "") -> Model:
    """Name who is making the next change to ``instance``, for its history row.

    simple-history reads these attributes when the instance is next saved or deleted;
    outside a web request nothing else tells it who acted.
    """
    setattr(instance, "_history_user", by)  # noqa: B010 - private to simple-history
    if reason:
        setattr(instance, "_change_reason", reason)  # noqa: B010
    return instance
