"""A superuser transfers a police authority to its successor in the admin
(docs/succession.md); both steps' pages are checked with axe."""

from playwright.sync_api import expect

from plans.models import Plan
from tests.browser.conftest import axe_check, sign_in
from tests.factories import OrganisationFactory, UserFactory


def test_a_superuser_transfers_a_body_in_the_admin(new_page, workspace, authority):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    board = OrganisationFactory(name="Jersey Policing Board", short_name="JPB")
    page = new_page()
    sign_in(page, "root")
    page.goto(f"/admin/plans/organisation/{authority.pk}/transfer/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Transfer Jersey Police Authority to a successor"
    )
    axe_check(page)
    page.get_by_label("Successor").select_option(label="Jersey Policing Board")
    page.get_by_role("button", name="Review what moves").click()
    expect(page.get_by_role("heading", name="What moves")).to_be_visible()
    axe_check(page)
    page.get_by_label("erin").uncheck()
    page.get_by_role("button", name="Carry out the transfer").click()
    expect(page.get_by_text("is transferred to Jersey Policing Board")).to_be_visible()
    axe_check(page)
    assert set(Plan.objects.values_list("owner", flat=True)) == {board.pk}
