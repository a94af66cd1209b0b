"""Reminder e-mails for a period's progress updates, and the editors' digest.

Each plan sets when its owners are reminded (``Plan.reminders_enabled``,
``remind_days_before_due``, ``remind_days_after_due``); each period sets the dates
(``opens_on``, ``due_on``, ``closes_on``). On any day, a period has at most one
reminder stage due: the latest of "before the due date", "on the due date" and "after
the due date" whose day has come. A stage missed because nothing ran that day is still
sent later, but only the latest one, so nobody gets three e-mails at once.

Who is reminded, for each deliverable that needs an update for the period
(``deliverables.missing.missing_updates``, by ``deliverables.rules.needs_update``):

- its named lead, when they have an active account with an e-mail address;
- otherwise the contributors, editors and administrators of its lead organisation;
- and, always, the contributors, editors and administrators of every other
  organisation that co-owns it, since a named lead belongs to the lead organisation
  and the co-owners would otherwise never hear.

Each person gets one e-mail per stage listing exactly their deliverables. From the day
after the due date, the plan's editors (editors and administrators of the organisation
that owns the plan) get one digest of who is missing.

Every e-mail is recorded in ``SentReminder`` (one per period, recipient and stage) in
the same transaction that sends it, so running again the same day or later never sends
it twice, and two schedulers racing cannot both send it.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from deliverables.missing import Lateness, by_organisation, missing_updates
from deliverables.models import Deliverable, SentReminder
from plans.models import Membership, Plan, ReportingPeriod
from plans.permissions import EDITORS, WRITERS

logger = logging.getLogger(__name__)

Kind = SentReminder.Kind
#: Plans in these states are not chased: a draft is not yet in force, and a superseded
#: plan's work has moved to its successor.
NOT_CHASED = (Plan.State.DRAFT, Plan.State.SUPERSEDED)


def stage_days(period: ReportingPeriod) -> list[tuple[str, datetime.date]]:
    """The days the period's owner reminders fall on, in order.

    None is sent before the period opens, and the chaser only within the grace period.
    """
    plan = period.plan
    days: list[tuple[str, datetime.date]] = []
    if plan.remind_days_before_due:
        before = period.due_on - datetime.timedelta(days=plan.remind_days_before_due)
        days.append((Kind.BEFORE_DUE, max(before, period.opens_on)))
    days.append((Kind.ON_DUE, period.due_on))
    if plan.remind_days_after_due:
        after = period.due_on + datetime.timedelta(days=plan.remind_days_after_due)
        if after <= period.closes_on:
            days.append((Kind.AFTER_DUE, after))
    return days


def takes_reminders(period: ReportingPeriod, day: datetime.date) -> bool:
    """Whether anyone is reminded about the period on ``day`` at all."""
    plan = period.plan
    return (
        plan.reminders_enabled
        and plan.state not in NOT_CHASED
        and not period.is_locked
        and period.opens_on <= day <= period.closes_on
    )


def stage_on(period: ReportingPeriod, day: datetime.date) -> str | None:
    """The owner reminder due on ``day``: the latest stage whose day has come, or None
    before the first or when the period takes no reminders."""
    if not takes_reminders(period, day):
        return None
    due = [kind for kind, on in stage_days(period) if on <= day]
    return due[-1] if due else None


def digest_day(period: ReportingPeriod) -> datetime.date:
    """The editors hear who is missing the day after the due date (or on the due date
    when there is no grace period after it)."""
    return min(period.due_on + datetime.timedelta(days=1), period.closes_on)


def digest_due(period: ReportingPeriod, day: datetime.date) -> bool:
    return takes_reminders(period, day) and day >= digest_day(period)


@dataclass
class Reminder:
    """One e-mail to send: a person, the stage, and their deliverables.

    ``reasons`` says, per deliverable id, why this person hears about it.
    """

    period: ReportingPeriod
    kind: str
    recipient: Any
    deliverables: list[Deliverable] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)

    def add(self, deliverable: Deliverable, reason: str) -> None:
        if deliverable.pk not in self.reasons:
            self.deliverables.append(deliverable)
            self.reasons[deliverable.pk] = reason


def reachable(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.email)


def periods_taking_reminders(day: datetime.date) -> QuerySet[ReportingPeriod]:
    """Unlocked periods of chased plans with reminders on, open on ``day``."""
    return (
        ReportingPeriod.objects.filter(
            locked_at__isnull=True,
            opens_on__lte=day,
            closes_on__gte=day,
            plan__reminders_enabled=True,
        )
        .exclude(plan__state__in=NOT_CHASED)
        .select_related("plan__owner")
        .order_by("plan_id", "starts_on")
    )


def _members(org_ids: set[int], roles) -> dict[int, list[Any]]:
    """Active members with an e-mail address in these roles, by organisation."""
    members: dict[int, list[Any]] = defaultdict(list)
    for membership in (
        Membership.objects.filter(
            organisation_id__in=org_ids, role__in=roles, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username")
    ):
        members[membership.organisation_id].append(membership.user)
    return members


def owner_reminders(
    period: ReportingPeriod, kind: str, deliverables: list[Deliverable]
) -> list[Reminder]:
    """One reminder per person, each with exactly their deliverables."""
    orgs = set()
    for d in deliverables:
        if not reachable(d.lead_user):
            orgs.add(d.lead_organisation_id)
        orgs |= {o.organisation_id for o in d.owners.all() if o.organisation_id}
    writers = _members(orgs, WRITERS)
    by_person: dict[int, Reminder] = {}

    def remind(person: Any, deliverable: Deliverable, reason: str) -> None:
        by_person.setdefault(person.pk, Reminder(period, kind, person)).add(
            deliverable, reason
        )

    for d in deliverables:
        if reachable(d.lead_user):
            remind(d.lead_user, d, "you are its named lead")
        else:
            for person in writers[d.lead_organisation_id]:
                remind(
                    person,
                    d,
                    f"it has no named lead and {d.lead_organisation.name} leads it",
                )
        for owner in d.owners.all():
            org = owner.organisation
            if org is not None and org.pk != d.lead_organisation_id:
                for person in writers[org.pk]:
                    remind(person, d, f"{org.name} shares it")
    return list(by_person.values())


def digest_reminders(
    period: ReportingPeriod, deliverables: list[Deliverable]
) -> list[Reminder]:
    """One digest for each editor and administrator of the plan's owner."""
    editors = _members({period.plan.owner_id}, EDITORS)[period.plan.owner_id]
    return [
        Reminder(
            period,
            Kind.DIGEST,
            person,
            list(deliverables),
            {d.pk: "" for d in deliverables},
        )
        for person in editors
    ]


def reminders_due(*, as_of: datetime.date) -> list[Reminder]:
    """Every reminder and digest due on ``as_of`` that has not been sent yet."""
    periods = list(periods_taking_reminders(as_of))
    already = set(
        SentReminder.objects.filter(period__in=periods).values_list(
            "period_id", "recipient_id", "kind"
        )
    )
    due: list[Reminder] = []
    for period in periods:
        stage = stage_on(period, as_of)
        digest = digest_due(period, as_of)
        if stage is None and not digest:
            continue
        deliverables = list(missing_updates(period=period))
        if not deliverables:
            continue
        candidates = []
        if stage is not None:
            candidates += owner_reminders(period, stage, deliverables)
        if digest:
            candidates += digest_reminders(period, deliverables)
        due += [
            r for r in candidates if (period.pk, r.recipient.pk, r.kind) not in already
        ]
    return due


def _subject(reminder: Reminder, lateness: Lateness, organisations: int) -> str:
    """Worded from the day it is sent: a stage caught up late says so."""

    period = reminder.period
    about = f"{period.label} ({period.plan.title})"
    if reminder.kind == Kind.DIGEST:
        count = _plural(len(reminder.deliverables), "deliverable")
        return (
            f"Missing updates for {about}: {count} from "
            f"{_plural(organisations, 'organisation')}"
        )
    if lateness.days_late:
        return f"Progress updates for {about} are overdue"
    if lateness.days_to_due:
        return (
            f"Progress updates for {about} are due on "
            f"{format_date(period.due_on, 'j F Y')}"
        )
    return f"Progress updates for {about} are due today"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def compose(
    reminder: Reminder, *, as_of: datetime.date, base_url: str
) -> EmailMultiAlternatives:
    """The e-mail for a reminder, as plain text with an HTML alternative."""
    period = reminder.period
    base_url = base_url.rstrip("/")
    # Owners go straight to recording progress; editors to the deliverable's page.
    page = "detail" if reminder.kind == Kind.DIGEST else "record"
    # Kept on each deliverable for the templates, which list them inside groups.
    for d in reminder.deliverables:
        d.email_link = base_url + reverse(  # type: ignore[attr-defined]
            f"deliverables:{page}", args=[d.pk]
        )
        d.email_reason = reminder.reasons.get(d.pk, "")  # type: ignore[attr-defined]
    groups = by_organisation(reminder.deliverables)
    lateness = Lateness(period, as_of)
    subject = _subject(reminder, lateness, len(groups))
    context = {
        "subject": subject,
        "today": as_of,
        "reminder": reminder,
        "kind": reminder.kind,
        "user": reminder.recipient,
        "name": reminder.recipient.get_full_name() or reminder.recipient.username,
        "period": period,
        "plan": period.plan,
        "deliverables": reminder.deliverables,
        "groups": groups,
        "lateness": lateness,
        "after_day": dict(stage_days(period)).get(Kind.AFTER_DUE),
        "missing_url": base_url
        + reverse("plans:missing", args=[period.plan_id, period.pk]),
        "service_name": settings.SERVICE_NAME,
    }
    name = "digest" if reminder.kind == Kind.DIGEST else "email"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"deliverables/reminder_{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
    )
    message.attach_alternative(
        render_to_string(f"deliverables/reminder_{name}.html", context), "text/html"
    )
    return message


def send_once(reminder: Reminder, message: EmailMultiAlternatives) -> bool:
    """Record the reminder and send it in one transaction; False if it was already
    sent (by another run) or could not be sent (it is tried again next run)."""
    try:
        with transaction.atomic():
            record = SentReminder.objects.create(
                period=reminder.period,
                recipient=reminder.recipient,
                kind=reminder.kind,
                sent_at=timezone.now(),
            )
            record.deliverables.set(reminder.deliverables)
            message.send()
    except IntegrityError:
        return False
    except (smtplib.SMTPException, OSError):
        logger.exception(
            "Could not send the %s reminder for %s to %s; it will be tried again.",
            reminder.kind,
            reminder.period,
            reminder.recipient.email,
        )
        return False
    return True


def send_reminders(
    *, as_of: datetime.date | None = None, base_url: str = ""
) -> Counter[str]:
    """Send every reminder and digest due on ``as_of`` (today) that has not been sent
    yet; return how many of each kind were sent."""
    as_of = as_of or timezone.localdate()
    base_url = base_url or settings.SITE_URL
    sent: Counter[str] = Counter()
    for reminder in reminders_due(as_of=as_of):
        message = compose(reminder, as_of=as_of, base_url=base_url)
        if send_once(reminder, message):
            sent[reminder.kind] += 1
    return sent
