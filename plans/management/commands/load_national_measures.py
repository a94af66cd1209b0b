"""``manage.py load_national_measures``: reload the national indicator definitions."""

from django.core.management.base import BaseCommand

from plans.services import refresh_national_measures


class Command(BaseCommand):
    help = (
        "Create or update the National Crime and Policing Measures from "
        "plans/data/national_measures.json. Safe to run again."
    )

    def handle(self, *args, **options):
        created, changed = refresh_national_measures()
        self.stdout.write(
            f"National measures: {created} added, {changed} updated, "
            "the rest already up to date."
        )
