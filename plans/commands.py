"""What the management commands share: finding an organisation by name, and the
account a command's writes are recorded against when no person is named."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from plans.models import Organisation


def organisation_named(value: str) -> Organisation:
    """The organisation of this name or short name (any case), for a command."""
    found = Organisation.objects.filter(name__iexact=value).first() or (
        Organisation.objects.filter(short_name__iexact=value).first()
    )
    if found is None:
        raise CommandError(f'No organisation is called "{value}".')
    return found


def command_account(username: str, first_name: str, last_name: str):
    """The account a command records its writes against when no person is named
    (``import`` for imports, ``command-line`` for API clients). It cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def user_named(username: str):
    """The account called ``username``, or a CommandError naming it."""
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise CommandError(f'No user is called "{username}".')
    return found
