"""Decision notices' writes. Forms validate and shape; every rule is decided here."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.actors import Writer
from core.history import attribute_to
from plans.models import Organisation, Plan
from plans.permissions import edits_plan
from scrutiny.models import DecisionNotice

#: The scheme of a reference the tracker gives: the year of the decision and the
#: body's next number that year, such as DN-2017-004.
GENERATED_PREFIX = "DN"


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
    unique within the body.

    A blank ``reference`` asks the tracker for one (``next_reference``), marked as
    generated; a notice that already has a generated one keeps it while its year
    stands. Any other reference is the body's own and clears the mark. Left out,
    the reference is unchanged. With ``approved_on_precision`` ``"month"`` only the
    month of ``approved_on`` counts: it is kept as the month's first day."""
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors record decision notices.")
    notice = notice or DecisionNotice(plan=plan, decided_by=plan.owner)
    # As stored: a form may already have put what was typed on the instance.
    stored = (
        DecisionNotice.objects.filter(pk=notice.pk)
        .values("reference", "reference_generated")
        .first()
        if notice.pk
        else None
    )
    kept = stored["reference"] if stored and stored["reference_generated"] else ""
    if "reference" in fields:
        given = fields.pop("reference")
    else:
        given = stored["reference"] if stored else notice.reference
    given = (given or "").strip()
    for name, value in fields.items():
        setattr(notice, name, value)
    notice.plan, notice.decided_by = plan, plan.owner
    if notice.approved_on is None:
        raise ValidationError({"approved_on": "Enter the date approved."})
    if given and given != kept:
        notice.reference, notice.reference_generated = given, False
    else:
        year = notice.approved_on.year
        if kept and _number(kept, year) is not None:
            notice.reference = kept
        else:
            # No reference yet, or the tracker's names another year.
            notice.reference = next_reference(
                body=notice.decided_by, year=year, besides=notice
            )
        notice.reference_generated = True
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


def next_reference(
    *, body: Organisation, year: int, besides: DecisionNotice | None = None
) -> str:
    """The next reference in the tracker's scheme for ``body``'s decisions of
    ``year``: ``DN-<year>-<number>``, one more than the highest number that body
    already has that year (given by the tracker or by the body in the same scheme),
    from 001. The body's row is locked until the transaction ends, so two notices
    saved at once never take the same number."""
    Organisation.objects.select_for_update().filter(pk=body.pk).first()
    same_year = DecisionNotice.objects.filter(
        decided_by=body, reference__startswith=f"{GENERATED_PREFIX}-{year}-"
    )
    if besides is not None and besides.pk:
        same_year = same_year.exclude(pk=besides.pk)
    numbers = [
        number
        for reference in same_year.values_list("reference", flat=True)
        if (number := _number(reference, year)) is not None
    ]
    return f"{GENERATED_PREFIX}-{year}-{max(numbers, default=0) + 1:03d}"


def _number(reference: str, year: int) -> int | None:
    """The number of a reference in the tracker's scheme for ``year``, or None."""
    found = re.fullmatch(rf"{GENERATED_PREFIX}-{year}-(\d+)", reference)
    return int(found.group(1)) if found else None
