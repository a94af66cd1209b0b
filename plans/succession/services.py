"""Handing a body to its successor: prepare (the reviewed list of memberships), then
carry out, in one transaction; or cancel.

What moves: the body's plans (their references kept unique under the successor), the
memberships chosen to move, its API clients (their OAuth applications and tokens
untouched, so a client keeps authenticating with no change on its side), webhook
endpoints, identity providers, its own indicator definitions and the organisations
under it; then every step the apps above this one registered
(``plans.succession.registry``): deliverables led and owned, import layouts, open
scrutiny actions and recommendations. Nothing is deleted or copied: rows change
organisation, so every table keeps its row count. Each row's history names who
made the transfer (``attribute_to``); the audit log records every row written,
and the transfer itself with its summary.

Only superusers transfer a body. ``by=None`` is the command line with no ``--by``:
whoever can run ``manage.py`` on the server.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from core.actors import Writer
from core.history import attribute_to
from plans.models import (
    ApiClient,
    IdentityProvider,
    IndicatorDefinition,
    Membership,
    Organisation,
    Plan,
    WebhookEndpoint,
)
from plans.succession.models import BodyTransfer
from plans.succession.registry import transfer_steps
from plans.succession.selectors import last_successor

#: From the least a role may do to the most: a member of both bodies keeps the higher.
ROLE_RANK: dict[str, int] = {
    Membership.Role.READER: 0,
    Membership.Role.CONTRIBUTOR: 1,
    Membership.Role.EDITOR: 2,
    Membership.Role.ADMIN: 3,
}


def label_of(body: Organisation) -> str:
    """How a renamed reference names the body it came from: its short name, else
    its name."""
    return body.short_name or body.name


def unique_value(
    value: str,
    *,
    body: Organisation,
    taken: set[str],
    max_length: int,
    separator: str = " ",
    slug: bool = False,
) -> str:
    """``value``, or, if the successor already uses it, ``value (SHORT)`` (with a
    number after it if that is taken too), cut to fit ``max_length``."""
    if value not in taken:
        return value
    label = slugify(label_of(body)) if slug else f"({label_of(body)})"
    number = 1
    while True:
        suffix = f"{separator}{label}" + (f"{separator}{number}" if number > 1 else "")
        candidate = value[: max_length - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _require_superuser(by: Writer | None) -> None:
    if by is not None and not getattr(by, "is_superuser", False):
        raise PermissionDenied("Only superusers transfer a body to its successor.")


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y at %H:%M")


def _who(user: Any) -> str:
    return user.get_username() if user is not None else "the command line"


def _refusals(
    from_body: Organisation,
    to_body: Organisation,
    *,
    transfer: BodyTransfer | None = None,
) -> dict[str, str]:
    """Why this transfer may not go ahead, by field: empty when it may."""
    errors: dict[str, str] = {}
    if from_body.pk == to_body.pk:
        errors["to_body"] = (
            f"{from_body} cannot be its own successor: choose the body that takes "
            "over its functions."
        )
        return errors
    if to_body.successor_id is not None:
        final = last_successor(to_body)
        errors["to_body"] = (
            f"{to_body} is itself succeeded by {final}: transfer to {final}."
        )
    else:
        leaving = (
            BodyTransfer.objects.filter(
                from_body=to_body, state=BodyTransfer.State.PREPARED
            )
            .select_related("to_body", "prepared_by")
            .first()
        )
        if leaving is not None:
            errors["to_body"] = (
                f"{to_body} is itself being transferred to {leaving.to_body} "
                f"(prepared by {_who(leaving.prepared_by)} on "
                f"{_when(leaving.created_at)}): transfer to {leaving.to_body} once "
                "that is carried out."
            )
    done = (
        BodyTransfer.objects.filter(
            from_body=from_body, state=BodyTransfer.State.COMPLETED
        )
        .select_related("to_body")
        .first()
    )
    others = BodyTransfer.objects.filter(
        from_body=from_body, state=BodyTransfer.State.PREPARED
    )
    if transfer is not None:
        others = others.exclude(pk=transfer.pk)
    in_progress = others.select_related("to_body", "prepared_by").first()
    if done is not None:
        errors["from_body"] = (
            f"{from_body} was already transferred to {done.to_body} on "
            f"{_when(done.completed_at or done.created_at)}."
        )
    elif from_body.successor_id not in (None, to_body.pk):
        successor = Organisation.objects.get(pk=from_body.successor_id)
        errors["from_body"] = (
            f"{from_body} is already succeeded by {successor}: transfer it to "
            f"{successor}, or change its successor first."
        )
    elif in_progress is not None:
        errors["from_body"] = (
            f"{from_body} has a transfer to {in_progress.to_body} in progress, "
            f"prepared by {_who(in_progress.prepared_by)} on "
            f"{_when(in_progress.created_at)}: carry it out or cancel it first."
        )
    return errors


def _lock(*bodies: Organisation) -> list[Organisation]:
    """The bodies, read again and locked for the rest of the transaction (in id
    order, so two transfers never wait on each other)."""
    ids = sorted({body.pk for body in bodies})
    locked = {
        body.pk: body
        for body in Organisation.objects.select_for_update().filter(pk__in=ids)
    }
    return [locked[body.pk] for body in bodies]


def review_list(
    from_body: Organisation, moving_user_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Every membership of the body, for review: each user's id, username, role,
    whether they move (all do unless ``moving_user_ids`` says otherwise) and whether
    they are an API client's service account (those always move with the client)."""
    service_users = set(
        ApiClient.objects.filter(organisation=from_body).values_list(
            "service_user_id", flat=True
        )
    )
    chosen = None if moving_user_ids is None else set(moving_user_ids)
    return [
        {
            "user_id": m.user_id,
            "username": m.user.get_username(),
            "name": m.user.get_full_name(),
            "role": m.role,
            "api_client": m.user_id in service_users,
            "moves": chosen is None
            or m.user_id in chosen
            or m.user_id in service_users,
        }
        for m in Membership.objects.filter(organisation=from_body)
        .select_related("user")
        .order_by("user__username")
    ]


@transaction.atomic
def prepare_transfer(
    *,
    from_body: Organisation,
    to_body: Organisation,
    takes_effect_on: datetime.date,
    by: Writer | None,
) -> BodyTransfer:
    """Prepare a transfer: the body is locked for any other until it is carried out
    or cancelled. It may take effect in the future."""
    _require_superuser(by)
    from_body, to_body = _lock(from_body, to_body)
    errors = _refusals(from_body, to_body)
    if takes_effect_on is None:
        errors["takes_effect_on"] = "Enter the day the successor takes over."
    if errors:
        raise ValidationError(errors)
    transfer = BodyTransfer(
        from_body=from_body,
        to_body=to_body,
        takes_effect_on=takes_effect_on,
        memberships=review_list(from_body),
        prepared_by=by,
    )
    transfer.save()
    return transfer


@transaction.atomic
def cancel_transfer(*, transfer: BodyTransfer, by: Writer | None) -> BodyTransfer:
    """Give up a prepared transfer: nothing moved, the body is free again."""
    _require_superuser(by)
    transfer = BodyTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != BodyTransfer.State.PREPARED:
        raise ValidationError(
            {"state": f"This transfer is {transfer.get_state_display().lower()}."}
        )
    transfer.state = BodyTransfer.State.CANCELLED
    transfer.summary = {**transfer.summary, "cancelled_by": _who(by)}
    transfer.save()
    return transfer


@transaction.atomic
def carry_out_transfer(
    *,
    transfer: BodyTransfer,
    moving_user_ids: Iterable[int],
    by: Writer | None,
) -> BodyTransfer:
    """Move everything the body holds to its successor, in this one transaction,
    with the members in ``moving_user_ids`` (API clients' service accounts always
    move); the other members stay with the old body. Refused, with nothing changed,
    before the day it takes effect or when a rule forbids it."""
    _require_superuser(by)
    transfer = (
        BodyTransfer.objects.select_for_update()
        .select_related("from_body", "to_body")
        .get(pk=transfer.pk)
    )
    from_body, to_body = _lock(transfer.from_body, transfer.to_body)
    if transfer.state != BodyTransfer.State.PREPARED:
        verb = (
            "was already carried out"
            if transfer.state == BodyTransfer.State.COMPLETED
            else "was cancelled"
        )
        raise ValidationError({"state": f"This transfer {verb}."})
    errors = _refusals(from_body, to_body, transfer=transfer)
    today = timezone.localdate()
    if transfer.takes_effect_on > today:
        errors["takes_effect_on"] = (
            f"It takes effect on {transfer.takes_effect_on:%-d %B %Y}: it can be "
            "prepared ahead but carried out only on or after that day."
        )
    moving = set(moving_user_ids)
    members = set(
        Membership.objects.filter(organisation=from_body).values_list(
            "user_id", flat=True
        )
    )
    if moving - members:
        errors["memberships"] = (
            f"Only members of {from_body} can move with it: choose from its "
            "memberships."
        )
    if errors:
        raise ValidationError(errors)
    memberships = review_list(from_body, moving)
    summary = move_everything(
        from_body, to_body, memberships=memberships, by=by, dry_run=False
    )
    transfer.state = BodyTransfer.State.COMPLETED
    transfer.memberships = memberships
    transfer.summary = summary
    transfer.completed_by = by
    transfer.completed_at = timezone.now()
    transfer.save()
    return transfer


@transaction.atomic
def transfer_body(
    *,
    from_body: Organisation,
    to_body: Organisation,
    takes_effect_on: datetime.date,
    by: Writer | None,
    leave_behind: Iterable[int] = (),
) -> BodyTransfer:
    """Prepare and carry out a transfer in one transaction: every member moves but
    those in ``leave_behind`` (user ids)."""
    transfer = prepare_transfer(
        from_body=from_body, to_body=to_body, takes_effect_on=takes_effect_on, by=by
    )
    staying = set(leave_behind)
    moving = [m["user_id"] for m in transfer.memberships if m["user_id"] not in staying]
    return carry_out_transfer(transfer=transfer, moving_user_ids=moving, by=by)


def preview(
    from_body: Organisation,
    to_body: Organisation,
    *,
    memberships: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What a transfer would move, counted, with nothing changed."""
    return move_everything(
        from_body,
        to_body,
        memberships=memberships if memberships is not None else review_list(from_body),
        by=None,
        dry_run=True,
    )


def _save(instance: models.Model, *, by: Writer | None, reason: str) -> None:
    attribute_to(instance, by=by, reason=reason)
    instance.save()


def move_everything(
    from_body: Organisation,
    to_body: Organisation,
    *,
    memberships: list[dict[str, Any]],
    by: Writer | None,
    dry_run: bool,
) -> dict[str, Any]:
    """Move (or, with ``dry_run``, count) what the body holds; return the summary.

    Called by ``carry_out_transfer`` inside its transaction, with the bodies locked.
    """
    reason = f"Transferred from {from_body} to its successor {to_body}"
    summary: dict[str, Any] = {"from_body": str(from_body), "to_body": str(to_body)}

    # Plans (references unique per owner) and API clients (names unique per
    # organisation; their applications and tokens untouched).
    moved, references, renamed = _move_keeping_unique(
        Plan, "owner", "reference", "plan", from_body, to_body, by, reason, dry_run
    )
    summary["plans"] = moved
    summary["plan_references"] = references
    summary["plans_renamed"] = renamed

    summary.update(_move_memberships(from_body, to_body, memberships, by, dry_run))

    moved, names, renamed = _move_keeping_unique(
        ApiClient,
        "organisation",
        "name",
        "api_client",
        from_body,
        to_body,
        by,
        reason,
        dry_run,
    )
    summary["api_clients"] = moved
    summary["api_client_names"] = names
    summary["api_clients_renamed"] = renamed

    # Webhook endpoints: one per address per organisation. The successor's own
    # endpoint to the same address already hears its events: the old one stays.
    urls = set(
        WebhookEndpoint.objects.filter(organisation=to_body).values_list(
            "url", flat=True
        )
    )
    endpoints = list(WebhookEndpoint.objects.filter(organisation=from_body))
    kept = [e for e in endpoints if e.url in urls]
    for endpoint in endpoints:
        if endpoint.url not in urls and not dry_run:
            endpoint.organisation = to_body
            _save(endpoint, by=by, reason=reason)
    summary["webhook_endpoints"] = len(endpoints) - len(kept)
    summary["webhook_endpoints_kept"] = [e.url for e in kept]

    # Identity providers: names unique per organisation.
    taken = set(
        IdentityProvider.objects.filter(organisation=to_body).values_list(
            "name", flat=True
        )
    )
    providers = list(IdentityProvider.objects.filter(organisation=from_body))
    renamed = []
    for provider in providers:
        name = unique_value(provider.name, body=from_body, taken=taken, max_length=60)
        taken.add(name)
        if name != provider.name:
            renamed.append({"from": provider.name, "to": name})
        if not dry_run:
            provider.organisation = to_body
            provider.name = name
            _save(provider, by=by, reason=reason)
    summary["identity_providers"] = len(providers)
    summary["identity_providers_renamed"] = renamed

    # The body's own indicator definitions: slugs unique per owner.
    taken = set(
        IndicatorDefinition.objects.filter(owner=to_body).values_list("slug", flat=True)
    )
    definitions = list(IndicatorDefinition.objects.filter(owner=from_body))
    for definition in definitions:
        slug = unique_value(
            definition.slug,
            body=from_body,
            taken=taken,
            max_length=100,
            separator="-",
            slug=True,
        )
        taken.add(slug)
        if not dry_run:
            definition.owner = to_body
            definition.slug = slug
            _save(definition, by=by, reason=reason)
    summary["indicator_definitions"] = len(definitions)

    # Organisations under it (a force's local areas) sit under the successor.
    children = list(from_body.children.exclude(pk=to_body.pk))
    for child in children:
        if not dry_run:
            child.parent = to_body
            _save(child, by=by, reason=reason)
    summary["organisations_under_it"] = len(children)

    for name, step in transfer_steps():
        summary[name] = step(from_body, to_body, by=by, dry_run=dry_run)

    if not dry_run and from_body.successor_id != to_body.pk:
        from_body.successor = to_body
        _save(from_body, by=by, reason=reason)
    return summary


def _move_keeping_unique(
    model: Any,
    body_field: str,
    unique_field: str,
    key: str,
    from_body: Organisation,
    to_body: Organisation,
    by: Any,
    reason: str,
    dry_run: bool,
) -> tuple[int, list[str], list[dict[str, Any]]]:
    """Move ``model``'s rows of ``from_body`` to ``to_body`` (by ``body_field``),
    keeping ``unique_field`` unique within the successor: a clash gets the old
    body's name added. Returns how many moved, their values after, and the renamed
    ones (``{key: pk, "from": ..., "to": ...}``)."""
    taken = set(
        model.objects.filter(**{body_field: to_body}).values_list(
            unique_field, flat=True
        )
    )
    rows = list(model.objects.filter(**{body_field: from_body}).order_by("pk"))
    values, renamed = [], []
    for row in rows:
        old = getattr(row, unique_field)
        value = unique_value(
            old,
            body=from_body,
            taken=taken,
            max_length=model._meta.get_field(unique_field).max_length,
        )
        taken.add(value)
        values.append(value)
        if value != old:
            renamed.append({key: row.pk, "from": old, "to": value})
        if not dry_run:
            setattr(row, body_field, to_body)
            setattr(row, unique_field, value)
            _save(row, by=by, reason=reason)
    return len(rows), values, renamed


def _move_memberships(
    from_body: Organisation,
    to_body: Organisation,
    memberships: list[dict[str, Any]],
    by: Writer | None,
    dry_run: bool,
) -> dict[str, Any]:
    """Move the chosen memberships. A member of both bodies keeps the higher of
    their two roles at the successor (recorded); their old membership stays, as
    does every membership left behind."""
    moving = {m["user_id"] for m in memberships if m["moves"]}
    theirs = {
        m.user_id: m
        for m in Membership.objects.filter(organisation=to_body, user_id__in=moving)
    }
    moved = 0
    combined = []
    for membership in Membership.objects.filter(
        organisation=from_body, user_id__in=moving
    ).select_related("user"):
        existing = theirs.get(membership.user_id)
        if existing is None:
            moved += 1
            if not dry_run:
                membership.organisation = to_body
                _save(membership, by=by, reason="Moved to the successor body")
            continue
        kept = max(existing.role, membership.role, key=lambda r: ROLE_RANK[r])
        combined.append(
            {
                "username": membership.user.get_username(),
                "role_at_old_body": membership.role,
                "role_at_successor": existing.role,
                "role_kept": kept,
            }
        )
        if kept != existing.role and not dry_run:
            existing.role = kept
            _save(existing, by=by, reason="The higher role of the two bodies kept")
    return {
        "memberships_moved": moved,
        "memberships_combined": combined,
        "memberships_left": [m["username"] for m in memberships if not m["moves"]],
    }
