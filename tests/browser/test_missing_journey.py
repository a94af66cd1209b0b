"""OPCC staff see who has not yet given a period's update, and download the list; a
force sees only its own. Every page visited is checked with axe."""

from django.utils import timezone
from playwright.sync_api import expect

from deliverables.reminders import send_reminders
from plans.selectors import open_period
from tests.browser.conftest import axe_check, sign_in


def test_editor_sees_missing_updates_and_reminders_then_a_force_its_own(
    new_page, workspace
):
    plan = workspace["plan"]
    period = open_period(plan, timezone.localdate())
    send_reminders(as_of=period.due_on)
    path = f"/plans/{plan.pk}/periods/{period.pk}/missing/"

    page = new_page()
    sign_in(page, "erin")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Missing updates for {period.label}"
    )
    expect(page.get_by_role("heading", name="States of Jersey Police")).to_be_visible()
    expect(
        page.get_by_role("link", name="1.1.1 Open the new custody suite")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Reminders sent")).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")

    page = new_page(java_script_enabled=False)
    sign_in(page, "farah")
    page.goto(path)
    expect(
        page.get_by_text("You see the deliverables your organisation")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Reminders sent")).to_have_count(0)
    axe_check(page)
