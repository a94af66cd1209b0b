"""Notifications: an update's author is e-mailed once when it is returned (and, if
they choose, accepted); editors get a daily digest of updates waiting for review,
once a day and only when something waits; each person chooses on their account page."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from core.accounts.notifications import choose_notifications
from core.models import NotificationChoices
from deliverables.models import SentNotification
from deliverables.notifications import send_review_digests
from deliverables.services import accept_update, return_update
from deliverables.tasks import send_review_digests as digest_task
from deliverables.tasks import send_review_notice
from plans.services import issue_api_client
from tests.factories import UserFactory, record_update

pytestmark = pytest.mark.django_db

Kind = SentNotification.Kind
TODAY = datetime.date(2017, 7, 3)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://plans.example.org/"


@pytest.fixture
def waiting(plan, q2, deliverable, contributor):
    """Farah's update on the force's deliverable, waiting for Erin's review."""
    plan.review_contributor_updates = True
    plan.save()
    return record_update(
        deliverable=deliverable,
        by=contributor,
        narrative="Patrols doubled.",
        period=q2,
        rag="amber",
    )


def review(decide, django_capture_on_commit_callbacks, **kwargs):
    """Decide as the service does, running what it queues on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return decide(**kwargs)


def test_return_emails_the_author_once_with_the_comment_and_a_link(
    waiting, editor, contributor, deliverable, django_capture_on_commit_callbacks
):
    returned = review(
        return_update,
        django_capture_on_commit_callbacks,
        update=waiting,
        by=editor,
        comment="Which patrols? Add the figures.",
    )

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [contributor.email]
    assert deliverable.reference in email.subject
    assert "returned" in email.subject
    record = f"https://plans.example.org/deliverables/{deliverable.pk}/progress/"
    for body in (email.body, email.alternatives[0][0]):
        assert "Which patrols? Add the figures." in body
        assert record in body
        assert "Q2" in body
    # The task running again (a retried worker) sends nothing more.
    assert send_review_notice.call(returned.pk) is False
    send_review_notice.enqueue(returned.pk)
    assert len(mail.outbox) == 1
    assert (
        SentNotification.objects.filter(
            update=waiting, kind=Kind.RETURNED, recipient=contributor
        ).count()
        == 1
    )


def test_nothing_is_sent_before_the_review_commits(
    waiting, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        return_update(update=waiting, by=editor, comment="Add the figures.")
    assert mail.outbox == []
    assert len(queued) == 1


def test_author_who_turned_returns_off_gets_nothing(
    waiting, editor, contributor, django_capture_on_commit_callbacks
):
    choose_notifications(
        user=contributor,
        by=contributor,
        when_returned=False,
        when_accepted=False,
        review_digest=True,
    )
    review(
        return_update,
        django_capture_on_commit_callbacks,
        update=waiting,
        by=editor,
        comment="Add the figures.",
    )
    assert mail.outbox == []
    assert not SentNotification.objects.exists()


def test_accept_is_not_emailed_by_default(
    waiting, editor, django_capture_on_commit_callbacks
):
    review(accept_update, django_capture_on_commit_callbacks, update=waiting, by=editor)
    assert mail.outbox == []


def test_accept_is_emailed_once_when_chosen(
    waiting, editor, contributor, django_capture_on_commit_callbacks
):
    choose_notifications(
        user=contributor,
        by=contributor,
        when_returned=True,
        when_accepted=True,
        review_digest=False,
    )
    accepted = review(
        accept_update, django_capture_on_commit_callbacks, update=waiting, by=editor
    )
    send_review_notice.enqueue(accepted.pk)
    assert len(mail.outbox) == 1
    assert "accepted" in mail.outbox[0].subject
    assert mail.outbox[0].to == [contributor.email]


def test_an_api_clients_update_gets_no_email(
    plan, q2, deliverable, force, editor, django_capture_on_commit_callbacks
):
    plan.review_contributor_updates = True
    plan.save()
    client, _ = issue_api_client(
        organisation=force,
        name="Force system",
        scopes=["read", "updates:write"],
        by=UserFactory(username="root", is_superuser=True),
    )
    sent = record_update(
        deliverable=deliverable,
        by=client.service_user,
        api_client=client,
        narrative="From the force's system.",
        period=q2,
        rag="green",
    )
    assert sent.requires_review
    review(
        return_update,
        django_capture_on_commit_callbacks,
        update=sent,
        by=editor,
        comment="Add the figures.",
    )
    assert mail.outbox == []


def test_digest_goes_to_editors_once_a_day_only_when_something_waits(
    plan, q2, deliverable, contributor, editor, admin, reader
):
    assert send_review_digests(as_of=TODAY) == 0  # nothing waits
    plan.review_contributor_updates = True
    plan.save()
    record_update(deliverable=deliverable, by=contributor, narrative="Done.", period=q2)

    assert send_review_digests(as_of=TODAY) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([editor.email, admin.email])
    assert deliverable.reference in mail.outbox[0].body
    assert "https://plans.example.org/deliverables/review/" in mail.outbox[0].body
    # Again the same day, through the scheduled task: nothing more.
    assert digest_task.call(as_of=TODAY.isoformat()) == 0
    assert len(mail.outbox) == 2
    # The next day, still waiting: one more each.
    assert send_review_digests(as_of=TODAY + datetime.timedelta(days=1)) == 2


def test_digest_respects_the_editors_choice(
    plan, q2, deliverable, contributor, editor, admin
):
    plan.review_contributor_updates = True
    plan.save()
    record_update(deliverable=deliverable, by=contributor, narrative="Done.", period=q2)
    choose_notifications(
        user=admin,
        by=admin,
        when_returned=True,
        when_accepted=False,
        review_digest=False,
    )
    assert send_review_digests(as_of=TODAY) == 1
    assert mail.outbox[0].to == [editor.email]


def test_account_page_shows_and_saves_the_choices(client, contributor):
    client.force_login(contributor)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "E-mail notifications" in page
    assert 'value="when_returned" id="id_notifications_0" checked' in page
    assert "waiting for my review" not in page  # contributors review nothing

    response = client.post(
        reverse("accounts:notifications"), {"notifications": ["when_accepted"]}
    )

    assert response.status_code == 302
    choices = NotificationChoices.objects.get(user=contributor)
    assert (choices.when_returned, choices.when_accepted) == (False, True)
    assert choices.review_digest is True  # not offered, so unchanged
    assert choices.changed_by == contributor


def test_editor_can_turn_the_digest_off(client, editor):
    client.force_login(editor)
    assert (
        "waiting for my review"
        in client.get(reverse("accounts:account")).content.decode()
    )
    client.post(reverse("accounts:notifications"), {"notifications": ["when_returned"]})
    assert NotificationChoices.of(editor).review_digest is False


def test_a_choice_not_offered_is_refused_beside_the_field(client, contributor):
    client.force_login(contributor)
    response = client.post(
        reverse("accounts:notifications"), {"notifications": ["everything"]}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationChoices.objects.exists()
