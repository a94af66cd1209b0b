"""Reminders: each person hears about exactly their deliverables that need an update."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from deliverables.models import Status
from deliverables.services import record_progress
from deliverables.tasks import send_update_reminders
from plans.models import Membership
from plans.services import ensure_quarterly_periods
from tests.factories import (
    DeliverableFactory,
    MembershipFactory,
    PlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(authority, force):
    year = timezone.localdate().year
    plan = PlanFactory(
        owner=authority,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
    )
    ensure_quarterly_periods(plan=plan)
    farah = MembershipFactory(
        user=UserFactory(username="farah", email="farah@police.example"),
        organisation=force,
        role=Membership.Role.CONTRIBUTOR,
    ).user
    MembershipFactory(
        user=UserFactory(username="rory", email="rory@police.example"),
        organisation=force,
        role=Membership.Role.READER,
    )
    lead = UserFactory(username="lena", email="lena@police.example")
    make = lambda **kw: DeliverableFactory(  # noqa: E731
        objective__priority__plan=plan,
        lead_organisation=force,
        status=Status.IN_PROGRESS,
        **kw,
    )
    return {
        "plan": plan,
        "farah": farah,
        "lead": lead,
        "unled": make(reference="A", title="Unled work"),
        "led": make(reference="B", title="Led work", lead_user=lead),
        "updated": make(reference="C", title="Already updated"),
        "done": DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            reference="D",
            status=Status.COMPLETED,
        ),
    }


def test_each_person_is_reminded_of_exactly_their_deliverables(setting):
    record_progress(
        deliverable=setting["updated"], by=setting["farah"], narrative="On track."
    )
    out = io.StringIO()
    call_command("send_update_reminders", stdout=out)
    assert "Sent 2 reminders." in out.getvalue()
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {"farah@police.example", "lena@police.example"}
    assert "A Unled work" in sent["farah@police.example"].body
    assert "Led work" not in sent["farah@police.example"].body
    assert "Already updated" not in sent["farah@police.example"].body
    assert "B Led work" in sent["lena@police.example"].body
    assert (
        f"/deliverables/{setting['led'].pk}/progress/"
        in sent["lena@police.example"].body
    )
    assert (
        sent["lena@police.example"].subject == "1 deliverable needs a progress update"
    )


def test_a_dry_run_sends_nothing(setting):
    out = io.StringIO()
    call_command("send_update_reminders", "--dry-run", stdout=out)
    assert "farah@police.example: A, C" in out.getvalue()
    assert not mail.outbox


def test_the_task_sends_the_same_reminders(setting):
    result = send_update_reminders.enqueue()
    assert result.return_value == 2
    assert len(mail.outbox) == 2
