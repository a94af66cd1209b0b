"""``manage.py transfer_body FROM TO --on DATE [--leave-behind USERNAME ...]
[--dry-run] [--by USERNAME]``.

Hands a body's plans, memberships, API clients, deliverables and open scrutiny
actions to its successor, in one transaction, as **Admin › Organisations ›
Transfer to a successor** does (docs/succession.md). Prints what moves; with
``--dry-run`` it changes nothing.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core import audit
from plans.commands import organisation_named, user_named
from plans.models import Membership, Organisation
from plans.succession import wording
from plans.succession.services import (
    prepare_transfer,
    preview,
    review_list,
    transfer_body,
)


def body_named(value: str) -> Organisation:
    """The organisation with this id, name or short name (any case)."""
    if value.isdigit():
        found = Organisation.objects.filter(pk=int(value)).first()
        if found is not None:
            return found
    return organisation_named(value)


def day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f'"{value}" is not a date: give the day it takes effect as YYYY-MM-DD.'
        ) from None


class Command(BaseCommand):
    help = (
        "Transfer a body's plans, memberships, API clients, deliverables and open "
        "scrutiny actions to its successor, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "from_body", help="The body handing over: its id, name or short name."
        )
        parser.add_argument(
            "to_body", help="Its successor: its id, name or short name."
        )
        parser.add_argument(
            "--on",
            required=True,
            help="The day the successor takes over (YYYY-MM-DD), today or earlier.",
        )
        parser.add_argument(
            "--leave-behind",
            nargs="+",
            default=[],
            metavar="USERNAME",
            help="Members who stay with the old body (everyone else moves).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would move and change nothing.",
        )
        parser.add_argument(
            "--by",
            help="Username of the superuser it is recorded against (default: the "
            "command line).",
        )

    def handle(self, *args, **options):
        from_body = body_named(options["from_body"])
        to_body = body_named(options["to_body"])
        on = day(options["on"])
        by = user_named(options["by"]) if options["by"] else None
        members = dict(
            Membership.objects.filter(organisation=from_body).values_list(
                "user__username", "user_id"
            )
        )
        staying = []
        for username in options["leave_behind"]:
            if username not in members:
                raise CommandError(f'"{username}" is not a member of {from_body}.')
            staying.append(members[username])
        try:
            with transaction.atomic(), audit.acting(by=by, via=audit.Via.COMMAND):
                if options["dry_run"]:
                    self.dry_run(from_body, to_body, on, by, staying)
                    transaction.set_rollback(True)
                    return
                transfer = transfer_body(
                    from_body=from_body,
                    to_body=to_body,
                    takes_effect_on=on,
                    by=by,
                    leave_behind=staying,
                )
                self.report(transfer, dry_run=False)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except PermissionDenied as error:
            raise CommandError(str(error)) from error

    def dry_run(self, from_body, to_body, on, by, staying) -> None:
        """Prepare it (so every refusal is checked) and count what would move; the
        caller rolls it all back. A day still ahead is shown, not refused."""
        transfer = prepare_transfer(
            from_body=from_body, to_body=to_body, takes_effect_on=on, by=by
        )
        moving = [
            m["user_id"] for m in transfer.memberships if m["user_id"] not in staying
        ]
        transfer.memberships = review_list(from_body, moving)
        transfer.summary = preview(from_body, to_body, memberships=transfer.memberships)
        self.report(transfer, dry_run=True)
        if on > timezone.localdate():
            self.stdout.write(
                f"It takes effect on {on:%-d %B %Y}: it can be carried out on or "
                "after that day."
            )

    def report(self, transfer, *, dry_run: bool) -> None:
        summary = transfer.summary
        verb = "would move" if dry_run else "moves"
        self.stdout.write(
            f"{transfer.from_body} to {transfer.to_body}, taking effect on "
            f"{transfer.takes_effect_on:%-d %B %Y}: {verb}"
        )
        for what, number in wording.counts(summary):
            self.stdout.write(f"  {number} {what}")
        for reference in summary.get("plan_references", []):
            self.stdout.write(f"Plan: {reference}")
        for name in summary.get("api_client_names", []):
            self.stdout.write(f"API client: {name}")
        self.stdout.write("Memberships:")
        for member in transfer.memberships:
            role = wording.ROLE_NAMES.get(member["role"], member["role"])
            where = "moves" if member["moves"] else "stays"
            client = " (API client)" if member["api_client"] else ""
            self.stdout.write(f"  {member['username']}{client}, {role}: {where}")
        for line in wording.notes(summary):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Done: {transfer.from_body} is succeeded by {transfer.to_body}."
                )
            )
