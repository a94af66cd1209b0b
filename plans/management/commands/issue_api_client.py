"""``manage.py issue_api_client ORGANISATION --name N --scopes read,updates:write``.

Issues an organisation's API client, as **Admin › API clients › Add** does, and
prints its client id and secret once, for automation (``--json`` for a script to
read). The secret is stored hashed and cannot be shown again (docs/api.md).
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core import audit
from plans.commands import command_account, organisation_named, user_named
from plans.models import ApiClient
from plans.services import issue_api_client

#: The account a client issued without --by is recorded against. It cannot sign in.
COMMAND_USERNAME = "command-line"


def _scopes(value: str) -> list[str]:
    scopes = [scope for scope in value.replace(",", " ").split() if scope]
    unknown = [scope for scope in scopes if scope not in ApiClient.Scope.values]
    if unknown or not scopes:
        named = ", ".join(f'"{scope}"' for scope in unknown) or "none"
        raise CommandError(
            f"Unknown scope {named}: give one or more of read, updates:write "
            "and plans:write, separated by commas."
        )
    return scopes


def _writer(username: str | None):
    if username:
        return user_named(username)
    return command_account(COMMAND_USERNAME, "Command", "line")


class Command(BaseCommand):
    help = (
        "Issue an API client for an organisation and print its client id and "
        "secret. The secret is shown once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "organisation", help="The organisation's name or short name (any case)."
        )
        parser.add_argument(
            "--name",
            required=True,
            help='What the client is, such as "SOJP performance system".',
        )
        parser.add_argument(
            "--scopes",
            required=True,
            help="read, updates:write, plans:write: one or more, separated by commas.",
        )
        parser.add_argument(
            "--by",
            help="Username of the administrator it is recorded against "
            f'(default: "{COMMAND_USERNAME}", an account that cannot sign in).',
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON object (client_id, client_secret, ...) instead.",
        )

    def handle(self, *args, **options):
        organisation = organisation_named(options["organisation"])
        scopes = _scopes(options["scopes"])
        by = _writer(options["by"])
        try:
            with audit.acting(by=by, via=audit.Via.COMMAND):
                client, secret = issue_api_client(
                    organisation=organisation,
                    name=options["name"],
                    scopes=scopes,
                    by=by,
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        client_id = client.application.client_id
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "client_id": client_id,
                        "client_secret": secret,
                        "organisation": organisation.name,
                        "name": client.name,
                        "scopes": client.scopes,
                    }
                )
            )
            return
        self.stdout.write(
            f'Issued API client "{client.name}" for {organisation.name} '
            f"(scopes: {', '.join(client.scopes)})."
        )
        self.stdout.write(f"Client ID: {client_id}")
        self.stdout.write(f"Client secret: {secret}")
        self.stdout.write(
            self.style.WARNING(
                "The secret is shown once: it is stored hashed and cannot be shown "
                "again. Copy it now."
            )
        )
