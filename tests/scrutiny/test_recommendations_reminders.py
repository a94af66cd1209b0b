"""Reminders about recommendations: the owner's editors and administrators hear of
responses due within 7 days and of responses overdue, once each; and the plan's
dashboard counts them as at its day."""

import datetime

import pytest
from django.urls import reverse

from plans.models import Membership
from scrutiny.recommendations.models import RecommendationReminder
from scrutiny.recommendations.reminders import send_recommendation_reminders
from scrutiny.recommendations.selectors import dashboard_panel
from scrutiny.recommendations.services import (
    respond_to_recommendation,
    save_recommendation,
)
from scrutiny.tasks import send_recommendation_reminders_task
from tests.factories import MembershipFactory, UserFactory, member, plan_for_year

pytestmark = pytest.mark.django_db

D = datetime.date


def record(plan, by, owner, published, **fields):
    return save_recommendation(
        plan=plan,
        by=by,
        text=fields.pop("text", "Improve crime recording."),
        source=fields.pop("source", "hmicfrs"),
        source_title="PEEL 2023-25",
        published_on=published,
        owner=owner,
        **fields,
    )


@pytest.fixture
def force_people(force):
    """The force's editor and administrator, who are told; its contributor and an
    editor without an e-mail address, who are not."""
    return {
        "editor": member(force, Membership.Role.EDITOR, "fern", "Fern Force"),
        "admin": member(force, Membership.Role.ADMIN, "fadil", "Fadil Force"),
        "contributor": member(force, Membership.Role.CONTRIBUTOR, "fay", "Fay"),
        "no_email": MembershipFactory(
            organisation=force,
            role=Membership.Role.EDITOR,
            user=UserFactory(username="nomail", email=""),
        ).user,
    }


@pytest.fixture
def recs(plan, editor, force, authority):
    return {
        # Published 14 March 2024: due 9 May.
        "due_9_may": record(plan, editor, force, D(2024, 3, 14), reference="A"),
        # Due 20 June.
        "due_20_june": record(plan, editor, force, D(2024, 4, 25), reference="B"),
        # The authority's own: its editors are told, not the force's.
        "authority": record(plan, editor, authority, D(2024, 3, 14), reference="C"),
    }


def recipients(mailoutbox) -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in mailoutbox)


def test_due_soon_then_overdue_each_sent_once(
    mailoutbox, recs, force_people, editor, force
):
    # 2 May: due 9 May is within 7 days; 20 June is not.
    told = send_recommendation_reminders(as_of=D(2024, 5, 2))
    assert told == {"due_soon": 2, "overdue": 0}  # A (force) and C (authority)
    force_mail = [m for m in mailoutbox if force_people["editor"].email in m.to]
    assert len(force_mail) == 1
    assert force_mail[0].subject == "Responses due within 7 days: 1 recommendation"
    assert "Response due 9 May 2024 (in 7 days)" in force_mail[0].body
    told_people = {m.to[0] for m in mailoutbox}
    assert force_people["admin"].email in told_people
    assert force_people["contributor"].email not in told_people
    assert editor.email in told_people  # the authority's editor, about C
    # Scoped: the force's people hear nothing of the authority's C.
    assert all("\n- C," not in m.body for m in force_mail)

    mailoutbox.clear()
    assert send_recommendation_reminders(as_of=D(2024, 5, 3)) == {
        "due_soon": 0,
        "overdue": 0,
    }
    assert mailoutbox == []

    # The due day itself is not overdue; the day after is.
    assert send_recommendation_reminders(as_of=D(2024, 5, 9))["overdue"] == 0
    told = send_recommendation_reminders(as_of=D(2024, 5, 10))
    assert told == {"due_soon": 0, "overdue": 2}
    overdue = [m for m in mailoutbox if force_people["editor"].email in m.to]
    assert [m.subject for m in overdue] == ["Responses overdue: 1 recommendation"]
    assert "(1 day ago)" in overdue[0].body
    mailoutbox.clear()
    assert send_recommendation_reminders(as_of=D(2024, 5, 11))["overdue"] == 0
    assert mailoutbox == []
    sent = RecommendationReminder.objects.filter(recommendation=recs["due_9_may"])
    assert sorted(sent.values_list("kind", flat=True)) == ["due_soon", "overdue"]
    assert set(sent.get(kind="overdue").recipients.all()) == {
        force_people["editor"],
        force_people["admin"],
    }


def test_responded_recommendations_are_not_chased(mailoutbox, recs, editor):
    respond_to_recommendation(
        recommendation=recs["due_9_may"], by=editor, response="Done"
    )
    respond_to_recommendation(
        recommendation=recs["authority"], by=editor, response="Done"
    )
    assert send_recommendation_reminders(as_of=D(2024, 5, 10)) == {
        "due_soon": 0,
        "overdue": 0,
    }
    assert mailoutbox == []


def test_the_daily_task_sends_them(mailoutbox, recs, force_people):
    assert send_recommendation_reminders_task.call("2024-05-10") == 2
    assert send_recommendation_reminders_task.call("2024-05-10") == 0


# The dashboard's panel -----------------------------------------------------------


@pytest.fixture
def year_plan(authority):
    return plan_for_year(authority, 2024, reference="PP/2024", title="2024 Plan")


def test_the_dashboard_counts_as_at_a_past_periods_end_and_today(
    client, time_machine, year_plan, editor, force
):
    time_machine.move_to(datetime.datetime(2024, 8, 20, 12), tick=False)
    q1, q2, q3, _q4 = year_plan.reporting_periods.order_by("starts_on")
    # Due 9 May: overdue at the end of Q2, responded on 20 August.
    early = record(year_plan, editor, force, D(2024, 3, 14), reference="A")
    respond_to_recommendation(recommendation=early, by=editor, response="Done")
    # Due 25 June: overdue at Q2's end and still today.
    record(year_plan, editor, force, D(2024, 4, 30), reference="B")
    # Due 25 August: open but not overdue today; published after Q2 ended.
    record(
        year_plan,
        editor,
        force,
        D(2024, 6, 30) + datetime.timedelta(days=1),
        reference="C",
    )
    # Due on Q2's last day (30 June) and open: overdue at the end of that day.
    record(year_plan, editor, force, D(2024, 5, 5), reference="D")

    at_q2 = dashboard_panel(plan=year_plan, period=q2, today=D(2024, 8, 20))
    assert (at_q2["open"], at_q2["overdue"], at_q2["past"]) == (3, 3, True)
    assert at_q2["day"] == D(2024, 6, 30)
    at_q1 = dashboard_panel(plan=year_plan, period=q1, today=D(2024, 8, 20))
    assert (at_q1["open"], at_q1["overdue"]) == (1, 0)
    now = dashboard_panel(plan=year_plan, period=q3, today=D(2024, 8, 20))
    assert (now["open"], now["overdue"], now["past"]) == (3, 2, False)

    client.force_login(editor)
    page = client.get(reverse("scrutiny:dashboard-period", args=[year_plan.pk, q2.pk]))
    body = page.content.decode()
    assert "3 awaiting a response" in body
    assert "?overdue=true" in body
    page = client.get(reverse("scrutiny:dashboard-period", args=[year_plan.pk, q3.pk]))
    assert "Today: 3 awaiting a response" in page.content.decode()


def test_the_panel_is_one_query(django_assert_num_queries, year_plan, editor, force):
    for i in range(5):
        record(year_plan, editor, force, D(2024, 3, 14), reference=f"R{i}")
    q2 = year_plan.reporting_periods.order_by("starts_on")[1]
    with django_assert_num_queries(1):
        dashboard_panel(plan=year_plan, period=q2, today=D(2024, 8, 20))
