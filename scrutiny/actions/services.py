"""Scrutiny actions' writes: recording and updating a panel's question or
recommendation, and the owning organisation's answer.

Forms validate and shape; every rule about state and dates is decided here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import Writer
from core.history import attribute_to
from plans.models import Plan
from plans.permissions import edits_plan
from plans.selectors import NOT_WORKED_WITH, owner_allowed, owner_stored
from scrutiny.models import ScrutinyAction


@transaction.atomic
def save_scrutiny_action(
    *,
    plan: Plan,
    by: Writer,
    action: ScrutinyAction | None = None,
    **fields: Any,
) -> ScrutinyAction:
    """Record (no ``action``) or update a panel's question or recommendation.

    The state decides the dates: answered or closed with a response, it is answered
    on the day given, else today; closed, it is closed on the day given, else today;
    open again, both dates are cleared. Answering or closing needs a response, and a
    response is due on or after the day it was raised. The owner is one the plan's
    body works with (``plans.selectors.works_with``), or the one already stored.
    Plan editors only."""
    if not edits_plan(by, plan):
        raise PermissionDenied("Only the plan's editors record scrutiny actions.")
    action = action or ScrutinyAction(plan=plan)
    stored_owner = owner_stored(ScrutinyAction, action)
    for name, value in fields.items():
        setattr(action, name, value)
    action.plan = plan
    errors: dict[str, str] = {}
    if not owner_allowed(plan, action.owner_id, stored=stored_owner):
        errors["owner"] = NOT_WORKED_WITH
    today = timezone.localdate()
    State = ScrutinyAction.State
    if action.state in {State.ANSWERED, State.CLOSED} and not action.response:
        errors["response"] = (
            "Enter the response to mark it answered."
            if action.state == State.ANSWERED
            else "Enter the response before closing it."
        )
    if action.raised_on and action.due_on and action.due_on < action.raised_on:
        errors["due_on"] = "The response due date must be on or after the date raised."
    if errors:
        raise ValidationError(errors)
    if action.state == State.OPEN:
        action.answered_on = None
        action.closed_on = None
    else:
        action.answered_on = action.answered_on or today
    if action.state == State.CLOSED:
        action.closed_on = action.closed_on or today
    attribute_to(action, by=by)
    action.save()
    return action


@transaction.atomic
def respond_to_action(
    *, action: ScrutinyAction, by: Writer, response: str
) -> ScrutinyAction:
    """The owning organisation's answer to an open action: it becomes answered,
    today unless it already had a date."""
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Enter your response."})
    action = ScrutinyAction.objects.select_for_update().get(pk=action.pk)
    if action.state != ScrutinyAction.State.OPEN:
        raise ValidationError({"response": "This action has already been answered."})
    action.response = response
    action.state = ScrutinyAction.State.ANSWERED
    action.answered_on = action.answered_on or timezone.localdate()
    attribute_to(action, by=by)
    action.save()
    return action
