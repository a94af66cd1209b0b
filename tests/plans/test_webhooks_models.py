"""Invariants of webhooks that the database itself enforces."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans.webhooks.models import (
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)

pytestmark = pytest.mark.django_db


def refusal(make):
    """The database's error when it refuses the write, or None if it stored it."""
    try:
        with transaction.atomic():
            make()
    except IntegrityError as error:
        return str(error)
    return None


def endpoint(organisation, **fields):
    values = {
        "organisation": organisation,
        "url": "https://hooks.example.org/tracker",
        "events": [Event.UPDATE_RECORDED],
    }
    return WebhookEndpoint.objects.create(**values | fields)


def message(**fields):
    values = {"event_type": Event.UPDATE_RECORDED, "payload": {"data": {}}}
    return WebhookMessage.objects.create(**values | fields)


def test_a_new_endpoint_gets_a_standard_webhooks_secret(authority):
    made = endpoint(authority)
    assert made.secret.startswith("whsec_")
    assert len(made.secret) > 40
    assert endpoint(authority, url="https://b.example.org/").secret != made.secret


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"url": "http://hooks.example.org/"}, "webhook_endpoint_https"),
        ({"secret": "plain-secret"}, "webhook_endpoint_secret_form"),
        ({"enabled": False}, "webhook_endpoint_disabled_when"),
        ({"disabled_at": timezone.now()}, "webhook_endpoint_disabled_when"),
    ],
    ids=["http", "secret", "disabled-without-when", "enabled-with-disabled-at"],
)
def test_an_endpoint_that_contradicts_itself_is_refused(authority, fields, constraint):
    assert constraint in (refusal(lambda: endpoint(authority, **fields)) or "")
    assert not WebhookEndpoint.objects.exists()


def test_a_disabled_endpoint_says_when(authority):
    assert (
        refusal(lambda: endpoint(authority, enabled=False, disabled_at=timezone.now()))
        is None
    )


def test_an_organisation_subscribes_a_url_once(authority, force):
    endpoint(authority)
    assert refusal(lambda: endpoint(authority)) is not None
    assert refusal(lambda: endpoint(force)) is None


def test_a_message_id_has_the_msg_prefix_and_a_known_event_type():
    assert message().id.startswith("msg_")
    assert refusal(lambda: message(id="12345")) is not None
    assert refusal(lambda: message(event_type="update.eaten")) is not None


def test_an_event_sent_once_is_recorded_once():
    message(event_type=Event.PERIOD_CLOSING_SOON, once_key="period:1")
    again = refusal(
        lambda: message(event_type=Event.PERIOD_CLOSING_SOON, once_key="period:1")
    )
    assert again is not None
    # Events without a key repeat freely.
    assert refusal(message) is None
    assert refusal(message) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"next_attempt_at": None},
        {"delivered_at": "now", "failed_at": "now", "next_attempt_at": None},
        {"delivered_at": "now"},
        {"failed_at": "now"},
    ],
    ids=[
        "pending-without-next-attempt",
        "delivered-and-given-up",
        "delivered-with-next-attempt",
        "given-up-with-next-attempt",
    ],
)
def test_a_delivery_is_pending_delivered_or_given_up(authority, fields):
    now = timezone.now()
    values = {"next_attempt_at": now} | {
        k: (now if v == "now" else v) for k, v in fields.items()
    }
    target, sent = endpoint(authority), message()
    assert (
        refusal(
            lambda: WebhookDelivery.objects.create(
                endpoint=target, message=sent, **values
            )
        )
        is not None
    )


def test_a_message_goes_to_an_endpoint_once(authority):
    target, sent = endpoint(authority), message()
    now = timezone.now()
    WebhookDelivery.objects.create(endpoint=target, message=sent, next_attempt_at=now)
    assert (
        refusal(
            lambda: WebhookDelivery.objects.create(
                endpoint=target, message=sent, next_attempt_at=now
            )
        )
        is not None
    )
