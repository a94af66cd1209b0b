"""Who is acting, as the platform sees them: a person or an API client's service
account, and their role in each organisation they belong to.

The platform needs roles (the audit log names the organisations an actor acted for,
two-factor sign-in is asked of editors, the menu offers editors' pages) but
memberships belong to the plans app. So plans tells the platform how to read them,
once, at start-up (``PlansConfig.ready`` calls ``provide``): core imports no domain
app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

    #: Whoever makes a request or runs a command: a person, an API client's service
    #: account, or nobody signed in. What reads and permission checks take.
    Actor = AbstractBaseUser | AnonymousUser
    #: Whom a write is recorded against (``by``): a person or an API client's service
    #: account, signed in.
    Writer = User
else:
    Actor = Any
    Writer = Any

ADMIN = "admin"
EDITOR = "editor"
CONTRIBUTOR = "contributor"
READER = "reader"
#: Roles that edit their organisation's plans (and so are asked for two-factor codes).
EDITING = (ADMIN, EDITOR)
#: Roles that may record progress for their organisation.
WRITING = (ADMIN, EDITOR, CONTRIBUTOR)


def _nobody(actor: Actor) -> Mapping[int, str]:
    return {}


_roles_of: Callable[[Any], Mapping[int, str]] = _nobody


def provide(*, roles_of: Callable[[Any], Mapping[int, str]]) -> None:
    """Say how to read an actor's roles (the plans app, at start-up)."""
    global _roles_of
    _roles_of = roles_of


def roles_of(actor: Actor | None) -> Mapping[int, str]:
    """The actor's role in each of their organisations, by organisation id; empty
    when signed out."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    return _roles_of(actor)


def organisation_ids_of(actor: Actor | None) -> list[int]:
    """The ids of the organisations the actor is a member of (empty when signed out)."""
    return list(roles_of(actor))


def sees_everything(actor: Actor | None) -> bool:
    """Superusers, while their account is active, see every organisation's data."""
    return bool(
        getattr(actor, "is_superuser", False) and getattr(actor, "is_active", 0)
    )


def edits_anywhere(actor: Actor | None) -> bool:
    """Superusers, and editors or administrators of any organisation."""
    if getattr(actor, "is_superuser", False):
        return True
    return any(role in EDITING for role in roles_of(actor).values())


def administers_anywhere(actor: Actor | None) -> bool:
    """Superusers, and administrators of any organisation."""
    if getattr(actor, "is_superuser", False):
        return True
    return ADMIN in roles_of(actor).values()
