"""The audit log: every write is recorded with who, what, when and from where; events
cannot be changed or deleted; an organisation's administrators read and export the
events that concern it, and nobody else does."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.models import AuditEvent, AuditEventFinal
from deliverables.models import Deliverable, ProgressUpdate
from deliverables.services import Change, record_progress
from plans.models import Membership, Plan
from plans.services import issue_api_client, revoke_api_client
from tests.api.conftest import bearer, fetch_token
from tests.factories import (
    DeliverableFactory,
    ForceFactory,
    MembershipFactory,
    MilestoneFactory,
    PlanFactory,
    UserFactory,
    record_update,
)

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.fixture
def alex(authority):
    """Alex administers the authority."""
    return MembershipFactory(
        user=UserFactory(username="alex", first_name="Alex", last_name="Admin"),
        organisation=authority,
        role=Membership.Role.ADMIN,
    ).user


@pytest.fixture
def force_client(force, alex):
    """The force's performance system: its record and a bearer-token API client."""
    client, secret = issue_api_client(
        organisation=force,
        name="SOJP performance system",
        scopes=["read", "updates:write"],
        by=alex,
    )
    response = fetch_token(client.application.client_id, secret)
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    api = bearer(token)
    api.credentials_token = token
    return client, api


def events_on(obj, **filters):
    return AuditEvent.objects.filter(
        object_type=obj._meta.label, object_id=str(obj.pk), **filters
    )


def plan_form(plan, **extra):
    return {
        "owner": plan.owner_id,
        "reference": plan.reference,
        "title": plan.title,
        "summary": "",
        "starts_on_0": str(plan.starts_on.day),
        "starts_on_1": str(plan.starts_on.month),
        "starts_on_2": str(plan.starts_on.year),
        "ends_on_0": str(plan.ends_on.day),
        "ends_on_1": str(plan.ends_on.month),
        "ends_on_2": str(plan.ends_on.year),
        "state": plan.state,
        "year_starts_month": plan.year_starts_month,
        "return_due_days": plan.return_due_days,
        "grace_days": plan.grace_days,
        "remind_days_before_due": plan.remind_days_before_due,
        "remind_days_after_due": plan.remind_days_after_due,
    } | extra


# -- what is recorded ----------------------------------------------------------------


def test_a_browser_edit_is_recorded_with_who_what_when_and_where(client, plan, editor):
    client.force_login(editor)
    before = timezone.now()
    response = client.post(
        reverse("plans:edit", args=[plan.pk]),
        plan_form(plan, title="Refreshed plan"),
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT=FIREFOX,
    )
    assert response.status_code == 302

    event = events_on(plan, action="changed").get()
    assert event.actor == editor and event.actor_name == "erin"
    assert event.api_client is None and event.via == "browser"
    assert event.changes["title"] == ["2017 Policing Plan", "Refreshed plan"]
    assert event.object_text == "Refreshed plan"
    assert event.at >= before
    assert event.address == "192.0.2.10"
    assert event.request == f"POST /plans/{plan.pk}/edit/"
    assert event.user_agent == FIREFOX
    assert event.actor_organisation_id == plan.owner_id
    assert (event.organisation_id, event.plan_id) == (plan.owner_id, plan.pk)


def test_the_address_is_the_visitors_behind_a_trusted_proxy(
    client, plan, editor, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(editor)
    client.post(
        reverse("plans:edit", args=[plan.pk]),
        plan_form(plan, title="Renamed"),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert events_on(plan, action="changed").get().address == "198.51.100.7"


def test_an_api_write_names_the_client_that_made_it(force_client, led, force):
    client, api = force_client
    response = api.post(
        f"/api/v1/deliverables/{led.pk}/updates/",
        {"narrative": "Patrols doubled.", "rag": "amber"},
        format="json",
        REMOTE_ADDR="198.51.100.20",
        HTTP_USER_AGENT="sojp-feed/2.1",
    )
    assert response.status_code == 201, response.content

    update = ProgressUpdate.objects.get(pk=response.json()["id"])
    created = events_on(update).get()
    assert created.action == "created" and created.via == "api"
    assert created.api_client == client
    assert created.actor == client.service_user
    assert created.actor_organisation_id == force.pk
    assert created.changes["narrative"] == [None, "Patrols doubled."]
    assert created.address == "198.51.100.20"
    assert created.request == f"POST /api/v1/deliverables/{led.pk}/updates/"
    assert created.user_agent == "sojp-feed/2.1"
    assert (created.plan_id, created.organisation_id) == (led.plan_id, force.pk)
    changed = events_on(led, action="changed").get()
    assert changed.api_client == client
    assert changed.changes["rag"] == ["", "amber"]
    # Issuing the token was recorded too, against the client.
    token_event = AuditEvent.objects.get(object_type="oauth2_provider.AccessToken")
    assert token_event.api_client == client and token_event.action == "created"
    assert token_event.changes["token_checksum"] == [None, "(set)"]
    assert api.credentials_token not in str(token_event.changes)


def test_an_api_update_costs_two_audit_inserts_and_no_reads(force_client, led):
    """One INSERT for the update and one for the deliverable it changed; nothing
    read to make them."""
    _, api = force_client
    with CaptureQueriesContext(connection) as captured:
        response = api.post(
            f"/api/v1/deliverables/{led.pk}/updates/",
            {"narrative": "Weekly figures.", "rag": "green"},
            format="json",
        )
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in captured.captured_queries]
    touching_audit = [q for q in sql if "plans_auditevent" in q]
    assert len(touching_audit) == 2
    assert all(q.startswith('INSERT INTO "plans_auditevent"') for q in touching_audit)


def test_a_command_names_its_actor_with_acting(led, editor):
    with audit.acting(by=editor, via="command"):
        update = record_update(deliverable=led, by=editor, narrative="From a task.")
    event = events_on(update).get()
    assert (event.actor, event.via, event.address, event.request) == (
        editor,
        "command",
        "",
        "",
    )


def test_a_write_outside_any_request_or_acting_is_still_recorded(led, editor):
    update = record_update(deliverable=led, by=editor, narrative="From a shell.")
    event = events_on(update).get()
    assert event.via == "system" and event.actor is None


def test_a_bulk_write_records_every_row(led, current_plan, force, editor):
    other = DeliverableFactory(
        objective=led.objective, reference="3.1.1.1.2", lead_organisation=force
    )
    with audit.acting(by=editor, via="command"):
        updates = record_progress(
            changes=[
                Change(deliverable=led, narrative="First.", rag="green"),
                Change(deliverable=other, narrative="Second.", rag="red"),
            ],
            by=editor,
        )
    for update in updates:
        event = events_on(update).get()
        assert event.action == "created" and event.actor == editor
        assert event.plan_id == current_plan.pk
    assert events_on(led, action="changed").get().changes["rag"] == ["", "green"]
    assert events_on(other, action="changed").get().changes["rag"] == ["", "red"]


def test_a_rolled_back_write_leaves_no_event(led, editor):
    """The database fails as the deliverable is brought up to date: the update
    already inserted goes, and so does its event."""
    before = AuditEvent.objects.count()

    def fail_on_deliverable(execute, sql, params, many, context):
        if 'UPDATE "deliverables_deliverable" SET' in sql:
            raise IntegrityError("disk full")
        return execute(sql, params, many, context)

    with pytest.raises(IntegrityError), connection.execute_wrapper(fail_on_deliverable):
        record_update(deliverable=led, by=editor, narrative="Lost.", rag="red")
    assert not ProgressUpdate.objects.filter(narrative="Lost.").exists()
    assert AuditEvent.objects.count() == before


def test_deletes_and_many_to_many_changes_are_recorded(plan, editor):
    with audit.acting(by=editor):
        deliverable = DeliverableFactory(objective__priority__plan=plan)
        strand = plan.strands.create(name="Prevention")
        deliverable.strands.add(strand)
        pk = deliverable.pk
        deliverable.delete()
    events = AuditEvent.objects.filter(
        object_type="deliverables.Deliverable", object_id=str(pk)
    )
    assert set(events.values_list("action", flat=True)) == {
        "created",
        "changed",
        "deleted",
    }
    assert events.get(action="changed").changes == {"strands": {"added": [strand.pk]}}
    deleted = events.get(action="deleted")
    assert deleted.plan_id == plan.pk and deleted.changes["title"][0]


def test_sign_in_sign_out_and_a_failed_sign_in_are_recorded(client, editor):
    editor.set_password("correct-horse-battery")
    editor.save()
    client.post(
        reverse("sign-in"),
        {"username": "erin", "password": "wrong"},
        REMOTE_ADDR="192.0.2.99",
    )
    failed = AuditEvent.objects.get(action="sign-in-failed")
    assert failed.actor is None and failed.actor_name == "erin"
    assert failed.object_id == str(editor.pk) and failed.address == "192.0.2.99"
    assert failed.actor_organisation_id == editor.memberships.get().organisation_id

    client.post(
        reverse("sign-in"), {"username": "erin", "password": "correct-horse-battery"}
    )
    signed_in = AuditEvent.objects.get(action="signed-in")
    assert signed_in.actor == editor and signed_in.via == "browser"
    # Setting last_login is part of signing in, not a separate change.
    assert not events_on(editor, action="changed").filter(changes__has_key="last_login")
    client.post(reverse("sign-out"))
    assert AuditEvent.objects.get(action="signed-out").actor == editor


def test_a_password_is_never_stored(editor):
    editor.set_password("a new secret phrase")
    editor.save()
    event = events_on(editor, action="changed").get()
    assert event.changes == {"password": ["(hidden)", "(changed)"]}
    assert "secret" not in str(AuditEvent.objects.values_list("changes", flat=True))


def test_revoking_a_client_records_the_revocation_and_its_tokens(force_client, alex):
    client, _ = force_client
    with audit.acting(by=alex, via="browser"):
        revoke_api_client(client=client, by=alex)
    assert events_on(client, action="changed").get().changes["revoked_at"][0] is None
    revoked = AuditEvent.objects.filter(
        object_type="oauth2_provider.AccessToken", action="deleted"
    )
    assert revoked.get().actor == alex
    assert AuditEvent.objects.filter(
        object_type="oauth2_provider.Application", action="deleted"
    ).exists()


# -- never changed, never deleted ----------------------------------------------------


@pytest.fixture
def event(plan):
    return AuditEvent.objects.filter(object_type="plans.Plan").first()


def test_the_model_refuses_to_change_or_delete_an_event(event):
    event.object_text = "Nothing happened"
    with pytest.raises(AuditEventFinal):
        event.save()
    with pytest.raises(AuditEventFinal):
        event.delete()
    with pytest.raises(AuditEventFinal):
        AuditEvent.objects.filter(pk=event.pk).update(object_text="Forged")
    with pytest.raises(AuditEventFinal):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.object_text == "2017 Policing Plan"


@pytest.mark.parametrize(
    ("statement", "trigger"),
    [
        (
            "UPDATE plans_auditevent SET object_text = 'Forged' WHERE id = %s",
            "audit_event_never_changed",
        ),
        ("DELETE FROM plans_auditevent WHERE id = %s", "audit_event_never_deleted"),
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(event, statement, trigger):
    """Past the model: the triggers refuse, on SQLite and on PostgreSQL."""
    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert trigger in str(refused.value)
    assert AuditEvent.objects.get(pk=event.pk).object_text == "2017 Policing Plan"


def test_the_admin_shows_events_but_never_changes_them(client, event):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and "2017 Policing Plan" in page.content.decode()
    assert client.post(change, {"object_text": "Forged"}).status_code == 403
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    delete = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).object_text == "2017 Policing Plan"


# -- who may read it ------------------------------------------------------------------


@pytest.fixture
def two_organisations(plan, editor, alex, outsider, led):
    """Writes by the authority's editor on its plan, by the force (the lead of a
    deliverable on that plan), and by another force on its own plan."""
    with audit.acting(by=editor, via="browser"):
        record_update(deliverable=led, by=editor, narrative="Authority's note.")
    other = outsider.memberships.get().organisation
    with audit.acting(by=outsider, via="browser"):
        PlanFactory(owner=other, reference="OTHER/1", title="Another force's plan")
    return other


def log_of(client, organisation, **query):
    return client.get(reverse("audit:log", args=[organisation.pk]), query)


def test_an_admin_sees_their_organisations_events_and_not_anothers(
    client, alex, authority, two_organisations
):
    client.force_login(alex)
    response = log_of(client, authority)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2017 Policing Plan" in page and "Authority&#x27;s note." in page
    assert "Another force&#x27;s plan" not in page
    shown = {e.pk for e in response.context["events"]}
    expected = set(
        AuditEvent.objects.concerning([authority.pk]).values_list("pk", flat=True)
    )
    assert shown == expected or len(shown) == 50


def test_the_forces_admin_sees_writes_on_deliverables_it_leads(
    client, force, led, editor, two_organisations
):
    force_admin = MembershipFactory(organisation=force, role=Membership.Role.ADMIN).user
    client.force_login(force_admin)
    page = log_of(client, force, object_type="deliverables.ProgressUpdate")
    assert "Authority&#x27;s note." in page.content.decode()


@pytest.mark.parametrize("who", ["editor", "contributor", "outsider"])
def test_anyone_but_the_organisations_admin_is_refused(client, authority, who, request):
    client.force_login(request.getfixturevalue(who))
    assert log_of(client, authority).status_code == 403
    assert log_of(client, authority, format="csv").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, authority):
    response = log_of(client, authority)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_a_superuser_reads_any_organisations_log(client, authority, plan):
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert log_of(client, authority).status_code == 200


def test_the_audit_index_leads_an_admin_to_their_log(client, alex, authority):
    client.force_login(alex)
    response = client.get(reverse("audit:index"))
    assert response["Location"] == reverse("audit:log", args=[authority.pk])


# -- filters, export, cost ------------------------------------------------------------


def test_the_filters_narrow_the_events(client, alex, authority, led, editor, plan):
    with audit.acting(by=editor, via="browser"):
        record_update(deliverable=led, by=editor, narrative="Filtered in.")
    client.force_login(alex)

    by_erin = log_of(client, authority, who=f"user:{editor.pk}")
    assert {e.actor_id for e in by_erin.context["events"]} == {editor.pk}
    updates = log_of(client, authority, object_type="deliverables.ProgressUpdate")
    assert {e.object_type for e in updates.context["events"]} == {
        "deliverables.ProgressUpdate"
    }
    deleted = log_of(client, authority, action="deleted")
    assert list(deleted.context["events"]) == []
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    future = log_of(
        client,
        authority,
        since_0=tomorrow.day,
        since_1=tomorrow.month,
        since_2=tomorrow.year,
    )
    assert list(future.context["events"]) == []
    upside_down = log_of(
        client,
        authority,
        since_0=tomorrow.day,
        since_1=tomorrow.month,
        since_2=tomorrow.year,
        until_0=today.day,
        until_1=today.month,
        until_2=today.year,
    )
    page = upside_down.content.decode()
    assert "There is a problem" in page
    assert "The end date must be the same as or after the start date." in page


def test_the_export_holds_the_filtered_events_with_formulas_made_harmless(
    client, alex, authority, editor
):
    with audit.acting(by=editor, via="browser"):
        PlanFactory(
            owner=authority,
            reference="EVIL/1",
            title='=HYPERLINK("http://example.com","Click")',
        )
    client.force_login(alex)
    response = log_of(client, authority, format="csv", object_type="plans.Plan")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["When", "Action", "Kind of record"]
    texts = [row[4] for row in rows[1:]]
    assert '\'=HYPERLINK("http://example.com","Click")' in texts
    assert not any(text.startswith("=") for row in rows for text in row)

    from openpyxl import load_workbook

    xlsx = log_of(client, authority, format="xlsx", object_type="plans.Plan")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell.value for row in sheet.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://example.com","Click")' in cells
    assert all(row[2].value == "plan" for row in list(sheet.iter_rows())[1:])


def _read_log(client, authority) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = log_of(client, authority)
    assert response.status_code == 200
    return len(captured), len(response.context["events"])


def test_the_log_takes_as_many_queries_for_many_events_as_for_few(
    client, alex, authority, editor, force
):
    client.force_login(alex)
    client_record, _ = issue_api_client(
        organisation=authority, name="Feed", scopes=["read"], by=alex
    )
    plan = Plan.objects.create(
        owner=authority,
        reference="Q/1",
        title="Counted plan",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    few, few_rows = _read_log(client, authority)
    for n in range(30):
        with audit.acting(by=editor, api_client=client_record if n % 2 else None):
            plan.title = f"Counted plan {n}"
            plan.save()
    many, many_rows = _read_log(client, authority)
    assert many_rows > few_rows
    assert many == few


def test_events_outlive_what_they_name(plan, editor, authority):
    """The event on a deleted deliverable stays, with its words, after it goes."""
    with audit.acting(by=editor):
        work = DeliverableFactory(objective__priority__plan=plan, title="Gone soon")
        milestone = MilestoneFactory(deliverable=work)
        pk = work.pk
        Deliverable.objects.filter(pk=pk).delete()
    events = AuditEvent.objects.filter(
        object_type="deliverables.Deliverable", object_id=str(pk)
    )
    assert events.filter(action="deleted", object_text__contains="Gone soon")
    assert events.concerning([authority.pk]).count() == events.count()
    # The milestone went with it; its event still knows the plan it was on.
    gone = events_on(milestone, action="deleted").get()
    assert (gone.plan_id, gone.organisation_id) == (plan.pk, work.lead_organisation_id)


def test_events_of_another_force_are_not_shown_through_a_shared_member(
    client, authority, alex
):
    """A person who belongs to two organisations is shown with the one whose
    records they changed."""
    other = ForceFactory(name="Guernsey Police")
    MembershipFactory(user=alex, organisation=other, role=Membership.Role.EDITOR)
    other_plan = PlanFactory(owner=other, reference="G/1", title="Guernsey plan")
    with audit.acting(by=alex):
        other_plan.title = "Guernsey plan, refreshed"
        other_plan.save()
    event = events_on(other_plan, action="changed").get()
    assert event.actor_organisation_id == other.pk


def test_the_triggers_are_on_this_database():
    from core import audit_guards

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    assert audit_guards.TRIGGER_NAMES <= names


@pytest.mark.django_db(transaction=True)
def test_emptying_the_whole_database_on_purpose_still_works(plan):
    """``manage.py flush`` (and the test runner after a live-server test) empties
    every table, the audit log included; nothing else can delete an event."""
    from django.core.management import call_command

    assert AuditEvent.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    PlanFactory(owner=ForceFactory(), reference="AFTER/1")
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute("DELETE FROM plans_auditevent")
