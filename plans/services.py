"""Writes that span plan-level rows. Each is one transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from plans.models import Plan, ReportingPeriod


def _quarter_starts(starts_on: datetime.date, ends_on: datetime.date):
    """Calendar quarters (Jan, Apr, Jul, Oct) overlapping the plan, clipped to it."""
    year, month = starts_on.year, ((starts_on.month - 1) // 3) * 3 + 1
    while datetime.date(year, month, 1) <= ends_on:
        first = datetime.date(year, month, 1)
        next_year, next_month = (year + 1, 1) if month == 10 else (year, month + 3)
        last = datetime.date(next_year, next_month, 1) - datetime.timedelta(days=1)
        yield (
            max(first, starts_on),
            min(last, ends_on),
            f"Q{(month - 1) // 3 + 1} {year}",
        )
        year, month = next_year, next_month


@transaction.atomic
def ensure_quarterly_periods(*, plan: Plan) -> list[ReportingPeriod]:
    """Give the plan a reporting period for each calendar quarter it spans.

    Existing periods are kept as they are, so calling this again changes nothing.
    """
    periods = []
    for starts_on, ends_on, label in _quarter_starts(plan.starts_on, plan.ends_on):
        period, _ = ReportingPeriod.objects.get_or_create(
            plan=plan,
            starts_on=starts_on,
            defaults={"ends_on": ends_on, "label": label},
        )
        periods.append(period)
    return periods


def attribute_to(instance: Model, *, by: Any, reason: str = "") -> Model:
    """Name who is making the next change to ``instance``, for its history row.

    simple-history reads these attributes when the instance is next saved or deleted;
    outside a web request nothing else tells it who acted.
    """
    setattr(instance, "_history_user", by)  # noqa: B010 - private to simple-history
    if reason:
        setattr(instance, "_change_reason", reason)  # noqa: B010
    return instance


@transaction.atomic
def issue_api_client(
    *, organisation: Any, name: str, scopes: list[str], by: Any
) -> tuple[Any, str]:
    """Create an organisation's API client; return it with its secret, shown only once.

    The secret is stored hashed. The client acts through a service account that is a
    contributor of its organisation and cannot sign in to the browser.
    """
    from django.contrib.auth import get_user_model
    from django.utils.crypto import get_random_string
    from oauth2_provider.models import Application

    from plans.models import ApiClient, Membership

    unknown = set(scopes) - set(ApiClient.Scope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": "Choose read, updates:write or both."})
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
def revoke_api_client(*, client: Any, by: Any) -> Any:
    """Revoke a client: its tokens stop working at once and it can get no new ones.

    The record stays, so the updates it pushed still name it.
    """
    from django.utils import timezone

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


@transaction.atomic
def record_indicator_value(
    *, indicator: Any, period: ReportingPeriod, value: Any, by: Any, note: str = ""
) -> Any:
    """Record (or correct) an indicator's value for a period; history keeps the old."""
    from plans.models import IndicatorValue

    if period.plan_id != indicator.plan_id:
        raise ValidationError(
            {"period": "Choose a reporting period of the indicator's plan."}
        )
    existing = (
        IndicatorValue.objects.select_for_update()
        .filter(indicator=indicator, period=period)
        .first()
    )
    if existing is None:
        existing = IndicatorValue(indicator=indicator, period=period)
    existing.value = value
    existing.note = note
    existing.recorded_by = by
    attribute_to(existing, by=by)
    existing.save()
    return existing
