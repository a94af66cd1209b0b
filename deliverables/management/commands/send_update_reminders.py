"""``manage.py send_update_reminders``: send the day's reminder e-mails (for cron)."""

import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from deliverables.models import SentReminder
from deliverables.reminders import reminders_due, send_reminders


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"must be a date like 2026-04-14, not {value!r}"
        ) from exc


class Command(BaseCommand):
    help = (
        "E-mail owners whose deliverables need an update for a period, and the plan's "
        "editors a digest of who is missing, on the days each plan's reminder "
        "schedule sets. Nothing already sent is sent again, so it is safe to run "
        "more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would be e-mailed, and send nothing.",
        )
        parser.add_argument(
            "--as-of",
            type=_day,
            default=None,
            help="Act as if it were this day (YYYY-MM-DD); today by default.",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="The site's address for links, e.g. https://plans.example.org "
            "(SITE_URL by default).",
        )

    def handle(self, *args, **options):
        as_of = options["as_of"] or timezone.localdate()
        if options["dry_run"]:
            for reminder in reminders_due(as_of=as_of):
                refs = ", ".join(d.reference for d in reminder.deliverables)
                stage = SentReminder.Kind(reminder.kind).label
                self.stdout.write(
                    f"{reminder.recipient.email} ({reminder.period.plan.reference} "
                    f"{reminder.period.label}, {stage.lower()}): {refs}"
                )
            return
        sent = send_reminders(as_of=as_of, base_url=options["base_url"])
        digests = sent.pop(SentReminder.Kind.DIGEST, 0)
        reminders = sum(sent.values())
        self.stdout.write(
            f"Sent {reminders} reminder{'s' if reminders != 1 else ''} and "
            f"{digests} digest{'s' if digests != 1 else ''}."
        )
