"""A body's transfer in the admin (plans/succession/admin.py): a superuser chooses
the successor, reviews the memberships and carries it out; nobody else sees it."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from plans.models import Membership, Plan
from plans.succession.models import BodyTransfer
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def board(db):
    return OrganisationFactory(name="Jersey Policing Board", short_name="JPB")


def changelist():
    return reverse("admin:plans_organisation_changelist")


def test_a_superuser_transfers_a_body_step_by_step(
    client, root, authority, board, plan, editor, reader
):
    client.force_login(root)
    # The action on the organisations' list leads to the form.
    chosen = client.post(
        changelist(),
        {"action": "transfer_to_successor", "_selected_action": [authority.pk]},
    )
    form_url = reverse("admin:plans_organisation_transfer", args=[authority.pk])
    assert chosen.status_code == 302 and chosen.url == form_url
    page = client.get(form_url)
    assert page.status_code == 200
    assert "Transfer Jersey Police Authority to a successor" in page.content.decode()

    # Step 1: the successor and the day.
    prepared = client.post(
        form_url,
        {"to_body": board.pk, "takes_effect_on": timezone.localdate().isoformat()},
    )
    transfer = BodyTransfer.objects.get()
    review_url = reverse(
        "admin:plans_organisation_transfer_review", args=[authority.pk, transfer.pk]
    )
    assert prepared.status_code == 302 and prepared.url == review_url
    assert Plan.objects.get().owner == authority  # nothing moved yet

    # Step 2: every membership listed, ticked; the counts of what moves.
    review = client.get(review_url).content.decode()
    ticked = f'name="moves" value="{editor.pk}" id="moves-{editor.pk}" checked'
    assert ticked in review
    assert "rory" in review
    assert '<th scope="row">Plan</th><td>1</td>' in review

    # Rory is unticked: he stays.
    done = client.post(
        review_url, {"moves": [editor.pk], "carry_out": "1"}, follow=True
    )
    message = [str(m) for m in done.context["messages"]][0]
    assert message == (
        "Jersey Police Authority is transferred to Jersey Policing Board: 1 plan "
        "and 1 membership moved."
    )
    assert Plan.objects.get().owner == board
    assert Membership.objects.get(user=reader).organisation == authority
    assert Membership.objects.get(user=editor).organisation == board
    transfer.refresh_from_db()
    assert (transfer.state, transfer.completed_by) == ("completed", root)


def test_a_refusal_is_shown_beside_the_field_and_nothing_is_prepared(
    client, root, authority, board
):
    later = OrganisationFactory(name="Mayor's Office")
    board.successor = later
    board.save()
    client.force_login(root)
    url = reverse("admin:plans_organisation_transfer", args=[authority.pk])
    page = client.post(
        url, {"to_body": board.pk, "takes_effect_on": timezone.localdate().isoformat()}
    )
    assert page.status_code == 200
    assert (
        "Jersey Policing Board is itself succeeded by Mayor&#x27;s Office"
        in page.content.decode()
    )
    assert not BodyTransfer.objects.exists()


def test_a_transfer_can_be_cancelled(client, root, authority, board, plan):
    client.force_login(root)
    url = reverse("admin:plans_organisation_transfer", args=[authority.pk])
    client.post(url, {"to_body": board.pk, "takes_effect_on": "2030-01-01"})
    transfer = BodyTransfer.objects.get()
    review = reverse(
        "admin:plans_organisation_transfer_review", args=[authority.pk, transfer.pk]
    )
    # Carrying out before the day is refused, with the reason.
    early = client.post(review, {"carry_out": "1"})
    assert "carried out only on or after that day" in early.content.decode()
    client.post(review, {"cancel": "1"})
    transfer.refresh_from_db()
    assert transfer.state == "cancelled"
    assert Plan.objects.get().owner == authority


def test_nobody_but_a_superuser_sees_the_transfer(client, authority, board, admin):
    admin.is_staff = True
    admin.save()
    admin.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="plans",
            codename__in=["view_organisation", "change_organisation"],
        )
    )
    client.force_login(admin)
    page = client.get(changelist())
    assert page.status_code == 200
    assert "transfer_to_successor" not in page.content.decode()
    url = reverse("admin:plans_organisation_transfer", args=[authority.pk])
    assert client.get(url).status_code == 403
    assert (
        client.post(
            url, {"to_body": board.pk, "takes_effect_on": "2020-01-01"}
        ).status_code
        == 403
    )
    refused = client.post(
        changelist(),
        {"action": "transfer_to_successor", "_selected_action": [authority.pk]},
    )
    assert refused.status_code in {200, 302}
    assert not BodyTransfer.objects.exists()
    assert client.get(reverse("admin:plans_bodytransfer_changelist")).status_code == 403
