"""One rule for what is internal to a plan's bodies, defined once.

Internal to a plan's bodies
    On any plan, public or not: progress updates waiting for review, updates
    returned to their authors, the review comments on any update, evidence not
    marked public, and commentary drafts. These are seen only by

    - the members of the organisation that owns the plan (the body that reviews
      updates and writes the commentary),
    - the organisation that recorded the update: the organisations its author
      belongs to (an API client's service account is a member of its organisation,
      so the client sees what it pushed), and
    - superusers.

    Everyone else, signed in or not, whatever other part they take in the plan,
    sees only updates that count as made (``rules.counts_as_made``) and published
    material. Commentary drafts are narrower still: only the plan's editors (and
    the owning body's API clients) read them (``plans.permissions.writes_commentary``);
    anyone else reads the commentary a published report carries.

The rule is a database condition on a progress update (``update_shown_to``, with a
``prefix`` to reach the update from a row that belongs to one, such as
``"update__"`` from evidence), so that every page, export, dashboard and API answer
filters by it in the query it already makes; ``shows_internal`` answers it for one
update in memory (a single API answer). The querysets chain it:
``ProgressUpdate.objects.visible_to(actor)`` and ``.seen_by(actor)``, and
``Attachment.objects.visible_to(actor)``. Webhooks ask
``organisations_seeing_internal``: an update waiting for review, or returned, is
told to those organisations' endpoints alone.

Evidence marked public on an update that counts is not internal: the organisations
taking part in the work see it, and anyone once a public plan's report is published
(``AttachmentQuerySet.published``).

Pure: reads no model at import time (``deliverables.models`` imports it through the
querysets) and reaches the one model it needs through the app registry.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from core.actors import organisation_ids_of, sees_everything
from deliverables import rules


def internal_to(org_ids: Collection[int], prefix: str = "") -> Q:
    """Progress updates whose internal material these organisations may see: those
    on plans they own, and those recorded by one of their members. ``prefix``
    reaches the update from a row that belongs to one, such as ``"update__"``."""
    if not org_ids:
        return Q(pk__in=[])
    membership: Any = apps.get_model("plans", "Membership")
    # EXISTS on the author's memberships (one probe of the unique index on user and
    # organisation), not a join that would repeat the update once per membership.
    recorder = Exists(
        membership._default_manager.filter(
            user_id=OuterRef(f"{prefix}recorded_by_id"),
            organisation_id__in=list(org_ids),
        )
    )
    return Q(**{f"{prefix}deliverable__plan__owner_id__in": list(org_ids)}) | Q(
        recorder
    )


def update_shown_to(org_ids: Collection[int], prefix: str = "") -> Q:
    """Progress updates members of these organisations may read at all: every one
    that counts as made, and the others (waiting or returned) when the update is
    internal to them (``internal_to``). With no organisations (signed out), only
    those that count as made."""
    shown = rules.counts_as_made(prefix)
    if org_ids:
        shown |= internal_to(org_ids, prefix)
    return shown


def organisations_seeing_internal(update: Any) -> set[int]:
    """The organisations an update's internal material is for (a webhook's
    ``update.recorded`` while it waits, ``update.returned``): the plan's owner and
    the organisations of the person or API client who recorded it."""
    return {update.deliverable.plan.owner_id, *organisation_ids_of(update.recorded_by)}


def shows_internal(actor: Any, update: Any) -> bool:
    """``internal_to`` for one update in memory: the actor is a superuser, a member
    of the plan's owning organisation, or shares an organisation with the update's
    author (the author included)."""
    if sees_everything(actor):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    mine = set(organisation_ids_of(actor))
    if update.deliverable.plan.owner_id in mine:
        return True
    if update.recorded_by_id == actor.pk:
        return True
    return bool(mine & set(organisation_ids_of(update.recorded_by)))
