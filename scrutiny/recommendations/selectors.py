"""What the plan's dashboard shows of the recommendations register."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from plans.models import Plan, ReportingPeriod
from scrutiny import rules
from scrutiny.recommendations.models import Recommendation


def dashboard_panel(
    *, plan: Plan, period: ReportingPeriod, today: datetime.date
) -> dict[str, Any]:
    """How many of the plan's recommendations await a response and how many are
    overdue, as at the dashboard's day: today for the period under way (or one to
    come), the period's last day for a past one (those published by then, awaiting
    a response then: responded to since counts as awaiting). One query."""
    past = period.ends_on < today
    if past:
        day = period.ends_on
        awaiting = rules.awaiting_response_at_end_of(day)
        overdue = rules.overdue_at_end_of(day)
    else:
        day = today
        awaiting = rules.awaiting_response()
        overdue = rules.overdue(today)
    counts = Recommendation.objects.filter(plan=plan).aggregate(
        open=Count("pk", filter=awaiting & Q(published_on__lte=day)),
        overdue=Count("pk", filter=overdue & Q(published_on__lte=day)),
    )
    register = reverse("scrutiny:recommendations", args=[plan.pk])
    return {
        **counts,
        "day": day,
        "past": past,
        "register_url": register,
        "overdue_url": f"{register}?overdue=true",
    }
