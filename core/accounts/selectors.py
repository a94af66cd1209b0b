"""Reads about a person's account: who is offered two-factor sign-in, and who must
use it."""

from __future__ import annotations

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
