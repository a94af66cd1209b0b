"""Naming who made a change, for the change history (django-simple-history)."""

from __future__ import annotations

from django.db.models import Model

from core.actors import Writer


def attribute_to[M: Model](instance: M, *, by: Writer | None, reason: str = "") -> M:
    """Name who is making the next change to ``instance``, for its history row.

    simple-history reads these attributes when the instance is next saved or deleted;
    outside a web request nothing else tells it who acted.
    """
    setattr(instance, "_history_user", by)  # noqa: B010 - private to simple-history
    if reason:
        setattr(instance, "_change_reason", reason)  # noqa: B010
    return instance
