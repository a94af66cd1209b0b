"""Choosing the period when recording progress in the browser.

The form offers the plan's periods open for updates, starting on the current one;
the plan's editors may also record for an earlier period that has closed but is
not locked (bringing a plan's history up to date). A locked period, a closed one
chosen by someone who is not an editor, or a period of another plan is refused
beside the field, and nothing is written.
"""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from deliverables.models import ProgressUpdate, Status
from plans.services import lock_period
from tests.factories import plan_for_year

D = datetime.date


def at(day):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 9, tzinfo=datetime.UTC),
        tick=False,
    )


def quarter(plan, number):
    return plan.reporting_periods.order_by("starts_on")[number - 1]


def offered(page: str) -> list[str]:
    """The periods the form offers, as their labels say, in order."""
    return re.findall(r'for="id_period_\d+">([^<]+)</label>', page)


def answers(period=None, **more):
    data = {
        "status": Status.IN_PROGRESS,
        "forecast_date": "Q4",
        "narrative": "Patrols began in the town centre.",
        "reason": "Started.",
        **more,
    }
    if period is not None:
        data["period"] = str(period.pk)
    return data


@pytest.fixture
def url(deliverable):
    return reverse("deliverables:record", args=[deliverable.pk])


def test_a_contributor_is_offered_the_open_periods_only(client, plan, contributor, url):
    client.force_login(contributor)
    with at(D(2017, 7, 20)):  # Q3 has begun; Q2's grace period runs to 28 July
        page = client.get(url).content.decode()
    assert offered(page) == [
        "Q3 2017 (open for updates until 28 October 2017)",
        "Q2 2017 (open for updates until 28 July 2017)",
    ]


def test_an_editor_may_also_bring_an_earlier_period_up_to_date(
    client, plan, editor, url, deliverable
):
    client.force_login(editor)
    q1 = quarter(plan, 1)
    with at(D(2017, 9, 1)):
        page = client.get(url).content.decode()
        assert offered(page) == [
            "Q3 2017 (open for updates until 28 October 2017)",
            "Q2 2017 (closed on 28 July 2017: editors only)",
            "Q1 2017 (closed on 28 April 2017: editors only)",
        ]
        # The current quarter is the one chosen to start.
        q3 = quarter(plan, 3)
        assert re.search(rf'value="{q3.pk}"[^>]*checked', page)
        response = client.post(url, answers(q1))
    assert response.status_code == 302
    assert ProgressUpdate.objects.get().period == q1


def test_a_contributor_choosing_a_closed_period_is_told_why(
    client, plan, contributor, url
):
    client.force_login(contributor)
    with at(D(2017, 9, 1)):
        page = client.post(url, answers(quarter(plan, 1))).content.decode()
    assert "govuk-error-summary" in page
    assert "Q1 2017 closed for updates on 28 April 2017" in page
    assert 'id="id_period-error"' in page
    assert not ProgressUpdate.objects.exists()


def test_a_locked_period_is_refused_with_the_lock_message(client, plan, editor, url):
    q2 = quarter(plan, 2)
    lock_period(period=q2, by=editor, reason="Report version 1 published.")
    client.force_login(editor)
    with at(D(2017, 9, 1)):
        page = client.get(url).content.decode()
        assert "Q2 2017" not in " ".join(offered(page))
        refused = client.post(url, answers(q2)).content.decode()
    assert "Q2 2017 is locked because its report has been published" in refused
    assert 'id="id_period-error"' in refused
    assert not ProgressUpdate.objects.exists()


def test_a_period_of_another_plan_or_a_forged_id_is_refused(
    client, plan, editor, authority, url
):
    other = plan_for_year(authority, 2017, reference="OTHER/2017")
    client.force_login(editor)
    with at(D(2017, 9, 1)):
        for forged in (str(quarter(other, 3).pk), "999999", "Q3"):
            page = client.post(url, answers() | {"period": forged}).content.decode()
            assert "Choose a reporting period of this plan." in page
    assert not ProgressUpdate.objects.exists()


def test_with_no_period_open_a_contributor_is_told_whom_to_ask(
    client, plan, contributor, url
):
    client.force_login(contributor)
    with at(D(2018, 6, 1)):  # every 2017 quarter has closed
        page = client.get(url).content.decode()
    assert "No reporting period of this plan is open for updates today" in page
    assert "Ask an editor of the plan" in page
    assert "<form" not in page.split('id="main-content"')[-1].split("</main>")[0]


def test_an_update_for_an_earlier_period_leaves_the_current_state_alone(
    client, plan, editor, url, deliverable
):
    """Bringing history up to date writes the earlier quarter's state, for its
    dashboards, without undoing what later quarters say now."""
    from deliverables.models import PeriodState

    client.force_login(editor)
    q1, q3 = quarter(plan, 1), quarter(plan, 3)
    with at(D(2017, 9, 1)):
        assert client.post(url, answers(q3)).status_code == 302
        late = answers(q1, status=Status.FUTURE, narrative="Not begun in Q1.")
        assert client.post(url, late).status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.status == Status.IN_PROGRESS
    assert ProgressUpdate.objects.filter(period=q1).get().status == Status.FUTURE
    assert PeriodState.objects.get(deliverable=deliverable, period=q1).status == (
        Status.FUTURE
    )
    assert PeriodState.objects.get(deliverable=deliverable, period=q3).status == (
        Status.IN_PROGRESS
    )
