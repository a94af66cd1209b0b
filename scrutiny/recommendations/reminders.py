"""Reminder e-mails about recommendations: the owning organisation's editors and
administrators hear when a response is due within 7 days, and again when it is
overdue.

Each recommendation is told about at most once per kind: the e-mails and their
``RecommendationReminder`` rows are written in one transaction, so running the task
twice, or two workers racing, never sends one twice, and an e-mail that cannot be
sent is tried again the next day. Each person gets one e-mail per organisation and
kind a day, listing every recommendation of that kind. There is no choice about
these on the account page (its choices are about progress updates): a response the
law requires is not optional.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from deliverables.reminders import reachable
from plans.models import Membership
from plans.permissions import EDITORS
from scrutiny import rules
from scrutiny.recommendations.models import Recommendation, RecommendationReminder

logger = logging.getLogger(__name__)

Kind = RecommendationReminder.Kind

SUBJECTS: dict[str, str] = {
    Kind.DUE_SOON: "Responses due within {days} days: {count} recommendation{s}",
    Kind.OVERDUE: "Responses overdue: {count} recommendation{s}",
}


def _recipients(organisation_ids: set[int]) -> dict[int, list[Any]]:
    """The editors and administrators of each organisation who can be e-mailed."""
    people: dict[int, list[Any]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            organisation_id__in=organisation_ids, role__in=EDITORS
        )
        .select_related("user")
        .order_by("user__username")
    )
    for membership in memberships:
        if reachable(membership.user):
            people[membership.organisation_id].append(membership.user)
    return people


def _message(
    *, kind: str, person: Any, recs: list[Recommendation], today: datetime.date
) -> EmailMultiAlternatives:
    base_url = settings.SITE_URL.rstrip("/")
    count = len(recs)
    subject = SUBJECTS[kind].format(
        days=rules.DUE_SOON_DAYS, count=count, s="" if count == 1 else "s"
    )
    items = [
        {
            "r": rec,
            "days": rec.days_until_due(today),
            "respond_url": base_url
            + reverse("scrutiny:respond-recommendation", args=[rec.pk]),
        }
        for rec in recs
    ]
    context = {
        "subject": subject,
        "service_name": settings.SERVICE_NAME,
        "name": person.get_full_name() or person.username,
        "kind": kind,
        "overdue": kind == Kind.OVERDUE,
        "recommendations": items,
        "organisation": recs[0].owner,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("scrutiny/recommendations/reminder_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
    )
    message.attach_alternative(
        render_to_string("scrutiny/recommendations/reminder_email.html", context),
        "text/html",
    )
    return message


def _claim(recs: list[Recommendation], kind: str) -> list[Recommendation]:
    """Record the reminder of each recommendation not told of yet (by another run)."""
    claimed = []
    for rec in recs:
        try:
            with transaction.atomic():
                RecommendationReminder.objects.create(recommendation=rec, kind=kind)
        except IntegrityError:
            continue
        claimed.append(rec)
    return claimed


def send_recommendation_reminders(
    *, as_of: datetime.date | None = None
) -> dict[str, int]:
    """E-mail the owners' editors about recommendations due within 7 days or
    overdue on ``as_of`` (today), each once per kind; return how many
    recommendations were told about, by kind."""
    today = as_of or timezone.localdate()
    told: dict[str, int] = {Kind.DUE_SOON: 0, Kind.OVERDUE: 0}
    for kind, rule in (
        (Kind.OVERDUE, rules.overdue(today)),
        (Kind.DUE_SOON, rules.due_within(today, rules.DUE_SOON_DAYS)),
    ):
        waiting = (
            Recommendation.objects.filter(rule)
            .exclude(reminders_sent__kind=kind)
            .select_related("plan", "owner")
            .order_by("owner_id", "due_on", "reference", "pk")
        )
        by_owner: dict[int, list[Recommendation]] = defaultdict(list)
        for rec in waiting:
            by_owner[rec.owner_id].append(rec)
        people = _recipients(set(by_owner))
        for owner_id, recs in by_owner.items():
            recipients = people.get(owner_id, [])
            if not recipients:
                continue  # no one to tell yet: tried again tomorrow
            try:
                with transaction.atomic():
                    claimed = _claim(recs, kind)
                    if not claimed:
                        continue
                    for reminder in RecommendationReminder.objects.filter(
                        recommendation__in=claimed, kind=kind
                    ):
                        reminder.recipients.set(recipients)
                    messages = [
                        _message(kind=kind, person=p, recs=claimed, today=today)
                        for p in recipients
                    ]
                    for message in messages:
                        message.send()
            except (smtplib.SMTPException, OSError):
                logger.exception(
                    "Could not send the %s reminders about recommendations to "
                    "organisation %s.",
                    kind,
                    owner_id,
                )
                continue
            told[kind] += len(claimed)
    return told
