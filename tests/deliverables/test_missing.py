"""The missing updates page and its exports: who has not yet given a period's update,
by organisation and owner, and how late; editors see everyone, a force only itself."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from deliverables.models import SentReminder, Status
from deliverables.reminders import send_reminders
from plans.models import Membership, Plan, ReportingPeriod
from tests.factories import (
    DeliverableFactory,
    DeliverableOwnerFactory,
    MembershipFactory,
    UserFactory,
    record_update,
)

pytestmark = pytest.mark.django_db


def member(organisation, username, role=Membership.Role.CONTRIBUTOR):
    return MembershipFactory(
        user=UserFactory(username=username), organisation=organisation, role=role
    ).user


def set_dates(period, *, due_in_days):
    """Move the period so that its updates are due ``due_in_days`` from today (a
    negative number: that many days ago), with the usual 14 days' grace."""
    today = timezone.localdate()
    due = today + datetime.timedelta(days=due_in_days)
    ReportingPeriod.objects.filter(pk=period.pk).update(
        opens_on=due - datetime.timedelta(days=40),
        due_on=due,
        closes_on=due + datetime.timedelta(days=14),
    )
    period.refresh_from_db()
    return period


@pytest.fixture
def q1(plan):
    return set_dates(plan.reporting_periods.get(label="Q1 2017"), due_in_days=-5)


@pytest.fixture
def work(plan, force, partner, contributor):
    def make(reference, organisation=force, **kw):
        return DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=organisation,
            reference=reference,
            title=f"Work {reference}",
            status=kw.pop("status", Status.IN_PROGRESS),
            **kw,
        )

    lena = UserFactory(username="lena", first_name="Lena", last_name="Le Brun")
    shared = make("S")
    DeliverableOwnerFactory(
        deliverable=shared, role="Chief Officer", organisation=partner
    )
    items = {
        "A": make("A"),
        "B": make("B", lead_user=lena),
        "C": make("C"),
        "D": make("D", status=Status.COMPLETED),
        "P": make("P", organisation=partner),
        "S": shared,
    }
    DeliverableOwnerFactory(deliverable=items["A"], role="Supt Local Policing")
    return items


def url(period, **query):
    path = reverse("plans:missing", args=[period.plan_id, period.pk])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def shown(page):
    return {ref for ref in "ABCDPS" if f"Work {ref}</a>" in page}


def test_an_editor_sees_every_organisation_by_owner_and_how_late(
    client, editor, q1, work, contributor
):
    record_update(deliverable=work["C"], by=contributor, narrative="Done.", period=q1)
    client.force_login(editor)
    response = client.get(url(q1))
    page = response.content.decode()
    assert response.status_code == 200
    assert shown(page) == {"A", "B", "P", "S"}
    assert "Missing updates for Q1 2017" in page
    assert "States of Jersey Police" in page and "Honorary Police" in page
    assert "Lena Le Brun" in page
    assert "Supt Local Policing" in page
    assert "No owner named" in page
    assert "5 days past the due date" in page
    assert "4 deliverables from 2 organisations" in page
    detail = reverse("deliverables:detail", args=[work["A"].pk])
    record = reverse("deliverables:record", args=[work["A"].pk])
    assert f'href="{detail}"' in page and f'href="{record}"' in page
    # The shared deliverable says whom it is shared with.
    assert "Honorary Police</td>" in page
    assert "Reminders sent" in page


def test_a_force_sees_only_the_deliverables_it_leads_or_shares(
    client, contributor, q1, work, partner
):
    client.force_login(contributor)
    page = client.get(url(q1)).content.decode()
    assert shown(page) == {"A", "B", "C", "S"}
    assert "Reminders sent" not in page
    paddy = member(partner, "paddy")
    client.force_login(paddy)
    page = client.get(url(q1)).content.decode()
    assert shown(page) == {"P", "S"}


def test_the_period_shows_as_closed_once_its_grace_period_has_ended(
    client, editor, plan, work
):
    q1 = set_dates(plan.reporting_periods.get(label="Q1 2017"), due_in_days=-20)
    client.force_login(editor)
    page = client.get(url(q1)).content.decode()
    assert "Closed" in page
    assert "20 days past the due date; the grace period has ended" in page


def test_a_period_not_yet_due_says_when_it_is(client, editor, plan, work):
    q1 = set_dates(plan.reporting_periods.get(label="Q1 2017"), due_in_days=3)
    client.force_login(editor)
    page = client.get(url(q1)).content.decode()
    assert "Due in 3 days." in page


def test_editors_see_the_reminders_already_sent(client, editor, q1, work, force):
    member(force, "farah2")
    send_reminders(as_of=q1.due_on)
    sent = SentReminder.objects.filter(period=q1)
    assert sent.exists()
    client.force_login(editor)
    page = client.get(url(q1)).content.decode()
    assert "On the due date" in page
    assert "farah2@example.org" in page
    assert "lena@example.org" in page


def test_the_csv_export_lists_the_missing_updates_with_how_late(
    client, editor, q1, work
):
    client.force_login(editor)
    response = client.get(url(q1, format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert (
        'filename="missing-updates-r42017-q1-2017.csv"'
        in (response["Content-Disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Period", "Organisation", "Owner"]
    by_ref = {row[4]: row for row in rows[1:]}
    assert set(by_ref) == {"A", "B", "C", "P", "S"}
    assert by_ref["B"][1:3] == ["States of Jersey Police", "Lena Le Brun"]
    assert by_ref["S"][3] == "Honorary Police"
    assert by_ref["A"][6] == q1.due_on.strftime("%-d %B %Y")
    assert by_ref["A"][7:9] == ["5", "No"]
    assert by_ref["A"][9] == (
        f"http://testserver{reverse('deliverables:detail', args=[work['A'].pk])}"
    )
    # Organisations in name order, then owners.
    assert [row[1] for row in rows[1:]][0] == "Honorary Police"


def test_the_xlsx_export_is_scoped_like_the_page(client, contributor, q1, work):
    client.force_login(contributor)
    response = client.get(url(q1, format="xlsx"))
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content))["Missing updates"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Period"
    assert {row[4] for row in rows[1:]} == {"A", "B", "C", "S"}
    assert rows[1][6].date() == q1.due_on
    assert rows[1][7] == 5


def test_people_who_may_not_see_it_are_refused(client, plan, q1, work, force, outsider):
    response = client.get(url(q1))
    assert response.status_code == 302
    client.force_login(outsider)
    assert client.get(url(q1)).status_code == 404
    assert client.get(url(q1, format="csv")).status_code == 404
    # A reader of the force sees the plan, but chases nobody.
    client.force_login(member(force, "rory", Membership.Role.READER))
    assert client.get(url(q1)).status_code == 403
    # Anyone may read a public plan; its missing updates are still not theirs.
    Plan.objects.filter(pk=plan.pk).update(is_public=True)
    client.force_login(outsider)
    assert client.get(url(q1)).status_code == 403


def test_a_period_of_another_plan_is_not_found(client, editor, q1, work):
    from tests.factories import PlanFactory

    other = PlanFactory(owner=q1.plan.owner)
    client.force_login(editor)
    wrong = reverse("plans:missing", args=[other.pk, q1.pk])
    assert client.get(wrong).status_code == 404


def _add(plan, force, partner, n):
    for i in range(n):
        d = DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force if i % 2 else partner,
            status=Status.IN_PROGRESS,
            lead_user=UserFactory() if i % 3 == 0 else None,
        )
        DeliverableOwnerFactory(deliverable=d, organisation=partner)


@pytest.mark.parametrize("who", ["editor", "contributor"])
def test_the_query_count_does_not_grow_with_rows(
    client, request, plan, q1, force, partner, who, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    member(force, "farah2")
    _add(plan, force, partner, 2)
    send_reminders(as_of=q1.due_on)
    client.force_login(user)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(q1)).status_code == 200
    with CaptureQueriesContext(connection) as few_csv:
        assert client.get(url(q1, format="csv")).status_code == 200
    _add(plan, force, partner, 12)
    for username in ["x1", "x2", "x3"]:
        member(force, username)
    SentReminder.objects.all().delete()
    send_reminders(as_of=q1.due_on)
    with django_assert_num_queries(len(few)):
        page = client.get(url(q1)).content.decode()
    assert page.count("Record progress<span") >= 7
    with django_assert_num_queries(len(few_csv)):
        client.get(url(q1, format="csv"))
