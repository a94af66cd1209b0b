"""An editor imports a plan written in its own layout, in a real browser: upload an
unfamiliar workbook, correct one column, see one row error, fix it, import (issue 17).

Every page visited is checked with axe; the page fixture fails the test on any
Content-Security-Policy violation or script error. With ``IMPORT_SHOTS`` set to a
folder, each step is also saved there as a 1280x800 screenshot, to look at.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook
from playwright.sync_api import expect

from deliverables.models import Deliverable, ImportMapping
from plans.models import Plan, Priority
from tests.browser.conftest import axe_check, sign_in

JERSEY = Path(settings.BASE_DIR) / "plans" / "demo" / "jersey-policing-plan-2017.csv"
VIEWPORT = {"width": 1280, "height": 800}

HEADER = ["Project", "Lead officer", "Area", "Progress", "Due", "Comments"]
# The plan as its authors wrote it: a strand's heading row merged across the table,
# then its projects (title, lead officer, area, progress, due, comments). "Area" is
# the delivering unit; three units over six projects read as nothing in particular,
# so the proposal leaves the column out.
STRANDS = {
    "Strand 1: Victims": [
        ("Victim care hub", "DI Victims", "Local Policing", "completed", "Q2 2017",
         "Opened in June"),
        ("Witness video links", "Insp Courts", "Central Operations", "in progress",
         "Q4 2017", ""),
        ("Restorative justice service", "DI Victims", "Crime Services", "future",
         "2018", "Awaiting funding"),
    ],
    "Strand 2: Prevention": [
        ("Cyber safety schools programme", "PS Schools", "Local Policing",
         "in progress", "Q3 2017", ""),
        ("Night-time economy patrols", "Ch Insp Operations", "Central Operations",
         "completed", "Q1 2017", "Done"),
        ("Mobile data for officers", "Head of IT", "Crime Services", "on hold",
         "TBA", "Supplier delay"),
    ],
}  # fmt: skip
# Row 1 is the title, row 3 the header, row 4 the first strand's heading: the
# restorative justice service is on row 7 of the workbook.
LATE_ROW = 7


def write_workbook(path, *, restorative_due="2018"):
    """The plan as an XLSX workbook, the restorative justice service due as given."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Delivery plan 2017/18 \u2013 projects"])
    sheet.append([])
    sheet.append(HEADER)
    for heading, projects in STRANDS.items():
        sheet.append([heading])
        sheet.merge_cells(
            start_row=sheet.max_row,
            end_row=sheet.max_row,
            start_column=1,
            end_column=len(HEADER),
        )
        for title, lead, area, progress, due, comments in projects:
            if title == "Restorative justice service":
                due = restorative_due
            sheet.append([title, lead, area, progress, due, comments])
    book.save(path)
    return path


class Shots:
    """Screenshots of each step, into the folder ``IMPORT_SHOTS`` names (if any)."""

    def __init__(self, page, prefix):
        self.page, self.prefix = page, prefix
        self.folder = os.environ.get("IMPORT_SHOTS")
        self.taken = 0

    def __call__(self, step):
        if not self.folder:
            return
        Path(self.folder).mkdir(parents=True, exist_ok=True)
        self.taken += 1
        name = f"{self.prefix}-{self.taken:02d}-{step}.png"
        self.page.screenshot(path=str(Path(self.folder) / name), full_page=True)


@pytest.fixture
def officer(transactional_db, editor, authority, force):
    """Erin, an editor of the Jersey Police Authority, signs in to import."""
    return editor


def open_import(page):
    """From the menu, as an editor finds it."""
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Import"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a plan")
    expect(page).to_have_url(re.compile(r"/deliverables/import/$"))


def upload_as_new_plan(page, path):
    """Fill in the first step for a new plan, and check the file."""
    page.get_by_label("Action table").set_input_files(str(path))
    describe_new_plan(page)
    page.get_by_role("button", name="Check the file").click()


def describe_new_plan(page):
    page.get_by_label("New plan's reference").fill("DP-2017/18")
    page.get_by_label("New plan's title").fill("Delivery plan 2017/18")
    for legend, (day, month, year) in (
        ("New plan starts on", ("1", "4", "2017")),
        ("New plan ends on", ("31", "3", "2018")),
    ):
        dates = page.get_by_role("group", name=legend)
        dates.get_by_label("Day").fill(day)
        dates.get_by_label("Month").fill(month)
        dates.get_by_label("Year").fill(year)


def chosen(page, column):
    """What the columns page shows as chosen for a column, by its heading."""
    return page.get_by_label(column, exact=True).locator("option:checked")


def test_editor_imports_a_plan_in_its_own_layout_correcting_a_column_and_a_row(
    new_page, officer, authority, tmp_path
):
    page = new_page(viewport=VIEWPORT)
    shot = Shots(page, "journey")
    sign_in(page, "erin")
    open_import(page)
    axe_check(page)
    shot("upload")

    plan_file = write_workbook(tmp_path / "projects.xlsx", restorative_due="whenever")
    upload_as_new_plan(page, plan_file)

    # The proposal, to correct: the strands come from the heading rows, the Area
    # column is left out.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Say what each column holds"
    )
    expect(page.get_by_text("The header is row 3 of the file")).to_be_visible()
    expect(chosen(page, "Project")).to_have_text("Deliverable title")
    expect(chosen(page, "Lead officer")).to_have_text("Owners")
    expect(chosen(page, "Progress")).to_have_text("Status")
    expect(chosen(page, "Due")).to_have_text("Milestone date")
    expect(chosen(page, "Comments")).to_have_text("Leave out")
    expect(chosen(page, "Area")).to_have_text("Leave out")
    expect(page.get_by_text("\u201cStrand 1: Victims\u201d (row 4)")).to_be_visible()
    expect(page.get_by_label("Name the strand of the rows below them")).to_be_checked()
    axe_check(page)
    shot("columns")
    page.get_by_label("Area", exact=True).select_option(label="Delivering unit")
    page.get_by_role("button", name="Continue").click()

    # One row the plan cannot read, named by its row and the file's own column.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the import of projects.xlsx"
    )
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "projects.xlsx has 1 problem: nothing has been imported"
    )
    problems = page.get_by_role("table", name="Problems in the file")
    rows = problems.locator("tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text(str(LATE_ROW))
    expect(cells.nth(1)).to_have_text("Due")
    expect(cells.nth(2)).to_contain_text("whenever")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    axe_check(page)
    shot("check-with-error")
    assert not Plan.objects.filter(reference="DP-2017/18").exists()

    # The corrected workbook goes into the plan described before, and needs no
    # choices: they were saved for its layout.
    write_workbook(plan_file, restorative_due="2018")
    page.get_by_role("link", name="Upload a corrected file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a plan")
    expect(page.get_by_label("New plan's reference")).to_have_value("DP-2017/18")
    expect(page.get_by_label("New plan's title")).to_have_value("Delivery plan 2017/18")
    ends = page.get_by_role("group", name="New plan ends on")
    expect(ends.get_by_label("Day")).to_have_value("31")
    expect(ends.get_by_label("Year")).to_have_value("2018")
    page.get_by_label("Action table").set_input_files(str(plan_file))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the import of projects.xlsx"
    )
    expect(page).to_have_url(re.compile(r"/deliverables/import/[^/]+/$"))
    expect(page.locator(".govuk-caption-l")).to_have_text(
        "A new plan: DP-2017/18 Delivery plan 2017/18"
    )
    expect(
        page.get_by_text("As your organisation chose for files laid out like this")
    ).to_be_visible()
    expect(page).not_to_have_title(re.compile(r"^Error: "))
    expect(
        page.get_by_text("Every row is valid. Nothing has been saved yet.")
    ).to_be_visible()
    will_do = page.get_by_role("table", name="What the import will do")
    expect(will_do.get_by_role("row", name=re.compile("^Deliverables"))).to_have_text(
        re.compile(r"Deliverables\s*6\s*0\s*0")
    )
    expect(will_do.get_by_role("row", name=re.compile("^Priorities"))).to_have_text(
        re.compile(r"Priorities\s*0\s*0\s*0")
    )
    read_as = page.locator(".govuk-summary-list")
    expect(
        read_as.locator(".govuk-summary-list__row", has_text="Area")
    ).to_contain_text("Delivering unit")
    expect(
        read_as.locator(".govuk-summary-list__row", has_text="Comments")
    ).to_contain_text("Left out")
    expect(read_as).to_contain_text("Name the strand of the rows below them")
    axe_check(page)
    shot("check")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery plan 2017/18")
    expect(page.get_by_role("alert")).to_contain_text("created 6 deliverables")
    expect(
        page.get_by_text("This plan is a list of 6 projects, with no priorities")
    ).to_be_visible()
    strands = page.locator(".app-tree")
    expect(strands.get_by_role("link", name="Strand 1: Victims")).to_be_visible()
    expect(strands.get_by_role("link", name="Strand 2: Prevention")).to_be_visible()
    axe_check(page)
    shot("plan")

    plan = Plan.objects.get(reference="DP-2017/18", owner=authority)
    made = {d.title: d for d in Deliverable.objects.filter(plan=plan)}
    assert len(made) == 6
    assert not Priority.objects.filter(plan=plan).exists()
    hub = made["Victim care hub"]
    assert [s.name for s in hub.strands.all()] == ["Strand 1: Victims"]
    assert hub.delivering_unit == "Local Policing"
    assert [o.role for o in hub.owners.all()] == ["DI Victims"]
    patrols = made["Night-time economy patrols"]
    assert [s.name for s in patrols.strands.all()] == ["Strand 2: Prevention"]
    assert made["Restorative justice service"].baseline_date == "2018"
    saved = ImportMapping.objects.get(organisation=authority)
    assert saved.columns == {
        "Project": "deliverable_title",
        "Lead officer": "owners",
        "Area": "delivering_unit",
        "Progress": "status",
        "Due": "milestone_date",
        "Comments": "",
    }
    assert saved.headings == "strand"
    assert saved.saved_by == officer


def test_the_documented_layout_goes_straight_to_the_check(new_page, officer, authority):
    page = new_page(viewport=VIEWPORT)
    shot = Shots(page, "jersey")
    sign_in(page, "erin")
    open_import(page)
    upload_as_new_plan(page, JERSEY)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Check the import of {JERSEY.name}"
    )
    expect(
        page.get_by_text("By their names, as the tracker's import layout")
    ).to_be_visible()
    will_do = page.get_by_role("table", name="What the import will do")
    expect(will_do.get_by_role("row", name=re.compile("^Priorities"))).to_have_text(
        re.compile(r"Priorities\s*28\s*0\s*0")
    )
    expect(will_do.get_by_role("row", name=re.compile("^Deliverables"))).to_have_text(
        re.compile(r"Deliverables\s*90\s*0\s*0")
    )
    axe_check(page)
    shot("check")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery plan 2017/18")
    expect(page.get_by_role("alert")).to_contain_text("and 90 deliverables")
    expect(page.get_by_role("heading", name="Priorities")).to_be_visible()
    axe_check(page)
    shot("plan")
    plan = Plan.objects.get(reference="DP-2017/18", owner=authority)
    assert Deliverable.objects.filter(plan=plan).count() == 90
    # Nothing was chosen, so nothing was saved.
    assert not ImportMapping.objects.exists()


def test_a_field_chosen_for_two_columns_is_named_beside_both(
    new_page, officer, tmp_path
):
    page = new_page(viewport=VIEWPORT)
    shot = Shots(page, "twice")
    sign_in(page, "erin")
    open_import(page)
    upload_as_new_plan(page, write_workbook(tmp_path / "projects.xlsx"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Say what each column holds"
    )

    page.get_by_label("Lead officer", exact=True).select_option(
        label="Deliverable title"
    )
    page.get_by_role("button", name="Continue").click()

    beside = {
        "Project": '"Project" is chosen as Deliverable title, and so is '
        '"Lead officer": choose one and leave out the other.',
        "Lead officer": '"Lead officer" is chosen as Deliverable title, and so is '
        '"Project": choose one and leave out the other.',
    }
    expect(page).to_have_title(re.compile(r"^Error: Say what each column holds"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_text(beside["Project"])
    expect(links.nth(0)).to_have_attribute("href", "#id_column_0")
    expect(links.nth(1)).to_have_text(beside["Lead officer"])
    expect(links.nth(1)).to_have_attribute("href", "#id_column_1")
    for column, message in beside.items():
        select = page.get_by_label(column, exact=True)
        expect(select).to_have_accessible_description(re.compile(re.escape(message)))
        # The choice made stays, to correct.
        expect(select.locator("option:checked")).to_have_text("Deliverable title")
    expect(page.locator(".govuk-error-message")).to_have_count(2)
    axe_check(page)
    shot("error")

    # From the summary, by keyboard, to the choice to correct.
    page.keyboard.press("Tab")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("Tab")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    lead = page.get_by_label("Lead officer", exact=True)
    expect(lead).to_be_focused()
    lead.select_option(label="Owners")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the import of projects.xlsx"
    )
    expect(page).not_to_have_title(re.compile(r"^Error: "))
    axe_check(page)


def test_a_file_that_cannot_be_read_is_refused_keeping_the_plans_details(
    new_page, officer, tmp_path
):
    page = new_page(viewport=VIEWPORT)
    shot = Shots(page, "unreadable")
    sign_in(page, "erin")
    open_import(page)
    broken = tmp_path / "projects.xlsx"
    broken.write_text("Project,Due\nVictim care hub,Q2 2017\n")
    upload_as_new_plan(page, broken)

    expect(page).to_have_title(re.compile(r"^Error: Import a plan"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "projects.xlsx has 1 problem: nothing was imported"
    )
    expect(page.get_by_role("table", name="Problems in the file")).to_contain_text(
        "not an Excel workbook"
    )
    expect(page.get_by_label("New plan's reference")).to_have_value("DP-2017/18")
    axe_check(page)
    shot("refused")
    assert not Plan.objects.filter(reference="DP-2017/18").exists()
