"""A body handed to its successor (plans/succession, docs/succession.md): the 2028
hand-over of a police authority to a policing board, a merger of two forces, and
every refusal, with nothing changed."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from deliverables.models import DeliverableOwner, ProgressUpdate
from plans.models import Membership, Organisation, Plan
from plans.services import issue_api_client
from plans.succession.models import BodyTransfer
from plans.succession.services import (
    cancel_transfer,
    carry_out_transfer,
    prepare_transfer,
    transfer_body,
)
from plans.webhooks.models import WebhookEndpoint
from scrutiny.models import ScrutinyAction
from scrutiny.reports.services import publish_report
from tests.api.conftest import bearer, fetch_token
from tests.factories import (
    DeliverableFactory,
    DeliverableOwnerFactory,
    ForceFactory,
    OrganisationFactory,
    UserFactory,
    plan_for_year,
    record_update,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2028, 5, 8)
PAST = datetime.date(2020, 4, 1)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def board(db):
    """The policing board that takes over the authority's functions in 2028."""
    return OrganisationFactory(name="Jersey Policing Board", short_name="JPB")


def row_counts():
    """Rows in every table but the history, the audit log and transfers themselves
    (each records the transfer, so they grow)."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if not model.__name__.startswith("Historical")
        and model._meta.label not in {"core.AuditEvent", "plans.BodyTransfer"}
    }


def action(plan, owner, **fields):
    return ScrutinyAction.objects.create(
        plan=plan,
        owner=owner,
        text="Why are patrols down?",
        raised_by="Panel",
        **fields,
    )


def members_of(body):
    return dict(
        Membership.objects.filter(organisation=body).values_list(
            "user__username", "role"
        )
    )


def test_the_authority_hands_everything_to_the_board(
    root, authority, board, plan, q2, editor, reader, admin, owned, current_plan
):
    client, secret = issue_api_client(
        organisation=authority,
        name="Performance system",
        scopes=["read", "updates:write"],
        by=root,
    )
    hook = WebhookEndpoint.objects.create(
        organisation=authority, url="https://hooks.example.org/jpa", events=[]
    )
    open_action = action(plan, authority)
    answered = action(
        plan,
        authority,
        state="answered",
        response="Recruitment.",
        answered_on=datetime.date(2017, 6, 1),
    )
    report = publish_report(plan=plan, period=q2, by=editor)
    before = row_counts()

    with audit.acting(by=root, via=audit.Via.COMMAND):
        transfer = transfer_body(
            from_body=authority,
            to_body=board,
            takes_effect_on=timezone.localdate(),
            by=root,
            leave_behind=[reader.pk],
        )

    assert row_counts() == before
    authority.refresh_from_db()
    assert authority.successor == board
    assert set(Plan.objects.filter(owner=board)) == {plan, current_plan}
    assert not Plan.objects.filter(owner=authority).exists()
    # Erin and Alex move with their roles, the client's account with it; Rory stays.
    assert members_of(board) == {
        "erin": "editor",
        "alex": "admin",
        client.service_user.username: "contributor",
    }
    assert members_of(authority) == {"rory": "reader"}
    client.refresh_from_db()
    assert client.organisation == board
    hook.refresh_from_db()
    assert hook.organisation == board
    owned.refresh_from_db()
    assert owned.lead_organisation == board
    open_action.refresh_from_db()
    answered.refresh_from_db()
    assert open_action.owner == board
    assert answered.owner == authority  # the body that answered it
    # The transfer records who, what and the reviewed list.
    assert transfer.state == BodyTransfer.State.COMPLETED
    assert transfer.completed_by == root
    assert transfer.summary["plans"] == 2
    assert transfer.summary["memberships_moved"] == 3
    assert transfer.summary["memberships_left"] == ["rory"]
    assert transfer.summary["scrutiny"]["open_actions"] == 1
    assert {m["username"]: m["moves"] for m in transfer.memberships}["rory"] is False
    event = AuditEvent.objects.filter(
        object_type__icontains="transfer", object_id=str(transfer.pk), action="changed"
    ).get()
    assert event is not None and event.actor == root
    assert "completed" in str(event.changes)
    # Each moved row's history names who moved it.
    assert plan.history.latest().history_user == root
    # The old report still reads as published: by the authority.
    report.refresh_from_db()
    page = render_to_string(
        "scrutiny/report_detail.html", {"report": report, "plan": report.plan}
    )
    assert "Jersey Police Authority" in page
    assert "Jersey Policing Board" not in page
    pdf = render_to_string("scrutiny/report_pdf.html", {"report": report, "body": ""})
    assert 'content="Jersey Police Authority"' in pdf


def test_the_board_s_api_client_keeps_working_unchanged(root, authority, board, owned):
    client, secret = issue_api_client(
        organisation=authority,
        name="Performance system",
        scopes=["read", "updates:write"],
        by=root,
    )
    transfer_body(from_body=authority, to_body=board, takes_effect_on=PAST, by=root)

    response = fetch_token(client.application.client_id, secret)
    assert response.status_code == 200, response.content
    api = bearer(response.json()["access_token"])
    response = api.post(
        f"/api/v1/deliverables/{owned.pk}/updates/",
        {"narrative": "Hand-over done.", "rag": "green"},
    )
    assert response.status_code == 201, response.content
    assert ProgressUpdate.objects.get().api_client == client


def test_the_old_report_page_shows_the_old_name(
    client, root, authority, board, plan, q2, editor
):
    plan.is_public = True
    plan.save()
    report = publish_report(plan=plan, period=q2, by=editor)
    transfer_body(from_body=authority, to_body=board, takes_effect_on=PAST, by=root)
    page = client.get(f"/reports/{report.pk}/")
    assert page.status_code == 200
    caption = page.content.decode().split('govuk-caption-l">')[1].split("<")[0]
    assert "Jersey Police Authority" in caption


def test_two_forces_merge_into_one(root, authority, plan, q2, editor):
    east = ForceFactory(name="East Constabulary", short_name="EC")
    west = ForceFactory(name="West Constabulary", short_name="WC")
    merged = ForceFactory(name="East and West Police", short_name="EWP")
    ours = {
        force: DeliverableFactory(
            objective__priority__plan=plan, lead_organisation=force
        )
        for force in (east, west)
    }
    for force, deliverable in ours.items():
        DeliverableOwnerFactory(
            deliverable=deliverable, role="Ch. Supt Operations", organisation=force
        )
        record_update(
            deliverable=deliverable, by=editor, narrative=f"{force} begins", period=q2
        )
    for force in (east, west):
        plan_for_year(force, 2017, reference="Force Plan 2017")
    updates = {
        d.pk: list(d.updates.values_list("pk", flat=True)) for d in ours.values()
    }
    before = row_counts()

    first = transfer_body(from_body=east, to_body=merged, takes_effect_on=PAST, by=root)
    second = transfer_body(
        from_body=west, to_body=merged, takes_effect_on=PAST, by=root
    )

    assert row_counts() == before
    for deliverable in ours.values():
        deliverable.refresh_from_db()
        assert deliverable.lead_organisation == merged
        assert (
            list(deliverable.updates.values_list("pk", flat=True))
            == updates[deliverable.pk]
        )
    assert set(
        DeliverableOwner.objects.filter(deliverable__in=ours.values()).values_list(
            "organisation", flat=True
        )
    ) == {merged.pk}
    assert sorted(
        Plan.objects.filter(owner=merged).values_list("reference", flat=True)
    ) == [
        "Force Plan 2017",
        "Force Plan 2017 (WC)",
    ]
    assert first.summary["plans_renamed"] == []
    assert [(r["from"], r["to"]) for r in second.summary["plans_renamed"]] == [
        ("Force Plan 2017", "Force Plan 2017 (WC)")
    ]
    assert second.summary["deliverables"]["deliverables_led"] == 1


def test_a_member_of_both_keeps_the_higher_role(root, authority, board, editor):
    Membership.objects.create(user=editor, organisation=board, role="reader")
    transfer = transfer_body(
        from_body=authority, to_body=board, takes_effect_on=PAST, by=root
    )
    assert members_of(board)["erin"] == "editor"
    assert transfer.summary["memberships_combined"] == [
        {
            "username": "erin",
            "role_at_old_body": "editor",
            "role_at_successor": "reader",
            "role_kept": "editor",
        }
    ]


def test_a_prepared_transfer_is_carried_out_with_the_reviewed_list(
    root, authority, board, editor, reader
):
    transfer = prepare_transfer(
        from_body=authority, to_body=board, takes_effect_on=PAST, by=root
    )
    assert {m["username"] for m in transfer.memberships} == {"erin", "rory"}
    assert authority.successor is None  # nothing moved yet
    carry_out_transfer(transfer=transfer, moving_user_ids=[reader.pk], by=root)
    assert members_of(board) == {"rory": "reader"}
    assert members_of(authority) == {"erin": "editor"}


# Refusals: each with its reason, nothing changed. -------------------------------


def refused(make, field):
    before = row_counts()
    transfers = BodyTransfer.objects.count()
    successors = dict(Organisation.objects.values_list("pk", "successor"))
    with pytest.raises(ValidationError) as caught:
        make()
    assert row_counts() == before
    assert BodyTransfer.objects.count() == transfers
    assert dict(Organisation.objects.values_list("pk", "successor")) == successors
    return caught.value.message_dict[field][0]


def test_a_body_is_not_its_own_successor(root, authority, plan):
    message = refused(
        lambda: transfer_body(
            from_body=authority, to_body=authority, takes_effect_on=TODAY, by=root
        ),
        "to_body",
    )
    assert "cannot be its own successor" in message


def test_a_transfer_to_a_succeeded_body_names_its_successor(
    root, authority, board, plan
):
    later = OrganisationFactory(name="Jersey Mayor's Office")
    Organisation.objects.filter(pk=board.pk).update(successor=later)
    board.refresh_from_db()
    message = refused(
        lambda: transfer_body(
            from_body=authority, to_body=board, takes_effect_on=PAST, by=root
        ),
        "to_body",
    )
    assert message == (
        "Jersey Policing Board is itself succeeded by Jersey Mayor's Office: "
        "transfer to Jersey Mayor's Office."
    )


def test_a_body_with_a_transfer_in_progress_is_locked(root, authority, board, plan):
    prepare_transfer(from_body=authority, to_body=board, takes_effect_on=TODAY, by=root)
    other = OrganisationFactory(name="Another Board")
    message = refused(
        lambda: transfer_body(
            from_body=authority, to_body=other, takes_effect_on=PAST, by=root
        ),
        "from_body",
    )
    assert "has a transfer to Jersey Policing Board in progress" in message
    assert "prepared by root on" in message


def test_a_body_already_transferred_is_refused(root, authority, board, plan):
    done = transfer_body(
        from_body=authority, to_body=board, takes_effect_on=PAST, by=root
    )
    message = refused(
        lambda: transfer_body(
            from_body=authority,
            to_body=board,
            takes_effect_on=PAST,
            by=root,
        ),
        "from_body",
    )
    assert "was already transferred to Jersey Policing Board" in message
    message = refused(
        lambda: carry_out_transfer(transfer=done, moving_user_ids=[], by=root), "state"
    )
    assert message == "This transfer was already carried out."


def test_a_transfer_is_carried_out_on_or_after_the_day_it_takes_effect(
    root, authority, board, plan
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    transfer = prepare_transfer(
        from_body=authority, to_body=board, takes_effect_on=tomorrow, by=root
    )
    message = refused(
        lambda: carry_out_transfer(transfer=transfer, moving_user_ids=[], by=root),
        "takes_effect_on",
    )
    assert "prepared ahead but carried out only on or after that day" in message
    transfer.refresh_from_db()
    assert transfer.state == BodyTransfer.State.PREPARED


def test_only_a_superuser_transfers_a_body(authority, board, admin, plan):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        transfer_body(
            from_body=authority, to_body=board, takes_effect_on=PAST, by=admin
        )
    assert row_counts() == before
    assert not BodyTransfer.objects.exists()


def test_a_cancelled_transfer_frees_the_body(root, authority, board, plan):
    transfer = prepare_transfer(
        from_body=authority, to_body=board, takes_effect_on=TODAY, by=root
    )
    cancel_transfer(transfer=transfer, by=root)
    transfer.refresh_from_db()
    assert transfer.state == BodyTransfer.State.CANCELLED
    # Free again: another transfer may be prepared.
    prepare_transfer(from_body=authority, to_body=board, takes_effect_on=TODAY, by=root)
    plan.refresh_from_db()
    assert plan.owner == authority


def test_names_the_successor_already_uses_are_kept_unique(root, authority, board):
    ours, _ = issue_api_client(
        organisation=authority, name="Performance system", scopes=["read"], by=root
    )
    issue_api_client(
        organisation=board, name="Performance system", scopes=["read"], by=root
    )
    url = "https://hooks.example.org/same"
    kept = WebhookEndpoint.objects.create(organisation=authority, url=url, events=[])
    WebhookEndpoint.objects.create(organisation=board, url=url, events=[])
    before = row_counts()

    transfer = transfer_body(
        from_body=authority, to_body=board, takes_effect_on=PAST, by=root
    )

    assert row_counts() == before
    ours.refresh_from_db()
    assert (ours.organisation, ours.name) == (board, "Performance system (JPA)")
    assert transfer.summary["api_clients_renamed"] == [
        {"api_client": ours.pk, "from": "Performance system", "to": ours.name}
    ]
    kept.refresh_from_db()
    assert kept.organisation == authority
    assert transfer.summary["webhook_endpoints_kept"] == [url]
