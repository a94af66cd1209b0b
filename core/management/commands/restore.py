"""``manage.py restore PATH [--yes]``: restore a backup made by ``manage.py backup``.

Replaces everything the configured database holds, and writes the backup's evidence
files back. Without ``--yes`` it refuses when the database already holds data, and
says what would be replaced. See docs/backups.md.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import backups


class Command(BaseCommand):
    help = "Restore a backup, replacing what the database holds."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup archive (.tar.gz).")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Go ahead even though the database already holds data.",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            backup = backups.read(options["path"])
            held = backups.what_would_be_replaced()
            name = connection.settings_dict["NAME"]
            if held and not options["yes"]:
                raise CommandError(
                    f"The database {name} already holds {', '.join(held)}. Restoring "
                    f"replaces all of it with the backup made at {backup.created_at}, "
                    "and writes the backup's evidence files over any of the same name. "
                    "Run again with --yes to go ahead."
                )
            backups.restore(backup)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        tables = backup.manifest["tables"]
        self.stdout.write(
            f"Restored the backup made at {backup.created_at} into {name}: "
            f"{len(tables)} tables ({sum(tables.values())} rows) and "
            f"{backup.manifest['evidence_files']} evidence files, in "
            f"{time.monotonic() - started:.1f} s."
        )
