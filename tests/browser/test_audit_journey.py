"""An organisation's administrator reads its audit log, filters it and downloads
it; an editor cannot. Every page visited is checked with axe."""

from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in


def test_an_admin_reads_filters_and_downloads_the_audit_log(new_page, workspace, admin):
    plan = workspace["plan"]

    # Erin changes the plan in the browser: the log will show it.
    page = new_page()
    sign_in(page, "erin")
    page.goto(f"/plans/{plan.pk}/edit/")
    page.get_by_label("Title").fill("Refreshed policing plan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refreshed")
    # She administers no organisation: the list of audit logs is not there for her.
    assert page.goto("/audit/").status == 404

    page = new_page()
    sign_in(page, "alex")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(
        page.get_by_text(f"Title: {plan.title} → Refreshed policing plan")
    ).to_be_visible()
    axe_check(page)

    page.get_by_label("Action").select_option("Changed")
    page.get_by_label("Kind of record").select_option("Plan")
    page.get_by_role("button", name="Apply filters").click()
    row = page.get_by_role("row").filter(has_text="Refreshed policing plan")
    expect(row.first).to_contain_text("Erin Editor")
    expect(row.first).to_contain_text("Changed plan")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")

    # A date range the wrong way round is explained beside the field.
    page.get_by_role("group", name="From").get_by_label("Year").fill("2099")
    page.get_by_role("group", name="From").get_by_label("Month").fill("1")
    page.get_by_role("group", name="From").get_by_label("Day").fill("1")
    page.get_by_role("group", name="To").get_by_label("Year").fill("2000")
    page.get_by_role("group", name="To").get_by_label("Month").fill("1")
    page.get_by_role("group", name="To").get_by_label("Day").fill("1")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    axe_check(page)
