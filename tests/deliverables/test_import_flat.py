"""A plan brought in as it is written: a flat list of projects grouped by strand (or by
nothing), references made up where the table has none, priorities and objectives
named by title only, and the deliverables export imported back."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from deliverables.importing import (
    FIELD_LABELS,
    ImportFailed,
    RowError,
    import_plan,
)
from deliverables.models import Deliverable, ProgressUpdate, Status
from deliverables.services import next_free_number
from plans.models import Objective, Plan, Priority, Strand

pytestmark = pytest.mark.django_db

PROJECTS = [
    # Strand, title, status, milestone: a published delivery update's project list.
    ("Victims and witnesses", "Victim care hub", "completed", "Q2 2017"),
    ("Victims and witnesses", "Witness video links", "in progress", "Q4 2017"),
    ("Victims and witnesses", "Restorative justice service", "future", "2018"),
    ("Prevention", "Cyber safety schools programme", "in progress", "Q3 2017"),
    ("Prevention", "Night-time economy patrols", "completed", "Q1 2017"),
    ("Efficiency", "Mobile data for officers", "on hold", "TBA"),
]


def write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)
    return path


def run(path, owner, by, **extra):
    return import_plan(
        path=path,
        owner=owner,
        plan_reference="PL-2017",
        plan_title="Delivery plan 2017",
        starts_on=datetime.date(2017, 1, 1),
        ends_on=datetime.date(2017, 12, 31),
        by=by,
        **extra,
    )


@pytest.fixture
def projects(tmp_path):
    return write(
        tmp_path / "projects.csv",
        ["strands", "deliverable_title", "status", "milestone_date"],
        PROJECTS,
    )


def test_a_flat_project_list_imports_as_it_is(projects, authority, editor):
    result = run(projects, authority, editor)
    plan = result.plan
    assert not Priority.objects.filter(plan=plan).exists()
    assert not Objective.objects.filter(plan=plan).exists()
    made = list(Deliverable.objects.filter(plan=plan).order_by("position"))
    assert [(d.reference, d.title, d.objective) for d in made] == [
        (str(n), title, None) for n, (_s, title, _st, _m) in enumerate(PROJECTS, 1)
    ]
    assert [d.status for d in made][:2] == [Status.COMPLETED, Status.IN_PROGRESS]
    hub = made[0]
    assert [s.name for s in hub.strands.all()] == ["Victims and witnesses"]
    assert set(Strand.objects.filter(plan=plan).values_list("name", flat=True)) == {
        "Victims and witnesses",
        "Prevention",
        "Efficiency",
    }
    # Every made-up reference is reported as such, with its row.
    assert [(g.kind, g.reference, g.title, g.row) for g in result.generated][:2] == [
        ("deliverable", "1", "Victim care hub", 2),
        ("deliverable", "2", "Witness video links", 3),
    ]


def test_importing_the_flat_list_again_finds_each_project_by_its_title(
    projects, authority, editor
):
    run(projects, authority, editor)
    again = run(projects, authority, editor)
    assert again.created["deliverables"] == 0
    assert again.unchanged["deliverables"] == len(PROJECTS)
    assert again.generated == []
    assert Deliverable.objects.count() == len(PROJECTS)


def test_a_project_added_to_the_list_gets_the_next_number(
    projects, tmp_path, authority, editor
):
    run(projects, authority, editor)
    longer = write(
        tmp_path / "longer.csv",
        ["strands", "deliverable_title", "status", "milestone_date"],
        [*PROJECTS, ("Prevention", "Knife crime awareness", "future", "2018")],
    )
    result = run(longer, authority, editor)
    assert result.created["deliverables"] == 1
    added = Deliverable.objects.get(title="Knife crime awareness")
    assert added.reference == str(len(PROJECTS) + 1)
    assert [(g.kind, g.reference) for g in result.generated] == [("deliverable", "7")]


def test_two_projects_of_one_title_stay_two_on_every_import(
    tmp_path, authority, editor
):
    path = write(
        tmp_path / "twice.csv",
        ["deliverable_title", "delivering_unit"],
        [("Review of custody", "North"), ("Review of custody", "South")],
    )
    run(path, authority, editor)
    again = run(path, authority, editor)
    assert again.unchanged["deliverables"] == 2
    assert list(
        Deliverable.objects.order_by("position").values_list(
            "reference", "delivering_unit"
        )
    ) == [("1", "North"), ("2", "South")]


def test_priorities_and_objectives_named_by_title_are_created_with_references(
    tmp_path, authority, editor
):
    path = write(
        tmp_path / "titles.csv",
        ["priority_title", "objective_title", "deliverable_title"],
        [
            ("Keep people safe", "Visible policing", "Town centre patrols"),
            ("Keep people safe", "Visible policing", "Parish hall surgeries"),
            ("Keep people safe", "", "Roads policing review"),
            ("Support victims", "Better care", "Victim care hub"),
        ],
    )
    result = run(path, authority, editor)
    plan = result.plan
    assert list(
        Priority.objects.filter(plan=plan).values_list("reference", "title")
    ) == [("1", "Keep people safe"), ("2", "Support victims")]
    objectives = dict(
        Objective.objects.filter(plan=plan).values_list("title", "reference")
    )
    # A deliverable straight under a priority gets an objective of the priority's
    # title; objectives are numbered under their priority.
    assert objectives == {
        "Visible policing": "1.1",
        "Keep people safe": "1.2",
        "Better care": "2.1",
    }
    patrols = Deliverable.objects.get(title="Town centre patrols")
    assert patrols.objective.title == "Visible policing"
    kinds = [g.kind for g in result.generated]
    assert kinds.count("priority") == 2 and kinds.count("objective") == 3
    assert run(path, authority, editor).generated == []


def test_a_row_may_name_a_new_priority_objective_and_strand(
    tmp_path, authority, editor
):
    first = write(
        tmp_path / "first.csv",
        ["priority_ref", "priority_title", "objective_ref", "objective_title",
         "deliverable_ref", "deliverable_title"],
        [("1", "Keep people safe", "1.1", "Patrols", "1.1.1", "Town patrols")],
    )  # fmt: skip
    run(first, authority, editor)
    second = write(
        tmp_path / "second.csv",
        ["priority_ref", "priority_title", "objective_ref", "objective_title",
         "deliverable_ref", "deliverable_title", "strands"],
        [
            ("1", "Keep people safe", "1.1", "Patrols", "1.1.1", "Town patrols", ""),
            ("2", "Protect the vulnerable", "2.1", "Safeguarding", "2.1.1",
             "Missing persons unit", "Vulnerability"),
        ],
    )  # fmt: skip
    result = run(second, authority, editor)
    assert (result.created["priorities"], result.created["objectives"]) == (1, 1)
    unit = Deliverable.objects.get(reference="2.1.1")
    assert unit.objective.priority.title == "Protect the vulnerable"
    assert [s.name for s in unit.strands.all()] == ["Vulnerability"]


def test_an_objective_without_its_priority_is_refused(tmp_path, authority, editor):
    path = write(
        tmp_path / "orphan.csv",
        ["objective_title", "deliverable_title"],
        [("Visible policing", "Town patrols")],
    )
    with pytest.raises(ImportFailed) as caught:
        run(path, authority, editor)
    assert caught.value.errors == [
        RowError(
            2,
            "priority_title",
            "Give the priority this objective is under: an objective belongs to a "
            "priority.",
        )
    ]
    assert not Plan.objects.exists()


def test_next_free_number():
    used = {"1", "2", "10", "A-4", "3.1"}
    assert next_free_number(used) == "11"
    assert next_free_number(used) == "12"
    assert next_free_number(used, "3.") == "3.2"
    assert next_free_number(set(), "4.") == "4.1"


# The round trip ------------------------------------------------------------------


def export(client, plan, kind):
    response = client.get(
        reverse("deliverables:list"), {"plan": plan.pk, "export": kind}
    )
    assert response.status_code == 200
    return (
        b"".join(response.streaming_content)
        if response.streaming
        else (response.content)
    )


@pytest.fixture
def jersey(authority, force, editor):
    from tests.deliverables.test_importing import JERSEY

    return run(JERSEY, authority, editor, lead_organisation=force).plan


def everything(plan):
    """What a user could see change: every deliverable's fields, owners, strands and
    milestones, and the progress log."""
    return (
        [
            (
                d.reference, d.title, d.description, d.objective_id, d.status, d.rag,
                d.percent_complete, d.baseline_date, d.forecast_date,
                d.lead_organisation_id, d.delivering_unit, d.expected_benefits,
                d.merged_into_id, d.position,
                [o.role for o in d.owners.all()],
                sorted(s.name for s in d.strands.all()),
                [(m.title, m.due_date) for m in d.milestones.all()],
            )
            for d in Deliverable.objects.filter(plan=plan).order_by("reference")
        ],
        ProgressUpdate.objects.count(),
        list(Priority.objects.filter(plan=plan).values_list(*PRIORITY)),
        list(Objective.objects.filter(plan=plan).values_list(*OBJECTIVE)),
    )  # fmt: skip


PRIORITY = ("reference", "title", "parent", "position")
OBJECTIVE = ("reference", "title", "priority", "position")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_imports_back_changing_nothing(
    client, jersey, editor, tmp_path, kind, authority, force
):
    client.force_login(editor)
    path = tmp_path / f"export.{kind}"
    path.write_bytes(export(client, jersey, kind))
    before = everything(jersey)
    result = run(path, authority, editor, lead_organisation=force)
    assert result.plan == jersey
    assert (result.created, result.updated) == ({}, {}) or (
        sum(result.created.values()),
        sum(result.updated.values()),
    ) == (0, 0)
    assert result.unchanged["deliverables"] == 90
    assert everything(jersey) == before


def test_the_export_edited_in_a_spreadsheet_changes_exactly_the_edited_cells(
    client, jersey, editor, tmp_path, authority, force
):
    client.force_login(editor)
    path = tmp_path / "export.xlsx"
    path.write_bytes(export(client, jersey, "xlsx"))
    workbook = load_workbook(path)
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    col = {name: header.index(label) for name, label in FIELD_LABELS.items()}
    rows = list(sheet.iter_rows(min_row=2))
    first = next(r for r in rows if r[col["deliverable_ref"]].value == "3.1.1.1.1")
    second = next(r for r in rows if r[col["deliverable_ref"]].value == "3.2.1.1.1")
    first[col["deliverable_title"]].value = "Renamed in the spreadsheet"
    second[col["owners"]].value = "Head of Crime Services"
    workbook.save(path)
    before = everything(jersey)
    updates = ProgressUpdate.objects.count()

    result = run(path, authority, editor, lead_organisation=force)

    assert result.updated["deliverables"] == 2
    assert result.unchanged["deliverables"] == 88
    after = everything(jersey)
    changed = [
        (old[0], [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b])
        for old, new in zip(before[0], after[0], strict=True)
        if old != new
    ]
    assert changed == [("3.1.1.1.1", [1]), ("3.2.1.1.1", [14])]
    assert ProgressUpdate.objects.count() == updates
    assert after[2:] == before[2:]


def test_the_export_of_a_flat_plan_imports_back(
    client, projects, authority, editor, tmp_path
):
    plan = run(projects, authority, editor).plan
    client.force_login(editor)
    path = tmp_path / "flat.csv"
    path.write_bytes(export(client, plan, "csv"))
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert header[:8] == [
        "Priority reference", "Priority title", "Sub-priority reference",
        "Sub-priority title", "Objective reference", "Objective title",
        "Deliverable reference", "Deliverable title",
    ]  # fmt: skip
    before = everything(plan)
    again = run(path, authority, editor)
    assert again.unchanged["deliverables"] == len(PROJECTS)
    assert everything(plan) == before


# A flat plan on every page --------------------------------------------------------


def test_a_flat_plan_reads_well_on_its_pages(client, projects, authority, editor):
    plan = run(projects, authority, editor).plan
    client.force_login(editor)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert (
        "This plan is a list of 6 projects, with no priorities or objectives." in page
    )
    assert '<h2 class="govuk-heading-m">Priorities</h2>' not in page
    assert '<h2 class="govuk-heading-m">Strands</h2>' in page
    assert "Victims and witnesses" in page

    hub = Deliverable.objects.get(plan=plan, title="Victim care hub")
    detail = client.get(reverse("deliverables:detail", args=[hub.pk]))
    assert detail.status_code == 200
    assert "Objective</dt>" not in detail.content.decode()

    dashboard = client.get(reverse("scrutiny:dashboard", args=[plan.pk]), follow=True)
    assert dashboard.status_code == 200
    data = dashboard.context["data"]
    assert data["total"] == 6
    # Nothing vanishes: the "By priority" table has one row, of no priority.
    assert [(g["id"], g["label"], g["total"]) for g in data["by_priority"]] == [
        ("none", "No priority", 6)
    ]
    assert sum(g["total"] for g in data["by_strand"]) == 6
    drill = client.get(
        dashboard.request["PATH_INFO"] + "deliverables/",
        {"priority": "none", "status": "completed"},
    )
    assert drill.status_code == 200
    assert "Night-time economy patrols" in drill.content.decode()

    listed = client.get(
        reverse("deliverables:list"), {"plan": plan.pk, "under_priority": "false"}
    )
    assert listed.context["page"].paginator.count == 6
    api = client.get(f"/api/v1/deliverables/?plan={plan.pk}").json()
    assert {row["priority"] for row in api["results"]} == {None}


def test_a_title_the_export_escapes_against_formulas_imports_back_as_it_was(
    client, projects, authority, editor, tmp_path
):
    plan = run(projects, authority, editor).plan
    Deliverable.objects.filter(plan=plan, reference="1").update(title="=1+1 review")
    client.force_login(editor)
    path = tmp_path / "formula.csv"
    path.write_bytes(export(client, plan, "csv"))
    assert "'=1+1 review" in path.read_text(encoding="utf-8")
    again = run(path, authority, editor)
    assert again.unchanged["deliverables"] == len(PROJECTS)
    assert Deliverable.objects.get(plan=plan, reference="1").title == "=1+1 review"


# The command, with a mapping file and a period ------------------------------------


def test_the_command_reads_a_file_in_its_own_layout_with_a_mapping_file(
    tmp_path, authority, editor
):
    import json

    from django.core.management import call_command

    path = write(
        tmp_path / "own.csv",
        ["Project", "Area", "Progress", "Notes"],
        [
            ("Victim care hub", "Victims", "Completed", "went well"),
            ("Cyber safety", "Prevention", "Current", ""),
        ],
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "Project": "deliverable_title",
                    "Area": "strands",
                    "Progress": "status",
                    "Notes": "",
                }
            }
        )
    )
    call_command(
        "import_plan",
        str(path),
        "--starts=2017-01-01",
        "--ends=2017-12-31",
        organisation="JPA",
        plan="OWN-1",
        title="Own layout",
        mapping=str(mapping),
        user=editor.username,
        verbosity=0,
    )
    hub = Deliverable.objects.get(title="Victim care hub")
    assert (hub.reference, hub.status) == ("1", Status.COMPLETED)
    assert [s.name for s in hub.strands.all()] == ["Victims"]
    assert Deliverable.objects.get(title="Cyber safety").status == Status.IN_PROGRESS


def test_a_mapping_file_that_no_longer_fits_is_refused_not_used_in_part(
    tmp_path, authority, editor
):
    import json

    from django.core.management import CommandError, call_command

    path = write(tmp_path / "own.csv", ["Project name", "Area"], [("Hub", "Victims")])
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columns": {"Project": "deliverable_title"}}))
    with pytest.raises(CommandError, match='from a column "Project"'):
        call_command(
            "import_plan",
            str(path),
            "--starts=2017-01-01",
            "--ends=2017-12-31",
            organisation="JPA",
            plan="OWN-2",
            title="Own layout",
            mapping=str(mapping),
            verbosity=0,
        )
    assert not Deliverable.objects.exists()


def test_a_reimport_records_changes_of_status_in_the_period_chosen(
    projects, tmp_path, authority, editor
):
    from django.core.management import call_command

    plan = run(projects, authority, editor).plan
    changed = [
        (strand, title, "completed" if n == 1 else status, date)
        for n, (strand, title, status, date) in enumerate(PROJECTS)
    ]
    path = write(
        tmp_path / "changed.csv",
        ["strands", "deliverable_title", "status", "milestone_date"],
        changed,
    )
    call_command(
        "import_plan",
        str(path),
        organisation="JPA",
        plan="PL-2017",
        period="Q2 2017",
        user=editor.username,
        verbosity=0,
    )
    update = ProgressUpdate.objects.get(deliverable__title="Witness video links")
    assert update.period == plan.reporting_periods.get(starts_on="2017-04-01")
    assert update.status == Status.COMPLETED
    assert update.recorded_by == editor
