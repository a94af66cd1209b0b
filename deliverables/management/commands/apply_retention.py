"""``manage.py apply_retention [--dry-run] [--as-of DATE] [--find-name NAME]``.

Applies the retention rule for personal data (docs/data-protection.md): deactivated
accounts not signed in to for ``RETENTION_INACTIVE_MONTHS`` months are anonymised.
With ``--find-name`` it changes nothing and lists the progress updates whose text
mentions a name, for an administrator to redact with ``manage.py redact_update``.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.personal_data import (
    accounts_due_for_anonymising,
    apply_retention,
    retention_cutoff,
)
from deliverables.redaction import narratives_mentioning


class Command(BaseCommand):
    help = "Anonymise deactivated accounts not signed in to for a long time."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say which accounts would be anonymised, and change nothing.",
        )
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            help="Apply the rule as on this day (YYYY-MM-DD) rather than today.",
        )
        parser.add_argument(
            "--find-name",
            metavar="NAME",
            help="List the progress updates mentioning NAME, and change nothing.",
        )

    def handle(self, *args, **options):
        if options["find_name"] is not None:
            return self.find_name(options["find_name"])
        as_of = options["as_of"] or timezone.localdate()
        cutoff = retention_cutoff(as_of=as_of)
        self.stdout.write(
            f"Rule: deactivated accounts not signed in to since {cutoff:%d %B %Y} "
            f"({settings.RETENTION_INACTIVE_MONTHS} months before {as_of:%d %B %Y})."
        )
        due = list(accounts_due_for_anonymising(as_of=as_of))
        if options["dry_run"]:
            for user in due:
                self.stdout.write(
                    f"Would anonymise #{user.pk} {user.username} (last signed in "
                    f"{_day(user.last_login)})."
                )
            self.stdout.write(f"{len(due)} accounts would be anonymised (dry run).")
            return None
        done = apply_retention(as_of=as_of)
        # Only the account's number: the log should not keep the name it removes.
        for result in done:
            self.stdout.write(
                f"Anonymised account #{result.user_id}, now Former user "
                f"#{result.user_id}: {result.memberships_ended} memberships ended, "
                f"{result.sessions_deleted} sessions, {result.tokens_deleted} API "
                f"tokens and {result.sign_in_records_deleted} sign-in records deleted."
            )
        self.stdout.write(f"{len(done)} accounts anonymised.")
        return None

    def find_name(self, name):
        try:
            updates = list(narratives_mentioning(name=name))
        except Exception as error:  # ValidationError: an empty name
            raise CommandError("Give a name to look for.") from error
        for update in updates:
            self.stdout.write(
                f"Update {update.pk}: {update.deliverable.reference} "
                f"{update.deliverable.title} ({update.deliverable.plan.reference}), "
                f"{update.period.label}, recorded {update.recorded_at:%d %B %Y}"
            )
            for field in ("narrative", "reason"):
                text = getattr(update, field)
                if name.lower() in text.lower():
                    self.stdout.write(f"  {field}: {text}")
        self.stdout.write(
            f'{len(updates)} updates mention "{name}". Published reports keep the '
            "text as published; see docs/data-protection.md."
        )


def _day(moment):
    return f"{timezone.localtime(moment):%d %B %Y}" if moment else "never"
