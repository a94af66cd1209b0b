"""People's journeys through the workspace in a real browser.

Every page visited, and every part of a page that htmx swaps in, is checked with axe;
the page fixture fails the test on any Content-Security-Policy violation.
"""

import re

from playwright.sync_api import expect

from deliverables.services import record_progress
from tests.browser.conftest import axe_check, sign_in


def htmx_results(page):
    """Wait for the request htmx sends to refresh the results, while running the
    action in the ``with`` block."""
    return page.expect_response(
        lambda r: "/deliverables/" in r.url and r.request.headers.get("hx-request")
    )


def test_editor_finds_a_late_deliverable_and_records_progress(page, workspace):
    late = workspace["late"]
    sign_in(page, "erin")

    expect(page.get_by_role("heading", level=1)).to_have_text("Plans")
    expect(page.get_by_role("link", name=workspace["plan"].title)).to_be_visible()
    axe_check(page)

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Deliverables"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deliverables")
    results = page.locator("#results")
    expect(results).to_contain_text("3 deliverables")
    axe_check(page)

    # With JavaScript, changing a filter refreshes the results in place.
    with htmx_results(page):
        page.get_by_label("Late", exact=True).select_option(label="Yes")
    expect(results).to_contain_text("1 deliverable ")
    expect(results.get_by_role("link", name=late.title)).to_be_visible()
    expect(results).not_to_contain_text("Recruit twenty more officers")
    expect(page).to_have_url(re.compile(r"late=true"))
    axe_check(page)
    with htmx_results(page):
        page.get_by_role("button", name="Apply filters").click()
    expect(results).to_contain_text("1 deliverable ")
    axe_check(page)

    results.get_by_role("link", name=late.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(late.title)
    axe_check(page)

    page.get_by_role("link", name="Record progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record progress")
    axe_check(page)
    page.get_by_label("Completed", exact=True).check()
    page.get_by_label("What progress has been made?").fill(
        "The custody suite opened on schedule."
    )
    page.get_by_role("button", name="Save update").click()

    # A change of status needs a reason: the error summary takes focus.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    problem = summary.get_by_role(
        "link", name="Give a reason when the status or forecast date changes."
    )
    expect(problem).to_have_attribute("href", "#id_reason")
    axe_check(page)
    problem.click()
    reason = page.get_by_label("Reason for the change")
    expect(reason).to_be_focused()
    reason.fill("Handed over by the contractor a week late.")
    page.get_by_role("button", name="Save update").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(late.title)
    expect(page.get_by_role("alert")).to_contain_text("Progress recorded.")
    timeline = page.locator(".app-timeline")
    expect(timeline).to_contain_text("The custody suite opened on schedule.")
    expect(timeline).to_contain_text("Status changed from in progress to completed.")
    expect(timeline).to_contain_text("Handed over by the contractor a week late.")
    axe_check(page)


def test_contributor_update_waits_for_review(page, workspace):
    plan = workspace["plan"]
    plan.review_contributor_updates = True
    plan.save()
    deliverable = workspace["on_time"][0]
    sign_in(page, "farah")
    axe_check(page)

    page.get_by_role("link", name="Deliverables").click()
    axe_check(page)
    page.get_by_role("link", name=deliverable.title).click()
    axe_check(page)
    page.get_by_role("link", name="Record progress").click()
    axe_check(page)
    page.get_by_label("What progress has been made?").fill("Twelve officers sworn in.")
    page.get_by_role("button", name="Save update").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(deliverable.title)
    expect(page.get_by_role("alert")).to_contain_text(
        "Update sent: it will show once an editor accepts it."
    )
    update = page.locator(".app-timeline__item").first
    expect(update).to_contain_text("Twelve officers sworn in.")
    expect(update).to_contain_text("Waiting for review")
    axe_check(page)


def test_editor_accepts_one_update_and_returns_another(page, workspace):
    plan = workspace["plan"]
    plan.review_contributor_updates = True
    plan.save()
    accepted, returned = workspace["on_time"]
    for deliverable, narrative in [
        (accepted, "Twelve officers sworn in."),
        (returned, "Cameras ordered."),
    ]:
        record_progress(
            deliverable=deliverable, by=workspace["contributor"], narrative=narrative
        )
    sign_in(page, "erin")

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Review"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Updates waiting for review"
    )
    cards = page.locator(".govuk-summary-card")
    expect(cards).to_have_count(2)
    axe_check(page)

    cards.filter(has_text=accepted.title).get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Accepted the update on {accepted.reference}."
    )
    expect(cards).to_have_count(1)
    axe_check(page)

    # Returning needs a comment.
    card = cards.filter(has_text=returned.title)
    card.get_by_role("button", name="Return").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(
        summary.get_by_role("link", name="Say why the update is being returned.")
    ).to_have_attribute("href", "#id_comment")
    axe_check(page)

    card.get_by_label("Why is it being returned?").fill(
        "Say how many cameras, and when they arrive."
    )
    card.get_by_role("button", name="Return").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Returned the update on {returned.reference}."
    )
    expect(cards).to_have_count(0)
    expect(page.get_by_text("Nothing is waiting for review.")).to_be_visible()
    axe_check(page)

    page.goto(f"/deliverables/{returned.pk}/")
    update = page.locator(".app-timeline__item").first
    expect(update).to_contain_text("Returned")
    expect(update).to_contain_text(
        "Returned by Erin Editor: Say how many cameras, and when they arrive."
    )
    axe_check(page)


def test_workspace_works_without_javascript(new_page, workspace):
    page = new_page(java_script_enabled=False)
    late = workspace["late"]
    sign_in(page, "erin")
    axe_check(page)

    page.get_by_role("link", name="Deliverables").click()
    axe_check(page)
    page.get_by_label("Late", exact=True).select_option(label="Yes")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"late=true"))
    results = page.locator("#results")
    expect(results).to_contain_text("1 deliverable ")
    expect(results).not_to_contain_text("Recruit twenty more officers")
    axe_check(page)

    results.get_by_role("link", name=late.title).click()
    axe_check(page)
    page.get_by_role("link", name="Record progress").click()
    axe_check(page)
    page.get_by_label("What progress has been made?").fill("Fit-out under way.")
    page.get_by_role("button", name="Save update").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(late.title)
    expect(page.get_by_role("alert")).to_contain_text("Progress recorded.")
    expect(page.locator(".app-timeline")).to_contain_text("Fit-out under way.")
    axe_check(page)
