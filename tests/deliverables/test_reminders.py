"""Reminders: each person hears once per stage about exactly their deliverables that
need an update, on the days the plan's schedule sets; editors get one digest."""

import datetime
import io
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from deliverables.models import SentReminder, Status
from deliverables.reminders import send_reminders, stage_days, stage_on
from deliverables.tasks import daily_at, send_update_reminders
from plans.models import Membership, Plan, ReportingPeriod
from plans.services import lock_period
from tests.factories import (
    DeliverableFactory,
    DeliverableOwnerFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    record_update,
)
from tests.test_setup import manage

pytestmark = pytest.mark.django_db

Kind = SentReminder.Kind
# Q1 2017 ends on 31 March: updates are due on 14 April and taken until 28 April. The
# plan's defaults remind owners on 7 April (before), 14 April (due) and 21 April
# (after), and editors get their digest on 15 April.
BEFORE = datetime.date(2017, 4, 7)
DUE = datetime.date(2017, 4, 14)
DIGEST = datetime.date(2017, 4, 15)
AFTER = datetime.date(2017, 4, 21)
CLOSES = datetime.date(2017, 4, 28)


def day(month, number):
    return datetime.date(2017, month, number)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://plans.example.org/"


def member(organisation, username, role=Membership.Role.CONTRIBUTOR, **user):
    return MembershipFactory(
        user=UserFactory(username=username, **user),
        organisation=organisation,
        role=role,
    ).user


@pytest.fixture
def setting(plan, authority, force, editor):
    """Farah contributes for the force; Lena is a named lead; Paddy contributes for a
    partner that shares one deliverable; Erin edits the plan."""
    partner = OrganisationFactory(name="Honorary Police")
    people = {
        "erin": editor,
        "ada": member(authority, "ada", Membership.Role.ADMIN),
        "rhea": member(authority, "rhea", Membership.Role.READER),
        "farah": member(force, "farah"),
        "rory": member(force, "rory", Membership.Role.READER),
        "ivy": member(force, "ivy", is_active=False),
        "nomail": member(force, "nomail", email=""),
        "paddy": member(partner, "paddy"),
        "lena": UserFactory(username="lena", first_name="Lena", last_name="Le Brun"),
    }

    def make(reference, **kw):
        kw.setdefault("status", Status.IN_PROGRESS)
        return DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            reference=reference,
            title=f"Work {reference}",
            **kw,
        )

    shared = make("E")
    DeliverableOwnerFactory(
        deliverable=shared, role="Chief Officer", organisation=partner
    )
    return {
        "plan": plan,
        "q1": plan.reporting_periods.get(label="Q1 2017"),
        "partner": partner,
        "people": people,
        "A": make("A"),
        "B": make("B", lead_user=people["lena"]),
        "C": make("C"),
        "D": make("D", status=Status.COMPLETED),
        "E": shared,
    }


def sent_to():
    """Each recipient's e-mail, by username."""
    return {m.to[0].split("@")[0]: m for m in mail.outbox}


def listed(message):
    """The deliverable references an owner's e-mail lists."""
    return {ref for ref in "ABCDE" if f"- {ref} Work {ref}" in message.body}


def give_update(setting, reference):
    record_update(
        deliverable=setting[reference],
        by=setting["people"]["farah"],
        narrative="On track.",
        period=setting["q1"],
    )


def test_each_person_is_reminded_of_exactly_their_deliverables(setting):
    give_update(setting, "C")
    sent = send_reminders(as_of=BEFORE)
    assert sent == {Kind.BEFORE_DUE: 3}
    messages = sent_to()
    # Not the reader, the inactive member, the member without an e-mail address or
    # the editors (whose digest comes after the due date).
    assert set(messages) == {"farah", "lena", "paddy"}
    assert listed(messages["farah"]) == {"A", "E"}
    assert listed(messages["lena"]) == {"B"}
    assert listed(messages["paddy"]) == {"E"}
    assert "you are its named lead" in messages["lena"].body
    assert "Honorary Police shares it" in messages["paddy"].body
    assert (
        f"https://plans.example.org/deliverables/{setting['A'].pk}/progress/"
        in messages["farah"].body
    )
    assert messages["lena"].subject == (
        "Progress updates for Q1 2017 (2017 Policing Plan) are due on 14 April 2017"
    )
    assert "Dear Lena Le Brun," in messages["lena"].body
    assert "in 7 days" in messages["lena"].body
    html, kind = messages["lena"].alternatives[0]
    assert kind == "text/html"
    assert (
        f'href="https://plans.example.org/deliverables/{setting["B"].pk}/progress/"'
        in html
    )
    stored = SentReminder.objects.get(recipient=setting["people"]["farah"])
    assert stored.kind == Kind.BEFORE_DUE
    assert stored.period == setting["q1"]
    assert set(stored.deliverables.values_list("reference", flat=True)) == {"A", "E"}


def test_running_again_the_same_day_or_later_sends_nothing_already_sent(setting):
    send_reminders(as_of=BEFORE)
    assert len(mail.outbox) == 3
    send_reminders(as_of=BEFORE)
    send_reminders(as_of=day(4, 8))
    out = io.StringIO()
    call_command("send_update_reminders", "--as-of", "2017-04-10", stdout=out)
    assert "Sent 0 reminders and 0 digests." in out.getvalue()
    assert len(mail.outbox) == 3
    assert SentReminder.objects.count() == 3


def test_stages_fall_on_the_days_the_plan_sets(setting):
    q1 = setting["q1"]
    assert stage_days(q1) == [
        (Kind.BEFORE_DUE, BEFORE),
        (Kind.ON_DUE, DUE),
        (Kind.AFTER_DUE, AFTER),
    ]
    kinds_by_day = {}
    for as_of in [day(4, 6), BEFORE, DUE, DIGEST, AFTER, CLOSES, day(4, 29)]:
        before = len(mail.outbox)
        send_reminders(as_of=as_of)
        kinds_by_day[as_of] = {
            (m.to[0].split("@")[0], m.subject.split(" ")[0])
            for m in mail.outbox[before:]
        }
    assert kinds_by_day[day(4, 6)] == set()
    assert {who for who, _ in kinds_by_day[BEFORE]} == {"farah", "lena", "paddy"}
    assert {who for who, _ in kinds_by_day[DUE]} == {"farah", "lena", "paddy"}
    assert kinds_by_day[DIGEST] == {("erin", "Missing"), ("ada", "Missing")}
    assert {who for who, _ in kinds_by_day[AFTER]} == {"farah", "lena", "paddy"}
    assert kinds_by_day[CLOSES] == set()
    assert kinds_by_day[day(4, 29)] == set()
    lena = SentReminder.objects.filter(recipient=setting["people"]["lena"])
    assert sorted(lena.values_list("kind", flat=True)) == sorted(
        [Kind.BEFORE_DUE, Kind.ON_DUE, Kind.AFTER_DUE]
    )
    due_today = next(m for m in mail.outbox if m.subject.endswith("are due today"))
    assert "are due today, 14 April 2017" in due_today.body
    overdue = mail.outbox[-1]
    assert overdue.subject.endswith("are overdue")
    assert "were due on 14 April 2017: 7 days ago" in overdue.body
    assert "Late updates are taken until 28 April 2017" in overdue.body


def test_a_missed_stage_is_sent_late_but_only_the_latest(setting):
    """Nothing ran from 6 to 22 April: owners get the chaser alone, not three
    e-mails."""
    send_reminders(as_of=day(4, 22))
    kinds = set(SentReminder.objects.values_list("kind", flat=True))
    assert kinds == {Kind.AFTER_DUE, Kind.DIGEST}
    owners = [m for m in mail.outbox if m.to[0].split("@")[0] in {"farah", "lena"}]
    assert len(owners) == 2
    assert all("8 days ago" in m.body for m in owners)


def test_a_chaser_past_the_grace_period_is_never_due(setting):
    plan = setting["plan"]
    plan.remind_days_after_due = 20
    plan.save()
    q1 = ReportingPeriod.objects.select_related("plan").get(pk=setting["q1"].pk)
    assert [kind for kind, _ in stage_days(q1)] == [Kind.BEFORE_DUE, Kind.ON_DUE]
    assert stage_on(q1, day(4, 27)) == Kind.ON_DUE
    send_reminders(as_of=day(4, 27))
    assert Kind.AFTER_DUE not in set(
        SentReminder.objects.values_list("kind", flat=True)
    )


def test_no_reminder_before_the_due_date_when_the_plan_sets_none(setting):
    plan = setting["plan"]
    plan.remind_days_before_due = 0
    plan.save()
    send_reminders(as_of=BEFORE)
    assert not mail.outbox
    send_reminders(as_of=DUE)
    assert len(mail.outbox) == 3


def test_nothing_is_sent_after_the_period_closes(setting):
    send_reminders(as_of=CLOSES + datetime.timedelta(days=1))
    assert not mail.outbox
    assert not SentReminder.objects.exists()


def test_nothing_is_sent_for_a_locked_period(setting, editor):
    lock_period(period=setting["q1"], by=editor, reason="Report published.")
    for as_of in [BEFORE, DUE, DIGEST, AFTER]:
        send_reminders(as_of=as_of)
    assert not mail.outbox


@pytest.mark.parametrize(
    "change",
    [{"reminders_enabled": False}, {"state": Plan.State.DRAFT}],
    ids=["reminders off", "draft plan"],
)
def test_nothing_is_sent_for_a_plan_that_takes_no_reminders(setting, change):
    Plan.objects.filter(pk=setting["plan"].pk).update(**change)
    for as_of in [BEFORE, DUE, DIGEST, AFTER]:
        send_reminders(as_of=as_of)
    assert not mail.outbox


def test_an_update_given_takes_the_deliverable_off_the_next_reminder(setting):
    send_reminders(as_of=BEFORE)
    for reference in "ACE":
        give_update(setting, reference)
    mail.outbox.clear()
    send_reminders(as_of=DUE)
    # Farah and Paddy have nothing left to give; Lena still owes B.
    assert set(sent_to()) == {"lena"}


def test_a_named_lead_without_an_email_address_falls_back_to_the_organisation(
    setting,
):
    lena = setting["people"]["lena"]
    lena.email = ""
    lena.save()
    send_reminders(as_of=BEFORE)
    assert listed(sent_to()["farah"]) == {"A", "B", "C", "E"}
    assert "lena" not in sent_to()


def test_editors_digest_lists_who_is_missing_by_organisation_and_owner(setting):
    DeliverableOwnerFactory(deliverable=setting["A"], role="Supt Local Policing")
    send_reminders(as_of=DUE)
    mail.outbox.clear()
    send_reminders(as_of=DIGEST)
    messages = sent_to()
    # Editors and administrators of the plan's owner; not its readers, not owners.
    assert set(messages) == {"erin", "ada"}
    digest = messages["erin"]
    assert digest.subject == (
        "Missing updates for Q1 2017 (2017 Policing Plan): 4 deliverables from "
        "1 organisation"
    )
    body = digest.body
    assert "were due on 14 April 2017 (1 day ago)" in body
    assert "owners will be reminded again on 21 April 2017" in body
    assert "States of Jersey Police: 4 missing" in body
    assert "  Lena Le Brun: 1\n  - B Work B" in body
    assert "  Supt Local Policing: 1\n  - A Work A" in body
    assert "  No owner named: 1\n" in body
    assert "C Work C" in body
    assert "D Work D" not in body
    plan, q1 = setting["plan"], setting["q1"]
    assert f"https://plans.example.org/plans/{plan.pk}/periods/{q1.pk}/missing/" in body
    assert digest.alternatives[0][1] == "text/html"
    stored = SentReminder.objects.get(recipient=setting["people"]["erin"])
    assert stored.kind == Kind.DIGEST
    assert stored.deliverables.count() == 4
    send_reminders(as_of=day(4, 16))
    assert len(mail.outbox) == 2


def test_no_digest_when_nothing_is_missing(setting):
    for reference in "ABCE":
        give_update(setting, reference)
    send_reminders(as_of=DIGEST)
    assert not mail.outbox


def test_a_failed_send_is_not_recorded_and_is_tried_again(setting):
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=smtplib.SMTPServerDisconnected("gone"),
    ):
        assert send_reminders(as_of=BEFORE) == {}
    assert not SentReminder.objects.exists()
    send_reminders(as_of=day(4, 8))
    assert len(mail.outbox) == 3


def test_the_command_sends_the_days_reminders(setting):
    out = io.StringIO()
    call_command("send_update_reminders", "--as-of", "2017-04-15", stdout=out)
    # Owners' "due" reminder, caught up a day late, and the editors' digest.
    assert "Sent 3 reminders and 2 digests." in out.getvalue()
    assert len(mail.outbox) == 5


def test_a_dry_run_lists_who_would_be_emailed_and_sends_nothing(setting):
    out = io.StringIO()
    call_command(
        "send_update_reminders", "--dry-run", "--as-of", "2017-04-07", stdout=out
    )
    assert "farah@example.org (R.4/2017 Q1 2017, before the due date): A, C, E" in (
        out.getvalue()
    )
    assert not mail.outbox
    assert not SentReminder.objects.exists()


def test_the_command_refuses_a_date_it_cannot_read():
    with pytest.raises(CommandError, match="2026-04-14"):
        call_command("send_update_reminders", "--as-of", "14/04/2017")


def test_the_task_sends_the_days_reminders(setting):
    assert send_update_reminders.call(as_of="2017-04-07") == 3
    result = send_update_reminders.enqueue(as_of="2017-04-07")
    assert result.return_value == 0
    assert len(mail.outbox) == 3


def test_the_scheduler_runs_the_task_daily_at_the_configured_time(setting):
    from crontask import scheduler

    assert daily_at((7, 30)) == "30 7 * * *"
    jobs = [j for j in scheduler.get_jobs() if j.name == send_update_reminders.name]
    assert len(jobs) == 1
    fields = {f.name: str(f) for f in jobs[0].trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day"]) == ("7", "0", "*")
    # What the scheduler calls at that time: the task, enqueued.
    assert jobs[0].func(as_of="2017-04-07").return_value == 3


def test_the_reminder_time_must_be_a_time_of_day():
    result = manage("check", env={"REMINDER_TIME": "7am"})
    assert result.returncode != 0
    assert "REMINDER_TIME must be a time like 07:30" in result.stderr
