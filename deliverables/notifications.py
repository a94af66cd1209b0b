"""E-mails about progress updates under review: the author hears when an update of
theirs is returned (and, if they choose, accepted), and the plan's editors get a
daily digest of the updates waiting for their review.

Each person chooses which of these they get on their account page
(``core.models.NotificationChoices``). A review's e-mail is queued by the service that
decides it (``deliverables.services._review``), once its transaction commits, as a
``django.tasks`` task (``deliverables.tasks.queue_review_notice``); the digest is a
daily task on the reminders' schedule (``deliverables.tasks.send_review_digests``).

Every e-mail is recorded in ``SentNotification`` in the same transaction that sends
it: one per update and kind, one digest per editor a day. Running a task twice, or
two workers racing, never sends one twice. Updates sent by an API client (a force's
own system) have no person to write to, so nothing is sent about them.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.models import NotificationChoices
from deliverables.models import (
    ProgressUpdate,
    ReviewState,
    SentNotification,
    UpdateReview,
)
from deliverables.reminders import reachable
from plans.models import Membership
from plans.permissions import EDITORS

logger = logging.getLogger(__name__)

Kind = SentNotification.Kind


def _send_once(record: SentNotification, message: EmailMultiAlternatives) -> bool:
    """Record the e-mail and send it in one transaction; False if it was sent
    already (by another run) or could not be sent (logged)."""
    try:
        with transaction.atomic():
            record.save()
            if record.kind == Kind.REVIEW_DIGEST:
                record.updates.set(getattr(record, "listed", []))
            message.send()
    except IntegrityError:
        return False
    except (smtplib.SMTPException, OSError):
        logger.exception(
            "Could not send the %s e-mail to %s.", record.kind, record.recipient.email
        )
        return False
    return True


def _message(
    *, template: str, subject: str, to: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    context = {**context, "subject": subject, "service_name": settings.SERVICE_NAME}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"deliverables/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(
        render_to_string(f"deliverables/{template}.html", context), "text/html"
    )
    return message


def _name(person: Any) -> str:
    return person.get_full_name() or person.username


def send_review_notice(*, review_id: int, base_url: str = "") -> bool:
    """E-mail the author of a reviewed update about the decision, if they want it
    and have not been told yet; True when an e-mail went."""
    review = UpdateReview.objects.select_related(
        "reviewed_by",
        "update__recorded_by",
        "update__period",
        "update__deliverable__plan",
    ).get(pk=review_id)
    update = review.update
    author = update.recorded_by
    if update.api_client_id is not None or not reachable(author):
        return False
    returned = review.decision == ReviewState.RETURNED
    choices = NotificationChoices.of(author)
    if not (choices.when_returned if returned else choices.when_accepted):
        return False
    base_url = (base_url or settings.SITE_URL).rstrip("/")
    deliverable = update.deliverable
    period = update.period
    about = f"{deliverable.reference} {deliverable.title}"
    subject = (
        f"Your update on {deliverable.reference} for {period.label} was returned"
        if returned
        else f"Your update on {deliverable.reference} for {period.label} was accepted"
    )
    message = _message(
        template="notification_returned" if returned else "notification_accepted",
        subject=subject,
        to=author.email,
        context={
            "name": _name(author),
            "about": about,
            "deliverable": deliverable,
            "period": period,
            "plan": deliverable.plan,
            "update": update,
            "review": review,
            "reviewer": _name(review.reviewed_by),
            "record_url": base_url
            + reverse("deliverables:record", args=[deliverable.pk]),
            "detail_url": base_url
            + reverse("deliverables:detail", args=[deliverable.pk]),
            "tasks_url": base_url + reverse("deliverables:tasks"),
        },
    )
    record = SentNotification(
        kind=Kind.RETURNED if returned else Kind.ACCEPTED,
        recipient=author,
        update=update,
        day=timezone.localdate(),
    )
    return _send_once(record, message)


# The editors' daily digest -------------------------------------------------------


def waiting_for_review() -> QuerySet[ProgressUpdate]:
    """Every update waiting for an editor's decision, oldest first (the review
    queue's list, across all plans)."""
    return (
        ProgressUpdate.objects.filter(requires_review=True, review__isnull=True)
        .select_related("deliverable__plan", "period", "recorded_by", "api_client")
        .order_by("recorded_at", "id")
    )


@dataclass
class Digest:
    """One editor's digest: the updates waiting in the plans they edit."""

    recipient: Any
    updates: list[ProgressUpdate] = field(default_factory=list)


def review_digests_due(*, as_of: datetime.date) -> list[Digest]:
    """A digest for each editor (and administrator) who has updates waiting in the
    plans their organisations own, wants the digest, and has not had it on
    ``as_of``. A constant number of queries, whatever is waiting."""
    waiting: dict[int, list[ProgressUpdate]] = defaultdict(list)
    for update in waiting_for_review():
        waiting[update.deliverable.plan.owner_id].append(update)
    if not waiting:
        return []
    by_person: dict[int, Digest] = {}
    for membership in (
        Membership.objects.filter(
            organisation_id__in=list(waiting),
            role__in=EDITORS,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username", "organisation_id")
    ):
        digest = by_person.setdefault(membership.user_id, Digest(membership.user))
        digest.updates += waiting[membership.organisation_id]
    declined = set(
        NotificationChoices.objects.filter(
            user_id__in=list(by_person), review_digest=False
        ).values_list("user_id", flat=True)
    )
    had = set(
        SentNotification.objects.filter(
            kind=Kind.REVIEW_DIGEST, day=as_of, recipient_id__in=list(by_person)
        ).values_list("recipient_id", flat=True)
    )
    return [
        digest
        for pk, digest in by_person.items()
        if pk not in declined and pk not in had
    ]


def send_review_digests(
    *, as_of: datetime.date | None = None, base_url: str = ""
) -> int:
    """Send each editor's digest of updates waiting for review, at most once a day;
    return how many were sent."""
    as_of = as_of or timezone.localdate()
    base_url = (base_url or settings.SITE_URL).rstrip("/")
    queue_url = base_url + reverse("deliverables:review-queue")
    sent = 0
    for digest in review_digests_due(as_of=as_of):
        count = len(digest.updates)
        updates = f"{count} progress update{'' if count == 1 else 's'}"
        subject = f"{updates} waiting for your review"
        for update in digest.updates:
            update.email_link = base_url + reverse(  # type: ignore[attr-defined]
                "deliverables:detail", args=[update.deliverable_id]
            )
        message = _message(
            template="review_digest",
            subject=subject,
            to=digest.recipient.email,
            context={
                "name": _name(digest.recipient),
                "updates": digest.updates,
                "today": as_of,
                "queue_url": queue_url,
            },
        )
        record = SentNotification(
            kind=Kind.REVIEW_DIGEST, recipient=digest.recipient, day=as_of
        )
        record.listed = digest.updates  # type: ignore[attr-defined]
        if _send_once(record, message):
            sent += 1
    return sent
