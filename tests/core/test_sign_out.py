"""Deactivating someone signs them out everywhere at once: their sessions are deleted
and any OAuth token issued to them is revoked, in the same transaction."""

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import AccessToken

from plans.services import issue_api_client
from tests.api.conftest import bearer, fetch_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sessions_of(user):
    return [
        s
        for s in Session.objects.all()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


def signed_in_clients(user, count=2):
    clients = [Client() for _ in range(count)]
    for client in clients:
        client.force_login(user)
        assert client.get("/plans/").status_code == 200
    return clients


def assert_signed_out(client):
    response = client.get("/plans/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_deactivating_someone_deletes_their_sessions_and_signs_them_out(
    editor, contributor
):
    laptop, phone = signed_in_clients(editor)
    (other,) = signed_in_clients(contributor, count=1)
    assert len(sessions_of(editor)) == 2

    editor.is_active = False
    editor.save()

    assert sessions_of(editor) == []
    assert_signed_out(laptop)
    assert_signed_out(phone)
    # Everyone else stays signed in.
    assert len(sessions_of(contributor)) == 1
    assert other.get("/plans/").status_code == 200


def test_deactivating_in_the_admin_signs_them_out(editor):
    (erin,) = signed_in_clients(editor, count=1)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)
    url = reverse("admin:auth_user_change", args=[editor.pk])
    joined = editor.date_joined
    data = {
        "username": editor.username,
        "first_name": editor.first_name,
        "last_name": editor.last_name,
        "email": editor.email,
        # is_active left out: the box is unticked.
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
    }
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    editor.refresh_from_db()
    assert not editor.is_active
    assert sessions_of(editor) == []
    assert_signed_out(erin)
    assert admin.get("/admin/").status_code == 200


def test_saving_someone_who_stays_active_keeps_their_sessions(editor):
    (erin,) = signed_in_clients(editor, count=1)
    editor.first_name = "Erin-Louise"
    editor.save()
    editor.is_active = False
    editor.save(update_fields=["first_name"])  # is_active not saved
    assert len(sessions_of(editor)) == 1
    assert erin.get("/plans/").status_code == 200


def test_the_sign_out_is_undone_with_a_deactivation_that_is_rolled_back(editor):
    (erin,) = signed_in_clients(editor, count=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        editor.is_active = False
        editor.save()
        assert sessions_of(editor) == []
        raise RuntimeError("the rest of the change failed")
    assert len(sessions_of(editor)) == 1
    assert erin.get("/plans/").status_code == 200


def test_deactivating_an_api_clients_account_revokes_its_tokens(force):
    from django.core.cache import cache

    cache.clear()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client, secret = issue_api_client(
        organisation=force, name="Feed", scopes=["read"], by=root
    )
    token = fetch_token(client.application.client_id, secret, "read").json()
    api = bearer(token["access_token"])
    assert api.get("/api/v1/plans/").status_code == 200
    assert AccessToken.objects.filter(application=client.application).exists()

    account = client.service_user
    account.is_active = False
    account.save()

    assert not AccessToken.objects.filter(application=client.application).exists()
    assert api.get("/api/v1/plans/").status_code == 401
