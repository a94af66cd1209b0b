"""Personal data: the retention rule and the subject access export
(docs/data-protection.md). Redacting names from narratives is in
tests/deliverables/test_redaction.py."""

import datetime
import json
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.personal_data import months_before
from deliverables.models import ProgressUpdate
from plans.models import Membership
from plans.services import issue_api_client
from tests.factories import MembershipFactory, UserFactory, record_update

User = get_user_model()
AS_OF = "2026-01-15"
LONG_AGO = timezone.make_aware(datetime.datetime(2023, 6, 1, 9, 0))
LATELY = timezone.make_aware(datetime.datetime(2025, 9, 1, 9, 0))


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def person(username, *, active, last_login, force, joined=LONG_AGO):
    user = UserFactory(username=username)
    user.is_active = active
    user.last_login = last_login
    user.date_joined = joined
    user.save()
    MembershipFactory(user=user, organisation=force, role=Membership.Role.CONTRIBUTOR)
    return user


def session_of(user):
    """A stored session signed in as ``user`` (made directly, as deactivating an
    account may itself end its sessions)."""
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    return session.session_key


@pytest.fixture
def people(force, deliverable):
    """Who the rule must and must not touch, on 15 January 2026 (24 months back is
    15 January 2024)."""
    world = {
        "left_long_ago": person("lena", active=True, last_login=LONG_AGO, force=force),
        "left_lately": person("luke", active=False, last_login=LATELY, force=force),
        "still_here": person("sam", active=True, last_login=LONG_AGO, force=force),
        "never_signed_in": person("nora", active=False, last_login=None, force=force),
    }
    lena = world["left_long_ago"]
    world["update"] = record_update(
        deliverable=deliverable,
        by=lena,
        narrative="Lena Larsen met the panel.",
        period=deliverable.plan.reporting_periods.first(),
    )
    lena.is_active = False
    lena.save()
    world["session"] = session_of(lena)
    AccessLog.objects.create(username="lena", ip_address="192.0.2.1", user_agent="x")
    AccessAttempt.objects.create(
        username="lena", ip_address="192.0.2.1", user_agent="x", failures_since_start=1
    )
    client_record, _ = issue_api_client(
        organisation=force, name="Feed", scopes=["read"], by=lena
    )
    service = client_record.service_user
    service.is_active = False
    service.date_joined = LONG_AGO
    service.save()
    world["service"] = service
    return world


def snapshot():
    return (
        list(
            User.objects.order_by("pk").values(
                "username", "first_name", "last_name", "email", "password", "is_active"
            )
        ),
        Membership.objects.count(),
        Session.objects.count(),
        AccessLog.objects.count(),
    )


def test_months_before_keeps_the_day_or_the_months_last():
    assert months_before(datetime.date(2026, 1, 15), 24) == datetime.date(2024, 1, 15)
    assert months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)


def test_retention_anonymises_exactly_the_deactivated_and_long_unused_accounts(
    people,
):
    output = run("apply_retention", "--as-of", AS_OF)

    anonymised = {
        u.pk for u in User.objects.filter(username__startswith="former-user-")
    }
    assert anonymised == {people["left_long_ago"].pk, people["never_signed_in"].pk}
    assert "2 accounts anonymised" in output
    # The log names the account's number, not the person.
    assert "lena" not in output.lower()

    lena = User.objects.get(pk=people["left_long_ago"].pk)
    assert lena.username == f"former-user-{lena.pk}"
    assert lena.get_full_name() == f"Former user #{lena.pk}"
    assert lena.email == ""
    assert not lena.has_usable_password()
    assert not lena.memberships.exists()
    assert not Session.objects.filter(session_key=people["session"]).exists()
    assert not AccessLog.objects.filter(username="lena").exists()
    assert not AccessAttempt.objects.filter(username="lena").exists()
    # What she did stays, attributed to the former user.
    update = ProgressUpdate.objects.get(pk=people["update"].pk)
    assert update.recorded_by_id == lena.pk
    assert update.narrative == "Lena Larsen met the panel."

    for kept in ("left_lately", "still_here"):
        user = User.objects.get(pk=people[kept].pk)
        assert user.username == people[kept].username
        assert user.memberships.exists()
    assert User.objects.get(pk=people["service"].pk).username.startswith("api-")


def test_the_deliverable_page_shows_former_user_instead_of_the_name(
    people, client, editor, deliverable
):
    run("apply_retention", "--as-of", AS_OF)
    client.force_login(editor)
    page = client.get(reverse("deliverables:detail", args=[deliverable.pk]))
    text = page.content.decode()
    assert f"Former user #{people['left_long_ago'].pk}" in text


def test_dry_run_lists_the_accounts_and_changes_nothing(people):
    before = snapshot()
    output = run("apply_retention", "--as-of", AS_OF, "--dry-run")
    assert snapshot() == before
    assert "Would anonymise" in output and "lena" in output and "nora" in output
    assert "luke" not in output and "sam" not in output
    assert "2 accounts would be anonymised" in output


def test_retention_applied_twice_changes_nothing_the_second_time(people):
    run("apply_retention", "--as-of", AS_OF)
    before = snapshot()
    assert "0 accounts anonymised" in run("apply_retention", "--as-of", AS_OF)
    assert snapshot() == before


def test_the_months_come_from_the_setting(people, settings):
    settings.RETENTION_INACTIVE_MONTHS = 3
    run("apply_retention", "--as-of", AS_OF)
    assert User.objects.get(pk=people["left_lately"].pk).username.startswith(
        "former-user-"
    )


# The export -----------------------------------------------------------------------


def test_export_holds_the_users_rows_and_nobody_elses(
    people, deliverable, editor, tmp_path
):
    record_update(
        deliverable=deliverable,
        by=editor,
        narrative="Erin's own words.",
        period=deliverable.plan.reporting_periods.first(),
    )
    output = tmp_path / "lena.json"
    run("export_user_data", "lena", "--output", str(output))
    data = json.loads(output.read_text())
    lena = people["left_long_ago"]

    assert data["user"]["username"] == "lena"
    assert "password" not in data["user"]
    updates = data["records"]["deliverables.ProgressUpdate"]
    assert [u["id"] for u in updates] == [people["update"].pk]
    assert updates[0]["narrative"] == "Lena Larsen met the panel."
    memberships = data["records"]["plans.Membership"]
    assert [m["user"] for m in memberships] == [lena.pk]
    assert data["records"]["plans.ApiClient"][0]["created_by"] == lena.pk
    assert "plans.HistoricalMembership" in data["records"]
    assert {r["username"] for r in data["sign_in_records"]["axes.AccessLog"]} == {
        "lena"
    }
    assert len(data["sessions"]) == 1
    # Every exported row points at Lena; nothing of Erin's is in it.
    assert "Erin's own words." not in output.read_text()
    for label, rows in data["records"].items():
        for row in rows:
            assert lena.pk in row.values(), (label, row)


def test_export_of_an_unknown_user_is_refused(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no user"):
        run("export_user_data", "nobody", "--output", str(tmp_path / "x.json"))
