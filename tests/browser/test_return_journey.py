"""A force contributor sends the quarter's return as a spreadsheet, in a real browser.

Every page visited is checked with axe; the page fixture fails the test on any
Content-Security-Policy violation or script error.
"""

import re

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from deliverables import returns
from deliverables.models import ProgressUpdate
from plans.selectors import open_period
from tests.browser.conftest import axe_check, sign_in


def _fill(path, reference, values):
    """Type values into the row of ``reference`` by heading, as a person would in a
    spreadsheet, and save the workbook."""
    workbook = load_workbook(path)
    sheet = workbook[returns.SHEET]
    letters = {cell.value: cell.column_letter for cell in sheet[1]}
    row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == reference)
    for heading, value in values.items():
        sheet[f"{letters[heading]}{row}"] = value
    workbook.save(path)
    return letters


def test_contributor_sends_a_return_fixes_a_bad_row_and_confirms(
    page, workspace, tmp_path
):
    plan = workspace["plan"]
    period = open_period(plan, timezone.localdate())
    late = workspace["late"]
    recruit = workspace["on_time"][0]
    sign_in(page, "farah")

    page.goto(f"/plans/{plan.pk}/periods/{period.pk}/returns/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{period.label} returns")
    axe_check(page)

    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Download the return for States of Jersey Police"
        ).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"

    _fill(
        path,
        late.reference,
        {
            "New status": "Completed",
            "New RAG": "Green: on track",
            "Reason for change": "Handed over by the contractor a week late.",
            "Progress this quarter": "The custody suite opened.",
        },
    )
    letters = _fill(
        path,
        recruit.reference,
        {
            "New forecast date": "Q5",
            "Reason for change": "Training places ran short.",
            "Progress this quarter": "Twelve officers sworn in.",
        },
    )

    upload = page.get_by_label("Filled-in return")
    upload.set_input_files(path)
    page.get_by_role("button", name="Check the return").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    column = f"{letters['New forecast date']} (New forecast date)"
    expect(summary).to_contain_text(f"Row 3, column {column}")
    problems = page.get_by_role("table", name=re.compile("Problems in"))
    expect(problems).to_contain_text(column)
    axe_check(page)
    assert not ProgressUpdate.objects.exists()

    _fill(path, recruit.reference, {"New forecast date": "Q4"})
    page.get_by_label("Filled-in return").set_input_files(path)
    page.get_by_role("button", name="Check the return").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Check the {period.label} return"
    )
    table = page.get_by_role("table", name="What the return records")
    expect(table).to_contain_text("Status: In progress to Completed")
    expect(table).to_contain_text("Twelve officers sworn in.")
    axe_check(page)
    page.get_by_role("button", name="Record 2 updates").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{period.label} returns")
    expect(page.get_by_role("alert")).to_contain_text(
        f"2 updates recorded from {path.name}."
    )
    axe_check(page)
    assert ProgressUpdate.objects.filter(period=period).count() == 2

    page.goto(f"/deliverables/{late.pk}/")
    timeline = page.locator(".app-timeline")
    expect(timeline).to_contain_text("The custody suite opened.")
    expect(timeline).to_contain_text("Handed over by the contractor a week late.")
    axe_check(page)
