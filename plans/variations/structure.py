"""The plan as it stood on a day: today's plan with the changes of every variation
that took effect after that day undone, newest first.

A variation taking effect on 1 October belongs to the quarters that end on or after
1 October; the quarter to 30 September is shown as the plan stood before it. A plan
with no variations reads no more than before: one query says there are none.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from plans.variations.models import PlanVariation


def variations_of(plan_ids: Iterable[int]) -> dict[int, list[PlanVariation]]:
    """Each plan's variations, newest first (one query)."""
    found: dict[int, list[PlanVariation]] = defaultdict(list)
    for variation in PlanVariation.objects.filter(plan_id__in=set(plan_ids)).order_by(
        "-takes_effect_on", "-started_at", "-pk"
    ):
        found[variation.plan_id].append(variation)
    return found


def undone(
    rows: dict[Any, dict[str, Any]],
    part: str,
    variations: list[PlanVariation],
    day: datetime.date,
) -> dict[Any, dict[str, Any]]:
    """``rows`` (a part's rows by id, as stored today) as they stood on ``day``: a
    copy, with the changes of the variations (newest first) that took effect after
    ``day`` undone. A part added by such a variation is left out; one removed by it
    is put back."""
    later = [v for v in variations if v.takes_effect_on > day]
    if not later:
        return rows
    rows = copy.deepcopy(rows)
    for variation in later:
        for entry in reversed(variation.changes):
            if entry.get("part") != part:
                continue
            pk = entry["id"]
            if entry["action"] == "added":
                rows.pop(pk, None)
            elif entry["action"] == "removed":
                rows[pk] = dict(entry.get("row") or {}) | {"pk": pk, "removed": True}
            elif pk in rows:
                for name, (before, _after) in entry["values"].items():
                    rows[pk][name] = before
    return rows


def plan_as_at(plan: Any, day: datetime.date, variations: list[PlanVariation]) -> dict:
    """The plan's title, reference and summary as they stood on ``day``."""
    now = {
        plan.pk: {
            "title": plan.title,
            "reference": plan.reference,
            "summary": plan.summary,
        }
    }
    return undone(now, "plan", variations, day)[plan.pk]


def priorities_as_at(
    priorities: Iterable[Any], day: datetime.date, variations: list[PlanVariation]
) -> list[Any]:
    """The plan's priorities (model instances, as read) as they stood on ``day``, in
    the plan's order: changed ones carry their old values, removed ones come back
    as unsaved copies, added ones are left out."""
    priorities = list(priorities)
    if not any(v.takes_effect_on > day for v in variations):
        return priorities
    if not priorities:
        return []
    model = type(priorities[0])
    by_id = {p.pk: p for p in priorities}
    fields = (
        "parent_id",
        "reference",
        "title",
        "overview",
        "success_statement",
        "position",
    )
    rows = {p.pk: {name: getattr(p, name, None) for name in fields} for p in priorities}
    then = undone(rows, "priority", variations, day)
    shown = []
    for pk, row in then.items():
        if pk in by_id:
            instance = copy.copy(by_id[pk])
        else:
            instance = model(pk=pk)
        for name in fields:
            if name in row:
                setattr(instance, name, row[name])
        shown.append(instance)
    return sorted(shown, key=lambda p: (p.position, p.reference, p.pk))


def priority_as_at(
    objective: Any, day: datetime.date, variations: list[PlanVariation]
) -> Any:
    """The priority ``objective`` stood under on ``day`` (as it stood then)."""
    if not any(v.takes_effect_on > day for v in variations):
        return objective.priority
    placed = undone(
        {objective.pk: {"priority_id": objective.priority_id}},
        "objective",
        variations,
        day,
    )
    then = placed.get(objective.pk, {}).get("priority_id")
    model = type(objective.priority)
    priorities = priorities_as_at(
        model._default_manager.filter(plan_id=objective.plan_id), day, variations
    )
    return next((p for p in priorities if p.pk == then), None)
