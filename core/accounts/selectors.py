"""Reads about a person's account: who is offered two-factor sign-in, and who must
use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from core.actors import edits_anywhere


def two_factor_offered(user: Any) -> bool:
    """Administrators and editors of any organisation, and superusers, may turn on
    two-factor sign-in: they can change plans and who sees them."""
    if not getattr(user, "is_authenticated", False):
        return False
    return edits_anywhere(user)


def two_factor_required(user: Any) -> bool:
    """Whether this service makes two-factor sign-in compulsory for this person
    (``REQUIRE_TWO_FACTOR_FOR=editors``)."""
    return settings.REQUIRE_TWO_FACTOR_FOR == "editors" and two_factor_offered(user)


def _no_refusal(user: Any) -> str:
    return ""


_password_refusal: Callable[[Any], str] = _no_refusal


def provide_password_check(check: Callable[[Any], str]) -> None:
    """Say how to tell that someone's organisation signs them in with its own
    identity provider instead of a password (the plans app, at start-up: core imports
    no domain app). ``check(user)`` returns why, or an empty string."""
    global _password_refusal
    _password_refusal = check


def password_sign_in_refusal(user: Any) -> str:
    """Why this person may not sign in with their password, or an empty string.
    Superusers always may: they are the way back in if a provider fails."""
    if user is None or getattr(user, "is_superuser", False):
        return ""
    return _password_refusal(user)


def _none_offered() -> list[Any]:
    return []


_sign_in_options: Callable[[], list[Any]] = _none_offered


def provide_sign_in_options(options: Callable[[], list[Any]]) -> None:
    """Say what else the sign-in page offers beside a password: each organisation's
    identity provider (the plans app, at start-up). Each option has ``label``,
    ``organisation`` and ``url`` (where its button posts)."""
    global _sign_in_options
    _sign_in_options = options


def sign_in_options() -> list[Any]:
    """The buttons the sign-in page shows beside the password form."""
    return _sign_in_options()
