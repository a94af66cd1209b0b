"""``manage.py backup [--output PATH]``: back up the database and the evidence files.

See docs/backups.md. The database is the configured one (``DATABASE_URL``).
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backups


class Command(BaseCommand):
    help = "Back up the database and the evidence files into one archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="The archive to write (default: var/backups/tracker-<time>.tar.gz).",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            backup = backups.create(options["output"])
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        tables = backup.manifest["tables"]
        size = backup.path.stat().st_size
        self.stdout.write(
            f"Backed up {len(tables)} tables ({sum(tables.values())} rows) and "
            f"{backup.manifest['evidence_files']} evidence files to {backup.path} "
            f"({size / 1024 / 1024:.1f} MB) in {time.monotonic() - started:.1f} s."
        )
        if backup.manifest["evidence_in_object_storage"]:
            self.stdout.write(
                "Evidence files are in object storage and are not in this backup: "
                "keep versioning turned on for that bucket."
            )
