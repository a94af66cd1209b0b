"""What happens to a person's sessions as they sign in and as they are deactivated."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_init, post_save
from django_otp import user_has_device

from core.accounts import sessions
from core.accounts.selectors import two_factor_required
from core.accounts.services import sign_out_everywhere

# In the session of someone who has signed in with their password but still owes a
# two-factor code ("verify"), or must set two-factor sign-in up first ("set-up").
TWO_FACTOR_STATE = "two_factor"
VERIFY = "verify"
SET_UP = "set-up"


def _ask_for_second_factor(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Mark the new session as owing a code, so that pages cost no extra query for
    everyone else (the middleware only reads the session)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session.pop(TWO_FACTOR_STATE, None)
    if user_has_device(user):
        session[TWO_FACTOR_STATE] = VERIFY
    elif two_factor_required(user):
        session[TWO_FACTOR_STATE] = SET_UP


def second_factor_given_elsewhere(request: Any) -> None:
    """The person has just signed in through their organisation's identity provider,
    which says it asked them for a second factor (its ID token's ``amr`` or ``acr``
    claim): they owe this service no code of its own in this session."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(TWO_FACTOR_STATE, None)


def _remember_whether_active(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Read from __dict__: a user loaded without is_active must not cost a query here.
    instance._was_active = instance.__dict__.get("is_active")


def _sign_out_when_deactivated(
    sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """Deactivating someone (in the admin, a shell, anywhere that saves the user)
    ends all their sessions and revokes their OAuth tokens, in the save's
    transaction."""
    if update_fields is not None and "is_active" not in update_fields:
        return
    was_active = getattr(instance, "_was_active", None)
    instance._was_active = instance.is_active
    if created or instance.is_active or was_active is False:
        return
    sign_out_everywhere(user=instance)


def connect() -> None:
    user_model = get_user_model()
    user_logged_in.connect(_ask_for_second_factor, dispatch_uid="accounts-two-factor")
    user_logged_in.connect(
        sessions._stamp_on_sign_in, dispatch_uid="accounts-session-lifetime"
    )
    post_init.connect(
        _remember_whether_active, sender=user_model, dispatch_uid="accounts-was-active"
    )
    post_save.connect(
        _sign_out_when_deactivated,
        sender=user_model,
        dispatch_uid="accounts-deactivated",
    )
