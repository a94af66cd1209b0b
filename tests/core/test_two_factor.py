"""Two-factor sign-in for administrators and editors: setting it up from the account
page, the code asked for after the password, wrong codes, backup codes, turning it
off, the mode that makes it compulsory, and an administrator's reset."""

import base64
import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from plans.models import Membership
from plans.services import issue_api_client
from tests.api.conftest import bearer, fetch_token
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
STARTS = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
VERIFY = "/sign-in/two-factor/"
SET_UP = "/account/two-factor/set-up/"


@pytest.fixture(autouse=True)
def clock():
    """Codes change every 30 seconds and each is accepted once: tests move the clock
    on by hand."""
    with time_machine.travel(STARTS, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def no_throttle_counts():
    cache.clear()


@pytest.fixture
def admin_of_force(force):
    """Alex administers the force's members."""
    return MembershipFactory(
        user=UserFactory(username="alex"),
        organisation=force,
        role=Membership.Role.ADMIN,
    ).user


def code_for(device):
    """The code the person's authenticator app shows now."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device):
    return f"{(int(code_for(device)) + 1) % 10**device.digits:0{device.digits}d}"


def sign_in(client, username):
    response = client.post(
        reverse("sign-in"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()
    return response


def set_up(client, user, clock):
    """Set up two-factor sign-in through the pages; return the backup codes shown."""
    client.force_login(user)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SET_UP, {"code": code_for(device)})
    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"]).content.decode()
    clock.shift(60)  # the next code is a new one
    client.logout()
    return re.findall(r"<li><code>(\w+)</code></li>", page)


def page_of(response):
    return response.content.decode()


# Who is offered it ---------------------------------------------------------------


def test_an_editor_sees_their_account_and_is_offered_two_factor_sign_in(client, editor):
    client.force_login(editor)
    menu = page_of(client.get("/plans/"))
    assert 'href="/account/">Your account</a>' in menu
    page = page_of(client.get(reverse("accounts:account")))
    assert "Jersey Police Authority" in page and "Editor" in page
    assert "erin" in page
    assert "Set up two-factor sign-in" in page
    assert "Off" in page


def test_administrators_and_superusers_are_offered_it_too(client, admin_of_force):
    for user in (admin_of_force, UserFactory(username="root", is_superuser=True)):
        client.force_login(user)
        assert "Set up two-factor sign-in" in page_of(
            client.get(reverse("accounts:account"))
        )
        assert client.get(SET_UP).status_code == 200


def test_contributors_and_readers_are_not_offered_it(client, contributor, reader):
    for user in (contributor, reader):
        client.force_login(user)
        page = page_of(client.get(reverse("accounts:account")))
        assert "Two-factor sign-in" not in page
        assert client.get(SET_UP).status_code == 404
        assert not TOTPDevice.objects.filter(user=user).exists()


def test_signed_out_visitors_are_sent_to_sign_in_from_the_account_pages(client):
    for url in (reverse("accounts:account"), SET_UP):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))


# Setting it up ---------------------------------------------------------------------


def test_an_editor_sets_it_up_with_a_qr_code_and_gets_backup_codes_once(
    client, editor, clock
):
    client.force_login(editor)
    page = page_of(client.get(SET_UP))
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert '<img src="data:image/svg+xml;base64,' in page
    qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(qr).lstrip().startswith((b"<?xml", b"<svg"))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    # Reloading shows the same secret.
    assert page_of(client.get(SET_UP)).count(secret[:4]) == 1
    assert TOTPDevice.objects.filter(user=editor).count() == 1

    refused = client.post(SET_UP, {"code": wrong_code_for(device)})
    assert refused.status_code == 400
    assert "The code is not right" in page_of(refused)
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()

    clock.shift(5)
    response = client.post(SET_UP, {"code": code_for(device)})
    assert response["Location"] == reverse("accounts:codes")
    codes_page = page_of(client.get(reverse("accounts:codes")))
    codes = re.findall(r"<li><code>(\w+)</code></li>", codes_page)
    assert len(codes) == 10
    assert "You will not see these codes again" in codes_page
    assert set(
        StaticDevice.objects.get(user=editor).token_set.values_list("token", flat=True)
    ) == set(codes)
    # Shown once: the page now goes back to the account.
    again = client.get(reverse("accounts:codes"))
    assert again["Location"] == reverse("accounts:account")
    account = page_of(client.get(reverse("accounts:account")))
    assert "On" in account and "10 backup codes left" in account
    assert TOTPDevice.objects.get(user=editor).confirmed


def test_too_many_wrong_codes_while_setting_up_start_again_with_a_new_secret(
    client, editor, clock, settings
):
    client.force_login(editor)
    client.get(SET_UP)
    first = TOTPDevice.objects.get(user=editor, confirmed=False)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        assert client.post(SET_UP, {"code": wrong_code_for(first)}).status_code == 400
        clock.shift(2**attempt + 1)
    response = client.post(SET_UP, {"code": code_for(first)})
    assert response.status_code == 400
    assert "scan the new QR code" in page_of(response)
    second = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert second.key != first.key
    # Still signed in, and the new secret works.
    assert client.post(SET_UP, {"code": code_for(second)}).status_code == 302
    assert TOTPDevice.objects.get(user=editor).confirmed


def test_setting_it_up_signs_out_the_persons_other_sessions(client, editor, clock):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(editor)
    assert elsewhere.get("/plans/").status_code == 200
    set_up(client, editor, clock)
    response = elsewhere.get("/plans/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


# Signing in with a code -------------------------------------------------------------


def test_after_the_password_no_page_works_until_the_code_is_given(
    client, editor, clock, plan
):
    set_up(client, editor, clock)
    device = TOTPDevice.objects.get(user=editor)
    sign_in(client, "erin")
    for url in ("/plans/", f"/plans/{plan.pk}/", reverse("accounts:account")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{VERIFY}?next={url.replace('/', '%2F')}"
    page = page_of(client.get(f"{VERIFY}?next=/plans/{plan.pk}/"))
    assert "Enter your two-factor code" in page
    # No menu of pages that would only send them back here; signing out works.
    assert 'href="/plans/"' not in page and "Your account" not in page
    assert "Sign out" in page

    response = client.post(
        VERIFY, {"code": code_for(device), "next": f"/plans/{plan.pk}/"}
    )
    assert response["Location"] == f"/plans/{plan.pk}/"
    assert client.get("/plans/").status_code == 200
    assert client.get(reverse("accounts:account")).status_code == 200


def test_a_wrong_code_is_refused_and_says_how_many_tries_are_left(
    client, editor, clock, settings
):
    set_up(client, editor, clock)
    device = TOTPDevice.objects.get(user=editor)
    sign_in(client, "erin")
    response = client.post(VERIFY, {"code": wrong_code_for(device)})
    assert response.status_code == 400
    page = page_of(response)
    left = settings.AXES_FAILURE_LIMIT - 1
    assert f"The code is not right. Check it and try again. You have {left} more" in (
        page
    )
    assert "There is a problem" in page
    assert client.get("/plans/")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": ""}).status_code == 400


def test_codes_typed_in_quick_succession_must_wait(client, editor, clock):
    set_up(client, editor, clock)
    device = TOTPDevice.objects.get(user=editor)
    sign_in(client, "erin")
    client.post(VERIFY, {"code": wrong_code_for(device)})
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 400
    assert "Too many wrong codes in a row: wait" in page_of(response)
    clock.shift(2)
    assert client.post(VERIFY, {"code": code_for(device)})["Location"] == "/plans/"


def test_wrong_codes_pause_signing_in_for_an_hour(client, editor, clock, settings):
    set_up(client, editor, clock)
    device = TOTPDevice.objects.get(user=editor)
    sign_in(client, "erin")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(VERIFY, {"code": wrong_code_for(device)})
        assert response.status_code == 400
        clock.shift(2**attempt + 1)  # django-otp's wait doubles after each
    response = client.post(VERIFY, {"code": wrong_code_for(device)})
    assert response.status_code == 403
    assert "Too many wrong codes" in page_of(response)
    assert "_auth_user_id" not in client.session

    # Within the hour, the password and the right code are not enough.
    clock.shift(60 * 30)
    sign_in(client, "erin")
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session

    clock.shift(60 * 31)
    sign_in(client, "erin")
    assert client.post(VERIFY, {"code": code_for(device)})["Location"] == "/plans/"
    assert client.get("/plans/").status_code == 200


def test_a_backup_code_works_once(client, editor, clock):
    codes = set_up(client, editor, clock)
    sign_in(client, "erin")
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response["Location"] == "/plans/"
    assert "You have 9 left" in page_of(client.get("/plans/"))
    client.logout()

    sign_in(client, "erin")
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 400
    assert "The code is not right" in page_of(response)
    clock.shift(5)
    assert client.post(VERIFY, {"code": codes[1]})["Location"] == "/plans/"


def test_the_admin_site_needs_the_code_too(client, clock):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    set_up(client, root, clock)
    device = TOTPDevice.objects.get(user=root)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response["Location"].startswith(VERIFY)
    assert client.get("/admin/auth/user/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_people_without_two_factor_sign_in_as_before(client, editor, contributor):
    for username in ("erin", "farah"):
        assert sign_in(client, username)["Location"] == "/plans/"
        assert client.get("/plans/").status_code == 200
        client.logout()


# Turning it off, and an administrator's reset ---------------------------------------


def test_turning_it_off_needs_a_code(client, editor, clock):
    set_up(client, editor, clock)
    device = TOTPDevice.objects.get(user=editor)
    sign_in(client, "erin")
    client.post(VERIFY, {"code": code_for(device)})
    clock.shift(30)
    turn_off = reverse("accounts:turn-off")
    assert "Turn off two-factor sign-in" in page_of(client.get(turn_off))
    response = client.post(turn_off, {"code": wrong_code_for(device)})
    assert response.status_code == 400
    assert "The code is not right" in page_of(response)
    assert TOTPDevice.objects.filter(user=editor).exists()

    clock.shift(5)
    response = client.post(turn_off, {"code": code_for(device)})
    assert response["Location"] == reverse("accounts:account")
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()
    assert "Set up two-factor sign-in" in page_of(
        client.get(reverse("accounts:account"))
    )
    client.logout()
    sign_in(client, "erin")
    assert client.get("/plans/").status_code == 200


def test_an_administrator_resets_two_factor_for_someone_who_lost_their_phone(
    client, editor, clock
):
    set_up(client, editor, clock)
    sign_in(client, "erin")
    assert client.get("/plans/")["Location"].startswith(VERIFY)
    call_command("reset_two_factor", "erin")
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()
    # Already at the code page: it lets them on.
    assert client.get(VERIFY)["Location"] == "/plans/"
    assert client.get("/plans/").status_code == 200
    with pytest.raises(CommandError, match="No one has the username"):
        call_command("reset_two_factor", "nobody")


def test_backup_codes_can_be_replaced(client, editor, clock):
    old = set_up(client, editor, clock)
    sign_in(client, "erin")
    client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get(user=editor))})
    response = client.post(reverse("accounts:codes"))
    new = re.findall(
        r"<li><code>(\w+)</code></li>", page_of(client.get(response["Location"]))
    )
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    sign_in(client, "erin")
    assert client.post(VERIFY, {"code": old[0]}).status_code == 400


# When it is compulsory -------------------------------------------------------------


def test_required_mode_sends_editors_to_set_it_up(
    client, editor, contributor, clock, settings
):
    settings.REQUIRE_TWO_FACTOR_FOR = "editors"
    sign_in(client, "erin")
    response = client.get("/plans/")
    assert response["Location"] == f"{SET_UP}?next=%2Fplans%2F"
    page = page_of(client.get(SET_UP))
    assert "This service asks administrators and editors" in page
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    client.post(SET_UP, {"code": code_for(device)})
    assert client.get("/plans/").status_code == 200

    # Once on, it cannot be turned off.
    clock.shift(30)
    turn_off = reverse("accounts:turn-off")
    assert "you cannot turn it off" in page_of(client.get(turn_off))
    client.post(turn_off, {"code": code_for(device)})
    assert TOTPDevice.objects.filter(user=editor).exists()
    client.logout()

    # Others are not asked.
    sign_in(client, "farah")
    assert client.get("/plans/").status_code == 200


def test_the_api_with_a_token_is_unaffected(client, force, editor, clock, settings):
    settings.REQUIRE_TWO_FACTOR_FOR = "editors"
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    set_up(client, root, clock)
    api_client, secret = issue_api_client(
        organisation=force, name="Feed", scopes=["read"], by=root
    )
    token = fetch_token(api_client.application.client_id, secret, "read")
    assert token.status_code == 200
    response = bearer(token.json()["access_token"]).get("/api/v1/plans/")
    assert response.status_code == 200
