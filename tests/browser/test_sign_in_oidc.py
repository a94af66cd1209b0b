"""Signing in with the organisation's own account, in Chromium, against a real
OpenID Connect provider running locally (tests/oidc_provider.py): the sign-in page's
button, the provider's page, and back in the service signed in; and the page that
refuses an address the organisation does not accept. Our pages are checked by axe."""

import pytest
from playwright.sync_api import expect

from plans.models import Membership
from plans.sign_in.models import ExternalAccount
from tests.browser.conftest import axe_check
from tests.oidc_provider import local_provider, provider_for


@pytest.fixture(scope="module")
def oidc():
    with local_provider() as provider:
        yield provider


@pytest.fixture
def microsoft(transactional_db, oidc, force):
    return provider_for(force, oidc.issuer, default_role=Membership.Role.READER)


def through_the_provider(page, subject):
    """On the provider's own page, sign in as ``subject``."""
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_label("Subject").fill(subject)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_a_force_officer_signs_in_with_their_work_account(page, oidc, microsoft, force):
    oidc.set_claims(
        "officer-1", email="ann.officer@police.example.uk", given_name="Ann"
    )
    page.goto("/sign-in/")
    axe_check(page)
    expect(page.get_by_text(force.name)).to_be_visible()
    page.get_by_role("button", name="Sign in with Microsoft").click()

    through_the_provider(page, "officer-1")

    page.wait_for_url("**/plans/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    account = ExternalAccount.objects.get(subject="officer-1")
    assert account.user.email == "ann.officer@police.example.uk"
    assert account.user.memberships.get().organisation == force


def test_an_address_the_organisation_does_not_accept_is_refused(page, oidc, microsoft):
    oidc.set_claims("stranger-1", email="stranger@elsewhere.example.com")
    page.goto("/sign-in/")
    page.get_by_role("button", name="Sign in with Microsoft").click()

    through_the_provider(page, "stranger-1")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your e-mail address cannot be used to sign in here"
    )
    axe_check(page)
    assert not ExternalAccount.objects.exists()
    page.get_by_role("link", name="Go back to the sign-in page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
