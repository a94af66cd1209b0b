"""A reader who reaches a page they may not see, or may not use, gets the service's
own page in a real browser, with a way back; a signed-out visitor signs in from the
header's link and comes back to the page. Every page passes axe; the page fixture
fails the test on any Content-Security-Policy violation or script error."""

from playwright.sync_api import expect

from plans.models import Membership
from tests.browser.conftest import PASSWORD, axe_check, sign_in
from tests.factories import ForceFactory, member, plan_for_year


def test_a_reader_is_refused_in_the_services_own_pages(
    page, live_server, transactional_db, reader, plan
):
    elsewhere = ForceFactory(name="Another Force")
    member(elsewhere, Membership.Role.ADMIN, "ada", "Ada Another")
    hidden = plan_for_year(elsewhere, 2017, title="Another force's plan")
    sign_in(page, "rory")

    # Another organisation's plan: as if it were not there.
    response = page.goto(f"/plans/{hidden.pk}/", referer=f"{live_server.url}/plans/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Another force's plan")).to_have_count(0)
    axe_check(page)
    page.get_by_role("link", name="Go back to the page you came from").click()
    page.wait_for_url("**/plans/")

    # Their own organisation's plan, which a reader may read but not change.
    response = page.goto(f"/plans/{plan.pk}/edit/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
    expect(page.get_by_role("button", name="Sign out (Rory Reader)")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Go to the start page").click()
    page.wait_for_url("**/plans/")


def test_a_signed_out_visitor_signs_in_from_the_header_and_comes_back(
    page, transactional_db, reader
):
    page.goto("/accessibility/")
    axe_check(page)
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/sign-in/?next=/accessibility/")
    page.get_by_label("Username").fill("rory")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accessibility/")
    expect(page.get_by_role("link", name="Sign in")).to_have_count(0)
