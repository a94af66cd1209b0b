"""``manage.py issue_api_client``: an API client from the command line, its secret
printed once (issue 18)."""

import base64
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from plans.models import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle_cache():
    from django.core.cache import cache

    cache.clear()


def issue(*args, **options):
    out = StringIO()
    call_command("issue_api_client", *args, stdout=out, **options)
    return out.getvalue()


def token_for(client_id, secret, scope):
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": scope},
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )


def test_prints_id_and_secret_once_and_the_secret_works(force):
    output = issue("SOJP", name="Performance system", scopes="read,updates:write")

    client = ApiClient.objects.get(organisation=force, name="Performance system")
    assert client.scopes == ["read", "updates:write"]
    client_id = client.application.client_id
    assert f"Client ID: {client_id}" in output
    secret = output.split("Client secret: ")[1].split()[0]
    assert output.count(secret) == 1
    assert "shown once" in output
    assert secret not in client.application.client_secret  # stored hashed
    response = token_for(client_id, secret, "read updates:write")
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "read updates:write"


def test_organisation_by_full_name_any_case_and_recorded_against_by(force):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)

    issue("states of jersey police", name="Sync", scopes="read", by="root")

    client = ApiClient.objects.get(organisation=force, name="Sync")
    assert client.created_by == admin
    assert client.scopes == ["read"]


def test_without_by_recorded_against_an_account_that_cannot_sign_in(force):
    issue("SOJP", name="Sync", scopes="read")

    writer = ApiClient.objects.get(name="Sync").created_by
    assert writer.username == "command-line"
    assert not writer.is_active and not writer.has_usable_password()


def test_json_for_automation(force):
    output = issue("SOJP", name="Sync", scopes="read", json=True)

    printed = json.loads(output)
    client = ApiClient.objects.get(name="Sync")
    assert printed["client_id"] == client.application.client_id
    assert printed["scopes"] == ["read"]
    assert token_for(printed["client_id"], printed["client_secret"], "read").json()[
        "access_token"
    ]


def test_unknown_organisation_is_refused_by_name(force):
    with pytest.raises(CommandError, match='No organisation is called "Nowhere"'):
        issue("Nowhere", name="Sync", scopes="read")

    assert not ApiClient.objects.exists()


def test_unknown_scope_is_refused_by_name(force):
    with pytest.raises(CommandError, match='Unknown scope "admin"'):
        issue("SOJP", name="Sync", scopes="read,admin")

    assert not ApiClient.objects.exists()


def test_unknown_by_is_refused(force):
    with pytest.raises(CommandError, match='No user is called "ghost"'):
        issue("SOJP", name="Sync", scopes="read", by="ghost")


def test_name_taken_is_refused_and_nothing_more_written(force):
    issue("SOJP", name="Sync", scopes="read")

    with pytest.raises(CommandError, match="already has a client of that name"):
        issue("SOJP", name="Sync", scopes="read")

    assert ApiClient.objects.count() == 1
