"""Remove a person's two-factor devices, when they have lost their phone and their
backup codes. They then sign in with their password alone, and may set two-factor
sign-in up again."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.accounts.services import remove_two_factor


class Command(BaseCommand):
    help = "Remove a person's two-factor sign-in devices (app and backup codes)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as error:
            raise CommandError(f"No one has the username {username!r}.") from error
        removed = remove_two_factor(user=user)
        if not removed:
            self.stdout.write(f"{username} has no two-factor sign-in to remove.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed two-factor sign-in for {username}. They can sign in with "
                "their password and set it up again."
            )
        )
