# ruff: noqa: F811 - the receiver fixture is imported, and tests name it
"""Webhooks in the admin: an organisation's administrator subscribes an endpoint,
reads the delivery log of their own organisation only, and sends deliveries again."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from standardwebhooks import Webhook

from plans.services import lock_period
from plans.webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from plans.webhooks.services import subscribe
from tests.plans.webhook_receiver import receiver, resolving_to  # noqa: F401

pytestmark = pytest.mark.django_db

ADD = "admin:plans_webhookendpoint_add"
ENDPOINTS = "admin:plans_webhookendpoint_changelist"
DELIVERIES = "admin:plans_webhookdelivery_changelist"


def with_admin_access(user):
    """Staff, with the admin permissions for webhooks (as a superuser grants)."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                "add_webhookendpoint",
                "change_webhookendpoint",
                "view_webhookendpoint",
                "view_webhookdelivery",
            ]
        )
    )
    return user


def test_an_administrator_subscribes_an_endpoint_and_is_shown_its_secret(
    client, admin, authority, monkeypatch
):
    resolving_to(monkeypatch, "93.184.215.14")
    client.force_login(with_admin_access(admin))

    response = client.post(
        reverse(ADD),
        {
            "organisation": authority.pk,
            "url": "https://hooks.example.org/tracker",
            "description": "Performance system",
            "events": [Event.UPDATE_RETURNED, Event.PERIOD_LOCKED],
        },
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organisation == authority
    assert endpoint.events == ["period.locked", "update.returned"]
    assert endpoint.created_by == admin
    shown = " ".join(str(m) for m in response.context["messages"])
    assert endpoint.secret in shown
    page = client.get(
        reverse("admin:plans_webhookendpoint_change", args=[endpoint.pk])
    ).content.decode()
    assert endpoint.secret in page  # so the receiver can be configured


def test_a_private_address_is_refused_in_the_form_with_the_reason(
    client, admin, authority
):
    client.force_login(with_admin_access(admin))

    response = client.post(
        reverse(ADD),
        {
            "organisation": authority.pk,
            "url": "https://10.0.0.5/hook",
            "events": [Event.PERIOD_LOCKED],
        },
    )

    assert response.status_code == 200
    assert "The address resolves to a private address 10.0.0.5." in (
        response.content.decode()
    )
    assert not WebhookEndpoint.objects.exists()


def test_an_administrator_may_subscribe_only_their_own_organisation(
    client, admin, authority, force, monkeypatch
):
    resolving_to(monkeypatch, "93.184.215.14")
    client.force_login(with_admin_access(admin))

    page = client.get(reverse(ADD))
    choices = page.context["adminform"].form.fields["organisation"].queryset
    assert list(choices) == [authority]
    client.post(
        reverse(ADD),
        {
            "organisation": force.pk,
            "url": "https://hooks.example.org/",
            "events": [Event.PERIOD_LOCKED],
        },
    )
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def delivered(
    receiver, authority, admin, q2, editor, django_capture_on_commit_callbacks
):
    endpoint = subscribe(
        organisation=authority,
        url=receiver.url,
        events=[Event.PERIOD_LOCKED],
        by=admin,
    )
    with django_capture_on_commit_callbacks(execute=True):
        lock_period(period=q2, by=editor, reason="Report published.")
    sent = WebhookDelivery.objects.get(endpoint=endpoint)
    assert sent.delivered_at is not None
    return sent


def test_the_delivery_log_is_scoped_to_the_administrators_organisation(
    client, delivered, admin, outsider
):
    client.force_login(with_admin_access(admin))
    page = client.get(reverse(DELIVERIES))
    assert page.context["cl"].result_count == 1
    assert delivered.message_id in page.content.decode()
    assert client.get(reverse(ENDPOINTS)).context["cl"].result_count == 1

    client.force_login(with_admin_access(outsider))
    assert client.get(reverse(DELIVERIES)).context["cl"].result_count == 0
    assert client.get(reverse(ENDPOINTS)).context["cl"].result_count == 0


def test_an_editor_who_is_not_an_administrator_sees_no_endpoints(
    client, delivered, editor
):
    client.force_login(with_admin_access(editor))
    assert client.get(reverse(ENDPOINTS)).context["cl"].result_count == 0


def test_send_again_delivers_the_same_message_once_more(
    client,
    receiver,
    delivered,
    admin,
    django_capture_on_commit_callbacks,
):
    client.force_login(with_admin_access(admin))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(DELIVERIES),
            {"action": "send_again", "_selected_action": [delivered.pk]},
            follow=True,
        )

    assert "Queued 1 deliveries to be sent again." in response.content.decode()
    first, again = receiver.received
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    Webhook(delivered.endpoint.secret).verify(again.body, again.headers)
    delivered.refresh_from_db()
    assert delivered.attempts == 1 and delivered.delivered_at is not None


def test_send_again_retries_a_delivery_that_was_given_up(
    client,
    receiver,
    delivered,
    admin,
    django_capture_on_commit_callbacks,
):
    WebhookDelivery.objects.filter(pk=delivered.pk).update(
        delivered_at=None, failed_at=delivered.delivered_at, attempts=8
    )
    receiver.answer(500)
    client.force_login(with_admin_access(admin))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(DELIVERIES),
            {"action": "send_again", "_selected_action": [delivered.pk]},
        )

    delivered.refresh_from_db()
    # A fresh round: the first attempt failed, the next is scheduled.
    assert (delivered.attempts, delivered.last_status_code) == (1, 500)
    assert delivered.failed_at is None and delivered.next_attempt_at is not None


def test_another_organisations_admin_cannot_send_again(
    client,
    receiver,
    delivered,
    outsider,
    monkeypatch,
):
    client.force_login(with_admin_access(outsider))
    client.post(
        reverse(DELIVERIES),
        {"action": "send_again", "_selected_action": [delivered.pk]},
    )
    assert len(receiver.received) == 1
