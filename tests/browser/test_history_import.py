"""An editor brings a plan's earlier quarters in from a spreadsheet, in a real
browser: a bad row first, then the corrected file, then the quarter's dashboard.

Every page visited is checked with axe; the page fixture fails the test on any
Content-Security-Policy violation or script error.
"""

import re

import pytest
from playwright.sync_api import expect

from deliverables.models import ProgressUpdate, Status
from tests.browser.conftest import axe_check, sign_in
from tests.deliverables.test_history_import import HISTORY, build, write_csv


@pytest.fixture
def history_plan(transactional_db, editor, force, plan):
    """The 2017 plan (every quarter of it past), with three deliverables."""
    return plan, build(plan, force)


def test_editor_fixes_a_bad_row_confirms_and_sees_the_quarters_dashboard(
    page, history_plan, tmp_path
):
    plan, work = history_plan
    q2 = plan.reporting_periods.get(label="Q2 2017")
    sign_in(page, "erin")

    page.goto(f"/plans/{plan.pk}/periods/")
    axe_check(page)
    page.get_by_role(
        "link", name="Bring in earlier quarters from a spreadsheet"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bring in earlier quarters"
    )
    axe_check(page)

    # 1.1's Q2 row completes it with no reason given.
    bad = [dict(row) for row in HISTORY]
    bad[2].pop("reason")
    path = write_csv(tmp_path / "history.csv", bad)
    page.get_by_label("History file").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(summary).to_contain_text(
        "Row 4, column reason: Give a reason when the status or forecast date changes."
    )
    problems = page.get_by_role("table", name=re.compile("Problems in"))
    expect(problems).to_contain_text("Give a reason")
    expect(page.get_by_role("button", name=re.compile("^Record"))).to_have_count(0)
    axe_check(page)
    assert not ProgressUpdate.objects.exists()

    path = write_csv(tmp_path / "history.csv", HISTORY)
    page.get_by_label("History file").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the earlier quarters in history.csv"
    )
    table = page.get_by_role("table", name="What the file records in each quarter")
    expect(table.get_by_role("row", name=re.compile("Q2 2017"))).to_have_text(
        re.compile(r"Q2 2017\s*2\s*2")
    )
    axe_check(page)
    page.get_by_role("button", name="Record 6 updates").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reporting periods")
    expect(page.get_by_role("alert")).to_contain_text(
        "6 updates brought in from history.csv."
    )
    axe_check(page)
    assert ProgressUpdate.objects.filter(period=q2).count() == 2

    page.goto(f"/plans/{plan.pk}/dashboard/{q2.pk}/")
    completed = page.locator(".app-headline__item--completed")
    expect(completed).to_contain_text("Completed")
    expect(completed.locator(".app-headline__count")).to_have_text("1")
    on_hold = page.locator(".app-headline__item--on_hold")
    expect(on_hold.locator(".app-headline__count")).to_have_text("1")
    axe_check(page)
    work["1.1"].refresh_from_db()
    assert work["1.1"].status == Status.COMPLETED
