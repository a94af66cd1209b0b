"""One definition per named rule, and every surface giving its answer.

``deliverables.rules`` defines "late", "forecast after its milestone", "needs an
update", "closed" and "counts as made" once. ``CASES`` is one table of deliverables in
every state that matters; for each, as the plan's editor and as a force's contributor,
the deliverables list, the periods pages, the missing-updates page, the dashboard (its
figures and drill-downs), the overview of plans, the reminders and the API must all
give the answer the table says.

Today is 1 July 2017, the day after Q2 ends: the day the Q2 dashboard asks "late?"
about (the end of its quarter) is the day the lists and the API ask about, and Q2 is
the period the plan is collecting (Q1 closed in April; Q3 opened today but comes
after Q2), so "needs an update" without a period named means Q2 as well.
"""

import copy
import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from deliverables import rules
from deliverables.choices import DECISIONS, ReviewState
from deliverables.missing import missing_updates
from deliverables.models import Deliverable, ProgressUpdate, Status, UpdateReview
from deliverables.reminders import reminders_due
from deliverables.services import accept_update, return_update
from plans.services import issue_api_client
from scrutiny.dashboards.figures import build_dashboard, dashboard_rows, matching
from scrutiny.dashboards.tables import tables
from scrutiny.reports.services import differences, publish_report
from tests.api.conftest import bearer, fetch_token, session_client
from tests.factories import DeliverableFactory, UserFactory, record_update

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2017, 7, 1)
CASE = "Case deliverable"
CONTROL = "Control deliverable"


def at(day):
    """Nine in the morning of ``day``, London time, for the whole test."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 8, tzinfo=datetime.UTC),
        tick=False,
    )


@pytest.fixture(autouse=True)
def today():
    cache.clear()  # API throttle counts
    with at(TODAY):
        yield TODAY


def quarter(plan, number):
    return plan.reporting_periods.order_by("starts_on")[number - 1]


# (case, the deliverable, its update, late?, needs an update for Q2?, forecast after
# its milestone?). Dates are (baseline, forecast); "" is not known (TBA).
CASES = [
    ("due in Q1, no forecast", {"dates": ("Q1", "")}, None, True, True, False),
    ("due in Q4", {"dates": ("Q4", "Q4")}, None, False, True, False),
    # Due by the period's last day: late at its end, which is today.
    ("due yesterday", {"dates": ("30/06/2017", "")}, None, True, True, False),
    ("due today", {"dates": ("01/07/2017", "01/07/2017")}, None, False, True, False),
    ("dates not known", {"dates": ("TBA", "TBA")}, None, False, True, False),
    ("forecast after milestone", {"dates": ("Q1", "Q4")}, None, False, True, True),
    ("forecast passed too", {"dates": ("Q1", "Q2")}, None, True, True, True),
    ("forecast before milestone", {"dates": ("Q4", "Q1")}, None, True, True, False),
    ("on hold", {"status": Status.ON_HOLD}, None, True, True, False),
    ("not commenced", {"status": Status.NOT_YET_COMMENCED}, None, True, True, False),
    ("completed", {"status": Status.COMPLETED}, None, False, False, False),
    (
        "completed after its milestone",
        {"status": Status.COMPLETED, "dates": ("Q1", "Q2")},
        None,
        False,
        False,
        False,
    ),
    (
        "will not proceed",
        {"status": Status.WILL_NOT_PROCEED},
        None,
        False,
        False,
        False,
    ),
    ("merged", {"status": Status.MERGED}, None, False, False, False),
    ("split", {"status": Status.SPLIT}, None, False, False, False),
    ("accepted update", {}, "accepted", True, False, False),
    ("accepted re-dating", {}, "accepted re-dating", False, False, True),
    ("completed by its update", {}, "accepted completion", False, False, False),
    ("update waiting for review", {}, "waiting re-dating", True, False, False),
    ("accepted after review", {}, "accepted after review", True, False, False),
    ("returned update", {}, "returned", True, True, False),
    ("update for Q1 only", {}, "last quarter", True, True, False),
]


def make_case(plan, force, editor, contributor, control, spec, update):
    """The case's deliverable in the plan, with its update."""
    baseline, forecast = spec.get("dates", ("Q1", "Q1"))
    status = spec.get("status", Status.IN_PROGRESS)
    deliverable = DeliverableFactory(
        objective=control.objective,
        reference="CASE",
        title=CASE,
        lead_organisation=force,
        status=status,
        baseline_date=baseline,
        forecast_date=forecast,
        merged_into=control if status == Status.MERGED else None,
    )
    q1, q2 = quarter(plan, 1), quarter(plan, 2)
    say = "Work goes on."
    if update == "accepted":
        record_update(deliverable=deliverable, by=editor, narrative=say, period=q2)
    elif update == "accepted re-dating":
        record_update(
            deliverable=deliverable,
            by=editor,
            narrative=say,
            period=q2,
            forecast_date="Q4",
            reason="A supplier is late.",
        )
    elif update == "accepted completion":
        record_update(
            deliverable=deliverable,
            by=editor,
            narrative="Done.",
            period=q2,
            status=Status.COMPLETED,
            reason="Finished.",
        )
    elif update == "last quarter":
        record_update(deliverable=deliverable, by=editor, narrative=say, period=q1)
    elif update is not None:
        plan.review_contributor_updates = True
        plan.save()
        sent = record_update(
            deliverable=deliverable,
            by=contributor,
            narrative=say,
            period=q2,
            **(
                {"forecast_date": "Q4", "reason": "A supplier is late."}
                if update == "waiting re-dating"
                else {"rag": "amber"}
            ),
        )
        if update == "accepted after review":
            accept_update(update=sent, by=editor)
        elif update == "returned":
            return_update(update=sent, by=editor, comment="Add the figures.")
    deliverable.refresh_from_db()
    return deliverable


@pytest.fixture
def control(plan, force, editor):
    """Late and needing an update in every case (and the case's merge target), so
    that each figure counts something and a blank page cannot pass for an answer."""
    return DeliverableFactory(
        objective__priority__plan=plan,
        reference="CONTROL",
        title=CONTROL,
        lead_organisation=force,
        status=Status.IN_PROGRESS,
        baseline_date="Q1",
        forecast_date="Q1",
    )


@pytest.fixture
def force_api(force):
    return api_of(force)


def api_of(organisation):
    """The organisation's own system, through the API with a bearer token (which
    expires an hour after it is issued)."""
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client, secret = issue_api_client(
        organisation=organisation, name="Own system", scopes=["read"], by=admin
    )
    token = fetch_token(client.application.client_id, secret, "read").json()
    return bearer(token["access_token"])


def listed(client, **query) -> bool:
    """Whether the deliverables list shows the case for ``query``."""
    response = client.get(reverse("deliverables:list"), query)
    assert response.status_code == 200
    return CASE in response.content.decode()


def api_lists(api, **query) -> bool:
    response = api.get("/api/v1/deliverables/", query)
    assert response.status_code == 200, response.content
    references = {row["reference"] for row in response.json()["results"]}
    return "CASE" in references


def shows(client, url, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def counted(pattern: str, page: str) -> int:
    found = re.search(pattern, page.replace("\n", ""))
    assert found, pattern
    return int(found.group(1))


@pytest.mark.slow
@pytest.mark.parametrize("who", ["editor", "force contributor"])
@pytest.mark.parametrize(
    ("case", "spec", "update", "late", "needs_update", "after_milestone"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_every_surface_gives_the_rules_answer(
    client,
    plan,
    force,
    editor,
    contributor,
    control,
    force_api,
    who,
    case,
    spec,
    update,
    late,
    needs_update,
    after_milestone,
):
    deliverable = make_case(plan, force, editor, contributor, control, spec, update)
    q2 = quarter(plan, 2)
    assert rules.end_of(q2) == TODAY
    user = editor if who == "editor" else contributor
    api = session_client(editor) if who == "editor" else force_api
    client.force_login(user)

    # The rules in memory and in the database.
    dates = (deliverable.forecast_date_end, deliverable.baseline_date_end)
    assert rules.is_late(deliverable.status, *dates, TODAY) is late
    assert deliverable.is_late(TODAY) is late
    assert rules.is_forecast_after_milestone(deliverable.status, *dates) is (
        after_milestone
    )
    assert Deliverable.objects.late_as_of(TODAY).filter(pk=deliverable.pk).exists() is (
        late
    )
    assert (deliverable in Deliverable.objects.needs_update_in(q2)) is needs_update

    # The deliverables list, and the API that shares its filters.
    assert listed(client, plan=plan.pk, late="true") is late
    assert listed(client, plan=plan.pk, late="false") is not late
    assert listed(client, plan=plan.pk, needs_update="true") is needs_update
    assert listed(client, plan=plan.pk, needs_update="true", period=q2.pk) is (
        needs_update
    )
    assert api_lists(api, late="true") is late
    assert api_lists(api, late_as_of=TODAY.isoformat()) is late
    assert api_lists(api, needs_update="true") is needs_update
    assert api_lists(api, needs_update="true", period=q2.pk) is needs_update
    assert api_lists(api, needs_update="false") is not needs_update

    # The period's page and its missing updates page (and its export).
    args = [plan.pk, q2.pk]
    period_page = shows(client, reverse("plans:period", args=args))
    need = r"Need an update</dt><dd[^>]*>(?:<a[^>]*>)?(\d+) deliverable"
    assert counted(need, period_page) == 1 + needs_update
    missing = shows(client, reverse("plans:missing", args=args))
    assert (CASE in missing) is needs_update and CONTROL in missing
    export = shows(client, reverse("plans:missing", args=args), format="csv")
    assert ("CASE" in export) is needs_update

    # The Q2 dashboard: its figures and the drill-downs behind them.
    dashboard = shows(client, reverse("scrutiny:dashboard-period", args=args))
    late_tile = r'app-headline__item--late">.*?app-headline__count">(\d+)<'
    assert counted(late_tile, dashboard) == 1 + late
    assert counted(r"(\d+) forecast after its milestone", dashboard) == (
        after_milestone
    )
    assert counted(r"(\d+) deliverables?</a> ha(?:s|ve) no update", dashboard) == (
        1 + needs_update
    )
    drill = reverse("scrutiny:drill-down", args=args)
    assert (CASE in shows(client, drill, late="true")) is late
    assert (CASE in shows(client, drill, needs_update="true")) is needs_update
    assert (CASE in shows(client, drill, forecast_after_milestone="true")) is (
        after_milestone
    )

    # The overview of plans counts the late today.
    overview = client.get(reverse("scrutiny:overview"))
    (row,) = [r for r in overview.context["rows"] if r["plan"] == plan]
    assert row["late"] == 1 + late

    # Reminders: whom they chase on the due date, for what.
    assert (deliverable in missing_updates(period=q2)) is needs_update
    reminded = {
        d
        for reminder in reminders_due(as_of=q2.due_on)
        if reminder.period == q2
        for d in reminder.deliverables
    }
    assert (deliverable in reminded) is needs_update and control in reminded


# The reported bug ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "in_view", "collecting"),
    [
        # Q1 has closed but is not locked (its late updates are still taken);
        # Q2 is being collected, and the force has sent its Q2 updates.
        (D(2017, 5, 20), 1, 2),
        # Every quarter has closed and none is locked: nothing is being collected.
        (D(2018, 6, 1), 4, None),
    ],
)
def test_a_force_gets_the_same_answer_from_the_list_as_from_the_periods_page(
    client, plan, force, contributor, day, in_view, collecting
):
    """The list said 0 while the period's pages said 2: without a period named, it
    answers for the period each plan is collecting today, which is not the period
    in view. It now takes the period, and the period's page links to it."""
    period = quarter(plan, in_view)
    for reference in ("A", "B"):
        work = DeliverableFactory(
            objective__priority__plan=plan,
            reference=reference,
            title=f"Work {reference}",
            lead_organisation=force,
            status=Status.IN_PROGRESS,
        )
        if collecting is not None:
            record_update(
                deliverable=work,
                by=contributor,
                narrative="On track.",
                period=quarter(plan, collecting),
            )
    with at(day):
        client.force_login(contributor)
        missing = shows(client, reverse("plans:missing", args=[plan.pk, period.pk]))
        period_page = shows(client, reverse("plans:period", args=[plan.pk, period.pk]))
        # What the user saw: the period being collected has its updates.
        today_list = shows(client, reverse("deliverables:list"), needs_update="true")
        link = re.search(r'href="([^"]*needs_update=true)"', period_page)
        assert link, "the period's page links to the list of what needs an update"
        same_period = shows(client, link.group(1).replace("&amp;", "&"))
        api = (
            api_of(force)
            .get("/api/v1/deliverables/", {"needs_update": "true", "period": period.pk})
            .json()
        )
    assert "Work A</a>" in missing and "Work B</a>" in missing
    assert "2 deliverables" in period_page
    assert "Work A" not in today_list and "0 deliverables" in today_list
    assert "Work A" in same_period and "Work B" in same_period
    assert "2 deliverables" in same_period
    assert f'<option value="{period.pk}" selected>{period.label}</option>' in (
        same_period
    )
    assert [row["reference"] for row in api["results"]] == ["A", "B"]


# One spelling -------------------------------------------------------------------


def test_the_lists_old_spelling_redirects_to_the_one_spelling(client, plan, editor):
    client.force_login(editor)
    url = reverse("deliverables:list")
    response = client.get(url, {"plan": plan.pk, "late": "yes", "needs_update": "no"})
    assert response.status_code == 302
    assert response["Location"] == (
        f"{url}?plan={plan.pk}&late=true&needs_update=false"
    )
    assert client.get(url, {"plan": plan.pk, "late": "true"}).status_code == 200


def test_the_drill_downs_old_spelling_redirects_to_the_one_spelling(
    client, plan, editor, control
):
    client.force_login(editor)
    q2 = quarter(plan, 2)
    url = reverse("scrutiny:drill-down", args=[plan.pk, q2.pk])
    for name in ("late", "needs_update", "new", "forecast_after_milestone"):
        response = client.get(url, {name: "yes"})
        assert response.status_code == 302
        assert response["Location"] == f"{url}?{name}=true"
    assert CONTROL in shows(client, url, late="true")
    # A published report's links, frozen as they were published, keep working.
    report = publish_report(plan=plan, period=q2, by=editor)
    url = reverse("scrutiny:report-drill-down", args=[report.pk])
    response = client.get(url, {"needs_update": "yes"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?needs_update=true"
    assert CONTROL in shows(client, url, needs_update="true")


def test_the_api_keeps_the_spelling_it_documents(editor, control):
    api = session_client(editor)
    assert api_lists(api, late="true") is False  # only the control is late
    late = api.get("/api/v1/deliverables/", {"late": "true"}).json()
    assert [row["reference"] for row in late["results"]] == ["CONTROL"]
    refused = api.get("/api/v1/deliverables/", {"late": "yes"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "late"


# Counts as made, and the one enum of review decisions ------------------------------


def test_an_update_counts_as_made_when_accepted_or_never_reviewed(
    plan, editor, contributor, control
):
    q2 = quarter(plan, 2)
    made = record_update(deliverable=control, by=editor, narrative="A.", period=q2)
    plan.review_contributor_updates = True
    plan.save()
    waiting, accepted, returned = (
        record_update(deliverable=control, by=contributor, narrative=n, period=q2)
        for n in ("Waiting.", "Accepted.", "Returned.")
    )
    accept_update(update=accepted, by=editor)
    return_update(update=returned, by=editor, comment="Add the figures.")
    counted_as_made = ProgressUpdate.objects.filter(rules.counts_as_made())
    assert set(counted_as_made) == {made, accepted}
    states = [
        ProgressUpdate.objects.get(pk=u.pk).review_state
        for u in (made, waiting, accepted, returned)
    ]
    assert states == ["accepted", "submitted", "accepted", "returned"]
    assert set(states) == set(ReviewState)
    assert {value for value, _label in DECISIONS} == set(
        UpdateReview.objects.values_list("decision", flat=True)
    )
    assert not hasattr(UpdateReview, "Decision")


# Reports published before ---------------------------------------------------------


def test_a_report_published_before_keeps_what_it_showed(plan, force, control):
    """Reports published before "forecast after its milestone" was a figure of its
    own counted it as late, in rows without the new key: they read as published."""
    DeliverableFactory(
        objective=control.objective,
        reference="CASE",
        title=CASE,
        lead_organisation=force,
        status=Status.IN_PROGRESS,
        baseline_date="Q1",
        forecast_date="Q4",
    )
    period = quarter(plan, 2)
    now, rows_now = build_dashboard(plan, period), dashboard_rows(plan, period)
    assert now["counts"]["late"] == now["counts"]["forecast_after_milestone"] == 1
    assert [r["reference"] for r in matching(rows_now, {"late": "true"})] == ["CONTROL"]
    assert [
        r["reference"] for r in matching(rows_now, {"forecast_after_milestone": "true"})
    ] == ["CASE"]
    # As such a report stored it: every row among its figures, and no counts.
    then = copy.deepcopy(now)
    del then["counts"]
    old_rows = copy.deepcopy(rows_now)
    for row in old_rows:
        if row.pop("forecast_after_milestone"):
            row["late"] = "Forecast after its milestone"
    then["deliverables"] = old_rows
    then["late"] = [r for r in old_rows if r["late"]]

    late = matching(old_rows, {"late": "true"})
    assert {r["reference"] for r in late} == {"CONTROL", "CASE"}
    assert matching(old_rows, {"forecast_after_milestone": "true"}) == []
    sheets = {slug: rows for slug, _title, rows in tables(then, old_rows)}
    assert len(sheets["late"]) == 1 + 2 and len(sheets["forecast-after-milestone"]) == 1
    rows = sheets["deliverables"]
    assert rows[0][8] == "Forecast after milestone" and rows[1][8] == ""
    assert differences(then, now, old_rows, rows_now) == [
        "Late: 2 to 1",
        "Forecast after its milestone: 0 to 1",
    ]


def test_a_deliverable_identified_later_needs_no_update_for_earlier_quarters(
    plan, force, editor, control
):
    """A deliverable that joined the plan in Q3 (split from another, say) was not in
    the plan in Q2: nothing chases it for Q2, on any page; it needs one for Q3."""
    joined = DeliverableFactory(
        objective=control.objective,
        reference="JOINED",
        lead_organisation=force,
        status=Status.IN_PROGRESS,
        identified_on=datetime.date(2017, 8, 1),
    )
    q2, q3 = quarter(plan, 2), quarter(plan, 3)
    needing_q2 = Deliverable.objects.filter(rules.needs_update(q2))
    assert control in needing_q2 and joined not in needing_q2
    assert joined in Deliverable.objects.filter(rules.needs_update(q3))
    assert joined not in missing_updates(period=q2)
    assert build_dashboard(plan, q2)["needs_update"] == 1  # the control alone
