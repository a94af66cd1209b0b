"""People's journeys through the workspace in a real browser.

Every page visited, and every part of a page that htmx swaps in, is checked with axe;
the page fixture fails the test on any Content-Security-Policy violation.
"""

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in
from tests.factories import record_update


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
    expect(page.get_by_role("heading", level=1)).to_have_text("Deliverables")
    axe_check(page)
    page.get_by_role("link", name=deliverable.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(deliverable.title)
    axe_check(page)
    page.get_by_role("link", name="Record progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record progress")
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
        record_update(
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
    expect(page.get_by_role("heading", level=1)).to_have_text(late.title)
    axe_check(page)
    page.get_by_role("link", name="Record progress").click()
    expect(page.get_by_label("What progress has been made?")).to_be_visible()
    axe_check(page)
    page.get_by_label("What progress has been made?").fill("Fit-out under way.")
    page.get_by_role("button", name="Save update").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(late.title)
    expect(page.get_by_role("alert")).to_contain_text("Progress recorded.")
    expect(page.locator(".app-timeline")).to_contain_text("Fit-out under way.")
    axe_check(page)


def test_editor_merges_two_deliverables_into_an_umbrella(page, workspace):
    umbrella, *parts = workspace["on_time"][:1] + [workspace["late"]]
    part = parts[0]
    sign_in(page, "erin")
    page.goto(page.url.split("/plans/")[0] + f"/deliverables/{umbrella.pk}/")
    axe_check(page)
    page.get_by_role("link", name="Merge others into this one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Merge other deliverables into this one"
    )
    axe_check(page)
    page.get_by_label(f"{part.reference} {part.title}").check()
    page.get_by_role("button", name="Merge").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say why they are being merged.")
    axe_check(page)
    page.get_by_label("Why are they being merged?").fill("One project board runs both.")
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Merged 1 deliverable into this one."
    )
    axe_check(page)
    page.goto(page.url.split("/deliverables/")[0] + f"/deliverables/{part.pk}/")
    expect(page.locator(".app-timeline")).to_contain_text(
        "One project board runs both."
    )
    expect(page.get_by_text("Merged into", exact=True)).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text(umbrella.title)
    axe_check(page)


def test_editor_imports_a_bad_file_then_a_good_one(page, workspace, tmp_path):
    header = (
        "priority_ref,priority_title,objective_ref,objective_title,deliverable_ref,"
        "deliverable_title,milestone_date\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "1,Victims,1.1,Support,1.1.1,Hub,whenever\n")
    good = tmp_path / "good.csv"
    good.write_text(
        header + "1,Victims,1.1,Support,1.1.1,Hub,Q3\n"
        "1,Victims,1.1,Support,1.1.2,Helpline,Q4\n"
    )
    sign_in(page, "erin")
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a plan")
    axe_check(page)

    def submit(path):
        page.get_by_label("Action table").set_input_files(str(path))
        page.get_by_label("New plan's reference").fill("VP/2026")
        page.get_by_label("New plan's title").fill("Victims plan")
        for label, values in (
            ("starts on", ("1", "1", "2026")),
            ("ends on", ("31", "12", "2026")),
        ):
            group = page.get_by_role("group", name=f"New plan {label}")
            for box, value in zip(("Day", "Month", "Year"), values, strict=True):
                group.get_by_label(box).fill(value)
        page.get_by_role("button", name="Check the file").click()

    submit(bad)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "bad.csv has 1 problem: nothing has been imported"
    )
    expect(page.get_by_role("table").first).to_contain_text(
        "is not a date we recognise"
    )
    axe_check(page)

    page.get_by_role("link", name="Upload a corrected file").click()
    submit(good)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the import of good.csv"
    )
    axe_check(page)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Victims plan")
    expect(page.get_by_role("alert")).to_contain_text("and 2 deliverables")
    axe_check(page)
