"""Reminding people whose deliverables have no update for the current period."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from deliverables.models import Deliverable
from plans.models import Membership
from plans.permissions import WRITERS


@dataclass
class Reminder:
    """One e-mail: a person and the deliverables they should update."""

    user: object
    deliverables: list[Deliverable] = field(default_factory=list)


def reminders_due(*, as_of: datetime.date) -> list[Reminder]:
    """Who to remind, each with exactly their deliverables that need an update.

    A deliverable's named lead is reminded; where it has none, the contributors, editors
    and administrators of its lead organisation are. Draft plans are left alone.
    """
    needing = list(
        Deliverable.objects.needs_update(as_of)
        .exclude(plan__state="draft")
        .select_related("plan", "lead_user")
        .order_by("plan_id", "position", "reference")
    )
    unled = {d.lead_organisation_id for d in needing if d.lead_user_id is None}
    members = defaultdict(list)
    for membership in Membership.objects.filter(
        organisation_id__in=unled, role__in=WRITERS, user__is_active=True
    ).select_related("user"):
        if membership.user.email:
            members[membership.organisation_id].append(membership.user)
    by_user: dict[int, Reminder] = {}
    for deliverable in needing:
        people = (
            [deliverable.lead_user]
            if deliverable.lead_user_id
            else members[deliverable.lead_organisation_id]
        )
        for person in people:
            if person and person.email:
                by_user.setdefault(person.pk, Reminder(person)).deliverables.append(
                    deliverable
                )
    return list(by_user.values())


def send_reminders(*, as_of: datetime.date | None = None, base_url: str = "") -> int:
    """E-mail every reminder that is due; return how many were sent."""
    as_of = as_of or timezone.localdate()
    base_url = base_url or getattr(settings, "SITE_URL", "")
    sent = 0
    for reminder in reminders_due(as_of=as_of):
        links = [
            (d, base_url + reverse("deliverables:record", args=[d.pk]))
            for d in reminder.deliverables
        ]
        body = render_to_string(
            "deliverables/reminder_email.txt",
            {
                "user": reminder.user,
                "links": links,
                "service_name": settings.SERVICE_NAME,
            },
        )
        count = len(links)
        subject = (
            "1 deliverable needs a progress update"
            if count == 1
            else f"{count} deliverables need a progress update"
        )
        send_mail(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [reminder.user.email],
        )
        sent += 1
    return sent
