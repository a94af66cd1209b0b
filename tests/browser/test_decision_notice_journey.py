"""An editor records a decision notice from a register that gives no reference and
only a month, and sees it listed with the tracker's reference and the month; every
page is checked with axe."""

import datetime

from playwright.sync_api import expect

from scrutiny.models import DecisionNotice
from tests.browser.conftest import axe_check, sign_in


def test_editor_records_a_notice_with_no_reference_and_a_month(page, workspace):
    plan = workspace["plan"]
    year = plan.starts_on.year
    sign_in(page, "erin")

    page.goto(f"/plans/{plan.pk}/decisions/")
    page.get_by_role("link", name="Add a decision notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a decision notice")
    axe_check(page)

    page.get_by_label("Title").fill("Fund ANPR cameras")
    page.get_by_label("Month").fill("13")
    page.get_by_label("Year").fill(str(year))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_approved_on-error")).to_contain_text("Enter a real date.")
    axe_check(page)
    assert not DecisionNotice.objects.exists()

    page.get_by_label("Month").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision notices")
    reference = f"DN-{year}-001 (given by the tracker)"
    expect(page.get_by_text(f"Saved decision notice {reference}.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Fund ANPR cameras")
    expect(row.get_by_role("cell").nth(0)).to_have_text(reference)
    expect(row.get_by_role("cell").nth(2)).to_have_text(f"March {year}")
    axe_check(page)

    notice = DecisionNotice.objects.get()
    assert notice.reference_generated
    assert notice.approved_on == datetime.date(year, 3, 1)
    assert notice.approved_on_precision == DecisionNotice.Precision.MONTH

    row.get_by_role("link", name=reference).click()
    expect(page.get_by_label("Day")).to_have_value("")
    expect(page.get_by_label("Month")).to_have_value("3")
    axe_check(page)
