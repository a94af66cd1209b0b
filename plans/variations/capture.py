"""What a variation records: each change to a plan's parts saved while the
variation is being made, with the values before and after.

An entry is a plain dict::

    {"part": "priority", "id": 7, "action": "changed",     # or "added", "removed"
     "label": "3.1 Keep people safe",
     "values": {"title": ["Keep people safe", "Keeping people safe"]},
     "words": [{"field": "Title", "before": "...", "after": "..."}],
     "row": {...}}                                           # "removed": the row

``values`` holds the stored values (ids for a parent or priority), which
``plans.variations.structure`` undoes; ``words`` holds what the variations page
shows, written when the change is made so later renames do not rewrite it.
"""

from __future__ import annotations

from typing import Any

from plans.variations.models import PlanVariation

#: The fields of each part a variation tracks, with the words the page uses.
TRACKED: dict[str, dict[str, str]] = {
    "plan": {"title": "Title", "reference": "Reference", "summary": "Summary"},
    "priority": {
        "reference": "Reference",
        "title": "Title",
        "overview": "Overview",
        "success_statement": "Success statement",
        "parent_id": "Under",
        "position": "Order",
    },
    "objective": {
        "reference": "Reference",
        "title": "Title",
        "description": "Description",
        "priority_id": "Priority",
        "position": "Order",
    },
}


def part_name(part: Any) -> str:
    return part._meta.model_name


def open_variation(plan_id: int | None, *, lock: bool = False) -> PlanVariation | None:
    """The variation being made of this plan, if any (locked for the write under
    way when ``lock``)."""
    if plan_id is None:
        return None
    found = PlanVariation.objects.filter(
        plan_id=plan_id, state=PlanVariation.State.OPEN
    )
    if lock:
        found = found.select_for_update()
    return found.first()


def stored(part: Any) -> dict[str, Any] | None:
    """The tracked fields of ``part`` as stored (None for a new part)."""
    if part.pk is None:
        return None
    fields = list(TRACKED[part_name(part)])
    return type(part)._default_manager.filter(pk=part.pk).values(*fields).first()


def _label(part: Any) -> str:
    if part_name(part) == "plan":
        return part.title
    return f"{part.reference} {part.title}".strip()


def _shown(name: str, value: Any, model: Any) -> str:
    """A value as the page shows it: a parent or priority by its reference."""
    if value in (None, ""):
        return "top level" if name == "parent_id" else ""
    if name in ("parent_id", "priority_id"):
        target = (
            model
            if name == "parent_id"
            else model._meta.get_field("priority").related_model
        )
        found = target._default_manager.filter(pk=value).first()
        return _label(found) if found is not None else f"#{value}"
    return str(value)


def _append(variation: PlanVariation, entry: dict[str, Any]) -> None:
    variation.changes = [*variation.changes, entry]
    variation.save(update_fields=["changes"])


def note_change(variation: PlanVariation, part: Any, before: dict[str, Any]) -> bool:
    """Record in ``variation`` what saving ``part`` changes from ``before``;
    False (nothing recorded) when no tracked field changes."""
    model = type(part)
    values = {}
    words = []
    for name, word in TRACKED[part_name(part)].items():
        old, new = before[name], getattr(part, name)
        if (old or "") == (new or "") and old == new:
            continue
        values[name] = [old, new]
        words.append(
            {
                "field": word,
                "before": _shown(name, old, model),
                "after": _shown(name, new, model),
            }
        )
    if not values:
        return False
    _append(
        variation,
        {
            "part": part_name(part),
            "id": part.pk,
            "action": "changed",
            "label": _label(part),
            "values": values,
            "words": words,
        },
    )
    return True


def note_added(variation: PlanVariation, part: Any) -> None:
    _append(
        variation,
        {
            "part": part_name(part),
            "id": part.pk,
            "action": "added",
            "label": _label(part),
            "values": {},
            "words": [],
        },
    )


def note_removed(variation: PlanVariation, part: Any) -> None:
    row = stored(part) or {}
    _append(
        variation,
        {
            "part": part_name(part),
            "id": part.pk,
            "action": "removed",
            "label": _label(part),
            "values": {},
            "words": [],
            "row": row,
        },
    )


def note_indicator(variation: PlanVariation, indicator: Any, changes: dict) -> None:
    """An indicator's definition changed (its ``IndicatorChange`` keeps what each
    quarter is compared with; the variation lists it)."""
    _append(
        variation,
        {
            "part": "indicator",
            "id": indicator.pk,
            "action": "changed",
            "label": indicator.title,
            "values": {},
            "words": [
                {
                    "field": name.replace("_", " ").capitalize(),
                    "before": old,
                    "after": new,
                }
                for name, (old, new) in changes.items()
            ],
        },
    )
