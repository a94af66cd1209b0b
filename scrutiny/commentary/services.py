"""Writing a quarter's commentary. Forms validate and shape; the rules are here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import Writer
from plans.models import Plan, Priority, ReportingPeriod
from plans.permissions import writes_commentary
from scrutiny.models import Commentary

Kind = Commentary.Kind


def field_name(kind: str, priority: Priority | int | None = None) -> str:
    """The form field (and error key) of one piece of commentary."""
    if priority is None:
        return kind
    return f"priority_{priority if isinstance(priority, int) else priority.pk}"


@transaction.atomic
def save_commentary(
    *,
    plan: Plan,
    period: ReportingPeriod,
    by: Writer,
    texts: dict[tuple[str, int | None], str],
) -> list[str]:
    """Set the commentary of ``plan`` for ``period``: ``texts`` maps (kind, top-level
    priority id or None) to its text; an empty text removes it. Returns the names of
    what changed, such as ``["Executive summary"]``.

    Plan editors (and the owning body's API clients) only, and only while the
    period takes changes: a period whose report is published is locked, and must be
    reopened (with a reason) for a correction.
    Every text is checked before any is written, so a refusal writes nothing.
    """
    if not writes_commentary(by, plan):
        raise PermissionDenied(
            "Only the plan's editors (and its body's own API clients) write its "
            "commentary."
        )
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk, plan=plan)
    if period.is_locked:
        raise ValidationError(
            {
                Kind.SUMMARY.value: (
                    f"{period.label} is locked: its report is published. Reopen the "
                    "period to correct its commentary, then publish a correction."
                )
            }
        )
    tops = {
        p.pk: p
        for p in Priority.objects.filter(plan=plan, parent__isnull=True).only(
            "pk", "reference", "title"
        )
    }
    errors: dict[str, str] = {}
    cleaned: dict[tuple[str, int | None], str] = {}
    for (kind, priority_id), text in texts.items():
        text = (text or "").strip()
        name = field_name(kind, priority_id)
        if kind not in Kind.values or (kind == Kind.PRIORITY) != (
            priority_id is not None
        ):
            errors[name] = "This is not a kind of commentary the plan takes."
            continue
        if priority_id is not None and priority_id not in tops:
            errors[name] = "Choose a top-level priority of this plan."
            continue
        limit = Commentary.LIMITS[Kind(kind)]
        if len(text) > limit:
            errors[name] = (
                f"Keep it to {limit:,} characters or fewer: it has {len(text):,}."
            )
            continue
        cleaned[(kind, priority_id)] = text
    if errors:
        raise ValidationError(errors)

    stored = {
        (c.kind, c.priority_id): c
        # Unordered: the model's ordering joins the (nullable) priority, and
        # PostgreSQL locks no row on the nullable side of an outer join.
        for c in Commentary.objects.select_for_update().filter(period=period).order_by()
    }
    changed = []
    now = timezone.now()
    for (kind, priority_id), text in cleaned.items():
        current = stored.get((kind, priority_id))
        if (current.text if current else "") == text:
            continue
        label = (
            f"Narrative for {tops[priority_id].reference} {tops[priority_id].title}"
            if priority_id is not None
            else Kind(kind).label
        )
        changed.append(label)
        if not text:
            assert current is not None
            current.delete()
        elif current is None:
            Commentary.objects.create(
                plan=plan,
                period=period,
                kind=kind,
                priority_id=priority_id,
                text=text,
                updated_by=by,
                updated_at=now,
            )
        else:
            current.text, current.updated_by, current.updated_at = text, by, now
            current.save(update_fields=["text", "updated_by", "updated_at"])
    return changed
