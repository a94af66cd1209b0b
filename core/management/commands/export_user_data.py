"""``manage.py export_user_data USERNAME --output FILE``: everything held about one
person, as JSON, for a subject access request (docs/data-protection.md)."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from core.personal_data import personal_data


class Command(BaseCommand):
    help = "Export everything held about a user as JSON."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--output", type=Path, required=True, help="The JSON file to write."
        )

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as error:
            raise CommandError(f"There is no user {options['username']}.") from error
        data = personal_data(user=user)
        options["output"].write_text(
            json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        rows = sum(len(rows) for rows in data["records"].values())
        self.stdout.write(
            f"Wrote {rows} records in {len(data['records'])} kinds about "
            f"{user.username} to {options['output']}."
        )
