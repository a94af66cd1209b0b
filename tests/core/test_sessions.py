"""Sessions end after a spell without activity (30 minutes for those who can change
plans, 8 hours for others), and 12 hours after signing in however active; "Sign out
everywhere" on the account page ends every session of the person."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, NotificationChoices
from tests.core.test_sign_out import sessions_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STARTS = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
ACCOUNT = "/account/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(STARTS, tick=False) as traveller:
        yield traveller


def later(clock, **delta) -> None:
    clock.shift(datetime.timedelta(**delta))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(ACCOUNT).status_code == 200
    return client


def assert_signed_out_with(client, message: str) -> None:
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == reverse("sign-in") + "?next=%2Faccount%2F"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert message in page


def test_an_editor_is_signed_out_after_30_minutes_without_activity(clock, editor):
    client = signed_in(editor)
    later(clock, minutes=30)
    assert client.get(ACCOUNT).status_code == 200
    later(clock, minutes=30, seconds=1)
    assert_signed_out_with(
        client, "You were signed out after 30 minutes without activity."
    )


def test_a_superuser_is_signed_out_after_30_minutes_too(clock):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = signed_in(root)
    later(clock, minutes=31)
    assert_signed_out_with(
        client, "You were signed out after 30 minutes without activity."
    )


def test_a_reader_stays_signed_in_for_hours_without_activity(clock, reader):
    client = signed_in(reader)
    later(clock, hours=7, minutes=59)
    assert client.get(ACCOUNT).status_code == 200
    later(clock, hours=8, minutes=1)
    assert_signed_out_with(
        client, "You were signed out after 8 hours without activity."
    )


def test_activity_keeps_an_editor_signed_in(clock, editor):
    client = signed_in(editor)
    for _ in range(6):  # three hours, a page every 25 minutes
        later(clock, minutes=25)
        assert client.get(ACCOUNT).status_code == 200
    assert "_auth_user_id" in client.session


def test_every_session_ends_12_hours_after_signing_in(clock, reader):
    client = signed_in(reader)
    for _ in range(6):
        later(clock, hours=2)
        assert client.get(ACCOUNT).status_code == 200
    later(clock, minutes=1)
    assert_signed_out_with(client, "You were signed out 12 hours after signing in.")


def test_the_limits_are_settings(clock, reader, settings):
    settings.SESSION_IDLE_TIMEOUT = 10
    client = signed_in(reader)
    later(clock, minutes=11)
    assert_signed_out_with(client, "You were signed out after 10 minutes")


def test_a_form_posted_after_the_timeout_is_not_taken(clock, editor):
    client = signed_in(editor)
    later(clock, minutes=31)
    response = client.post(reverse("accounts:notifications"), {"when_returned": "on"})
    # Answered as for anyone signed out: sent to sign in, nothing saved.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))
    assert "_auth_user_id" not in client.session
    assert not NotificationChoices.objects.filter(user=editor).exists()


def test_the_account_page_says_how_long_sessions_last(editor, reader):
    page = signed_in(editor).get(ACCOUNT).content.decode()
    assert "You are signed out after 30 minutes without activity" in page
    assert "and 12 hours after you sign in" in page
    page = signed_in(reader).get(ACCOUNT).content.decode()
    assert "You are signed out after 8 hours without activity" in page


def test_sign_out_everywhere_ends_the_persons_other_sessions(editor, reader):
    laptop, phone = signed_in(editor), signed_in(editor)
    someone_else = signed_in(reader)
    assert len(sessions_of(editor)) == 2

    response = laptop.post(reverse("accounts:sign-out-everywhere"), follow=True)

    assert response.redirect_chain == [(reverse("sign-in"), 302)]
    assert "You are signed out everywhere" in response.content.decode()
    assert sessions_of(editor) == []
    for client in (laptop, phone):
        response = client.get(ACCOUNT)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))
    assert someone_else.get(ACCOUNT).status_code == 200
    event = AuditEvent.objects.get(
        actor=editor,
        action=AuditEvent.Action.SIGNED_OUT,
        changes__has_key="sessions",
    )
    assert event.object_id == str(editor.pk)
    assert event.changes["sessions"][1] == "signed out everywhere, as they asked"


def test_sign_out_everywhere_takes_only_a_post(editor):
    client = signed_in(editor)
    assert client.get(reverse("accounts:sign-out-everywhere")).status_code == 405
    assert len(sessions_of(editor)) == 1


def test_a_part_of_a_page_asked_for_after_the_timeout_sends_the_page_to_sign_in(
    clock, editor
):
    client = signed_in(editor)
    later(clock, minutes=31)
    response = client.get("/deliverables/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("sign-in")
    assert (
        "You were signed out after 30 minutes"
        in client.get(reverse("sign-in")).content.decode()
    )


def test_an_api_call_after_the_timeout_is_answered_as_signed_out(clock, reader):
    client = signed_in(reader)
    assert client.get("/api/v1/plans/").status_code == 200
    later(clock, hours=9)
    response = client.get("/api/v1/plans/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/problem+json")
