"""Writes that span plan-level rows. Each is one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.formats import date_format
from django.utils.text import slugify
from oauth2_provider.models import Application

from core.actors import Writer
from core.history import attribute_to
from plans.measures import DEFINITION_FIELDS, as_text, national_measures
from plans.models import (
    ApiClient,
    Indicator,
    IndicatorChange,
    IndicatorDefinition,
    IndicatorValue,
    Membership,
    Objective,
    PeriodEvent,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.permissions import edits_plan
from plans.variations import capture as variations
from plans.webhooks import services as webhooks
from plans.webhooks.events import period_data
from plans.webhooks.models import Event


def _quarter_starts(
    starts_on: datetime.date, ends_on: datetime.date, first_month: int = 1
) -> Iterator[tuple[datetime.date, datetime.date, str]]:
    """Quarters overlapping the plan, clipped to it.

    With ``first_month`` 1 they are calendar quarters ("Q1 2017" is January to March);
    with 4 they follow a financial year from April ("Q1 2017/18" is April to June).
    """
    offset = first_month - 1
    shifted = (starts_on.month - 1 - offset) % 12
    month = ((starts_on.month - 1 - shifted % 3) % 12) + 1
    year = starts_on.year if month <= starts_on.month else starts_on.year - 1
    while datetime.date(year, month, 1) <= ends_on:
        first = datetime.date(year, month, 1)
        next_year, next_month = (
            (year + 1, month - 9) if month > 9 else (year, month + 3)
        )
        last = datetime.date(next_year, next_month, 1) - datetime.timedelta(days=1)
        number = ((month - first_month) % 12) // 3 + 1
        if first_month == 1:
            label = f"Q{number} {year}"
        else:
            fy = year if month >= first_month else year - 1
            label = f"Q{number} {fy}/{(fy + 1) % 100:02d}"
        yield (max(first, starts_on), min(last, ends_on), label)
        year, month = next_year, next_month


@transaction.atomic
def ensure_quarterly_periods(*, plan: Plan) -> list[ReportingPeriod]:
    """Give the plan a reporting period for each quarter it spans, following its
    reporting year (calendar, or financial from April).

    Existing periods are kept as they are, so calling this again changes nothing.
    """
    periods = []
    for starts_on, ends_on, label in _quarter_starts(
        plan.starts_on, plan.ends_on, plan.year_starts_month
    ):
        period, _ = ReportingPeriod.objects.get_or_create(
            plan=plan,
            starts_on=starts_on,
            defaults={"ends_on": ends_on, "label": label},
        )
        periods.append(period)
    return periods


@transaction.atomic
def change_period_dates(
    *,
    period: ReportingPeriod,
    by: Writer,
    reason: str,
    opens_on: datetime.date,
    due_on: datetime.date,
    closes_on: datetime.date,
) -> ReportingPeriod:
    """Move a period's opening, due and closing dates, with the reason recorded.

    Plan editors only. A locked period keeps its lock: reopen it to take updates.
    """
    period = _period_to_edit(period, by, "Only the plan's editors change its periods.")
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why the dates are changing."
    if due_on < opens_on:
        errors["due_on"] = "The due date must be on or after the day it opens."
    if closes_on < due_on:
        errors["closes_on"] = "The closing date must be on or after the due date."
    if errors:
        raise ValidationError(errors)
    before = (period.opens_on, period.due_on, period.closes_on)
    if before == (opens_on, due_on, closes_on):
        raise ValidationError({"opens_on": "Change at least one of the dates."})
    return _change_period(
        period,
        PeriodEvent.Kind.REDATED,
        by=by,
        reason=reason,
        opens_on=opens_on,
        due_on=due_on,
        closes_on=closes_on,
    )


def _period_to_edit(
    period: ReportingPeriod, by: Writer, refusal: str
) -> ReportingPeriod:
    """The period, locked for this transaction, if ``by`` edits its plan."""
    period = (
        ReportingPeriod.objects.select_for_update()
        .select_related("plan")
        .get(pk=period.pk)
    )
    if not edits_plan(by, period.plan):
        raise PermissionDenied(refusal)
    return period


def _change_period(
    period: ReportingPeriod,
    kind: str,
    *,
    by: Writer,
    reason: str,
    at: datetime.datetime | None = None,
    **values: Any,
) -> ReportingPeriod:
    """Save ``values`` on the period and record the change, who made it and why, as
    one event of ``kind`` in its history."""
    for name, value in values.items():
        setattr(period, name, value)
    period.save(update_fields=list(values))
    PeriodEvent.objects.create(
        period=period,
        kind=kind,
        reason=reason,
        by=by,
        at=at or timezone.now(),
        closes_on=values.get("closes_on"),
    )
    return period


@transaction.atomic
def issue_api_client(
    *, organisation: Any, name: str, scopes: list[str], by: Writer
) -> tuple[Any, str]:
    """Create an organisation's API client; return it with its secret, shown only once.

    The secret is stored hashed. The client acts through a service account that is a
    contributor of its organisation and cannot sign in to the browser.
    """
    unknown = set(scopes) - set(ApiClient.Scope.values)
    if not scopes or unknown:
        raise ValidationError(
            {"scopes": "Choose one or more of read, updates:write and plans:write."}
        )
    if ApiClient.objects.filter(organisation=organisation, name=name).exists():
        raise ValidationError(
            {"name": "This organisation already has a client of that name."}
        )
    User = get_user_model()
    service_user = User(
        username=f"api-{get_random_string(12).lower()}",
        first_name=name[:150],
        last_name=f"(API client of {organisation.short_name or organisation.name})"[
            :150
        ],
    )
    service_user.set_unusable_password()
    service_user.save()
    Membership.objects.create(
        user=service_user, organisation=organisation, role=Membership.Role.CONTRIBUTOR
    )
    secret = get_random_string(48)
    application = Application.objects.create(
        name=f"{organisation.name}: {name}"[:255],
        user=service_user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client = ApiClient(
        organisation=organisation,
        name=name,
        scopes=sorted(set(scopes)),
        application=application,
        service_user=service_user,
        created_by=by,
    )
    attribute_to(client, by=by)
    client.save()
    return client, secret


@transaction.atomic
def revoke_api_client(*, client: Any, by: Writer) -> Any:
    """Revoke a client: its tokens stop working at once and it can get no new ones.

    The record stays, so the updates it pushed still name it.
    """
    if client.revoked_at is not None:
        return client
    application = client.application
    client.application = None
    client.revoked_at = timezone.now()
    client.revoked_by = by
    attribute_to(client, by=by, reason="Revoked")
    client.save()
    if application is not None:
        application.delete()  # takes its access tokens with it
    return client


#: The rule of an indicator's figure, in the words every door shows: a number, or
#: withheld with a reason, never both and never neither (the model's check
#: constraint stands behind it).
FIGURE_OR_WITHHELD = "Enter the figure, or withhold it and say why"
WITHHELD_NEEDS_REASON = "Say why the figure is withheld"
WITHHELD_HAS_NO_FIGURE = "Leave the figure blank when it is withheld"


@dataclass(frozen=True)
class Figure:
    """One period's figure for an indicator, as a person or a feed gives it: a
    ``value``, or withheld (``withheld``, or any ``withheld_reason``) with the reason;
    either may carry a data-quality ``note``."""

    period: ReportingPeriod
    value: Decimal | int | None = None
    withheld_reason: str = ""
    note: str = ""
    withheld: bool = False


class FiguresRefused(ValidationError):
    """Some figures were refused, so none was recorded.

    ``errors`` maps each refused figure's position to its fields' messages. As a
    ``ValidationError`` it carries the first refused figure's fields, which is all a
    caller recording one figure needs."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        self.errors = errors
        super().__init__(errors[min(errors)])


def _figure_problems(
    figure: Figure, value: Decimal | None, reason: str
) -> dict[str, list[str]]:
    # A reason of only spaces still says the figure is meant to be withheld.
    if figure.withheld or figure.withheld_reason:
        if value is not None:
            return {"value": [WITHHELD_HAS_NO_FIGURE]}
        if not reason:
            return {"withheld_reason": [WITHHELD_NEEDS_REASON]}
        return {}
    if value is None:
        return {"value": [FIGURE_OR_WITHHELD]}
    return {}


@transaction.atomic
def record_indicator_values(
    *, indicator: Any, figures: Sequence[Figure], by: Writer
) -> list[IndicatorValue]:
    """Record (or correct) an indicator's figures for some of its plan's periods:
    all or none. History keeps the figures they replace.

    Every figure is checked before anything is written, and ``FiguresRefused`` lists
    every refused one's problems: a figure is a number or withheld with a reason,
    for a period of the indicator's plan that is not locked. A figure the same as the
    one stored (number, reason and note) writes nothing, so a page that sends back
    every period, locked ones included, changes only what the person changed.

    Returns each figure's stored value, in order.
    """
    periods = {
        p.pk: p
        for p in ReportingPeriod.objects.select_for_update()
        .filter(plan_id=indicator.plan_id, pk__in=[f.period.pk for f in figures])
        .order_by("pk")  # a fixed order, so two writers cannot deadlock
    }
    stored = {
        v.period_id: v
        for v in IndicatorValue.objects.select_for_update().filter(
            indicator=indicator, period_id__in=list(periods)
        )
    }
    errors: dict[int, dict[str, list[str]]] = {}
    shaped: list[tuple[ReportingPeriod, Decimal | None, str, str, bool]] = []
    for index, figure in enumerate(figures):
        value = None if figure.value is None else Decimal(str(figure.value))
        reason = (figure.withheld_reason or "").strip()
        note = (figure.note or "").strip()
        problems = _figure_problems(figure, value, reason)
        period = periods.get(figure.period.pk)
        current = stored.get(period.pk) if period else None
        unchanged = current is not None and (
            current.value,
            current.withheld_reason.strip(),
            current.note.strip(),
        ) == (value, reason, note)
        if period is None:
            problems["period"] = ["Choose a reporting period of the indicator's plan."]
        elif period.is_locked and not unchanged:
            problems["period"] = [period.locked_message()]
        if problems:
            errors[index] = problems
        elif period is not None:
            shaped.append((period, value, reason, note, unchanged))
    if errors:
        raise FiguresRefused(errors)
    recorded = []
    for period, value, reason, note, unchanged in shaped:
        row = stored.get(period.pk)
        if row is not None and unchanged:
            recorded.append(row)  # as stored: nothing to write
            continue
        if row is None:
            row = IndicatorValue(indicator=indicator, period=period)
        row.value = value
        row.withheld_reason = reason
        row.note = note
        row.recorded_by = by
        attribute_to(row, by=by)
        row.save()
        stored[period.pk] = row
        recorded.append(row)
    return recorded


def record_indicator_value(
    *,
    indicator: Any,
    period: ReportingPeriod,
    by: Writer,
    value: Decimal | int | None = None,
    withheld_reason: str = "",
    note: str = "",
    withheld: bool = False,
) -> IndicatorValue:
    """Record (or correct) one period's figure of an indicator: a number, or withheld
    with a reason (see ``record_indicator_values``, which it calls)."""
    figure = Figure(
        period=period,
        value=value,
        withheld_reason=withheld_reason,
        note=note,
        withheld=withheld,
    )
    return record_indicator_values(indicator=indicator, figures=[figure], by=by)[0]


# ------------------------------------------------------------------ indicator library


def refresh_national_measures() -> tuple[int, int]:
    """Load the national measures from their data file: create the missing ones and
    bring the others up to date by slug. Running it again changes nothing.

    Returns how many were created and how many changed.
    """
    created = changed = 0
    with transaction.atomic():
        for measure in national_measures():
            fields = {k: v for k, v in measure.items() if k != "slug"}
            definition = IndicatorDefinition.objects.filter(
                owner__isnull=True, slug=measure["slug"]
            ).first()
            if definition is None:
                IndicatorDefinition.objects.create(
                    owner=None, slug=measure["slug"], **fields
                )
                created += 1
            elif any(getattr(definition, k) != v for k, v in fields.items()):
                for name, value in fields.items():
                    setattr(definition, name, value)
                definition.save()
                changed += 1
    return created, changed


def _definition_slug(owner: Any, title: str) -> str:
    """A slug for an organisation's own definition, unique among theirs; it never
    changes afterwards, so a renamed definition keeps its address."""
    base = slugify(title)[:90] or "indicator"
    taken = set(
        IndicatorDefinition.objects.filter(
            owner=owner, slug__startswith=base
        ).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


DEFINITION_EDITABLE = (
    "title",
    "description",
    "unit",
    "direction",
    "source",
    "source_note",
)


@transaction.atomic
def create_indicator_definition(
    *,
    owner: Any,
    by: Writer,
    title: str,
    unit: str,
    direction: str,
    source: str = "recorded",
    description: str = "",
    source_note: str = "",
) -> Any:
    """Add one of an organisation's own indicator definitions to its library, for any
    of its plans to use."""
    if owner is None:
        raise ValidationError(
            "National definitions come from the data file, not from editors."
        )
    definition = IndicatorDefinition(
        owner=owner,
        slug=_definition_slug(owner, title),
        title=title,
        description=description,
        unit=unit,
        direction=direction,
        source=source,
        source_note=source_note,
        created_by=by,
    )
    definition.full_clean()
    attribute_to(definition, by=by)
    definition.save()
    return definition


@transaction.atomic
def update_indicator_definition(*, definition: Any, by: Writer, **fields: Any) -> Any:
    """Change an organisation's own definition. Indicators already added from it keep
    their own unit, direction and source: changing those goes through
    ``change_indicator``, with a reason, plan by plan."""
    unknown = set(fields) - set(DEFINITION_EDITABLE)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    definition = IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
    if definition.owner_id is None:
        raise ValidationError("National definitions cannot be changed here.")
    for name, value in fields.items():
        setattr(definition, name, value)
    definition.full_clean()
    attribute_to(definition, by=by)
    definition.save()
    return definition


@transaction.atomic
def add_indicator_from_definition(*, plan: Plan, definition: Any, by: Writer) -> Any:
    """Add a library definition to a plan as one of its indicators, in one step.

    The indicator copies the definition's title, unit, direction and source, and links
    back to it. A plan takes each definition once.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)  # one adder at a time
    if definition.owner_id not in (None, plan.owner_id):
        raise ValidationError(
            {"definition": "Choose a national definition or one of the plan owner's."}
        )
    indicators = Indicator.objects.filter(plan=plan)
    if indicators.filter(definition=definition).exists():
        raise ValidationError(
            {"definition": f"The plan already has the indicator {definition.title}."}
        )
    if indicators.filter(title=definition.title).exists():
        raise ValidationError(
            {
                "definition": (
                    f"The plan already has an indicator called {definition.title}. "
                    "Rename it first."
                )
            }
        )
    last = indicators.aggregate(last=Max("position"))["last"]
    indicator = Indicator(
        plan=plan,
        title=definition.title,
        unit=definition.unit,
        direction=definition.direction,
        source=definition.source,
        definition=definition,
        position=0 if last is None else last + 1,
    )
    attribute_to(indicator, by=by, reason=f"Added from the library: {definition.slug}")
    indicator.save()
    return indicator


#: What ``change_indicator`` may write.
INDICATOR_EDITABLE = (
    "reference",
    "title",
    "unit",
    "direction",
    "source",
    "baseline_value",
    "baseline_label",
    "target_value",
    "priority",
    "position",
)


@transaction.atomic
def change_indicator(
    *,
    indicator: Any,
    by: Writer,
    reason: str = "",
    from_period: ReportingPeriod | None = None,
    **fields: Any,
) -> Any:
    """Change an indicator; a change to its definition (unit, direction, baseline or
    target) needs a reason and is recorded as an ``IndicatorChange`` in the same
    transaction, so that a redefined measure is never silently compared with its old
    self.

    Returns the recorded change, or None when the definition did not change.
    """
    unknown = set(fields) - set(INDICATOR_EDITABLE)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    current = Indicator.objects.select_for_update().get(pk=indicator.pk)
    changes = {}
    for name, value in fields.items():
        if name in DEFINITION_FIELDS:
            old, new = as_text(getattr(current, name)), as_text(value)
            if old != new:
                changes[name] = [old, new]
        setattr(current, name, value)
    reason = (reason or "").strip()
    errors = {}
    if changes and not reason:
        errors["reason"] = "Enter the reason for the change to the " + " and ".join(
            DEFINITION_FIELDS[name] for name in changes
        )
    if changes and from_period is not None and from_period.plan_id != current.plan_id:
        errors["from_period"] = "Choose a reporting period of the indicator's plan."
    if errors:
        raise ValidationError(errors)
    current.full_clean()
    attribute_to(current, by=by, reason=reason)
    current.save()
    for name in fields:
        setattr(indicator, name, getattr(current, name))
    if not changes:
        return None
    variation = variations.open_variation(current.plan_id, lock=True)
    if variation is not None:
        variations.note_indicator(variation, current, changes)
        # A baseline or target varied with the plan applies from the quarter the
        # variation takes effect in, unless the editor chose another.
        from_period = from_period or (
            ReportingPeriod.objects.filter(
                plan_id=current.plan_id, ends_on__gte=variation.takes_effect_on
            )
            .order_by("starts_on")
            .first()
        )
    return IndicatorChange.objects.create(
        indicator=current,
        changes=changes,
        reason=reason,
        from_period=from_period,
        changed_by=by,
        changed_at=timezone.now(),
    )


def end_memberships_of(*, user: Any, by: Writer, reason: str) -> int:
    """End every membership of ``user`` (the retention rule, through
    ``core.personal_data.account_anonymising``); return how many there were."""
    memberships = list(Membership.objects.filter(user=user))
    for membership in memberships:
        attribute_to(membership, by=by, reason=reason)
        membership.delete()
    return len(memberships)


@transaction.atomic
def lock_period(
    *,
    period: ReportingPeriod,
    by: Writer,
    reason: str,
    at: datetime.datetime | None = None,
) -> ReportingPeriod:
    """Lock a period so that no path takes updates for it; record who and why.

    Publishing a quarter's report calls this. Locking a locked period changes nothing.
    """
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_locked:
        return period
    at = at or timezone.now()
    period = _change_period(
        period,
        PeriodEvent.Kind.LOCKED,
        by=by,
        reason=reason,
        at=at,
        locked_at=at,
        locked_by=by,
    )
    webhooks.emit(Event.PERIOD_LOCKED, plan=period.plan, data=period_data(period))
    return period


@transaction.atomic
def reopen_period(
    *,
    period: ReportingPeriod,
    by: Writer,
    reason: str,
    closes_on: datetime.date | None = None,
) -> ReportingPeriod:
    """Reopen a locked or closed period for updates, with the reason recorded.

    It takes updates again until ``closes_on`` (by default two weeks from today, or
    its own closing date if that is later). Publishing a correction locks it again.
    Plan editors only.
    """
    period = _period_to_edit(period, by, "Only the plan's editors reopen its periods.")
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why the period is being reopened."
    elif len(reason) > 2000:
        errors["reason"] = "Keep the reason to 2,000 characters or fewer."
    today = timezone.localdate()
    if closes_on is None:
        closes_on = max(period.closes_on, today + datetime.timedelta(days=14))
    elif closes_on < today:
        errors["closes_on"] = "The date it closes again must be today or later."
    elif closes_on < period.due_on:
        errors["closes_on"] = (
            "The date it closes again must be on or after the due date, "
            f"{date_format(period.due_on, 'j F Y')}."
        )
    if not errors and period.state_on(today) == ReportingPeriod.State.OPEN:
        if closes_on == period.closes_on:
            errors["reason"] = f"{period.label} is already open for updates."
    if errors:
        raise ValidationError(errors)
    period = _change_period(
        period,
        PeriodEvent.Kind.REOPENED,
        by=by,
        reason=reason,
        locked_at=None,
        locked_by=None,
        closes_on=closes_on,
    )
    webhooks.emit(Event.PERIOD_OPENED, plan=period.plan, data=period_data(period))
    return period


def reference_free(model: type[Any], *, instance: Any, **scope: Any) -> None:
    """Refuse, keyed ``reference``, a reference another row of ``model`` within
    ``scope`` (its plan; a plan's owner) already uses: the rule the unique
    constraints stand behind, told beside the field."""
    reference = (instance.reference or "").strip()
    taken = model._default_manager.filter(reference=reference, **scope)
    if instance.pk is not None:
        taken = taken.exclude(pk=instance.pk)
    if reference and taken.exists():
        where = "its owner" if model is Plan else "the plan"
        raise ValidationError(
            {"reference": f"The reference {reference} is already used in {where}."}
        )


class PlanArchived(Exception):
    """The plan is archived (superseded): its structure no longer changes."""

    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__(
            f"The plan {plan.reference or plan.title} is archived (superseded): its "
            "structure no longer changes."
        )


class StillHeld(Exception):
    """A part of a plan that other records hang from, so it is not removed."""

    def __init__(self, part: Any, holders: list[str]):
        self.part = part
        self.holders = holders
        super().__init__(
            f"{part} is not removed: {', '.join(holders)} still hang from it. Move "
            "or remove them first."
        )


def refuse_if_archived(plan: Plan) -> None:
    """Raise ``PlanArchived`` for an archived plan (any structure write)."""
    if plan.is_archived:
        raise PlanArchived(plan)


def holders_of(part: Any) -> list[str]:
    """What hangs from ``part`` (a priority, objective, strand or milestone), such as
    "2 objectives": every relation pointing at it, counted."""
    found = []
    for relation in part._meta.related_objects:
        accessor = relation.get_accessor_name()
        if accessor is None:
            continue
        count = getattr(part, accessor).count()
        if count:
            meta = relation.related_model._meta
            name = meta.verbose_name if count == 1 else meta.verbose_name_plural
            found.append(f"{count} {name}")
    return found


@transaction.atomic
def remove_plan_part(*, part: Any, by: Writer) -> None:
    """Remove a priority, objective, strand or milestone that nothing hangs from
    (no sub-priorities, objectives, deliverables, indicators, report rows); raises
    ``StillHeld`` naming what holds it, having written nothing. History keeps the
    row as it was."""
    part = type(part)._default_manager.select_for_update().get(pk=part.pk)
    holders = holders_of(part)
    if holders:
        raise StillHeld(part, holders)
    attribute_to(part, by=by, reason="Removed")
    if isinstance(part, Priority | Objective):
        variation = variations.open_variation(part.plan_id, lock=True)
        if variation is not None:
            variations.note_removed(variation, part)
    part.delete()


@transaction.atomic
def archive_plan(*, plan: Plan, by: Writer) -> Plan:
    """Archive a plan: it becomes superseded, kept with its history and reports but
    no longer changed. Archiving an archived plan changes nothing."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_archived:
        return plan
    plan.state = Plan.State.SUPERSEDED
    attribute_to(plan, by=by, reason="Archived")
    plan.save()
    return plan


@transaction.atomic
def save_strand(*, strand: Strand, by: Writer) -> Strand:
    """Add or rename one of a plan's strands (its own cross-cutting grouping);
    raises ``ValidationError`` keyed by field (a name used twice), having written
    nothing."""
    strand.name = (strand.name or "").strip()
    taken = Strand.objects.filter(plan_id=strand.plan_id, name__iexact=strand.name)
    if strand.pk is not None:
        taken = taken.exclude(pk=strand.pk)
    if strand.name and taken.exists():
        raise ValidationError(
            {"name": f"The plan already has a strand called {strand.name}."}
        )
    strand.full_clean()
    attribute_to(strand, by=by)
    strand.save()
    return strand


@transaction.atomic
def save_plan(*, by: Writer, plan: Plan | None = None, **fields: Any) -> Plan:
    """Set up (no ``plan``) or change a plan, then give it a reporting period for
    each quarter it spans. The browser's plan form and the importer both come here.

    Raises ``ValidationError`` keyed by field (dates in order, a reference unique
    within its owner), having written nothing. Who may do it is the caller's check.
    """
    plan = plan or Plan()
    for name, value in fields.items():
        setattr(plan, name, value)
    if plan.owner_id:
        reference_free(Plan, instance=plan, owner_id=plan.owner_id)
    plan.full_clean()
    attribute_to(plan, by=by)
    variation = variations.open_variation(plan.pk, lock=True)
    before = variations.stored(plan) if variation is not None else None
    if variation is not None and before is not None:
        variations.note_change(variation, plan, before)
    plan.save()
    ensure_quarterly_periods(plan=plan)
    return plan


@transaction.atomic
def save_plan_part(*, part: Priority | Objective, by: Writer) -> Priority | Objective:
    """Add or change a priority or an objective of a plan, checked by the model's
    rules (its parent or priority in the same plan, a reference the plan does not
    use yet); raises ``ValidationError`` keyed by field, having written nothing."""
    if part.plan_id:
        reference_free(type(part), instance=part, plan_id=part.plan_id)
    part.full_clean()
    attribute_to(part, by=by)
    # Made while the plan is being varied: the variation records it, before the
    # save, so the work under a moved part is counted where it stood in quarters
    # before the variation (``plans.variations``).
    variation = variations.open_variation(part.plan_id, lock=True)
    before = variations.stored(part) if variation is not None else None
    if variation is not None and before is not None:
        variations.note_change(variation, part, before)
    part.save()
    if variation is not None and before is None:
        variations.note_added(variation, part)
    return part
