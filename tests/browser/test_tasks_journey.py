"""A contributor sees an update returned to them on Your tasks, follows the link and
records progress again; chooses their e-mails on the account page. Every page
visited is checked with axe."""

from playwright.sync_api import expect

from deliverables.services import return_update
from tests.browser.conftest import axe_check, sign_in
from tests.factories import record_update


def test_contributor_records_again_from_your_tasks(page, workspace):
    plan = workspace["plan"]
    plan.review_contributor_updates = True
    plan.save()
    returned = workspace["on_time"][1]
    sent = record_update(
        deliverable=returned, by=workspace["contributor"], narrative="Cameras ordered."
    )
    return_update(update=sent, by=workspace["editor"], comment="Say how many cameras.")
    sign_in(page, "farah")

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Your tasks"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your tasks")
    table = page.get_by_role("region", name="Updates returned to you")
    expect(table).to_contain_text("Say how many cameras.")
    expect(table).to_contain_text(returned.title)
    needs = page.get_by_role("region", name="Needs an update this period")
    expect(needs).to_contain_text(workspace["late"].title)
    axe_check(page)

    table.get_by_role("link", name="Record progress again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record progress")
    axe_check(page)
    page.get_by_label("What progress has been made?").fill("Forty cameras ordered.")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("alert")).to_contain_text("Update sent")

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Your tasks"
    ).click()
    expect(
        page.get_by_text("No update of yours is waiting to be sent again.")
    ).to_be_visible()
    axe_check(page)

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Your account"
    ).click()
    page.get_by_label("An update of mine is accepted").check()
    page.get_by_role("button", name="Save notifications").click()
    expect(page.get_by_role("alert")).to_contain_text("notifications have been saved")
    expect(page.get_by_label("An update of mine is accepted")).to_be_checked()
    axe_check(page)
