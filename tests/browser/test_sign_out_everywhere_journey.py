"""An editor signed in on two devices signs out everywhere from the account page: the
other device is signed out too. Each page visited is checked with axe."""

from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in


def test_sign_out_everywhere_signs_out_the_other_device(
    new_page, transactional_db, editor
):
    laptop, phone = new_page(), new_page(viewport={"width": 320, "height": 640})
    sign_in(laptop, "erin")
    sign_in(phone, "erin")

    laptop.goto("/account/")
    expect(laptop.get_by_role("heading", name="Signing out")).to_be_visible()
    expect(laptop.get_by_text("You are signed out after 30 minutes")).to_be_visible()
    axe_check(laptop)
    laptop.get_by_role("button", name="Sign out everywhere").click()

    expect(laptop.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(laptop.get_by_text("You are signed out everywhere")).to_be_visible()
    axe_check(laptop)

    phone.goto("/account/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(phone)
