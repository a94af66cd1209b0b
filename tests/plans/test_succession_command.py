"""``manage.py transfer_body`` (docs/succession.md): what it prints, the dry run
that changes nothing, and one clear line for bad input."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plans.models import Membership, Organisation, Plan
from plans.succession.models import BodyTransfer
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(db):
    return OrganisationFactory(name="Jersey Policing Board", short_name="JPB")


def run(*args):
    out = StringIO()
    call_command("transfer_body", *args, stdout=out)
    return out.getvalue()


def test_it_prints_what_moves_and_does_it(authority, board, plan, led, editor, reader):
    out = run(
        "JPA", "Jersey Policing Board", "--on", "2020-04-01", "--leave-behind", "rory"
    )
    assert out.startswith(
        "Jersey Police Authority to Jersey Policing Board, taking effect on "
        "1 April 2020: moves\n"
    )
    assert "  2 plans" in out
    assert "Plan: R.4/2017" in out
    assert "  erin, Editor: moves" in out
    assert "  rory, Reader: stays" in out
    assert "Done: Jersey Police Authority is succeeded by Jersey Policing Board." in out
    assert set(Plan.objects.values_list("owner", flat=True)) == {board.pk}
    assert Membership.objects.get(user=reader).organisation == authority
    transfer = BodyTransfer.objects.get()
    assert transfer.completed_by is None  # the command line, with no --by


def test_a_dry_run_changes_nothing(authority, board, plan, force, led, contributor):
    out = run(str(force.pk), str(board.pk), "--on", "2020-04-01", "--dry-run")
    assert "would move" in out
    assert "  1 deliverable led" in out
    assert "  farah, Contributor: moves" in out
    assert "Dry run: nothing was changed." in out
    led.refresh_from_db()
    assert led.lead_organisation == force
    assert Organisation.objects.get(pk=force.pk).successor is None
    assert not BodyTransfer.objects.exists()
    assert Membership.objects.get(user=contributor).organisation == force


@pytest.mark.parametrize(
    "args, message",
    [
        (["Nobody", "JPB"], 'No organisation is called "Nobody".'),
        (["JPA", "JPA"], "Jersey Police Authority cannot be its own successor"),
        (["JPA", "JPB", "--on", "1 April"], '"1 April" is not a date'),
        (["JPA", "JPB", "--leave-behind", "zed"], '"zed" is not a member of'),
        (["JPA", "JPB", "--by", "erin"], "Only superusers transfer a body"),
        (["JPA", "JPB", "--on", "2999-01-01"], "It takes effect on 1 January 2999"),
    ],
)
def test_bad_input_is_one_clear_error(authority, board, plan, editor, args, message):
    if "--on" not in args:
        args = [*args, "--on", "2020-04-01"]
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert Plan.objects.get().owner == authority
    assert not BodyTransfer.objects.exists()


def test_a_named_superuser_is_recorded(authority, board, plan):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    run("JPA", "JPB", "--on", "2020-04-01", "--by", "root")
    assert BodyTransfer.objects.get().completed_by == root


def test_a_dry_run_ahead_of_the_day_shows_what_would_move(authority, board, plan):
    out = run("JPA", "JPB", "--on", "2999-01-01", "--dry-run")
    assert "  1 plan\n" in out
    assert "It takes effect on 1 January 2999: it can be carried out on or after" in out
    assert not BodyTransfer.objects.exists()
    assert Plan.objects.get().owner == authority
