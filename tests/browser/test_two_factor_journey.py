"""An editor sets up two-factor sign-in from their account page, signs in with a code
(after a wrong one), and turns it off with a backup code; wrong codes pause signing
in. Every page visited is checked with axe."""

import base64
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from plans.models import Membership
from tests.browser.conftest import PASSWORD, axe_check, sign_in
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def no_wait_between_codes(settings):
    """django-otp makes each wrong code wait a second longer than the last before
    the next is checked; these journeys do not sleep."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code(key: bytes, later: int = 0) -> str:
    """What the authenticator app shows, ``later`` seconds from now."""
    totp = TOTP(key)
    totp.time = time.time() + later
    return f"{totp.token():06d}"


def wrong(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def sign_in_with_password(page, username):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/two-factor/**")


def test_an_editor_sets_up_two_factor_signs_in_with_a_code_and_turns_it_off(
    new_page, workspace
):
    page = new_page()
    sign_in(page, "erin")
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    axe_check(page)

    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor sign-in"
    )
    expect(page.get_by_alt_text("QR code for your authenticator app")).to_be_visible()
    axe_check(page)
    secret = page.locator("main code").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code").fill(code(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    axe_check(page)
    backup_codes = page.locator("main li code").all_inner_texts()
    assert len(backup_codes) == 10
    page.get_by_role("button", name="I have kept my backup codes").click()
    expect(page.get_by_text("10 backup codes left")).to_be_visible()

    page.get_by_role("button", name="Sign out (Erin Editor)").click()
    sign_in_with_password(page, "erin")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter your two-factor code"
    )
    axe_check(page)
    # The code of the next 30 seconds: the one used to set up is spent.
    right = code(key, later=30)
    page.get_by_label("Code from your authenticator app").fill(wrong(right))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator(".govuk-error-message")).to_contain_text(
        "The code is not right"
    )
    axe_check(page)
    page.get_by_label("Code from your authenticator app").fill(right)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/plans/")

    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Turn off two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Turn off two-factor sign-in"
    )
    axe_check(page)
    page.get_by_label("Code").fill(backup_codes[0])
    page.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.get_by_text("Two-factor sign-in is off.")).to_be_visible()
    expect(page.get_by_role("button", name="Set up two-factor sign-in")).to_be_visible()
    axe_check(page)


def test_wrong_codes_pause_signing_in(new_page, workspace, settings):
    editor = MembershipFactory(
        user=UserFactory(username="ed", first_name="Ed", last_name="Itor"),
        organisation=workspace["plan"].owner,
        role=Membership.Role.EDITOR,
    ).user
    device = TOTPDevice.objects.create(user=editor, name="Phone", confirmed=True)
    page = new_page()
    sign_in_with_password(page, "ed")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Code from your authenticator app").fill(
            wrong(code(device.bin_key))
        )
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many wrong codes")
    axe_check(page)
    page.goto("/plans/")
    page.wait_for_url("**/sign-in/**")
