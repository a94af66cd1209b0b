"""The rules of scrutiny (``scrutiny.rules``): the 56-day clock of an HMICFRS report,
the configurable clock of the other sources, and one "overdue" for scrutiny actions
and recommendations alike."""

import datetime

import pytest

from scrutiny import rules
from scrutiny.models import ScrutinyAction
from scrutiny.recommendations.models import Recommendation

D = datetime.date


@pytest.mark.parametrize(
    ("published", "due", "why"),
    [
        (D(2024, 3, 14), D(2024, 5, 9), "an ordinary Thursday: due a Thursday"),
        (D(2024, 3, 16), D(2024, 5, 11), "published on a Saturday: due a Saturday"),
        (D(2024, 3, 17), D(2024, 5, 12), "published on a Sunday: due a Sunday"),
        (D(2023, 1, 31), D(2023, 3, 28), "across the end of a short February"),
        (D(2024, 1, 31), D(2024, 3, 27), "across a leap February"),
        (D(2024, 11, 30), D(2025, 1, 25), "across the end of the year"),
        (D(2028, 2, 29), D(2028, 4, 25), "published on a leap day"),
        (D(2028, 1, 4), D(2028, 2, 29), "due on a leap day"),
    ],
)
def test_hmicfrs_comments_are_due_56_calendar_days_after_publication(
    published, due, why
):
    assert rules.response_due_on("hmicfrs", published) == due, why
    assert (due - published).days == 56


def test_no_day_of_the_hmicfrs_clock_moves_for_a_weekend():
    for offset in range(7):  # every day of a week
        published = D(2024, 3, 11) + datetime.timedelta(days=offset)
        due = rules.response_due_on("hmicfrs", published)
        assert due.weekday() == published.weekday()


def test_the_56_days_cannot_be_configured_away(settings):
    settings.RECOMMENDATION_RESPONSE_DAYS = {"hmicfrs": 10}
    assert rules.response_due_on("hmicfrs", D(2024, 3, 14)) == D(2024, 5, 9)
    with pytest.raises(ValueError, match="set by law"):
        rules.response_due_on("hmicfrs", D(2024, 3, 14), days=10)


def test_other_sources_follow_the_configured_rule(settings):
    published = D(2024, 3, 14)
    assert rules.response_due_on("panel_report", published) == D(2024, 4, 11)
    assert rules.response_due_on("annual_review", published) == D(2024, 4, 11)
    assert rules.response_due_on("other", published) is None
    settings.RECOMMENDATION_RESPONSE_DAYS = {"panel_report": 60, "other": 14}
    assert rules.response_due_on("panel_report", published) == D(2024, 5, 13)
    assert rules.response_due_on("other", published) == D(2024, 3, 28)
    assert rules.response_due_on("annual_review", published) == D(2024, 4, 11)
    assert rules.response_due_on("panel_report", published, days=7) == D(2024, 3, 21)


def test_a_bad_configured_number_is_refused(settings):
    settings.RECOMMENDATION_RESPONSE_DAYS = {"panel_report": -3}
    with pytest.raises(ValueError, match="panel_report"):
        rules.response_due_on("panel_report", D(2024, 3, 14))


DUE = D(2024, 5, 9)


@pytest.mark.parametrize(
    ("as_of", "overdue"),
    [
        (D(2024, 5, 8), False),  # the day before
        (DUE, False),  # the due day itself is within the 56 days
        (D(2024, 5, 10), True),  # the day after
        (D(2025, 1, 1), True),
    ],
)
def test_overdue_only_from_the_day_after_the_due_date(as_of, overdue):
    rec = Recommendation(state="open", due_on=DUE)
    assert rules.is_overdue(rec, as_of) is overdue


def test_answered_or_undated_is_never_overdue():
    late = D(2030, 1, 1)
    assert not rules.is_overdue(Recommendation(state="responded", due_on=DUE), late)
    assert not rules.is_overdue(Recommendation(state="closed", due_on=DUE), late)
    assert not rules.is_overdue(Recommendation(state="open", due_on=None), late)


@pytest.mark.django_db
def test_scrutiny_actions_and_recommendations_share_one_overdue_rule(
    plan, authority, time_machine
):
    """Both models answer "overdue?" through the rule, in memory and in SQL, for the
    same states and dates."""
    time_machine.move_to(datetime.datetime(2024, 5, 10, 12), tick=False)
    today = D(2024, 5, 10)
    cases = [
        ("open", D(2024, 5, 9)),
        ("open", D(2024, 5, 10)),
        ("open", None),
    ]
    for state, due in cases:
        action = ScrutinyAction.objects.create(
            plan=plan,
            text=f"{state} {due}",
            raised_by="Panel",
            raised_on=D(2024, 3, 1),
            owner=authority,
            due_on=due,
            state=state,
        )
        rec = Recommendation.objects.create(
            plan=plan,
            text=f"{state} {due}",
            source="other",
            source_title="A report",
            published_on=D(2024, 3, 1),
            owner=authority,
            due_on=due,
            state=state,
        )
        expected = rules.is_overdue(rec, today)
        assert action.is_overdue is expected
        assert rec.is_overdue is expected
    answered = dict(response="Done", answered_on=D(2024, 4, 1))
    ScrutinyAction.objects.create(
        plan=plan,
        text="x",
        raised_by="Panel",
        owner=authority,
        due_on=D(2024, 1, 1),
        state="answered",
        **answered,
    )
    Recommendation.objects.create(
        plan=plan,
        text="x",
        source="other",
        source_title="A",
        owner=authority,
        published_on=D(2023, 12, 1),
        due_on=D(2024, 1, 1),
        state="responded",
        response="Done",
        responded_on=D(2024, 4, 1),
    )
    for model in (ScrutinyAction, Recommendation):
        overdue = model.objects.filter(rules.overdue(today))
        assert [o.text for o in overdue] == ["open 2024-05-09"]
        assert all(o.is_overdue for o in overdue)
