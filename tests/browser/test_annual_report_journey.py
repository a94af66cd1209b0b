"""An editor takes a year's annual report through its statutory steps in a real
browser, and a member of the public reads it; every page is checked with axe, and
at 320 pixels none scrolls sideways."""

import pytest
from playwright.sync_api import expect

from deliverables.models import Status
from scrutiny.reports.services import publish_report
from tests.browser.conftest import axe_check, sign_in
from tests.factories import (
    DeliverableFactory,
    PriorityFactory,
    plan_for_year,
    record_update,
)


@pytest.fixture
def year(transactional_db, authority, force, editor):
    """A public plan for 2025 whose first three quarters are published (Q4 not)."""
    plan = plan_for_year(
        authority, 2025, reference="R.4/2025", title="2025 Policing Plan"
    )
    plan.is_public = True
    plan.save()
    priority = PriorityFactory(plan=plan, reference="1", title="Keeping people safe")
    custody = DeliverableFactory(
        objective__priority=priority,
        lead_organisation=force,
        reference="1.1.1",
        title="Open the new custody suite",
        baseline_date="Q2 2025",
        forecast_date="Q2 2025",
    )
    q1, q2, q3, _q4 = plan.reporting_periods.order_by("starts_on")
    record_update(
        deliverable=custody,
        by=editor,
        period=q2,
        status=Status.COMPLETED,
        narrative="Opened on time.",
        reason="Handed over by the contractor.",
    )
    for quarter in (q1, q2, q3):
        publish_report(plan=plan, period=quarter, by=editor)
    return plan


def fill_date(page, prefix: str, day: str, month: str, year: str) -> None:
    for index, value in enumerate((day, month, year)):
        page.locator(f"#id_{prefix}_{index}").fill(value)


def test_an_editor_takes_the_annual_report_through_its_steps(new_page, year):
    plan = year
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, "erin")
    page.goto(f"/plans/{plan.pk}/reports/")
    page.get_by_role("link", name="Annual reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Annual reports: 2025 Policing Plan"
    )
    axe_check(page)
    visited = [page.url]

    page.get_by_role("link", name="Start an annual report").click()
    axe_check(page)
    visited.append(page.url)
    page.get_by_label("Year").select_option("2025")
    page.get_by_role("button", name="Start the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annual report 2025")
    expect(page.locator(".govuk-warning-text").first).to_contain_text(
        "Q4 2025 has no published report"
    )
    axe_check(page)
    visited.append(page.url)

    # A bad date is refused beside its field, and nothing moves on.
    fill_date(page, "send-sent_on", "31", "2", "2026")
    page.get_by_role("button", name="Record it as sent to the panel").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    axe_check(page)

    fill_date(page, "send-sent_on", "2", "2", "2026")
    page.get_by_role("button", name="Record it as sent to the panel").click()
    fill_date(page, "panel-reviewed_on", "3", "3", "2026")
    page.get_by_label("The panel's recommendations (optional)").fill(
        "Report the custody suite's running costs."
    )
    page.get_by_role("button", name="Record the panel's review").click()
    expect(page.get_by_text("AR 2025/1: Report the custody")).to_be_visible()
    axe_check(page)
    fill_date(page, "response-responded_on", "1", "4", "2026")
    page.get_by_label("Response to AR 2025/1").fill("Agreed: from the next quarter.")
    page.get_by_role("button", name="Record the response").click()

    # Q4 has no report: publishing asks why.
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Q4 2025 has no published report"
    )
    page.get_by_label("Why quarters are missing").fill(
        "The Q4 report waits for the force's new system."
    )
    page.get_by_role("button", name="Save the sections").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "2025 Policing Plan: annual report 2025"
    )
    expect(page.get_by_text("Agreed: from the next quarter.")).to_be_visible()
    axe_check(page)
    published = page.url
    visited.append(published)

    # Signed out, the public plan's annual report reads the same.
    public = new_page(viewport={"width": 1280, "height": 900})
    public.goto(published)
    expect(
        public.get_by_text("The Q4 report waits for the force's new system.")
    ).to_be_visible()
    axe_check(public)

    # On a phone, none of the pages scrolls sideways.
    phone = new_page(viewport={"width": 320, "height": 640})
    sign_in(phone, "erin")
    for url in visited:
        phone.goto(url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 320, url
        axe_check(phone)
