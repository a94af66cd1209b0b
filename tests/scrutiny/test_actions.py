"""Scrutiny actions: plan editors record them, the owning organisation responds, and
each quarter's dashboard lists those open and those answered in the quarter."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Membership, ReportingPeriod
from scrutiny.dashboards.figures import build_dashboard
from scrutiny.models import ScrutinyAction
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def quarter(plan, n):
    return ReportingPeriod.objects.get(plan=plan, label=f"Q{n} 2017")


def page(response) -> str:
    return response.content.decode()


def date_parts(name, value: datetime.date | None) -> dict:
    if value is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {
        f"{name}_0": str(value.day),
        f"{name}_1": str(value.month),
        f"{name}_2": str(value.year),
    }


def form_data(organisation, **changes) -> dict:
    raised = changes.pop("raised_on", datetime.date(2017, 5, 10))
    due = changes.pop("due_on", datetime.date(2017, 6, 30))
    data = {
        "kind": "question",
        "text": "Why have response times risen in St Helier?",
        "raised_by": "Police and Crime Panel",
        "report": "",
        "owner": organisation.pk,
        "state": "open",
        "response": "",
        **date_parts("raised_on", raised),
        **date_parts("due_on", due),
        **date_parts("answered_on", None),
        **date_parts("closed_on", None),
    }
    return data | changes


def make_action(plan, owner, **fields) -> ScrutinyAction:
    values = {
        "kind": ScrutinyAction.Kind.QUESTION,
        "text": "What is the force doing about cyber crime?",
        "raised_by": "Police and Crime Panel",
        "raised_on": datetime.date(2017, 2, 1),
        "owner": owner,
    } | fields
    return ScrutinyAction.objects.create(plan=plan, **values)


@pytest.fixture
def force_reader(force):
    """Rhys reads for the force but writes nothing."""
    return MembershipFactory(
        user=UserFactory(username="rhys"),
        organisation=force,
        role=Membership.Role.READER,
    ).user


@pytest.fixture
def action(plan, force, deliverable):
    return make_action(plan, force, due_on=datetime.date(2017, 3, 31))


# Recording ---------------------------------------------------------------------


def test_an_editor_records_an_action(client, editor, plan, force):
    client.force_login(editor)
    url = reverse("scrutiny:add-action", args=[plan.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, form_data(force))
    assert response.status_code == 302
    assert response["Location"] == reverse("scrutiny:actions", args=[plan.pk])
    action = ScrutinyAction.objects.get()
    assert action.plan == plan
    assert action.owner == force
    assert action.kind == ScrutinyAction.Kind.QUESTION
    assert action.state == ScrutinyAction.State.OPEN
    assert action.raised_on == datetime.date(2017, 5, 10)
    assert action.due_on == datetime.date(2017, 6, 30)
    assert action.answered_on is None
    assert action.report is None
    history = action.history.get()
    assert history.history_type == "+"
    assert history.history_user == editor

    listing = page(client.get(reverse("scrutiny:actions", args=[plan.pk])))
    assert "Why have response times risen in St Helier?" in listing
    assert force.name in listing


def test_an_editor_marks_an_action_answered(client, editor, plan, action):
    client.force_login(editor)
    url = reverse("scrutiny:edit-action", args=[plan.pk, action.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        form_data(
            action.owner,
            raised_on=action.raised_on,
            due_on=action.due_on,
            state="answered",
            response="Answered at the panel's March meeting.",
        ),
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == ScrutinyAction.State.ANSWERED
    assert action.answered_on == timezone.localdate()
    assert action.history.latest().history_user == editor


INVALID = {
    "empty text": ({"text": ""}, "text", "id_text"),
    "missing owner": ({"owner": ""}, "owner", "id_owner"),
    "due before raised": (
        {"due_on": datetime.date(2017, 5, 9)},
        "due_on",
        "id_due_on_0",
    ),
    "answered without response": ({"state": "answered"}, "response", "id_response"),
}


@pytest.mark.parametrize("case", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_action_is_refused_with_errors_beside_its_fields(
    client, editor, plan, force, case
):
    changes, field, anchor = case
    client.force_login(editor)
    response = client.post(
        reverse("scrutiny:add-action", args=[plan.pk]), form_data(force, **changes)
    )
    shown = page(response)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "<title>Error: " in shown
    assert "govuk-error-summary" in shown
    assert f'href="#{anchor}"' in shown
    assert f'id="id_{field}-error"' in shown
    assert "govuk-form-group--error" in shown
    assert not ScrutinyAction.objects.exists()


@pytest.mark.parametrize(
    "who, refused",
    # The force's people see the plan (403); the outsider may not know it exists.
    [("contributor", 403), ("force_reader", 403), ("outsider", 404)],
)
def test_only_plan_editors_record_actions(client, request, who, refused, plan, action):
    client.force_login(request.getfixturevalue(who))
    add = reverse("scrutiny:add-action", args=[plan.pk])
    edit = reverse("scrutiny:edit-action", args=[plan.pk, action.pk])
    for url in (add, edit):
        assert client.get(url).status_code == refused
        assert client.post(url, form_data(action.owner, text="Mine")).status_code == (
            refused
        )
    assert list(ScrutinyAction.objects.values_list("text", flat=True)) == [action.text]


def test_the_action_list_costs_the_same_queries_for_3_or_30_actions(
    client, contributor, plan, force, deliverable, authority
):
    """Read by a force contributor, so that each row asks whether they may respond."""
    from scrutiny.reports.services import publish_report

    publisher = MembershipFactory(
        organisation=authority, role=Membership.Role.EDITOR
    ).user
    report = publish_report(plan=plan, period=quarter(plan, 1), by=publisher)
    for i in range(3):
        make_action(plan, force, report=report if i % 2 else None)
    client.force_login(contributor)
    url = reverse("scrutiny:actions", args=[plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert len(response.context["actions"]) == 3
    for i in range(27):
        make_action(plan, force, report=report if i % 2 else None)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["actions"]) == 30
    assert all(a.may_respond for a in response.context["actions"])
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


# Responding --------------------------------------------------------------------


def test_the_owning_organisation_responds(client, contributor, plan, action):
    client.force_login(contributor)
    listing = page(client.get(reverse("scrutiny:actions", args=[plan.pk])))
    url = reverse("scrutiny:respond-action", args=[action.pk])
    assert url in listing
    assert reverse("scrutiny:edit-action", args=[plan.pk, action.pk]) not in listing

    assert client.get(url).status_code == 200
    response = client.post(url, {"response": "Two more officers joined the unit."})
    assert response.status_code == 302
    assert response["Location"] == reverse("scrutiny:actions", args=[plan.pk])
    action.refresh_from_db()
    assert action.state == ScrutinyAction.State.ANSWERED
    assert action.response == "Two more officers joined the unit."
    assert action.answered_on == timezone.localdate()
    assert action.history.latest().history_user == contributor


def test_an_empty_response_is_refused(client, contributor, action):
    client.force_login(contributor)
    response = client.post(
        reverse("scrutiny:respond-action", args=[action.pk]), {"response": ""}
    )
    shown = page(response)
    assert response.status_code == 400
    assert "Enter your response." in shown
    assert 'id="id_response-error"' in shown
    assert "govuk-error-summary" in shown
    action.refresh_from_db()
    assert action.state == ScrutinyAction.State.OPEN
    assert action.answered_on is None


@pytest.mark.parametrize("who, refused", [("force_reader", 403), ("outsider", 404)])
def test_readers_and_outsiders_cannot_respond(client, request, who, refused, action):
    client.force_login(request.getfixturevalue(who))
    url = reverse("scrutiny:respond-action", args=[action.pk])
    assert client.get(url).status_code == refused
    assert client.post(url, {"response": "Not mine to give."}).status_code == refused
    action.refresh_from_db()
    assert action.state == ScrutinyAction.State.OPEN
    assert action.response == ""


def test_signed_out_people_are_sent_to_sign_in(client, plan, action):
    for url in (
        reverse("scrutiny:actions", args=[plan.pk]),
        reverse("scrutiny:add-action", args=[plan.pk]),
        reverse("scrutiny:respond-action", args=[action.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))


# On the dashboard ----------------------------------------------------------------


def test_the_dashboard_lists_open_actions_and_those_answered_in_the_period(plan, force):
    def answered(on, **fields):
        return make_action(
            plan,
            force,
            state=ScrutinyAction.State.ANSWERED,
            response="Answered in full.",
            answered_on=on,
            **fields,
        )

    still_open = make_action(plan, force, text="Still open")
    in_q2 = answered(datetime.date(2017, 5, 2), text="Answered in Q2")
    raised_and_answered_in_q2 = answered(
        datetime.date(2017, 6, 30),
        raised_on=datetime.date(2017, 4, 20),
        text="Raised and answered in Q2",
    )
    closed_in_q2 = make_action(
        plan,
        force,
        state=ScrutinyAction.State.CLOSED,
        response="Closed after the panel met.",
        answered_on=datetime.date(2017, 4, 1),
        closed_on=datetime.date(2017, 4, 5),
        text="Closed in Q2",
    )
    in_q1 = answered(datetime.date(2017, 3, 31), text="Answered in Q1")
    in_q3 = answered(datetime.date(2017, 7, 1), text="Answered in Q3")
    make_action(plan, force, raised_on=datetime.date(2017, 7, 1), text="Raised in Q3")

    data = build_dashboard(plan, quarter(plan, 2))
    open_rows = data["actions"]["open"]
    assert {r["id"] for r in open_rows} == {still_open.pk, in_q3.pk}
    # Answered after the period: still open then, and its answer not yet known.
    assert next(r for r in open_rows if r["id"] == in_q3.pk)["response"] == ""
    assert {r["id"] for r in data["actions"]["answered"]} == {
        in_q2.pk,
        raised_and_answered_in_q2.pk,
        closed_in_q2.pk,
    }
    row = next(r for r in data["actions"]["answered"] if r["id"] == in_q2.pk)
    assert row["response"] == "Answered in full."
    assert row["answered_on"] == "2017-05-02"
    assert row["owner"] == force.name

    q1 = build_dashboard(plan, quarter(plan, 1))
    assert {r["id"] for r in q1["actions"]["answered"]} == {in_q1.pk}
    assert {r["id"] for r in q1["actions"]["open"]} == {
        still_open.pk,
        in_q2.pk,
        closed_in_q2.pk,
        in_q3.pk,
    }


def test_the_dashboard_page_shows_the_actions(client, editor, plan, action):
    client.force_login(editor)
    q2 = quarter(plan, 2)
    shown = page(
        client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk]))
    )
    assert "Open (1)" in shown
    assert action.text in shown


def test_a_partner_named_as_owner_can_respond(client, plan, deliverable):
    """The owner need not lead any of the plan's work to answer what it was asked."""
    from plans.models import Membership
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    partner = OrganisationFactory(name="Honorary Police")
    member = MembershipFactory(
        user=UserFactory(username="hugh"),
        organisation=partner,
        role=Membership.Role.CONTRIBUTOR,
    ).user
    action = ScrutinyAction.objects.create(
        plan=plan, text="Parish patrols?", raised_by="Panel", owner=partner
    )
    client.force_login(member)
    url = reverse("scrutiny:respond-action", args=[action.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"response": "Twice weekly."})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == ScrutinyAction.State.ANSWERED
    # Answered: never overwritten through this page, which says so.
    refused = client.get(url)
    assert refused.status_code == 403
    assert "has been answered" in refused.content.decode()
