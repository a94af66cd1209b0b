"""Varying a plan: start a variation (the day it takes effect, why, the panel's
consultation), make the changes through the plan's own pages or API (each is
recorded in it as it is saved: ``plans.variations.capture``), then record it.

Forms validate and shape; the rules are here. Plan editors only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.actors import Writer
from plans.models import Plan, ReportingPeriod
from plans.permissions import edits_plan
from plans.variations.models import PlanVariation

#: The states of a plan in force: a draft changes freely, an archived one never.
IN_FORCE = (Plan.State.PUBLISHED, Plan.State.REFRESHED)


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def earliest_day(plan: Plan) -> datetime.date:
    """The first day a variation of ``plan`` may take effect: the day after the
    last locked period (its report is published or it was closed), else the plan's
    first day. A variation never reaches back into what the panel was shown."""
    locked = (
        ReportingPeriod.objects.filter(plan=plan, locked_at__isnull=False)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    if locked is None:
        return plan.starts_on
    return max(plan.starts_on, locked + datetime.timedelta(days=1))


def _checked(
    plan: Plan, by: Writer, takes_effect_on: datetime.date | None, reason: str
) -> dict[str, str]:
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors vary it.")
    errors: dict[str, str] = {}
    if plan.state not in IN_FORCE:
        errors["__all__"] = (
            "Only a plan in force is varied: a draft is changed as it is, and an "
            "archived plan no longer changes."
        )
    if not (reason or "").strip():
        errors["reason"] = "Enter why the plan is varied."
    if takes_effect_on is None:
        errors["takes_effect_on"] = "Enter the day the variation takes effect."
    else:
        first = earliest_day(plan)
        if takes_effect_on < first:
            errors["takes_effect_on"] = (
                f"A variation takes effect on or after {_day(first)}: the quarters "
                "before are locked and stay as the panel was shown them."
                if first > plan.starts_on
                else f"A variation takes effect on or after the plan's first day, "
                f"{_day(first)}."
            )
        elif takes_effect_on > plan.ends_on:
            errors["takes_effect_on"] = (
                "A variation takes effect by the plan's last day, "
                f"{_day(plan.ends_on)}."
            )
    return errors


@transaction.atomic
def start_variation(
    *,
    plan: Plan,
    by: Writer,
    takes_effect_on: datetime.date | None,
    reason: str,
    consultation: str = "",
) -> PlanVariation:
    """Start varying ``plan``: until it is recorded, changes to the plan's parts are
    recorded in it. One at a time per plan."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    errors = _checked(plan, by, takes_effect_on, reason)
    under_way = PlanVariation.objects.filter(
        plan=plan, state=PlanVariation.State.OPEN
    ).first()
    if under_way is not None:
        errors["__all__"] = (
            f"A variation taking effect on {_day(under_way.takes_effect_on)} is being "
            "made: record it first."
        )
    if errors:
        raise ValidationError(errors)
    assert takes_effect_on is not None
    return PlanVariation.objects.create(
        plan=plan,
        takes_effect_on=takes_effect_on,
        reason=reason.strip(),
        consultation=(consultation or "").strip(),
        started_by=by,
    )


@transaction.atomic
def change_variation(
    *,
    variation: PlanVariation,
    by: Writer,
    takes_effect_on: datetime.date | None,
    reason: str,
    consultation: str = "",
) -> PlanVariation:
    """Correct a variation being made: its day, reason or consultation."""
    variation = PlanVariation.objects.select_for_update().get(pk=variation.pk)
    errors = _checked(variation.plan, by, takes_effect_on, reason)
    if not variation.is_open:
        errors["__all__"] = "A recorded variation no longer changes."
    if errors:
        raise ValidationError(errors)
    assert takes_effect_on is not None
    variation.takes_effect_on = takes_effect_on
    variation.reason = reason.strip()
    variation.consultation = (consultation or "").strip()
    variation.save(update_fields=["takes_effect_on", "reason", "consultation"])
    return variation


@transaction.atomic
def record_variation(*, variation: PlanVariation, by: Writer) -> PlanVariation:
    """Record a variation: what it changed is settled, and changes made from now
    on are corrections (they apply to every quarter) until another is started."""
    variation = PlanVariation.objects.select_for_update().get(pk=variation.pk)
    if not edits_plan(by, variation.plan):
        raise PermissionDenied("Only the plan's editors vary it.")
    if not variation.is_open:
        raise ValidationError("This variation is already recorded.")
    if not variation.changes:
        raise ValidationError(
            "Nothing has been changed in this variation yet: change the plan's "
            "titles, priorities, objectives or indicators first, or discard it."
        )
    variation.state = PlanVariation.State.RECORDED
    variation.recorded_by = by
    variation.recorded_at = timezone.now()
    variation.save(update_fields=["state", "recorded_by", "recorded_at"])
    return variation


@transaction.atomic
def discard_variation(*, variation: PlanVariation, by: Writer) -> None:
    """Discard a variation being made that has changed nothing yet."""
    variation = PlanVariation.objects.select_for_update().get(pk=variation.pk)
    if not edits_plan(by, variation.plan):
        raise PermissionDenied("Only the plan's editors vary it.")
    if not variation.is_open or variation.changes:
        raise ValidationError(
            "Only a variation that has changed nothing yet is discarded; record this "
            "one."
        )
    variation.delete()


def described(variation: PlanVariation) -> list[dict[str, Any]]:
    """What a variation changed, for its page: an entry per part, in order, with
    the words to show."""
    words = {
        "plan": "Plan",
        "priority": "Priority",
        "objective": "Objective",
        "indicator": "Indicator",
    }
    done = {"changed": "Changed", "added": "Added", "removed": "Removed"}
    return [
        {
            "part": words.get(entry["part"], entry["part"]),
            "action": done.get(entry["action"], entry["action"]),
            "label": entry["label"],
            "words": entry.get("words", []),
        }
        for entry in variation.changes
    ]
