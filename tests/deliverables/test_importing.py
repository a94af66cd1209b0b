"""Importing a plan's action table: the Jersey plan, bad files, and re-imports."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from deliverables.importing import COLUMNS, ImportFailed, RowError, import_plan
from deliverables.models import Deliverable, ProgressUpdate, Status
from plans.models import Objective, Plan, Priority
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

JERSEY = Path(settings.BASE_DIR) / "plans" / "demo" / "jersey-policing-plan-2017.csv"


def jersey_rows():
    with JERSEY.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_csv(path, rows, columns=COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def run_import(path, owner, by, **extra):
    return import_plan(
        path=path,
        owner=owner,
        plan_reference="R.4/2017",
        plan_title="2017 Policing Plan",
        starts_on=datetime.date(2017, 1, 1),
        ends_on=datetime.date(2017, 12, 31),
        by=by,
        **extra,
    )


@pytest.fixture
def imported(authority, force, editor):
    return run_import(JERSEY, authority, editor)


def test_the_jersey_plan_imports_whole(imported):
    plan = imported.plan
    assert Priority.objects.filter(plan=plan, parent=None).count() == 4
    assert Priority.objects.filter(plan=plan, parent__isnull=False).count() == 24
    assert Objective.objects.filter(plan=plan).count() == 65
    assert Deliverable.objects.filter(plan=plan).count() == 90
    per_priority = {
        ref: Deliverable.objects.filter(
            plan=plan, objective__priority__parent__reference=ref
        ).count()
        for ref in ("3.1", "3.2", "3.3", "3.4")
    }
    assert per_priority == {"3.1": 24, "3.2": 12, "3.3": 23, "3.4": 31}
    assert imported.created["deliverables"] == 90
    assert plan.reporting_periods.count() == 4


def test_the_jersey_plan_keeps_its_structure_and_titles(imported):
    plan = imported.plan
    section = Priority.objects.get(plan=plan, reference="3.1")
    assert section.title == "Keep people safe"
    sub = Priority.objects.get(plan=plan, reference="3.1.3")
    assert (sub.parent, sub.title) == (section, "Preparing for Emergencies")
    objective = Objective.objects.get(plan=plan, reference="3.1.5.1")
    assert (objective.priority.reference, objective.title) == (
        "3.1.5",
        "Harm Reduction",
    )
    # 3.4.8 has no 3.4.8.1 in the plan; nothing is invented.
    assert not Objective.objects.filter(plan=plan, reference="3.4.8.1").exists()
    assert Objective.objects.filter(plan=plan, reference="3.4.8.4").exists()


@pytest.mark.parametrize(
    ("reference", "written", "start", "end"),
    [
        ("3.1.1.1.1", "Q1", datetime.date(2017, 1, 1), datetime.date(2017, 3, 31)),
        ("3.1.3.1.1", "Q2/Q3", datetime.date(2017, 4, 1), datetime.date(2017, 9, 30)),
        ("3.4.6.2.1", "Q3 Q4", datetime.date(2017, 7, 1), datetime.date(2017, 12, 31)),
        ("3.3.7.1.1", "Q3 2017", datetime.date(2017, 7, 1), datetime.date(2017, 9, 30)),
        (
            "3.4.3.1.1",
            "Q4 2017",
            datetime.date(2017, 10, 1),
            datetime.date(2017, 12, 31),
        ),
        ("3.1.1.2.1", "2017", datetime.date(2017, 1, 1), datetime.date(2017, 12, 31)),
        (
            "3.4.4.1.1",
            "2017 and 2018",
            datetime.date(2017, 1, 1),
            datetime.date(2018, 12, 31),
        ),
        ("3.1.1.2.4", "TBA", None, None),
    ],
)
def test_jersey_milestone_dates_keep_their_text_and_window(
    imported, reference, written, start, end
):
    deliverable = Deliverable.objects.get(plan=imported.plan, reference=reference)
    assert deliverable.baseline_date == written
    assert (deliverable.baseline_date_start, deliverable.baseline_date_end) == (
        start,
        end,
    )
    assert deliverable.forecast_date == written
    milestone = deliverable.milestones.get()
    assert (milestone.due_date, milestone.due_date_end) == (written, end)


def test_jersey_owners_benefits_and_lead(imported, force):
    firearms = Deliverable.objects.get(plan=imported.plan, reference="3.1.3.1.1")
    assert [o.role for o in firearms.owners.all()] == [
        "Ch. Insp Community Policing",
        "Firearms Training Sergeant",
    ]
    assert firearms.lead_organisation == force
    assert firearms.expected_benefits == (
        "Ensure ongoing adherence to College of Policing standards and best practice."
    )
    assert firearms.status == Status.FUTURE
    drugs = Deliverable.objects.get(plan=imported.plan, reference="3.1.5.1.1")
    assert [o.role for o in drugs.owners.all()] == [
        "Det Ch. Insp Intelligence",
        "Det Ch. Insp Crime Operations",
    ]
    assert drugs.description.startswith("Reduce substance abuse harm via active")


def test_every_seed_row_is_in_the_import(imported):
    stored = set(
        Deliverable.objects.filter(plan=imported.plan).values_list(
            "reference", "description"
        )
    )
    assert stored == {(r["deliverable_ref"], r["description"]) for r in jersey_rows()}


def test_re_importing_the_same_file_changes_nothing(imported, authority, editor):
    plan = imported.plan
    history_before = Deliverable.history.count()
    again = run_import(JERSEY, authority, editor)
    assert again.plan == plan
    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert again.unchanged["deliverables"] == 90
    assert Deliverable.history.count() == history_before
    assert not ProgressUpdate.objects.exists()


def test_a_corrected_file_updates_rows_by_reference(
    imported, authority, editor, tmp_path
):
    rows = jersey_rows()
    rows[0]["deliverable_title"] = "Deliver the daytime patrol strategy"
    rows[0]["milestone_date"] = "Q2"
    rows[0]["owners"] = "Ch. Insp Operations; Supt Operations"
    rows[1]["status"] = "in progress"
    rows[1]["rag"] = "amber"
    rows[1]["percent_complete"] = "30"
    result = run_import(write_csv(tmp_path / "corrected.csv", rows), authority, editor)
    assert result.updated["deliverables"] == 2
    assert result.unchanged["deliverables"] == 88
    assert result.created["deliverables"] == 0

    patrol = Deliverable.objects.get(plan=result.plan, reference="3.1.1.1.1")
    assert patrol.title == "Deliver the daytime patrol strategy"
    assert patrol.baseline_date_end == datetime.date(2017, 6, 30)
    assert patrol.milestones.get().due_date == "Q2"
    assert [o.role for o in patrol.owners.all()] == [
        "Ch. Insp Operations",
        "Supt Operations",
    ]
    assert patrol.history.latest().history_user == editor

    visible = Deliverable.objects.get(plan=result.plan, reference="3.1.1.2.1")
    assert (visible.status, visible.rag, visible.percent_complete) == (
        Status.IN_PROGRESS,
        "amber",
        30,
    )
    update = visible.updates.get()
    assert update.source == ProgressUpdate.Source.IMPORT
    assert update.recorded_by == editor
    assert update.reason == "Changed in the imported file corrected.csv."


BAD_ROWS = [
    # row 2: fine
    {
        "priority_ref": "1",
        "priority_title": "Victims",
        "objective_ref": "1.1",
        "objective_title": "Support victims",
        "deliverable_ref": "1.1.1",
        "deliverable_title": "Open a victims' hub",
        "milestone_date": "Q1",
    },
    # row 3: a date nobody can place
    {
        "priority_ref": "1",
        "priority_title": "Victims",
        "objective_ref": "1.1",
        "objective_title": "Support victims",
        "deliverable_ref": "1.1.2",
        "deliverable_title": "Train call handlers",
        "milestone_date": "soon-ish",
    },
    # row 4: unknown status, RAG and percent out of range
    {
        "priority_ref": "1",
        "priority_title": "Victims",
        "objective_ref": "1.1",
        "objective_title": "Support victims",
        "deliverable_ref": "1.1.3",
        "deliverable_title": "Survey victims",
        "status": "started",
        "rag": "purple",
        "percent_complete": "150",
    },
    # row 5: a reference used twice, and an organisation that does not exist
    {
        "priority_ref": "1",
        "priority_title": "Victims",
        "objective_ref": "1.1",
        "objective_title": "Support victims",
        "deliverable_ref": "1.1.1",
        "deliverable_title": "Duplicate",
        "lead_organisation": "Atlantis Police",
    },
    # row 6: no title, and a priority title that contradicts row 2
    {
        "priority_ref": "1",
        "priority_title": "Victim care",
        "objective_ref": "1.2",
        "objective_title": "Reduce reoffending",
        "deliverable_ref": "1.2.1",
    },
    # row 7: merged without a target
    {
        "priority_ref": "1",
        "priority_title": "Victims",
        "objective_ref": "1.2",
        "objective_title": "Reduce reoffending",
        "deliverable_ref": "1.2.2",
        "deliverable_title": "Merge me",
        "status": "merged",
    },
]


def test_a_file_with_bad_rows_reports_every_problem_and_writes_nothing(
    authority, editor, tmp_path
):
    with pytest.raises(ImportFailed) as caught:
        run_import(write_csv(tmp_path / "bad.csv", BAD_ROWS), authority, editor)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "milestone_date"),
        (4, "status"),
        (4, "rag"),
        (4, "percent_complete"),
        (5, "deliverable_ref"),
        (5, "lead_organisation"),
        (6, "deliverable_title"),
        (6, "priority_title"),
        (7, "merged_into"),
    }
    messages = {(e.row, e.column): e.message for e in caught.value.errors}
    assert "is not a date we recognise" in messages[(3, "milestone_date")]
    assert messages[(5, "deliverable_ref")] == "1.1.1 is already used on row 2."
    assert messages[(6, "priority_title")] == "1 has a different title on row 2."
    assert str(caught.value.errors[0]).startswith("Row 3, column milestone_date:")
    assert not Plan.objects.exists()
    assert not Deliverable.objects.exists()
    assert not Priority.objects.exists()


def test_a_bad_row_in_a_corrected_file_leaves_the_stored_plan_alone(
    imported, authority, editor, tmp_path
):
    rows = jersey_rows()
    rows[0]["deliverable_title"] = "Changed title"
    rows[5]["milestone_date"] = "Q7"
    with pytest.raises(ImportFailed):
        run_import(write_csv(tmp_path / "half.csv", rows), authority, editor)
    first = Deliverable.objects.get(plan=imported.plan, reference="3.1.1.1.1")
    assert (
        first.title
        == "Deliver a daytime patrol strategy in support of Operation THRIVE"
    )


def test_unknown_and_missing_columns_are_refused(authority, editor, tmp_path):
    path = tmp_path / "columns.csv"
    path.write_text("priority_ref,priority_titel,objective_ref\n1,Victims,1.1\n")
    with pytest.raises(ImportFailed) as caught:
        run_import(path, authority, editor)
    errors = set(caught.value.errors)
    assert RowError(1, "priority_titel", "This is not a column we know.") in errors
    assert RowError(1, "deliverable_title", "This column is missing.") in errors


def test_headers_are_matched_loosely(authority, editor, tmp_path):
    path = tmp_path / "loose.csv"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Priority Ref",
            "PRIORITY TITLE",
            "objective ref",
            "Objective-Title",
            "Deliverable ref",
            "Deliverable title",
        ]
    )
    writer.writerow(["1", "Victims", "1.1", "Support victims", "1.1.1", "Open a hub"])
    path.write_text(out.getvalue(), encoding="utf-8")
    result = run_import(path, authority, editor)
    assert result.created["deliverables"] == 1


def test_a_lead_the_body_does_not_work_with_is_refused_as_if_it_did_not_exist(
    authority, editor, tmp_path
):
    """A file finds leads only among the organisations the body works with: naming
    another body's force gets the same answer as naming nobody, so a file can
    neither attach work to it nor learn that it exists. Listed as a partner, it
    imports."""
    elsewhere = OrganisationFactory(name="Ashcombe Constabulary")
    row = {
        "priority_ref": "1",
        "priority_title": "Victims",
        "objective_ref": "1.1",
        "objective_title": "Support victims",
        "deliverable_ref": "1.1.1",
        "deliverable_title": "Open a hub",
    }
    path = write_csv(
        tmp_path / "leads.csv",
        [
            row | {"lead_organisation": "Ashcombe Constabulary"},
            row | {"deliverable_ref": "1.1.2", "lead_organisation": "Atlantis Police"},
        ],
    )
    with pytest.raises(ImportFailed) as failed:
        run_import(path, authority, editor)
    assert [(e.row, e.column, e.message) for e in failed.value.errors] == [
        (
            row_number,
            "lead_organisation",
            f'No organisation your body works with is called "{name}". Check the '
            "name; if your body works with it, an administrator can list it among "
            "your body's partners.",
        )
        for row_number, name in ((2, "Ashcombe Constabulary"), (3, "Atlantis Police"))
    ]
    assert not Plan.objects.exists()

    authority.partners.add(elsewhere)
    path = write_csv(
        tmp_path / "lead.csv", [row | {"lead_organisation": "Ashcombe Constabulary"}]
    )
    run_import(path, authority, editor)
    assert Deliverable.objects.get().lead_organisation == elsewhere


def test_an_xlsx_workbook_imports_like_a_csv(authority, force, editor, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in jersey_rows():
        sheet.append([row[c] for c in COLUMNS])
    path = tmp_path / "jersey.xlsx"
    workbook.save(path)
    result = run_import(path, authority, editor)
    assert result.created["deliverables"] == 90
    assert Deliverable.objects.get(reference="3.1.3.1.1").baseline_date == "Q2/Q3"


def test_the_command_reports_what_it_did(authority, force, tmp_path):
    out = io.StringIO()
    call_command(
        "import_plan",
        str(JERSEY),
        "--title",
        "2017 Policing Plan",
        "--starts",
        "2017-01-01",
        "--ends",
        "2017-12-31",
        organisation="JPA",
        plan="R.4/2017",
        lead_organisation="SOJP",
        stdout=out,
        stderr=io.StringIO(),
        verbosity=1,
    )
    assert "and 90 deliverables" in out.getvalue()
    plan = Plan.objects.get(reference="R.4/2017")
    # Without --user the import is recorded against the "import" account.
    assert plan.history.latest().history_user.username == "import"


def test_the_command_lists_every_error_and_fails(authority, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_plan",
            str(write_csv(tmp_path / "bad.csv", BAD_ROWS)),
            "--title",
            "X",
            "--starts",
            "2017-01-01",
            "--ends",
            "2017-12-31",
            organisation="JPA",
            plan="X",
            stdout=io.StringIO(),
            stderr=err,
            verbosity=0,
        )
    assert "Row 3, column milestone_date:" in err.getvalue()
    assert "Row 7, column merged_into:" in err.getvalue()
    assert not Plan.objects.exists()


def test_the_command_shows_a_progress_bar(authority, force):
    err = io.StringIO()
    call_command(
        "import_plan",
        str(JERSEY),
        "--title",
        "2017 Policing Plan",
        "--starts",
        "2017-01-01",
        "--ends",
        "2017-12-31",
        organisation="JPA",
        plan="R.4/2017",
        stdout=io.StringIO(),
        stderr=err,
        verbosity=1,
    )
    assert "Importing" in err.getvalue()
    assert "90/90" in err.getvalue()


# Files that are refused before they are read -------------------------------------


def _workbook_zip(members: dict[str, bytes]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"priority_ref,priority_title\n", "is not an Excel workbook (.xlsx)"),
        (
            _workbook_zip(
                {
                    "[Content_Types].xml": b"<Types>application/vnd.ms-excel.sheet."
                    b"macroEnabled.main+xml</Types>",
                    "xl/vbaProject.bin": b"\x00",
                }
            ),
            "contains macros",
        ),
        (
            # A zip bomb: a few kilobytes that would unpack to 60 MB.
            _workbook_zip(
                {
                    "[Content_Types].xml": b"spreadsheetml.sheet.main+xml",
                    "xl/worksheets/sheet1.xml": b"0" * (60 * 1024 * 1024),
                }
            ),
            "too large to read",
        ),
    ],
)
def test_a_workbook_that_is_not_plain_xlsx_is_refused_unread(
    authority, editor, tmp_path, content, message
):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as caught:
        run_import(path, authority, editor)
    assert message in caught.value.errors[0].message
    assert not Plan.objects.exists()


def test_an_over_long_cell_is_refused_with_its_row_and_column(
    authority, editor, tmp_path
):
    path = tmp_path / "long.csv"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["priority_ref", "priority_title", "objective_ref",
                     "objective_title", "deliverable_ref", "deliverable_title",
                     "description"])  # fmt: skip
    writer.writerow(["1", "Victims", "1.1", "Support", "1.1.1", "Open a hub", "x"])
    writer.writerow(["1", "Victims", "1.1", "Support", "1.1.2", "Train", "y" * 10_001])
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        run_import(path, authority, editor)
    assert caught.value.errors == [
        RowError(3, "description", "Keep this to 10,000 characters or fewer.")
    ]
    assert not Plan.objects.exists()


def test_a_file_with_too_many_rows_is_refused(authority, editor, tmp_path):
    path = tmp_path / "huge.csv"
    lines = ["priority_ref,priority_title,objective_ref,objective_title,"
             "deliverable_ref,deliverable_title"]  # fmt: skip
    lines += [f"1,Victims,1.1,Support,1.1.{n},Item {n}" for n in range(5_001)]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        run_import(path, authority, editor)
    assert "at most 5,000 deliverables" in caught.value.errors[0].message
    assert not Plan.objects.exists()


def test_a_null_character_in_a_cell_is_refused_with_its_row_and_column(
    authority, editor, tmp_path
):
    path = tmp_path / "nul.csv"
    path.write_text(
        "priority_ref,priority_title,objective_ref,objective_title,deliverable_ref,"
        "deliverable_title\n1,Victims,1.1,Support,1.1.1,Open a\x00hub\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as caught:
        run_import(path, authority, editor)
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (2, "deliverable_title")
    ]
    assert "null character" in caught.value.errors[0].message
    assert not Plan.objects.exists()
