"""Writes about a person's account: two-factor sign-in devices, and signing a person
out everywhere. Each is one transaction."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from core import audit
from core.models import AuditEvent

logger = logging.getLogger(__name__)

BACKUP_CODE_COUNT = 10
WRONG_CODE = "The code is not right. Check it and try again."


@dataclass
class CodesPaused(Exception):
    """Too many wrong codes: none is checked until ``until``; ``for_an_hour`` when the
    whole failure limit is spent (not just the growing wait between tries)."""

    until: datetime.datetime
    for_an_hour: bool


def failure_limit() -> int:
    """Wrong codes allowed in a row before codes are paused: the password's limit."""
    return settings.AXES_FAILURE_LIMIT


def _cooloff() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)


def confirmed_app(user: Any) -> TOTPDevice | None:
    """The person's authenticator app, once set up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _paused_until(devices: list[Any]) -> CodesPaused | None:
    """Whether codes are paused: after ``failure_limit()`` wrong codes in a row, for an
    hour (like a password); before that, django-otp's wait, doubling after each."""
    now = timezone.now()
    for device in devices:
        failed_at = device.throttling_failure_timestamp
        if device.throttling_failure_count >= failure_limit() and failed_at:
            until = failed_at + _cooloff()
            if until > now:
                return CodesPaused(until=until, for_an_hour=True)
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if not allowed and details and details.get("locked_until"):
            return CodesPaused(until=details["locked_until"], for_an_hour=False)
    return None


def tries_left(user: Any, device: Any = None) -> int:
    """How many more wrong codes before codes are paused for an hour."""
    app = device or confirmed_app(user)
    count = app.throttling_failure_count if app else 0
    return max(failure_limit() - count, 0)


def verify_code(*, user: Any, code: str, device: Any = None) -> Any:
    """Check a code from the person's authenticator app or one of their backup codes
    (which then cannot be used again); return the device that accepted it.

    Every wrong code counts on the app's device, so app and backup codes share one
    limit. Raises ``CodesPaused`` while codes are paused and ``ValidationError`` for a
    wrong code. ``device`` checks one device only: the app being set up.
    """
    code = "".join(code.split()).lower()
    app = device or confirmed_app(user)
    backup = (
        None
        if device
        else StaticDevice.objects.filter(user=user, confirmed=True).first()
    )
    if app is None and backup is None:
        raise ValidationError({"code": "You have not set up two-factor sign-in."})
    paused = _paused_until([d for d in (app, backup) if d is not None])
    if paused:
        raise paused
    if app is not None and code.isdigit() and len(code) == app.digits:
        # Counts its own failure, or clears the count on success.
        if app.verify_token(code):
            return app
    elif backup is not None and backup.verify_token(code):
        if app is not None:
            app.throttle_reset()
        return backup
    elif app is not None:
        # A wrong backup code counts on the app too.
        app.throttle_increment()
    raise ValidationError({"code": WRONG_CODE})


def start_two_factor(*, user: Any) -> TOTPDevice:
    """The authenticator app being set up: a new secret, kept until it is confirmed
    (so reloading the page shows the same QR code)."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )


def discard_pending_two_factor(*, user: Any) -> None:
    """Forget the app being set up (its secret), so the next attempt has a new one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()


def _new_backup_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes")
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=code) for code in codes]
    )
    return codes


def confirm_two_factor(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor sign-in on once the person types a code from the app they
    have just set up; return the app's device and their new backup codes."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if pending is None:
        raise ValidationError({"code": "Start setting up two-factor sign-in again."})
    # Outside the transaction below, so that a wrong code still counts.
    verify_code(user=user, code=code, device=pending)
    with transaction.atomic():
        # One app at a time: the one just confirmed replaces any other.
        TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
        pending.confirmed = True
        pending.save(update_fields=["confirmed"])
        return pending, _new_backup_codes(user)


@transaction.atomic
def replace_backup_codes(*, user: Any) -> list[str]:
    """New backup codes for someone with two-factor sign-in on; the old ones stop
    working."""
    if confirmed_app(user) is None:
        raise ValidationError("You have not set up two-factor sign-in.")
    return _new_backup_codes(user)


def turn_off_two_factor(*, user: Any, code: str) -> None:
    """Turn two-factor sign-in off, once the person proves they still have a code."""
    # Outside remove_two_factor's transaction, so that a wrong code still counts.
    verify_code(user=user, code=code)
    remove_two_factor(user=user)


@transaction.atomic
def remove_two_factor(*, user: Any) -> int:
    """Remove every two-factor device of a person (who has lost their phone, say);
    return how many there were. They then sign in with their password alone."""
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_keys_of(user: Any) -> list[str]:
    """The keys of the person's live sessions, found by reading every live session.

    Slow on a large session table, but only deactivating someone (which is rare)
    asks for it.
    """
    store = _session_store()
    if not hasattr(store, "get_model_class"):
        logger.warning("Sessions are not in the database: cannot sign anyone out.")
        return []
    model = store.get_model_class()
    user_id = str(user.pk)
    rows = (
        model.objects.filter(expire_date__gt=timezone.now())
        .only("session_key", "session_data")
        .iterator()
    )
    return [
        row.session_key
        for row in rows
        if store().decode(row.session_data).get(SESSION_KEY) == user_id
    ]


def end_sessions(*, user: Any, keep: str | None = None) -> int:
    """End every session of the person but ``keep`` (the one they are using); return
    how many ended."""
    store = _session_store()
    keys = [key for key in session_keys_of(user) if key != keep]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


@transaction.atomic
def sign_out_everywhere(*, user: Any) -> int:
    """End every session of the person and revoke every OAuth token issued to them
    or to an API client whose account they are; return how many sessions ended."""
    ended = end_sessions(user=user)
    theirs = Q(user=user) | Q(application__user=user)
    for model in (
        get_refresh_token_model(),
        get_access_token_model(),
        get_grant_model(),
        get_id_token_model(),
    ):
        model.objects.filter(theirs).delete()
    return ended


@transaction.atomic
def sign_out_everywhere_asked(*, by: Any) -> int:
    """The person asked, on their account page, to be signed out everywhere: every
    session of theirs ends (other browsers and devices, and this one) and their
    OAuth tokens are revoked, as ``sign_out_everywhere``; the audit log records that
    they asked. Returns how many sessions ended."""
    ended = sign_out_everywhere(user=by)
    audit.record(
        by,
        AuditEvent.Action.SIGNED_OUT,
        {"sessions": [f"{ended} signed in", "signed out everywhere, as they asked"]},
    )
    return ended
