"""Personal data: the retention rule for accounts, and the export of everything held
about one person (docs/data-protection.md).

The rule: an account that is deactivated and has not been signed in to for
``RETENTION_INACTIVE_MONTHS`` months (24 by default) is anonymised. Its name, e-mail
address and username are replaced, its password made unusable, its memberships
ended, its sessions, API tokens and sign-in records deleted. The account row itself
stays, so every update, review and history row it made still points at it and reads
"Former user #<id>": the record of who did what stays whole without naming anyone.

The platform imports no domain app, so the export finds the
other apps' rows by walking every model's foreign keys to the user model, rather
than by naming them: a model added later is exported without changing this module.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import serializers
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from core import audit
from core.accounts.services import remove_two_factor
from core.actors import Writer

#: Sent inside ``anonymise_account``'s transaction, with ``user``, ``by`` and
#: ``reason``, so each domain app ends what the person held in it; a receiver returns
#: how many memberships it ended.
account_anonymising = Signal()

FORMER_USER_PREFIX = "former-user-"
# Fields never exported: secrets (even hashed) and file contents held in rows.
SECRET_FIELDS = {
    "password",
    "key",  # a two-factor device's secret
    "token",
    "token_checksum",
    "client_secret",
    "code",
    "content",
}
# django-axes' records of sign-in attempts, kept by username and address.
SIGN_IN_MODELS = ["axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"]


def former_username(user: Any) -> str:
    return f"{FORMER_USER_PREFIX}{user.pk}"


def is_anonymised(user: Any) -> bool:
    return bool(user.username == former_username(user))


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (the month's last day when
    that month is shorter)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_cutoff(*, as_of: datetime.date) -> datetime.datetime:
    """The moment before which an account's last sign-in counts as too old."""
    day = months_before(as_of, settings.RETENTION_INACTIVE_MONTHS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def accounts_due_for_anonymising(*, as_of: datetime.date) -> QuerySet[Any]:
    """Deactivated accounts not signed in to since the cutoff (or never, and made
    before it), not yet anonymised. API clients' service accounts are not people
    and are left alone: revoking the client is what ends them."""
    cutoff = retention_cutoff(as_of=as_of)
    User = get_user_model()
    return (
        User.objects.filter(is_active=False)
        .filter(
            Q(last_login__lt=cutoff)
            | Q(last_login__isnull=True, date_joined__lt=cutoff)
        )
        .filter(api_client__isnull=True)
        .exclude(username__startswith=FORMER_USER_PREFIX)
        .order_by("pk")
    )


@dataclass
class Anonymised:
    """What anonymising one account did, for the command's report."""

    user_id: int
    memberships_ended: int
    sessions_deleted: int
    tokens_deleted: int
    sign_in_records_deleted: int


def _sessions_of(user: Any) -> list[Session]:
    # Sessions are signed blobs; there are few of a deactivated account's, and this
    # runs rarely, so decoding each is acceptable.
    return [
        session
        for session in Session.objects.all()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


@transaction.atomic
def anonymise_account(*, user: Any, by: Writer | None = None) -> Anonymised:
    """Replace what identifies a person in their account, keeping the account row so
    what they did stays attributed to "Former user #<id>"."""
    old_username = user.username
    # The domain ends what the person held in it (plans: their memberships).
    ended = account_anonymising.send(
        sender=type(user), user=user, by=by, reason="Ended by the retention rule"
    )
    memberships_ended = sum(int(count) for _receiver, count in ended if count)
    sessions = _sessions_of(user)
    for session in sessions:
        session.delete()
    tokens = 0
    for label in ["oauth2_provider.AccessToken", "oauth2_provider.RefreshToken"]:
        tokens += apps.get_model(label).objects.filter(user=user).delete()[0]
    sign_ins = sum(
        apps.get_model(label).objects.filter(username=old_username).delete()[0]
        for label in SIGN_IN_MODELS
    )
    remove_two_factor(user=user)
    # The audit log records that the account was anonymised, not the values taken
    # out of it (they would otherwise live on in the log, which is never changed).
    with audit.suspended():
        user.username = former_username(user)
        user.first_name = "Former user"
        user.last_name = f"#{user.pk}"
        user.email = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
    audit.record(user, "changed", {"account": ["in use", "anonymised (retention)"]})
    return Anonymised(
        user_id=user.pk,
        memberships_ended=memberships_ended,
        sessions_deleted=len(sessions),
        tokens_deleted=tokens,
        sign_in_records_deleted=sign_ins,
    )


def apply_retention(
    *, as_of: datetime.date, by: Writer | None = None
) -> list[Anonymised]:
    """Anonymise every account the rule applies to on ``as_of``, one transaction
    per account, so one failure does not undo the others."""
    return [
        anonymise_account(user=user, by=by)
        for user in accounts_due_for_anonymising(as_of=as_of)
    ]


# The export ----------------------------------------------------------------------


def _user_relations() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with a foreign key (or one-to-one) to the user model, with those
    fields' names. Historical (simple-history) models are included."""
    User = get_user_model()
    found = []
    for model in apps.get_models():
        if model is User:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is User
        ]
        if names:
            found.append((model, names))
    return sorted(found, key=lambda pair: pair[0]._meta.label)


def _rows(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    model = queryset.model
    fields = [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in SECRET_FIELDS and not field.primary_key
    ]
    return [
        {"id": row["pk"], **row["fields"]}
        for row in serializers.serialize(
            "python", queryset.order_by("pk"), fields=fields
        )
    ]


def personal_data(*, user: Any) -> dict[str, Any]:
    """Everything held about ``user``: the account, and every row of every model
    that points at it (memberships, updates recorded, reviews, evidence added,
    reminders sent, history rows ...), sign-in records and sessions."""
    profile = {
        field.name: getattr(user, field.attname)
        for field in user._meta.concrete_fields
        if field.name not in SECRET_FIELDS
    }
    profile["has_usable_password"] = user.has_usable_password()
    profile["groups"] = list(user.groups.values_list("name", flat=True))
    records: dict[str, list[dict[str, Any]]] = {}
    for model, names in _user_relations():
        condition = Q()
        for name in names:
            condition |= Q(**{name: user})
        rows = _rows(model._base_manager.filter(condition))
        if rows:
            records[model._meta.label] = rows
    sign_ins = {}
    for label in SIGN_IN_MODELS:
        model = apps.get_model(label)
        rows = _rows(model.objects.filter(username=user.username))
        if rows:
            sign_ins[label] = rows
    return {
        "exported_at": timezone.now(),
        "user": profile,
        "records": records,
        "sign_in_records": sign_ins,
        "sessions": [
            {"expires": session.expire_date} for session in _sessions_of(user)
        ],
    }
