"""Decision notices' writes. Forms validate and shape; every rule is decided here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.actors import Writer
from core.history import attribute_to
from plans.models import Plan
from plans.permissions import edits_plan
from scrutiny.models import DecisionNotice


@transaction.atomic
def save_decision_notice(
    *,
    plan: Plan,
    by: Writer,
    notice: DecisionNotice | None = None,
    deliverables: Any = (),
    **fields: Any,
) -> DecisionNotice:
    """Record (no ``notice``) or change a decision notice of ``plan``'s owning body,
    with the deliverables it funds or changes. Plan editors only; a reference is
    unique within the body."""
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors record decision notices.")
    notice = notice or DecisionNotice(plan=plan, decided_by=plan.owner)
    for name, value in fields.items():
        setattr(notice, name, value)
    notice.plan, notice.decided_by = plan, plan.owner
    taken = DecisionNotice.objects.filter(
        decided_by=notice.decided_by, reference=notice.reference
    ).exclude(pk=notice.pk)
    if taken.exists():
        raise ValidationError(
            {"reference": "A decision notice already has this reference."}
        )
    if any(d.plan_id != plan.pk for d in deliverables):
        raise ValidationError({"deliverables": "Choose deliverables of this plan."})
    attribute_to(notice, by=by)
    notice.full_clean(exclude=["deliverables"])
    notice.save()
    notice.deliverables.set(deliverables)
    return notice
