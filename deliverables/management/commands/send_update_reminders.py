"""``manage.py send_update_reminders``: e-mail owners with updates to give (cron)."""

from django.core.management.base import BaseCommand

from deliverables.reminders import reminders_due, send_reminders


class Command(BaseCommand):
    help = "E-mail each owner whose deliverables have no update for the current period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would be reminded, and send nothing.",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="The site's address for links, e.g. https://plans.example.org",
        )

    def handle(self, *args, **options):
        from django.utils import timezone

        if options["dry_run"]:
            for reminder in reminders_due(as_of=timezone.localdate()):
                refs = ", ".join(d.reference for d in reminder.deliverables)
                self.stdout.write(f"{reminder.user.email}: {refs}")
            return
        sent = send_reminders(base_url=options["base_url"])
        self.stdout.write(f"Sent {sent} reminder{'s' if sent != 1 else ''}.")
