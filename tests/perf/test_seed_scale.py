"""Generated data at national scale (``seed_scale``), checked at its tiny size: the
shape asked for, the same data from the same seed, and every rule the services would
have kept although the rows go in in bulk; the large plan among them."""

import datetime
import random
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from deliverables.models import Deliverable, Milestone, ProgressUpdate, Status
from plans.models import (
    Indicator,
    IndicatorValue,
    Membership,
    Objective,
    Organisation,
    PeriodEvent,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from scrutiny.models import PublishedReport
from tests.perf.scale import (
    LARGE_EDITOR,
    LARGE_READER,
    NATIONAL_READER,
    SIZES,
    body_name,
    editor_username,
    large_body_name,
    plan_lives,
    reader_username,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

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
        ).values_list("indicator__plan__owner__name", "indicator__title", "value")
    )
    return rows, values


class _Kept(Exception):
    def __init__(self, value):
        self.value = value


def seeded_fingerprint(seed_number, **options):
    """Seed, take the fingerprint, and roll the data back again."""
    try:
        with transaction.atomic():
            seed(seed_number, **options)
            raise _Kept(fingerprint())
    except _Kept as kept:
        return kept.value


def test_tiny_seed_writes_the_shape_asked_for():
    seed()

    expected = TINY.expected()
    # Two generated bodies and the large plan's, each with its force.
    assert Organisation.objects.filter(kind__slug="policing-body").count() == 3
    assert Organisation.objects.filter(kind__slug="force").count() == 3
    assert Plan.objects.count() == expected["plans"] == 6 + 1
    assert ReportingPeriod.objects.count() == expected["reporting periods"] == 7 * 16
    assert Priority.objects.count() == expected["priorities"]
    assert Objective.objects.count() == expected["objectives"]
    assert Deliverable.objects.count() == expected["deliverables"] == 72 + 40
    assert Milestone.objects.count() == expected["milestones"]
    assert ProgressUpdate.objects.count() == expected["progress updates"] == 1792
    assert Indicator.objects.count() == expected["indicators"]
    assert IndicatorValue.objects.count() == expected["indicator values"]
    assert PublishedReport.objects.count() == expected["published reports"] == 1
    per_deliverable = Counter(
        ProgressUpdate.objects.values_list("deliverable_id", flat=True)
    )
    assert set(per_deliverable.values()) == {16}
    generated = Organisation.objects.filter(kind__slug="policing-body").exclude(
        name=large_body_name()
    )
    assert generated.count() == 2
    for body in generated:
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
    assert Plan.objects.visible_to(reader).count() == 7
    assert Deliverable.objects.visible_to(reader).count() == 112
    editor = get_user_model().objects.get(username=editor_username(1))
    assert editor.memberships.get().organisation.name == body_name(1)
    # Each body has a reader of its own too: the benchmark reads as one.
    own_reader = get_user_model().objects.get(username=reader_username(1))
    membership = own_reader.memberships.get()
    assert (membership.organisation.name, membership.role) == (body_name(1), "reader")


def test_refuses_a_database_that_already_holds_plans(plan):
    with pytest.raises(CommandError, match="already holds plans"):
        seed()
    assert Plan.objects.count() == 1

    seed(force=True)

    assert Plan.objects.count() == 1 + 7


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


def test_the_large_plan_has_its_deliverables_with_an_update_each_quarter():
    """One large plan, of a body of its own, with the size's count of deliverables
    (40 at tiny, 5,000 at national) over a tree of priorities, sub-priorities and
    objectives, and one update a quarter each for 16 quarters."""
    seed()

    plan = Plan.objects.get(owner__name=large_body_name())
    assert (plan.state, plan.is_public) == (Plan.State.PUBLISHED, True)
    # The same years as the other bodies' current plans, which it is compared with.
    assert (plan.starts_on, plan.ends_on) == (
        datetime.date(2021, 7, 1),
        datetime.date(2025, 6, 30),
    )
    assert plan.deliverables.count() == TINY.large_deliverables == 40
    periods = list(plan.reporting_periods.order_by("starts_on"))
    assert len(periods) == 16
    per_deliverable = Counter(
        ProgressUpdate.objects.filter(deliverable__plan=plan).values_list(
            "deliverable_id", "period_id"
        )
    )
    assert len(per_deliverable) == 40 * 16  # every deliverable, every quarter
    assert set(per_deliverable.values()) == {1}  # one update each
    tops, subs, objectives = TINY.large_tree
    assert plan.priorities.filter(parent=None).count() == tops
    assert plan.priorities.exclude(parent=None).count() == tops * subs
    assert Objective.objects.filter(plan=plan).count() == tops * subs * objectives
    # Spread over every objective, not piled on one.
    assert {d.objective_id for d in plan.deliverables.all()} == set(
        Objective.objects.filter(plan=plan).values_list("pk", flat=True)
    )
    assert Strand.objects.filter(plan=plan).count() == TINY.strands
    assert Milestone.objects.filter(deliverable__plan=plan).count() == 40 * 4
    assert Indicator.objects.filter(plan=plan).count() == TINY.indicators


def test_the_large_plans_owner_has_an_editor_and_a_reader_and_a_published_report():
    seed()

    body = Organisation.objects.get(name=large_body_name())
    users = get_user_model().objects
    editor = users.get(username=LARGE_EDITOR)
    reader = users.get(username=LARGE_READER)
    assert editor.memberships.get().organisation == body
    assert editor.memberships.get().role == Membership.Role.EDITOR
    assert reader.memberships.get().organisation == body
    assert reader.memberships.get().role == Membership.Role.READER
    # Published through the service: the latest quarter ended by then, locked.
    report = PublishedReport.objects.get(plan__owner=body)
    assert (report.version, report.published_by) == (1, editor)
    assert (
        report.period.ends_on
        < TODAY
        <= report.period.ends_on + datetime.timedelta(days=92)
    )
    assert report.html and report.data["total"] == 40
    report.period.refresh_from_db()
    assert report.period.is_locked


def test_the_large_plan_leaves_the_other_bodies_data_as_it_was():
    """It comes from a random stream of its own: with or without it, the generated
    bodies' data are the same, so national and stress still compare."""
    with_large, values = seeded_fingerprint(7)
    without, values_without = seeded_fingerprint(7, large_deliverables=0)

    large = large_body_name()
    assert [row for row in with_large if row[0] != large] == without
    assert len(with_large) == len(without) + 40
    assert [v for v in values if v[0] != large] == values_without


def test_the_large_plans_size_is_an_option():
    seed(large_deliverables=25)

    plan = Plan.objects.get(owner__name=large_body_name())
    assert plan.deliverables.count() == 25
    assert ProgressUpdate.objects.filter(deliverable__plan=plan).count() == 25 * 16


def test_no_large_plan_when_its_size_is_zero():
    seed(large_deliverables=0)

    assert not Organisation.objects.filter(name=large_body_name()).exists()
    assert Plan.objects.count() == 6
    assert not PublishedReport.objects.exists()
