# ruff: noqa: F811 - the receiver fixture is imported, and tests name it
"""Sending webhooks: signed so the receiver can verify them, to public HTTPS addresses
only, retried on the Standard Webhooks schedule, and an endpoint that fails for a day
disabled with one e-mail to its organisation's administrators."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from plans.services import lock_period
from plans.webhooks import delivery, sending
from plans.webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from plans.webhooks.services import subscribe
from tests.plans.webhook_receiver import receiver, resolving_to  # noqa: F401

pytestmark = pytest.mark.django_db

# Now, to the second: urllib3 warns of a clock set years back.
START = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


@pytest.fixture
def listening(receiver, authority, admin):
    """The authority's endpoint on the local receiver, hearing periods lock."""
    return subscribe(
        organisation=authority,
        url=receiver.url,
        events=[Event.PERIOD_LOCKED],
        by=admin,
    )


def lock(period, by, callbacks):
    """Lock the period; the first attempt goes once the transaction commits."""
    with callbacks(execute=True):
        lock_period(period=period, by=by, reason="Report published.")


def test_the_receiver_verifies_the_signature_with_the_standard_webhooks_library(
    receiver,
    listening,
    q2,
    editor,
    django_capture_on_commit_callbacks,
):
    lock(q2, editor, django_capture_on_commit_callbacks)

    (got,) = receiver.received
    payload = Webhook(listening.secret).verify(got.body, got.headers)
    assert payload["type"] == "period.locked"
    assert payload["data"]["period"]["label"] == q2.label
    assert payload["data"]["plan"]["reference"] == q2.plan.reference
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_")
    assert "PlanDeliveryTracker" in got.headers["user-agent"]
    assert got.path == "/hooks/tracker"
    tampered = got.body.replace(b"period.locked", b"period.opened")
    with pytest.raises(WebhookVerificationError):
        Webhook(listening.secret).verify(tampered, got.headers)
    sent = WebhookDelivery.objects.get()
    assert (sent.attempts, sent.last_status_code) == (1, 200)
    assert sent.delivered_at is not None and sent.next_attempt_at is None


def test_it_is_verified_by_hand_as_the_docs_describe(
    receiver,
    listening,
    q2,
    editor,
    django_capture_on_commit_callbacks,
):
    import base64
    import hashlib
    import hmac

    lock(q2, editor, django_capture_on_commit_callbacks)
    (got,) = receiver.received
    key = base64.b64decode(listening.secret.removeprefix("whsec_"))
    signed = f"{got.headers['webhook-id']}.{got.headers['webhook-timestamp']}.".encode()
    expected = base64.b64encode(
        hmac.new(key, signed + got.body, hashlib.sha256).digest()
    ).decode()
    assert got.headers["webhook-signature"] == f"v1,{expected}"


def test_a_failed_delivery_is_retried_with_the_same_id_until_it_succeeds(
    receiver,
    listening,
    q2,
    editor,
    django_capture_on_commit_callbacks,
):
    receiver.answer(500)
    with time_machine.travel(START, tick=False) as clock:
        lock(q2, editor, django_capture_on_commit_callbacks)
        sent = WebhookDelivery.objects.get()
        assert (sent.attempts, sent.last_status_code) == (1, 500)
        assert sent.last_error == "Answered 500."
        assert sent.next_attempt_at == START + datetime.timedelta(seconds=5)
        listening.refresh_from_db()
        assert listening.failing_since == START

        assert sending.send_due() == 0  # not due yet
        clock.shift(datetime.timedelta(seconds=5))
        assert sending.send_due() == 1

    sent.refresh_from_db()
    assert (sent.attempts, sent.last_status_code) == (2, 200)
    assert sent.delivered_at is not None
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    listening.refresh_from_db()
    assert listening.failing_since is None  # a success ends the run of failures


def test_retries_follow_the_schedule_then_give_up_and_disable_the_endpoint(
    receiver,
    listening,
    q2,
    editor,
    admin,
    django_capture_on_commit_callbacks,
):
    receiver.answer(*[503] * 20)
    gaps = []
    with time_machine.travel(START, tick=False) as clock:
        lock(q2, editor, django_capture_on_commit_callbacks)
        sent = WebhookDelivery.objects.get()
        while sent.next_attempt_at is not None:
            gaps.append(sent.next_attempt_at - timezone.now())
            clock.move_to(sent.next_attempt_at)
            sending.send_due()
            sent.refresh_from_db()

    assert gaps == [
        datetime.timedelta(seconds=5),
        datetime.timedelta(minutes=5),
        datetime.timedelta(minutes=30),
        datetime.timedelta(hours=2),
        datetime.timedelta(hours=5),
        datetime.timedelta(hours=10),
        datetime.timedelta(hours=10),
    ]
    # The eighth attempt would be 27 h 35 min in; by then the endpoint has failed
    # for a day, so the scheduler disables it first and gives the delivery up.
    assert sent.attempts == 7 and sent.failed_at is not None
    assert len(receiver.received) == 7
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    listening.refresh_from_db()
    assert not listening.enabled
    assert listening.disabled_reason == "Every attempt failed for a day."
    (told,) = mail.outbox
    assert told.to == [admin.email]
    assert listening.url in told.body

    # Disabled: nothing more is sent, and nobody is e-mailed again.
    with django_capture_on_commit_callbacks(execute=True):
        lock_period(period=q2.plan.reporting_periods.last(), by=editor, reason="Done.")
    assert sending.send_due() == 0
    assert len(receiver.received) == 7
    assert len(mail.outbox) == 1


def test_the_last_attempt_gives_up_and_disables_the_endpoint(
    receiver,
    listening,
    q2,
    editor,
    django_capture_on_commit_callbacks,
):
    receiver.answer(500, 500)
    lock(q2, editor, django_capture_on_commit_callbacks)
    sent = WebhookDelivery.objects.get()
    # Seven attempts failed, but the endpoint succeeded with others in between.
    WebhookDelivery.objects.filter(pk=sent.pk).update(
        attempts=7, next_attempt_at=timezone.now()
    )
    WebhookEndpoint.objects.filter(pk=listening.pk).update(failing_since=None)

    sending.send_due()

    sent.refresh_from_db()
    assert sent.attempts == 8 and sent.failed_at is not None
    assert sent.next_attempt_at is None
    listening.refresh_from_db()
    assert not listening.enabled
    assert "after 8 failed attempts" in listening.disabled_reason
    assert len(mail.outbox) == 1


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_admins_told_once(
    receiver,
    listening,
    plan,
    editor,
    admin,
    django_capture_on_commit_callbacks,
):
    first, second, third = plan.reporting_periods.order_by("starts_on")[:3]
    receiver.answer(*[500] * 20)
    with time_machine.travel(START, tick=False) as clock:
        lock(first, editor, django_capture_on_commit_callbacks)
        clock.shift(datetime.timedelta(hours=23))
        lock(second, editor, django_capture_on_commit_callbacks)
        listening.refresh_from_db()
        assert listening.enabled  # failing for 23 hours
        assert mail.outbox == []

        clock.shift(datetime.timedelta(hours=1))
        sending.send_due()  # the scheduler's next run

    listening.refresh_from_db()
    assert not listening.enabled
    assert listening.disabled_reason == "Every attempt failed for a day."
    # What was still waiting is given up, not sent later.
    assert not WebhookDelivery.objects.pending().exists()
    (told,) = mail.outbox
    assert told.to == [admin.email]
    assert "Every attempt failed for a day." in told.body

    with time_machine.travel(START + datetime.timedelta(days=1, hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            lock_period(period=third, by=editor, reason="Done.")
        sending.send_due()
    assert len(mail.outbox) == 1
    assert len(receiver.received) == 2


def test_a_redirect_is_a_failure_and_is_not_followed(
    receiver,
    listening,
    q2,
    editor,
    django_capture_on_commit_callbacks,
):
    receiver.answer(302, Location="https://elsewhere.example.org/in")
    lock(q2, editor, django_capture_on_commit_callbacks)

    sent = WebhookDelivery.objects.get()
    assert sent.delivered_at is None and sent.last_status_code == 302
    assert "redirect to https://elsewhere.example.org/in" in sent.last_error
    assert len(receiver.received) == 1


# -- the address rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.org/", "uses http"),
        ("ftp://hooks.example.org/", "must start with https://"),
        ("https://user:secret@hooks.example.org/", "user name or password"),
        ("https://127.0.0.1/hook", "resolves to a loopback address 127.0.0.1"),
        ("https://[::1]/hook", "resolves to a loopback address ::1"),
        ("https://10.0.0.5/hook", "resolves to a private address 10.0.0.5"),
        ("https://192.168.1.20/hook", "resolves to a private address 192.168.1.20"),
        (
            "https://169.254.169.254/latest",
            "resolves to a link-local address 169.254.169.254",
        ),
        ("https://[::ffff:10.0.0.5]/", "resolves to a private address 10.0.0.5"),
        ("https://224.0.0.1/", "resolves to a multicast address 224.0.0.1"),
    ],
)
def test_an_endpoint_not_on_public_https_is_refused_with_the_reason(
    authority, admin, url, reason
):
    with pytest.raises(ValidationError) as refused:
        subscribe(
            organisation=authority, url=url, events=[Event.PERIOD_LOCKED], by=admin
        )
    assert reason in refused.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_a_host_that_resolves_to_a_private_address_is_refused(
    authority, admin, monkeypatch
):
    resolving_to(monkeypatch, "93.184.215.14", "10.0.0.5")
    with pytest.raises(ValidationError) as refused:
        subscribe(
            organisation=authority,
            url="https://hooks.example.org/tracker",
            events=[Event.PERIOD_LOCKED],
            by=admin,
        )
    assert refused.value.message_dict["url"] == [
        "The address resolves to a private address 10.0.0.5."
    ]


def test_a_host_that_does_not_resolve_is_refused(authority, admin, monkeypatch):
    resolving_to(monkeypatch)
    with pytest.raises(ValidationError) as refused:
        subscribe(
            organisation=authority,
            url="https://nowhere.example.org/",
            events=[Event.PERIOD_LOCKED],
            by=admin,
        )
    assert "does not resolve" in refused.value.message_dict["url"][0]


def test_the_address_is_checked_again_at_each_delivery(
    authority, admin, editor, q2, monkeypatch, django_capture_on_commit_callbacks
):
    calls = resolving_to(monkeypatch, "93.184.215.14")
    endpoint = subscribe(
        organisation=authority,
        url="https://hooks.example.org/tracker",
        events=[Event.PERIOD_LOCKED],
        by=admin,
    )
    # Its DNS now points inside the network.
    calls = resolving_to(monkeypatch, "10.0.0.5")
    connected = []
    monkeypatch.setattr(
        delivery.urllib3,
        "HTTPSConnectionPool",
        lambda *args, **kwargs: connected.append(args),
    )

    lock(q2, editor, django_capture_on_commit_callbacks)

    assert calls == ["hooks.example.org"]
    assert connected == []  # never contacted
    sent = WebhookDelivery.objects.get(endpoint=endpoint)
    assert sent.delivered_at is None and sent.last_status_code is None
    assert sent.last_error == (
        "Not sent: the address resolves to a private address 10.0.0.5."
    )


def test_allowed_networks_let_development_receivers_through_but_not_http(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    target = delivery.check("https://10.0.0.5:8443/hook")
    assert (target.addresses, target.port, target.path) == (
        ("10.0.0.5",),
        8443,
        "/hook",
    )
    with pytest.raises(delivery.AddressRefused, match="uses http"):
        delivery.check("http://10.0.0.5/hook")
