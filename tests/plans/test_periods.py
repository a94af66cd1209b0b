"""Reporting periods: their return dates and states, locking on publication and
reopening with a reason, the refusal of updates for a locked period on every write
path, and the one rule of "needs an update"."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from deliverables.importing import ImportFailed
from deliverables.models import Deliverable, ProgressUpdate, Status
from deliverables.services import (
    Change,
    accept_update,
    merge_deliverables,
    record_progress,
    return_update,
)
from plans.models import IndicatorValue, PeriodEvent
from plans.services import (
    change_period_dates,
    ensure_quarterly_periods,
    lock_period,
    record_indicator_value,
    reopen_period,
)
from scrutiny.reports.services import publish_report
from tests.factories import (
    DeliverableFactory,
    IndicatorFactory,
    MembershipFactory,
    PlanFactory,
    UserFactory,
    record_update,
)

pytestmark = pytest.mark.django_db

D = datetime.date
LOCKED = "is locked because its report has been published"


def quarter(plan, number):
    return plan.reporting_periods.order_by("starts_on")[number - 1]


def at(day):
    """Travel to nine in the morning of ``day`` (London time) for the test."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 9, tzinfo=datetime.UTC),
        tick=False,
    )


def update(deliverable, by, period=None, **values):
    return record_update(
        deliverable=deliverable,
        by=by,
        narrative=values.pop("narrative", "Work goes on."),
        period=period,
        **values,
    )


# The calendar -------------------------------------------------------------------


def test_a_quarter_opens_on_its_first_day_is_due_two_weeks_after_and_closes_later(
    plan,
):
    q1 = quarter(plan, 1)
    assert (q1.opens_on, q1.due_on, q1.closes_on) == (
        D(2017, 1, 1),
        D(2017, 4, 14),
        D(2017, 4, 28),
    )


def test_the_plans_settings_set_a_new_periods_dates(authority):
    plan = PlanFactory(owner=authority, return_due_days=21, grace_days=7)
    q1 = ensure_quarterly_periods(plan=plan)[0]
    assert (q1.due_on, q1.closes_on) == (D(2017, 4, 21), D(2017, 4, 28))


def test_a_plan_whose_year_starts_in_april_has_financial_quarters(authority):
    plan = PlanFactory(
        owner=authority,
        starts_on=D(2025, 4, 1),
        ends_on=D(2026, 3, 31),
        year_starts_month=4,
    )
    periods = ensure_quarterly_periods(plan=plan)
    assert [(p.label, p.starts_on, p.ends_on) for p in periods] == [
        ("Q1 2025/26", D(2025, 4, 1), D(2025, 6, 30)),
        ("Q2 2025/26", D(2025, 7, 1), D(2025, 9, 30)),
        ("Q3 2025/26", D(2025, 10, 1), D(2025, 12, 31)),
        ("Q4 2025/26", D(2026, 1, 1), D(2026, 3, 31)),
    ]


@pytest.mark.parametrize(
    "day, state",
    [
        (D(2016, 12, 31), "upcoming"),
        (D(2017, 1, 1), "open"),
        (D(2017, 4, 14), "open"),  # due
        (D(2017, 4, 28), "open"),  # last day of grace
        (D(2017, 4, 29), "closed"),
    ],
)
def test_a_period_is_upcoming_then_open_then_closed(plan, day, state):
    assert quarter(plan, 1).state_on(day) == state


def test_publishing_locks_reopening_opens_and_a_correction_locks_again(
    plan, editor, deliverable
):
    q1 = quarter(plan, 1)
    with at(D(2017, 4, 20)):
        publish_report(plan=plan, period=q1, by=editor)
        q1.refresh_from_db()
        assert q1.state_on(D(2017, 4, 20)) == "locked"
        assert q1.locked_by == editor

        reopen_period(
            period=q1,
            by=editor,
            reason="The force sent its figures late.",
            closes_on=D(2017, 5, 5),
        )
        q1.refresh_from_db()
        assert q1.state_on(D(2017, 5, 5)) == "open"
        assert q1.state_on(D(2017, 5, 6)) == "closed"
        update(deliverable, editor, q1, rag="amber")

        publish_report(plan=plan, period=q1, by=editor, change_note="Late update.")
        q1.refresh_from_db()
        assert q1.is_locked
    events = list(q1.events.values_list("kind", "reason", "by"))
    assert events == [
        ("locked", "Report version 1 published.", editor.pk),
        ("reopened", "The force sent its figures late.", editor.pk),
        ("locked", "Report version 2 published.", editor.pk),
    ]


def test_reopening_needs_a_reason_and_an_editor(plan, editor, contributor):
    q1 = quarter(plan, 1)
    lock_period(period=q1, by=editor, reason="Report published.")
    with pytest.raises(ValidationError) as refused:
        reopen_period(period=q1, by=editor, reason="  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        reopen_period(period=q1, by=contributor, reason="Please.")
    q1.refresh_from_db()
    assert q1.is_locked
    assert list(q1.events.values_list("kind", flat=True)) == ["locked"]


def test_a_closed_period_can_be_reopened_until_a_later_date(plan, editor):
    q1 = quarter(plan, 1)
    with at(D(2017, 6, 1)):
        assert q1.state_on(D(2017, 6, 1)) == "closed"
        reopen_period(period=q1, by=editor, reason="Audit finding added late.")
    q1.refresh_from_db()
    assert q1.closes_on == D(2017, 6, 15)
    assert q1.state_on(D(2017, 6, 1)) == "open"


# Locked periods are refused on every path -------------------------------------


@pytest.fixture
def locked_q1(plan, editor):
    q1 = quarter(plan, 1)
    lock_period(period=q1, by=editor, reason="Report version 1 published.")
    q1.refresh_from_db()
    return q1


def test_the_service_refuses_an_update_for_a_locked_period(
    locked_q1, deliverable, contributor
):
    with pytest.raises(ValidationError) as refused:
        update(deliverable, contributor, locked_q1, rag="red")
    assert LOCKED in refused.value.message_dict["period"][0]
    assert not ProgressUpdate.objects.exists()


def test_an_update_read_before_the_lock_is_still_refused(
    plan, editor, deliverable, contributor
):
    q1 = quarter(plan, 1)  # read while unlocked
    lock_period(period=q1, by=editor, reason="Published.")
    with pytest.raises(ValidationError):
        update(deliverable, contributor, q1, rag="red")
    assert not ProgressUpdate.objects.exists()


def test_without_a_period_an_update_in_a_locked_quarter_is_refused(
    locked_q1, deliverable, contributor
):
    with at(D(2017, 2, 10)), pytest.raises(ValidationError) as refused:
        update(deliverable, contributor, rag="red")
    assert LOCKED in refused.value.message_dict["period"][0]


def test_in_the_grace_period_an_update_goes_to_the_last_quarter_until_it_locks(
    plan, editor, deliverable, contributor
):
    q1, q2 = quarter(plan, 1), quarter(plan, 2)
    with at(D(2017, 4, 10)):
        assert update(deliverable, contributor, rag="amber").period == q1
        lock_period(period=q1, by=editor, reason="Published.")
        assert update(deliverable, contributor, rag="red").period == q2


def test_bulk_updates_and_merges_are_refused_for_a_locked_period(
    locked_q1, plan, deliverable, editor
):
    other = DeliverableFactory(objective=deliverable.objective)
    with pytest.raises(Exception) as refused:
        record_progress(
            changes=[
                Change(deliverable=deliverable, narrative="On track.", period=locked_q1)
            ],
            by=editor,
        )
    assert LOCKED in refused.value.errors[0]["period"][0]
    with at(D(2017, 2, 10)), pytest.raises(ValidationError) as refused:
        merge_deliverables(
            umbrella=deliverable, merged=[other], reason="One team.", by=editor
        )
    assert LOCKED in refused.value.message_dict["merged"][0]
    assert not ProgressUpdate.objects.exists()


def test_an_update_waiting_for_review_cannot_be_accepted_once_its_period_locks(
    plan, editor, deliverable, contributor
):
    plan.review_contributor_updates = True
    plan.save()
    q1 = quarter(plan, 1)
    waiting = update(deliverable, contributor, q1, rag="red")
    lock_period(period=q1, by=editor, reason="Published.")
    with pytest.raises(ValidationError) as refused:
        accept_update(update=waiting, by=editor)
    assert LOCKED in refused.value.message_dict["update"][0]
    deliverable.refresh_from_db()
    assert deliverable.rag == ""
    # Returning it to its author is still possible.
    return_update(update=waiting, by=editor, comment="Too late for Q1.")


def test_the_browser_form_shows_the_lock_and_stores_nothing(
    client, locked_q1, deliverable, contributor
):
    client.force_login(contributor)
    with at(D(2017, 2, 10)):
        response = client.post(
            reverse("deliverables:record", args=[deliverable.pk]),
            {
                "status": deliverable.status,
                "rag": "red",
                "forecast_date": deliverable.forecast_date,
                "narrative": "Behind.",
            },
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert LOCKED in page
    assert not ProgressUpdate.objects.exists()


def test_the_import_refuses_a_status_change_in_a_locked_period(
    authority, force, editor, tmp_path
):
    from tests.deliverables.test_importing import (
        JERSEY,
        jersey_rows,
        run_import,
        write_csv,
    )

    result = run_import(JERSEY, authority, editor)
    last = quarter(result.plan, 4)
    lock_period(period=last, by=editor, reason="Published.")
    rows = jersey_rows()
    rows[1]["status"] = "in progress"
    rows[1]["rag"] = "amber"
    with pytest.raises(ImportFailed) as refused:
        run_import(
            write_csv(tmp_path / "late.csv", rows), authority, editor, period=last
        )
    assert [str(e) for e in refused.value.errors] == [
        f"Row 3, column status: {last.locked_message()}"
    ]
    assert not ProgressUpdate.objects.exists()


def test_indicator_values_for_a_locked_period_are_refused(locked_q1, editor):
    indicator = IndicatorFactory(plan=locked_q1.plan)
    with pytest.raises(ValidationError) as refused:
        record_indicator_value(
            indicator=indicator, period=locked_q1, value=12, by=editor
        )
    assert LOCKED in refused.value.message_dict["period"][0]
    assert not IndicatorValue.objects.exists()


# Needs an update ---------------------------------------------------------------


def _returned(deliverable, editor, contributor, period):
    plan = deliverable.plan
    plan.review_contributor_updates = True
    plan.save()
    sent = update(deliverable, contributor, period, rag="red")
    return_update(update=sent, by=editor, comment="Add the figures.")


def _waiting(deliverable, editor, contributor, period):
    plan = deliverable.plan
    plan.review_contributor_updates = True
    plan.save()
    update(deliverable, contributor, period, rag="red")


NEEDS_UPDATE_CASES = [
    # (status, what the deliverable has for Q2, needs an update?)
    (Status.IN_PROGRESS, "nothing", True),
    (Status.NOT_YET_COMMENCED, "nothing", True),
    (Status.FUTURE, "nothing", True),
    (Status.ON_HOLD, "nothing", True),
    (Status.IN_PROGRESS, "accepted", False),
    (Status.IN_PROGRESS, "waiting", False),
    (Status.IN_PROGRESS, "returned", True),
    (Status.IN_PROGRESS, "only last quarter", True),
    (Status.COMPLETED, "nothing", False),
    (Status.WILL_NOT_PROCEED, "nothing", False),
    (Status.MERGED, "nothing", False),
    (Status.SPLIT, "nothing", False),
]


@pytest.mark.parametrize("status, has, needs", NEEDS_UPDATE_CASES)
def test_needs_an_update(plan, editor, contributor, deliverable, status, has, needs):
    q1, q2 = quarter(plan, 1), quarter(plan, 2)
    target = DeliverableFactory(objective=deliverable.objective)
    Deliverable.objects.filter(pk=deliverable.pk).update(
        status=status, merged_into=target if status == Status.MERGED else None
    )
    deliverable.refresh_from_db()
    if has == "accepted":
        update(deliverable, editor, q2)
    elif has == "waiting":
        _waiting(deliverable, editor, contributor, q2)
    elif has == "returned":
        _returned(deliverable, editor, contributor, q2)
    elif has == "only last quarter":
        update(deliverable, editor, q1)
    target.updates.exists() or update(target, editor, q2)

    in_q2 = Deliverable.objects.needs_update_in(q2)
    assert (deliverable in in_q2) is needs
    # The dated form agrees: on 20 May Q1 has closed and Q2 is the open period.
    assert (deliverable in Deliverable.objects.needs_update(D(2017, 5, 20))) is needs


def test_the_open_period_decides_which_update_counts(plan, editor, deliverable):
    q1 = quarter(plan, 1)
    update(deliverable, editor, q1)
    # 10 April: Q1 is still being collected (grace), and has its update.
    assert deliverable not in Deliverable.objects.needs_update(D(2017, 4, 10))
    # 1 May: Q1 has closed; Q2 is being collected.
    assert deliverable in Deliverable.objects.needs_update(D(2017, 5, 1))
    # Once Q1 is locked, Q2 is the open period even in the grace weeks.
    lock_period(period=q1, by=editor, reason="Published.")
    assert deliverable in Deliverable.objects.needs_update(D(2017, 4, 10))
    # After the plan's last period closes nothing is being collected.
    assert not Deliverable.objects.needs_update(D(2018, 6, 1)).exists()


def test_a_draft_plan_or_a_returned_update_follow_the_same_rule_in_the_list_and_api(
    client, plan, editor, deliverable
):
    other = DeliverableFactory(objective=deliverable.objective)
    update(other, editor, quarter(plan, 2))
    client.force_login(editor)
    with at(D(2017, 5, 20)):
        page = client.get(
            reverse("deliverables:list"), {"plan": plan.pk, "needs_update": "true"}
        ).content.decode()
        api = client.get(
            "/api/v1/deliverables/", {"plan": plan.pk, "needs_update": "true"}
        ).json()
    assert deliverable.reference in page and other.reference not in page
    assert [d["reference"] for d in api["results"]] == [deliverable.reference]


# Pages --------------------------------------------------------------------------


def test_the_periods_page_shows_each_period_its_dates_state_and_counts(
    client, plan, editor, deliverable
):
    DeliverableFactory(objective=deliverable.objective)
    update(deliverable, editor, quarter(plan, 2))
    lock_period(period=quarter(plan, 1), by=editor, reason="Published.")
    client.force_login(editor)
    with at(D(2017, 5, 20)):
        response = client.get(reverse("plans:periods", args=[plan.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Updates are being collected for <strong>Q2 2017</strong>" in page
    assert "14 July 2017" in page  # Q2 due
    assert "1 deliverable you can see needs an update" in page
    assert ">Locked<" in page and ">Open<" in page and ">Not yet open<" in page


def test_a_force_counts_only_what_it_can_see(
    client, plan, contributor, deliverable, outsider
):
    hidden = DeliverableFactory(objective=deliverable.objective)
    MembershipFactory(user=UserFactory(), organisation=hidden.lead_organisation)
    client.force_login(contributor)
    q2 = quarter(plan, 2)
    response = client.get(reverse("plans:period", args=[plan.pk, q2.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 deliverable<" in page.replace("\n", "")
    client.force_login(outsider)
    assert client.get(reverse("plans:periods", args=[plan.pk])).status_code == 404


def test_the_periods_page_takes_the_same_queries_for_more_periods_and_deliverables(
    client, plan, editor, deliverable
):
    client.force_login(editor)
    url = reverse("plans:periods", args=[plan.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    DeliverableFactory.create_batch(10, objective=deliverable.objective)
    plan.ends_on = D(2018, 12, 31)
    plan.save()
    ensure_quarterly_periods(plan=plan)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_an_editor_reopens_a_locked_period_with_a_reason(
    client, plan, editor, locked_q1
):
    client.force_login(editor)
    url = reverse("scrutiny:reopen-period", args=[plan.pk, locked_q1.pk])
    response = client.post(url, {"reason": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page and 'href="#id_reason"' in page
    assert "Say why the period is being reopened." in page
    locked_q1.refresh_from_db()
    assert locked_q1.is_locked

    with at(D(2017, 6, 1)):
        response = client.post(url, {"reason": "Force figures arrived late."})
    assert response.status_code == 302
    locked_q1.refresh_from_db()
    assert not locked_q1.is_locked
    assert locked_q1.closes_on == D(2017, 6, 15)
    event = locked_q1.events.get(kind="reopened")
    assert (event.by, event.reason) == (editor, "Force figures arrived late.")
    detail = client.get(reverse("plans:period", args=[plan.pk, locked_q1.pk]))
    assert "Force figures arrived late." in detail.content.decode()


def test_only_editors_reopen_or_move_periods(client, plan, contributor, locked_q1):
    client.force_login(contributor)
    for name in ("scrutiny:reopen-period", "plans:period-dates"):
        url = reverse(name, args=[plan.pk, locked_q1.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Let me in."}).status_code == 404
    locked_q1.refresh_from_db()
    assert locked_q1.is_locked


def test_an_editor_moves_a_periods_dates_with_a_reason(client, plan, editor):
    q2 = quarter(plan, 2)
    client.force_login(editor)
    url = reverse("plans:period-dates", args=[plan.pk, q2.pk])
    form = {
        "opens_on_0": "1",
        "opens_on_1": "4",
        "opens_on_2": "2017",
        "due_on_0": "21",
        "due_on_1": "7",
        "due_on_2": "2017",
        "closes_on_0": "14",
        "closes_on_1": "7",
        "closes_on_2": "2017",
        "reason": "",
    }
    response = client.post(url, form)
    page = response.content.decode()
    assert response.status_code == 400
    assert "The closing date must be on or after the due date." in page
    assert "Say why the dates are changing." in page
    q2.refresh_from_db()
    assert q2.due_on == D(2017, 7, 14)

    form |= {"closes_on_0": "4", "closes_on_1": "8", "reason": "Summer holidays."}
    assert client.post(url, form).status_code == 302
    q2.refresh_from_db()
    assert (q2.due_on, q2.closes_on) == (D(2017, 7, 21), D(2017, 8, 4))
    event = PeriodEvent.objects.get(period=q2)
    assert (event.kind, event.reason, event.by) == (
        "redated",
        "Summer holidays.",
        editor,
    )


def test_the_service_refuses_dates_out_of_order(plan, editor):
    q2 = quarter(plan, 2)
    with pytest.raises(ValidationError) as refused:
        change_period_dates(
            period=q2,
            by=editor,
            reason="Typo.",
            opens_on=D(2017, 4, 1),
            due_on=D(2017, 3, 1),
            closes_on=D(2017, 7, 1),
        )
    assert set(refused.value.message_dict) == {"due_on"}
    assert not PeriodEvent.objects.exists()


def test_the_plan_form_sets_the_reporting_cycle(client, plan, editor):
    client.force_login(editor)
    url = reverse("plans:edit", args=[plan.pk])
    page = client.get(url).content.decode()
    for label in (
        "Reporting year starts in",
        "Updates due (days after the quarter ends)",
        "Grace period (days after the due date)",
        "First reminder (days before the due date)",
        "Chaser (days after the due date)",
    ):
        assert label in page
    form = {
        "owner": plan.owner_id,
        "reference": plan.reference,
        "title": plan.title,
        "starts_on_0": "1",
        "starts_on_1": "1",
        "starts_on_2": "2017",
        "ends_on_0": "31",
        "ends_on_1": "12",
        "ends_on_2": "2017",
        "state": plan.state,
        "year_starts_month": "1",
        "return_due_days": "200",
        "grace_days": "10",
        "reminders_enabled": "on",
        "remind_days_before_due": "5",
        "remind_days_after_due": "3",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "Updates must be due within 90 days of the quarter." in (
        response.content.decode()
    )
    plan.refresh_from_db()
    assert plan.return_due_days == 14
    response = client.post(url, form | {"return_due_days": "21"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.return_due_days, plan.grace_days, plan.remind_days_before_due) == (
        21,
        10,
        5,
    )


def test_the_record_page_says_which_period_an_update_counts_for(
    client, plan, editor, deliverable
):
    client.force_login(editor)
    url = reverse("deliverables:record", args=[deliverable.pk])
    with at(D(2017, 4, 10)):
        page = client.get(url).content.decode()
    q1 = quarter(plan, 1)
    # Q1 takes updates until its grace period ends; it is the one chosen to start.
    assert "Q1 2017 (open for updates until 28 April 2017)" in page
    assert re.search(rf'value="{q1.pk}"[^>]*checked', page)
    assert "Q2 2017 (open for updates until 28 July 2017)" in page  # open too
    lock_period(period=q1, by=editor, reason="Published.")
    with at(D(2017, 2, 10)):
        page = client.get(url).content.decode()
    assert LOCKED in page
    assert "No reporting period of this plan is open for updates today" in page
