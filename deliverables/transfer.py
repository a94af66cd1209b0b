"""The deliverables' part of a body's transfer to its successor
(``plans.succession``): deliverables it leads, the owners it names, and its saved
import layouts. Registered in ``DeliverablesConfig.ready``.

Nothing is deleted: each row changes organisation, its history naming who made the
transfer, and its progress updates stay with it, so a merged force's deliverables
keep their whole history under the successor.
"""

from __future__ import annotations

from typing import Any

from core.history import attribute_to
from deliverables.models import Deliverable, DeliverableOwner, ImportMapping


def transfer_deliverables(
    from_body: Any, to_body: Any, *, by: Any, dry_run: bool
) -> dict[str, Any]:
    """Move (or count) what the body leads and owns; return the counts."""
    reason = f"Transferred from {from_body} to its successor {to_body}"
    led = list(Deliverable.objects.filter(lead_organisation=from_body).order_by("pk"))
    owners = list(DeliverableOwner.objects.filter(organisation=from_body))
    # An owner is one role per deliverable (a database rule), so the successor can
    # never already hold the same role on it: every owner simply changes body.
    layouts = set(
        ImportMapping.objects.filter(organisation=to_body).values_list(
            "signature", flat=True
        )
    )
    mappings = list(ImportMapping.objects.filter(organisation=from_body))
    kept = [m for m in mappings if m.signature in layouts]
    if not dry_run:
        for deliverable in led:
            deliverable.lead_organisation = to_body
            attribute_to(deliverable, by=by, reason=reason)
            deliverable.save()
        for owner in owners:
            owner.organisation = to_body
            attribute_to(owner, by=by, reason=reason)
            owner.save()
        for mapping in mappings:
            if mapping.signature not in layouts:
                mapping.organisation = to_body
                mapping.save()
    return {
        "deliverables_led": len(led),
        "deliverable_owners": len(owners),
        # The successor's own layout for the same header row wins; the old one
        # stays with the old body.
        "import_layouts": len(mappings) - len(kept),
        "import_layouts_kept": len(kept),
    }
