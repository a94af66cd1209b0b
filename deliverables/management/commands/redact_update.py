"""``manage.py redact_update UPDATE_ID --words "Jane Smith" --reason "..." --by USER``.

Takes words (usually a person's name) out of one progress update's narrative and
reason, keeping the update, and records who did it, when and why
(docs/data-protection.md). Find the updates with ``apply_retention --find-name``.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core import audit
from deliverables.models import ProgressUpdate
from deliverables.redaction import REPLACEMENT, redact_update


class Command(BaseCommand):
    help = "Take a name out of a progress update's text, recording the redaction."

    def add_arguments(self, parser):
        parser.add_argument("update", type=int, help="The progress update's id.")
        parser.add_argument("--words", required=True, help="What to take out.")
        parser.add_argument("--reason", required=True, help="Why.")
        parser.add_argument(
            "--by", required=True, help="The username of the administrator."
        )
        parser.add_argument(
            "--replacement", default=REPLACEMENT, help=f'Default "{REPLACEMENT}".'
        )

    def handle(self, *args, **options):
        try:
            update = ProgressUpdate.objects.get(pk=options["update"])
        except ProgressUpdate.DoesNotExist as error:
            raise CommandError(f"There is no update {options['update']}.") from error
        try:
            by = get_user_model().objects.get(username=options["by"])
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"There is no user {options['by']}.") from error
        try:
            with audit.acting(by=by, via=audit.Via.COMMAND):
                redaction = redact_update(
                    update=update,
                    words=options["words"],
                    reason=options["reason"],
                    by=by,
                    replacement=options["replacement"],
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Redacted update {update.pk}: {redaction.replacements} replacements in "
            f"its {redaction.fields}, recorded as redaction {redaction.pk}."
        )
