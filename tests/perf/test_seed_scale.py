"""Generated data at national scale (``seed_scale``), checked at its tiny size: the
shape asked for, the same data from the same seed, and every rule the services would
have kept although the rows go in in bulk."""

import datetime
import random
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from deliverables.models import Deliverable, ProgressUpdate, Status
from plans.models import (
    IndicatorValue,
    Membership,
    Organisation,
    PeriodEvent,
    Plan,
    ReportingPeriod,
)
from tests.perf.scale import (
    NATIONAL_READER,
    SIZES,
    body_name,
    editor_username,
    plan_lives,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 5, 20)
TINY = SIZES["tiny"]


def seed(seed=7, **options):
    call_command(
        "seed_scale", size="tiny", seed=seed, today=TODAY, verbosity=0, **options
    )


def fingerprint():
    """Everything generated, by name rather than id, in a fixed order."""
    rows = []
    for d in Deliverable.objects.select_related("plan__owner").order_by(
        "plan__owner__name", "plan__starts_on", "position"
    ):
        rows.append(
            (
                d.plan.owner.name,
                d.plan.reference,
                d.reference,
                d.title,
                d.lead_organisation.name,
                d.status,
                d.rag,
                d.percent_complete,
                d.baseline_date,
                d.forecast_date,
                d.completed_on,
                d.merged_into.reference if d.merged_into else None,
                [
                    (u.period.label, u.status, u.rag, u.forecast_date, u.reason)
                    + (u.narrative, u.recorded_at)
                    for u in d.updates.select_related("period").order_by("recorded_at")
                ],
            )
        )
    values = list(
        IndicatorValue.objects.order_by(
            "indicator__plan__owner__name",
            "indicator__plan__starts_on",
            "indicator__position",
            "period__starts_on",
        ).values_list("indicator__title", "value")
    )
    return rows, values


class _Kept(Exception):
    def __init__(self, value):
        self.value = value


def seeded_fingerprint(seed_number):
    """Seed, take the fingerprint, and roll the data back again."""
    try:
        with transaction.atomic():
            seed(seed_number)
            raise _Kept(fingerprint())
    except _Kept as kept:
        return kept.value


def test_tiny_seed_writes_the_shape_asked_for():
    seed()

    expected = TINY.expected()
    assert Organisation.objects.filter(kind__slug="policing-body").count() == 2
    assert Organisation.objects.filter(kind__slug="force").count() == 2
    assert Plan.objects.count() == expected["plans"] == 6
    assert ReportingPeriod.objects.count() == expected["reporting periods"]
    assert Deliverable.objects.count() == expected["deliverables"] == 72
    assert ProgressUpdate.objects.count() == expected["progress updates"] == 1152
    assert IndicatorValue.objects.count() == expected["indicator values"]
    per_deliverable = Counter(
        ProgressUpdate.objects.values_list("deliverable_id", flat=True)
    )
    assert set(per_deliverable.values()) == {16}
    for body in Organisation.objects.filter(kind__slug="policing-body"):
        plans = list(body.plans.order_by("-starts_on"))
        assert [p.state for p in plans] == ["published", "superseded", "superseded"]
        # The current plan runs to the end of the quarter holding today.
        assert plans[0].starts_on == datetime.date(2021, 7, 1)
        assert plans[0].ends_on == datetime.date(2025, 6, 30)
        assert plans[1].ends_on == datetime.date(2021, 6, 30)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = seeded_fingerprint(7)
    assert first == seeded_fingerprint(7)
    assert first != seeded_fingerprint(8)
    assert Plan.objects.count() == 0  # each run was rolled back


def test_every_deliverable_is_in_the_state_of_its_latest_update():
    seed()

    for d in Deliverable.objects.all():
        latest = d.updates.latest()
        assert (
            d.status,
            d.rag,
            d.percent_complete,
            d.forecast_date,
            d.forecast_date_start,
            d.forecast_date_end,
            d.merged_into_id,
        ) == (
            latest.status,
            latest.rag,
            latest.percent_complete,
            latest.forecast_date,
            latest.forecast_date_start,
            latest.forecast_date_end,
            latest.merged_into_id,
        )
        completing = d.updates.filter(status=Status.COMPLETED).order_by("recorded_at")
        first = completing.first()
        assert d.completed_on == (
            timezone.localdate(first.recorded_at) if first else None
        )


def test_updates_chain_with_a_reason_for_every_change():
    seed()

    cutoff = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time()))
    for d in Deliverable.objects.select_related("plan"):
        updates = list(d.updates.select_related("period").order_by("recorded_at"))
        status, forecast = Status.FUTURE, ""
        for before, update in zip([None, *updates], updates, strict=False):
            assert (update.previous_status, update.previous_forecast_date) == (
                status,
                forecast,
            )
            if (update.status, update.forecast_date) != (status, forecast):
                assert update.reason
            if before is not None:
                assert update.period.starts_on > before.period.starts_on
                assert update.recorded_at > before.recorded_at
            assert update.recorded_at < cutoff
            if update.status == Status.MERGED:
                assert update.merged_into.plan_id == d.plan_id
                assert update.merged_into_id != d.pk
            status, forecast = update.status, update.forecast_date


def test_generated_rows_pass_model_validation():
    seed()

    for d in Deliverable.objects.select_related("plan", "objective", "merged_into"):
        d.full_clean()
    for update in ProgressUpdate.objects.select_related("deliverable__plan")[:200]:
        update.full_clean()


def test_closed_periods_are_locked_saying_who_and_why():
    seed()

    editor = get_user_model().objects.get(username=editor_username(0))
    body = Organisation.objects.get(name=body_name(0))
    periods = ReportingPeriod.objects.filter(plan__owner=body)
    closed = periods.filter(closes_on__lt=TODAY)
    assert closed.count() == 16 * 2 + 15  # two past plans, the current one's first 15
    assert all(p.locked_by == editor and p.locked_at for p in closed)
    assert not periods.filter(closes_on__gte=TODAY, locked_at__isnull=False).exists()
    assert (
        PeriodEvent.objects.filter(
            period__in=closed, kind=PeriodEvent.Kind.LOCKED, by=editor
        ).count()
        == closed.count()
    )


def test_national_reader_sees_every_plan_without_being_a_superuser():
    seed()

    reader = get_user_model().objects.get(username=NATIONAL_READER)
    assert not reader.is_superuser
    assert not reader.has_usable_password()
    assert reader.memberships.get().role == Membership.Role.READER
    assert Plan.objects.visible_to(reader).count() == 6
    assert Deliverable.objects.visible_to(reader).count() == 72
    editor = get_user_model().objects.get(username=editor_username(1))
    assert editor.memberships.get().organisation.name == body_name(1)


def test_refuses_a_database_that_already_holds_plans(plan):
    with pytest.raises(CommandError, match="already holds plans"):
        seed()
    assert Plan.objects.count() == 1

    seed(force=True)

    assert Plan.objects.count() == 7


def test_stories_change_over_time_with_reasons():
    """At national size a plan's deliverables start, finish, slip, stop, pause and
    merge, and the mix of statuses moves on quarter by quarter."""
    shape = SIZES["national"]
    lives = plan_lives(random.Random("7:0"), shape, datetime.date(2022, 1, 1))
    assert len(lives) == shape.deliverables

    def mix(quarter):
        return Counter(life.steps[quarter].status for life in lives)

    early, late = mix(1), mix(shape.quarters - 1)
    assert early[Status.FUTURE] > late[Status.FUTURE]
    assert early[Status.COMPLETED] < late[Status.COMPLETED]
    seen = Counter(step.status for life in lives for step in life.steps)
    for status in (
        Status.NOT_YET_COMMENCED,
        Status.IN_PROGRESS,
        Status.ON_HOLD,
        Status.WILL_NOT_PROCEED,
        Status.MERGED,
    ):
        assert seen[status], status
    reasons = [step.reason for life in lives for step in life.steps if step.reason]
    assert any(r.startswith(("End date", "Extended to", "Moved to")) for r in reasons)
    assert any(r.startswith("Resumed") or r.startswith("Restarted") for r in reasons)
    late_items = [
        life
        for life in lives
        if life.steps[-1].status == Status.IN_PROGRESS and life.steps[-1].rag == "red"
    ]
    assert late_items
