"""A panel member's journey through the quarterly dashboards, and a member of the
public's reading of a public plan's published report, in a real browser.

Every page visited is checked with axe; the page fixture fails the test on any
Content-Security-Policy violation or script error.
"""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from deliverables.models import Status
from plans.models import Membership
from scrutiny.reports.services import publish_report
from tests.browser.conftest import axe_check, sign_in
from tests.factories import (
    DeliverableFactory,
    ObjectiveFactory,
    PriorityFactory,
    member,
    plan_for_year,
    record_update,
)

COMPLETED_NARRATIVE = "The custody suite opened on schedule."


def _at(year, month, day):
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


@pytest.fixture
def panel(transactional_db, authority, force, editor):
    """Last year's plan of a police authority, every quarter of it ended, with two
    priorities, updates in two quarters and the last quarter's report published by an
    editor; and a panel member who reads the authority's plans."""
    member(authority, Membership.Role.READER, "pat", "Pat Panel")
    plan = plan_for_year(
        authority, 2025, reference="R.4/2025", title="2025 Policing Plan"
    )
    q1, q2, _q3, q4 = plan.reporting_periods.order_by("starts_on")
    safe = PriorityFactory(plan=plan, reference="1", title="Keeping people safe")
    victims = PriorityFactory(plan=plan, reference="2", title="Supporting victims")
    custody = DeliverableFactory(
        objective=ObjectiveFactory(priority=safe, reference="1.1"),
        lead_organisation=force,
        reference="1.1.1",
        title="Open the new custody suite",
        baseline_date="Q1 2025",
        forecast_date="Q1 2025",
    )
    officers = DeliverableFactory(
        objective=custody.objective,
        lead_organisation=force,
        reference="1.1.2",
        title="Recruit twenty more officers",
        baseline_date="Q4 2025",
        forecast_date="Q4 2025",
    )
    hub = DeliverableFactory(
        objective=ObjectiveFactory(priority=victims, reference="2.1"),
        lead_organisation=force,
        reference="2.1.1",
        title="Open a victims' hub",
        baseline_date="Q3 2025",
        forecast_date="Q3 2025",
    )
    record_update(
        deliverable=custody,
        by=editor,
        period=q1,
        status=Status.COMPLETED,
        narrative=COMPLETED_NARRATIVE,
        reason="Handed over by the contractor.",
        recorded_at=_at(2025, 3, 20),
    )
    record_update(
        deliverable=officers,
        by=editor,
        period=q1,
        status=Status.IN_PROGRESS,
        narrative="Recruitment campaign launched.",
        reason="Funding confirmed.",
        recorded_at=_at(2025, 3, 25),
    )
    record_update(
        deliverable=officers,
        by=editor,
        period=q2,
        narrative="Twelve officers sworn in.",
        recorded_at=_at(2025, 6, 20),
    )
    record_update(
        deliverable=hub,
        by=editor,
        period=q2,
        status=Status.IN_PROGRESS,
        narrative="Premises found for the hub.",
        reason="Lease signed.",
        recorded_at=_at(2025, 6, 25),
    )
    report = publish_report(plan=plan, period=q4, by=editor)
    return {
        "plan": plan,
        "latest": q4,
        "report": report,
        "safe": safe,
        "custody": custody,
    }


def test_panel_member_drills_from_the_dashboard_to_a_timeline_and_the_pdf(page, panel):
    plan, latest, report = panel["plan"], panel["latest"], panel["report"]
    custody = panel["custody"]
    sign_in(page, "pat")

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Dashboards"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")
    axe_check(page)

    # The plan's dashboard opens at the latest period that has ended.
    page.get_by_role("link", name=f"{plan.title} dashboard").click()
    dashboard_url = f"/plans/{plan.pk}/dashboard/{latest.pk}/"
    expect(page).to_have_url(re.compile(re.escape(dashboard_url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Quarterly dashboard: {latest.label}"
    )
    # A reader cannot publish.
    expect(page.get_by_role("link", name="Publish a correction")).to_have_count(0)
    axe_check(page)

    by_priority = page.get_by_role(
        "table",
        name=f"Deliverables by priority and status at the end of {latest.label}",
    )
    by_priority.get_by_role("link", name="1 completed in 1", exact=True).click()
    expect(page).to_have_url(
        re.compile(
            re.escape(
                f"{dashboard_url}deliverables/?priority={panel['safe'].pk}"
                "&status=completed"
            )
            + "$"
        )
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Completed in 1 Keeping people safe: 1 deliverable"
    )
    rows = page.locator("table.app-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(custody.title)
    expect(rows).to_contain_text(COMPLETED_NARRATIVE)
    # Signed in, the live figures say who recorded each update.
    expect(rows).to_contain_text("by Erin Editor")
    axe_check(page)

    # From a past quarter's figures, the deliverable as it stood then...
    rows.get_by_role("link", name=custody.reference).click()
    expect(page).to_have_url(re.compile(rf"/deliverables/{custody.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(custody.title)
    expect(page.locator(".app-as-at")).to_contain_text(
        f"As at the end of {latest.label}"
    )
    expect(
        page.get_by_role("link", name=f"Back to the {latest.label} dashboard")
    ).to_be_visible()
    axe_check(page)
    # ...and one click further, as it is today.
    page.get_by_role("link", name=f"See {custody.reference} as it is today").click()
    expect(page.locator("h2#timeline")).to_have_text("Updates")
    timeline = page.locator(".app-timeline")
    expect(timeline).to_contain_text(COMPLETED_NARRATIVE)
    expect(timeline).to_contain_text("Status changed from future to completed.")
    axe_check(page)

    page.goto(dashboard_url)
    page.get_by_role("link", name=re.compile(r"^version 1 ")).click()
    expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{plan.title}: {latest.label} report"
    )
    axe_check(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Report as PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        pdf = file.read()
    assert pdf.startswith(b"%PDF")
    text = "".join(
        page_.extract_text() or "" for page_ in PdfReader(io.BytesIO(pdf)).pages
    )
    assert plan.title in text


def test_public_reads_a_public_plans_report_without_names(page, panel):
    plan, latest, report = panel["plan"], panel["latest"], panel["report"]
    plan.is_public = True
    plan.save()
    assert not plan.owner.names_in_public

    page.goto("/dashboards/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")
    expect(page.locator("main")).to_contain_text(plan.title)
    axe_check(page)

    page.get_by_role("link", name=f"report for {plan.title}").click()
    expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{plan.title}: {latest.label} report"
    )
    # The late hub's latest narrative shows, but not who recorded it.
    late = page.get_by_role("table", name="Late or off-track deliverables")
    expect(late).to_contain_text("Premises found for the hub.")
    content = page.content()
    assert "Erin" not in content
    axe_check(page)


def test_an_editor_writes_the_quarters_commentary_and_the_panel_reads_it_first(
    new_page, panel
):
    plan, safe = panel["plan"], panel["safe"]
    # Q4's report is published, so Q4 is locked; Q3 still takes its commentary.
    q3 = plan.reporting_periods.order_by("starts_on")[2]
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, "erin")
    page.goto(f"/plans/{plan.pk}/dashboard/{q3.pk}/")
    # Summary first: the exceptions start within the first two screens.
    exceptions = page.locator("#exceptions")
    expect(exceptions).to_be_visible()
    assert exceptions.bounding_box()["y"] < 1600
    expect(page.locator(".app-headline__item--late")).to_contain_text("Late")
    axe_check(page)

    page.get_by_role("link", name="Write the commentary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Commentary for {q3.label}"
    )
    axe_check(page)
    page.get_by_label("Executive summary").fill("x" * 4001)
    page.get_by_role("button", name="Save commentary").click()
    expect(page.get_by_role("alert")).to_contain_text("Keep it to 4,000 characters")
    axe_check(page)
    page.get_by_label("Executive summary").fill("Recruitment is on track.")
    page.get_by_label(f"1 {safe.title}").fill("The custody suite opened early.")
    page.get_by_role("button", name="Save commentary").click()
    commentary = page.locator("#commentary")
    expect(commentary).to_contain_text("Recruitment is on track.")
    expect(commentary).to_contain_text("Draft")
    expect(page.locator(".app-priority-story").first).to_contain_text(
        "The custody suite opened early."
    )
    axe_check(page)

    # The panel member sees no draft.
    panel_member = new_page(viewport={"width": 1280, "height": 800})
    sign_in(panel_member, "pat")
    panel_member.goto(f"/plans/{plan.pk}/dashboard/{q3.pk}/")
    expect(panel_member.locator("#exceptions")).to_be_visible()
    expect(panel_member.locator("#commentary")).to_have_count(0)


def test_a_panel_member_reads_the_dashboard_on_a_phone(new_page, panel):
    """At 320 pixels the page never scrolls sideways: wide tables and the charts
    (kept at a readable size) scroll in their own frames, which the keyboard can
    reach; and every list says how many it holds."""
    plan = panel["plan"]
    q3 = plan.reporting_periods.order_by("starts_on")[2]
    page = new_page(viewport={"width": 320, "height": 640})
    sign_in(page, "pat")
    page.goto(f"/plans/{plan.pk}/dashboard/{q3.pk}/")
    expect(page.locator("#exceptions")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    chart = page.locator(".app-chart").first
    expect(chart).to_have_attribute("tabindex", "0")
    # Its text is not shrunk to a third: the image keeps a readable width.
    assert chart.locator("img").bounding_box()["width"] >= 400
    expect(
        page.get_by_role("heading", name=re.compile(r"^Completed this period \(\d+\)$"))
    ).to_be_visible()
    axe_check(page)
