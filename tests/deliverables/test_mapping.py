"""Reading any plan spreadsheet and proposing how its columns map to the plan's fields:
the documented layout, a project list grouped by strand, a plan with names and merged
cells of its own, and the files that are refused."""

import csv
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from deliverables import layout
from deliverables.layout import COLUMNS, MAX_ROWS
from deliverables.mapping import (
    FIELD_LABELS,
    Mapping,
    apply,
    fit,
    heading_rows,
    problems,
    propose,
    read_table,
    saved_columns,
    signature,
)
from deliverables.upload_errors import ImportFailed, RowError

JERSEY = Path(settings.BASE_DIR) / "plans" / "demo" / "jersey-policing-plan-2017.csv"


@pytest.fixture
def flat_plans(monkeypatch):
    """The new layout, in which only the deliverable's title is required."""
    monkeypatch.setattr(layout, "REQUIRED", ("deliverable_title",))


def write_xlsx(path, rows, merges=()):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    workbook.save(path)
    return path


def write_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read(path, **kwargs):
    table = read_table(path, **kwargs)
    return table, propose(table)


def refusal(path, **kwargs):
    with pytest.raises(ImportFailed) as caught:
        read_table(path, **kwargs)
    return caught.value.errors


# The three layouts -------------------------------------------------------------------


def test_the_documented_layout_maps_every_column_onto_itself():
    table, mapping = read(JERSEY)
    assert (table.header_row, mapping) == (1, Mapping(list(COLUMNS), ""))
    assert problems(table, mapping) == []
    with JERSEY.open(encoding="utf-8") as handle:
        written = [(n, row) for n, row in enumerate(csv.DictReader(handle), start=2)]
    assert apply(table, mapping) == written


def test_the_documented_names_map_whatever_their_case_and_spacing(tmp_path):
    header = [c.replace("_", " ").title() for c in COLUMNS]
    header[COLUMNS.index("deliverable_title")] = "DELIVERABLE-TITLE"
    row = ["3.1", "Keep people safe", "", "", "3.1.1", "Patrols", "3.1.1.1", "Walk"]
    path = write_xlsx(tmp_path / "plan.xlsx", [header, row])
    _, mapping = read(path)
    assert mapping == Mapping(list(COLUMNS), "")


def test_a_flat_project_list_grouped_by_strand_gives_each_project_its_strand(
    tmp_path, flat_plans
):
    path = write_xlsx(
        tmp_path / "projects.xlsx",
        [
            ["Community safety projects 2024/25"],
            [],
            ["Project", "Lead", "Status", "Timescale", "Comments"],
            ["Strand 1: Victims and witnesses"],
            [
                "Open a victims' hub",
                "Ch Insp Le Marquand",
                "In progress",
                "Q2 2024",
                "Building found; fit-out under way",
            ],
            [
                "Text updates to victims",
                "Victim Care Manager",
                "Completed",
                "Q1 2024",
                "",
            ],
            ["Strand 2: Young people"],
            [
                "Schools liaison officers",
                "Insp Vibert",
                "Future",
                "2025",
                "Waiting on the education department",
            ],
        ],  # fmt: skip
        merges=["A1:E1", "A4:E4", "A7:E7"],
    )
    table, mapping = read(path)
    assert table.header_row == 3
    assert table.header == ["Project", "Lead", "Status", "Timescale", "Comments"]
    assert mapping == Mapping(
        ["deliverable_title", "owners", "status", "milestone_date", ""], "strand"
    )
    assert problems(table, mapping) == []
    rows = apply(table, mapping)
    assert [(n, r["deliverable_title"], r["strands"]) for n, r in rows] == [
        (5, "Open a victims' hub", "Strand 1: Victims and witnesses"),
        (6, "Text updates to victims", "Strand 1: Victims and witnesses"),
        (8, "Schools liaison officers", "Strand 2: Young people"),
    ]
    assert rows[0][1]["owners"] == "Ch Insp Le Marquand"
    assert rows[2][1]["milestone_date"] == "2025"
    assert "Building found" not in str(rows)  # the comments are left out
    assert heading_rows(table) == [
        (4, "Strand 1: Victims and witnesses"),
        (7, "Strand 2: Young people"),
    ]


def test_a_plan_with_its_own_names_and_a_merged_theme_gives_every_row_its_theme(
    tmp_path, flat_plans
):
    header = ["Theme", "Ref", "Key deliverables", "Milestone dates",
              "Resources allocated", "RAG rating", "Revised date"]  # fmt: skip
    path = write_xlsx(
        tmp_path / "plan.xlsx",
        [
            ["Policing Plan 2022 - delivery plan"],
            header,
            [
                "Keep people safe",
                "1",
                "Roads policing review",
                "Q1 2022",
                "Supt Operations",
                "Green",
                "",
            ],
            [
                None,
                "2",
                "Night-time economy patrols",
                "Q2 2022",
                "Ch Insp Ops",
                "Amber",
                "Q3 2022",
            ],
            [
                None,
                "3",
                "Firearms licensing backlog",
                "end of March 2022",
                "Licensing manager",
                "Red",
                "Q4 2022",
            ],
            [
                "Protect the vulnerable",
                "4",
                "Domestic abuse champions",
                "Q3 2022",
                "DI Public Protection",
                "Green",
                "",
            ],
            [
                None,
                "5",
                "Missing persons protocol",
                "2022",
                "DI Public Protection",
                "on track",
                "",
            ],
            [],  # a blank row inside the merged theme is no deliverable
        ],  # fmt: skip
        merges=["A1:G1", "A3:A5", "A6:A8"],
    )
    table, mapping = read(path)
    assert (table.header_row, table.header, table.merged) == (2, header, 2)
    assert mapping == Mapping(
        [
            "priority_title",
            "deliverable_ref",
            "deliverable_title",
            "milestone_date",
            "owners",
            "rag",
            "forecast_date",
        ],
        "",
    )
    rows = apply(table, mapping)
    assert [(n, r["deliverable_ref"], r["priority_title"]) for n, r in rows] == [
        (3, "1", "Keep people safe"),
        (4, "2", "Keep people safe"),
        (5, "3", "Keep people safe"),
        (6, "4", "Protect the vulnerable"),
        (7, "5", "Protect the vulnerable"),
    ]
    assert rows[2][1]["forecast_date"] == "Q4 2022"
    assert rows[4][1]["rag"] == "on track"


# Reading -----------------------------------------------------------------------------


def test_a_csv_saved_in_windows_1252_is_read(tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        [
            ["Action", "Lead officer", "Budget"],
            ["Café patrols – town centre", "Insp O’Neill", "£5,000"],
        ],
        encoding="cp1252",
    )
    table = read_table(path)
    assert table.rows == [(2, ["Café patrols – town centre", "Insp O’Neill", "£5,000"])]


def test_a_csv_with_a_byte_order_mark_is_read(tmp_path):
    rows = [["Ref", "Title"], ["1", "Patrols"]]
    path = write_csv(tmp_path / "plan.csv", rows, encoding="utf-8-sig")
    assert read_table(path).header == ["Ref", "Title"]


def test_the_header_is_found_below_title_rows_and_rows_keep_their_numbers(tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        [
            ["Police and Crime Plan 2024-2028"],
            ["Delivery plan, updated May 2024", "", ""],
            [],
            ["No.", "Commitment", "Due"],
            ["1", "Recruit 50 officers\nand 20 staff", "2025"],
            [],
            ["2", "Open a youth hub", "Q3 2024"],
        ],
    )
    table, mapping = read(path)
    assert (table.header_row, table.header) == (4, ["No.", "Commitment", "Due"])
    assert [n for n, _ in table.rows] == [5, 7]
    assert mapping.columns == ["deliverable_ref", "deliverable_title", "milestone_date"]


def test_a_wide_row_gives_its_unnamed_columns_a_blank_header(tmp_path):
    path = write_csv(tmp_path / "plan.csv", [["Ref", "Title"], ["1", "Patrols", "Q1"]])
    table = read_table(path)
    assert (table.header, table.rows) == (
        ["Ref", "Title", ""],
        [(2, ["1", "Patrols", "Q1"])],
    )


def test_workbook_dates_and_numbers_read_as_the_import_writes_them(tmp_path):
    path = write_xlsx(
        tmp_path / "plan.xlsx",
        [
            ["Action", "Due date", "% complete"],
            ["Hub", datetime.datetime(2024, 3, 31), 40.0],
        ],
    )
    table, mapping = read(path)
    assert table.rows == [(2, ["Hub", "2024-03-31", "40"])]
    assert mapping.columns == [
        "deliverable_title",
        "milestone_date",
        "percent_complete",
    ]


def test_limit_reads_the_header_and_only_that_many_rows(tmp_path):
    rows = [["Deliverables"], ["Ref", "Title"]]
    rows += [[str(n), f"Item {n}"] for n in range(1, MAX_ROWS + 2)]
    for path in (
        write_csv(tmp_path / "plan.csv", rows),
        write_xlsx(tmp_path / "plan.xlsx", rows[:60]),
    ):
        table = read_table(path, limit=10)
        assert table.header == ["Ref", "Title"]
        assert [n for n, _ in table.rows] == list(range(3, 13))


# Proposing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "values", "field"),
    [
        # the export's own headers
        ("Reference", "3.1.1.1", "deliverable_ref"),
        ("Title", "Patrols", "deliverable_title"),
        ("Baseline date", "Q1", "milestone_date"),
        ("Percent complete", "40", "percent_complete"),
        ("Forecast date", "Q2", "forecast_date"),
        ("Lead organisation", "States of Jersey Police", "lead_organisation"),
        ("Owners", "Ch. Insp Operations", "owners"),
        ("Expected benefits", "Safer streets", "expected_benefits"),
        # names plans use, some chosen by what the column holds
        ("Priority", "3.1", "priority_ref"),
        ("Priority", "Keep people safe", "priority_title"),
        ("Objective", "3.1.1", "objective_ref"),
        ("Section", "Protecting people", "priority_title"),
        ("SRO", "ACC", "owners"),
        ("% complete", "40%", "percent_complete"),
        ("Timescales", "2024/25", "milestone_date"),
        ("Milestone date(s)", "Q1", "milestone_date"),
        ("Revised completion date", "Q3", "forecast_date"),
        ("Delivering unit", "Local Policing", "delivering_unit"),
        ("Workstream", "Prevention", "strands"),
        # a typing mistake
        ("Milstone date", "Q1", "milestone_date"),
        ("Expected benifits", "Fewer victims", "expected_benefits"),
    ],
)
def test_a_column_is_proposed_by_its_name(tmp_path, header, values, field):
    path = write_csv(tmp_path / "plan.csv", [["Notes", header], ["a note", values]])
    assert propose(read_table(path)).columns == ["", field]


def test_no_field_is_proposed_for_two_columns_the_better_name_wins(tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        [
            ["Project", "deliverable_title", "Key deliverables", "Title"],
            ["Patrols", "Patrol strategy", "Write the strategy", "Strategy"],
        ],
    )
    # The documented name beats the alias; "Key deliverables" becomes the
    # description once the title is taken; the second alias is left out.
    assert propose(read_table(path)).columns == [
        "",
        "deliverable_title",
        "description",
        "",
    ]


def test_unnamed_columns_are_proposed_by_what_they_hold(tmp_path):
    strands = ["Victims", "Prevention", "Victims", "Youth"]
    statuses = ["In progress", "Completed", "future", "On hold"]
    rags = ["Green", "Amber", "Red", "Green"]
    rows = [["", "Action", "", "", "", "", "", "", "", "Comments", ""]]
    for n in range(12):
        rows.append(
            [
                f"A-{n + 1}",
                f"Action {n}",
                f"Q{n % 4 + 1} 2024",
                statuses[n % 4],
                rags[n % 4],
                f"{n * 5}%",
                strands[n % 4],
                "",
                "TBA" if n % 3 else "Q4 2025",
                "A long remark that nobody should import as a description " * 2,
                f"The action number {n} explained at some length, as plans do.",
            ]
        )
    table, mapping = read(write_csv(tmp_path / "plan.csv", rows))
    assert mapping.columns == [
        "deliverable_ref",
        "deliverable_title",
        "milestone_date",
        "status",
        "rag",
        "percent_complete",
        "strands",
        "",  # no header and no values
        "forecast_date",
        "",  # comments are never a field
        "description",
    ]


def test_notes_are_left_out_even_misspelt_and_however_long(tmp_path):
    rows = [["Project", "Commments", "Start date", "Progress to date"]]
    rows += [
        [
            f"Project {n}",
            "A long remark about the project " * 3,
            "Q1 2024",
            "Going well",
        ]
        for n in range(5)
    ]
    mapping = propose(read_table(write_csv(tmp_path / "plan.csv", rows)))
    assert mapping.columns == ["deliverable_title", "", "", ""]


def test_a_table_of_unnamed_text_takes_the_longest_text_as_the_title(tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        [["Col A", "Col B"], ["x", "Open a victims' hub"], ["y", "Recruit officers"]],
    )
    assert propose(read_table(path)).columns == ["", "deliverable_title"]


def test_heading_rows_name_a_priority_when_strands_have_a_column(tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        [
            ["Action", "Strand", "Owner"],
            ["Priority 1 - Keep people safe", "", ""],
            ["Patrols", "Prevention", "Insp A"],
            ["Priority 2 - Support victims", "", ""],
            ["Victims' hub", "Victims", "Insp B"],
        ],
    )
    table, mapping = read(path)
    assert mapping == Mapping(["deliverable_title", "strands", "owners"], "priority")
    rows = apply(table, mapping)
    assert [
        (r["deliverable_title"], r["priority_title"], r["strands"]) for _, r in rows
    ] == [
        ("Patrols", "Priority 1 - Keep people safe", "Prevention"),
        ("Victims' hub", "Priority 2 - Support victims", "Victims"),
    ]


def test_a_strand_heading_is_added_to_the_rows_own_strands(tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        [["Project", "Strands"], ["Completed projects", ""], ["Hub", "Victims"]],
    )
    table = read_table(path)
    rows = apply(table, Mapping(["deliverable_title", "strands"], "strand"))
    expected = dict.fromkeys(COLUMNS, "") | {
        "deliverable_title": "Hub",
        "strands": "Victims; Completed projects",
    }
    assert rows == [(3, expected)]
    # Told that headings name nothing, a row of one filled cell is a deliverable
    # with the rest left blank (a list of titles, say).
    rows = apply(table, Mapping(["deliverable_title", "strands"]))
    assert [n for n, _ in rows] == [2, 3]


# Problems ----------------------------------------------------------------------------


def test_a_mapping_without_a_title_column_says_which_column_to_choose(
    tmp_path, flat_plans
):
    table = read_table(write_csv(tmp_path / "p.csv", [["Ref", "Name"], ["1", "Hub"]]))
    assert problems(table, Mapping(["deliverable_ref", ""])) == [
        RowError(
            1,
            "deliverable_title",
            "Choose the column that holds the deliverable titles.",
        )
    ]


def test_the_required_fields_are_read_when_a_mapping_is_checked(tmp_path, monkeypatch):
    table = read_table(write_csv(tmp_path / "p.csv", [["Ref", "Name"], ["1", "Hub"]]))
    monkeypatch.setattr(layout, "REQUIRED", ("deliverable_title", "owners"))
    mapping = Mapping(["deliverable_ref", "deliverable_title"])
    assert problems(table, mapping) == [
        RowError(1, "owners", "Choose the column that holds the owners.")
    ]


def test_two_columns_on_one_field_are_both_named(tmp_path, flat_plans):
    table = read_table(
        write_csv(tmp_path / "p.csv", [["Project", "Owner", "Lead"], ["Hub", "A", "B"]])
    )
    mapping = Mapping(["deliverable_title", "owners", "owners"])
    assert problems(table, mapping) == [
        RowError(
            1,
            "owners",
            '"Owner" and "Lead" are both chosen as Owners: choose one and leave out '
            "the other.",
        )
    ]


def test_a_field_that_does_not_exist_is_a_problem(tmp_path, flat_plans):
    table = read_table(write_csv(tmp_path / "p.csv", [["Project", "X"], ["Hub", "A"]]))
    assert problems(table, Mapping(["deliverable_title", "budget"], "team")) == [
        RowError(1, "budget", '"budget" is not a field a plan can hold.'),
        RowError(1, "headings", "Choose strand, priority or nothing for headings."),
    ]


def test_every_field_has_a_label_for_the_form():
    assert set(FIELD_LABELS) == {"", *COLUMNS}
    assert FIELD_LABELS[""] == "Leave out"
    assert FIELD_LABELS["milestone_date"] == "Milestone date"


# Saved mappings ----------------------------------------------------------------------


def test_the_signature_ignores_case_and_spacing_but_not_the_columns():
    assert signature(["Ref", "Project name"]) == signature(["ref ", "PROJECT_NAME"])
    assert signature(["Ref", "Project name"]) != signature(["Ref", "Project"])
    assert len(signature(["Ref"])) == 64


def test_a_saved_mapping_fits_the_same_layout_without_a_word(tmp_path):
    rows = [["Ref", "Project", "Lead", "Notes"], ["1", "Hub", "Insp A", "x"]]
    table = read_table(write_csv(tmp_path / "p.csv", rows))
    chosen = Mapping(["deliverable_ref", "deliverable_title", "lead_organisation", ""])
    saved = saved_columns(table.header, chosen)
    assert saved == {
        "Ref": "deliverable_ref",
        "Project": "deliverable_title",
        "Lead": "lead_organisation",
        "Notes": "",
    }
    assert fit(saved, table) == (chosen, [])


def test_a_saved_mapping_names_a_renamed_column(tmp_path):
    rows = [["Ref", "Project name", "Lead"], ["1", "Hub", "Insp A"]]
    table = read_table(write_csv(tmp_path / "p.csv", rows))
    saved = {"Ref": "deliverable_ref", "Project": "deliverable_title", "Lead": ""}
    mapping, notes = fit(saved, table)
    assert mapping.columns == ["deliverable_ref", "deliverable_title", ""]
    assert notes == [
        'The saved mapping takes Deliverable title from a column "Project", which '
        "this file does not have.",
        'The saved mapping does not know the column "Project name": it is proposed '
        "as Deliverable title.",
    ]


# Refusals ----------------------------------------------------------------------------


def test_a_file_with_too_many_rows_is_refused(tmp_path):
    rows = [["Ref", "Title"]] + [[str(n), f"Item {n}"] for n in range(MAX_ROWS + 1)]
    errors = refusal(write_csv(tmp_path / "huge.csv", rows))
    assert "at most 5,000 deliverables" in errors[0].message


def test_a_file_of_exactly_the_most_rows_is_read(tmp_path):
    rows = [["Ref", "Title"]] + [[str(n), f"Item {n}"] for n in range(MAX_ROWS)]
    assert len(read_table(write_csv(tmp_path / "full.csv", rows)).rows) == MAX_ROWS


def test_a_null_character_is_refused_with_its_row_and_column(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_text("Plan\nRef,Title\n1,Open a\x00hub\n", encoding="utf-8")
    errors = refusal(path)
    assert [(e.row, e.column) for e in errors] == [(3, "Title")]
    assert "null character" in errors[0].message


def test_an_over_long_cell_is_refused_once_where_it_was_typed(tmp_path):
    path = write_xlsx(
        tmp_path / "long.xlsx",
        [["Ref", "Title", "Description"], ["1", "Hub", "y" * 10_001], ["2", "Bus"]],
        merges=["C2:C3"],
    )
    assert refusal(path) == [
        RowError(2, "Description", "Keep this to 10,000 characters or fewer.")
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.pdf", b"%PDF-1.4", "Give a .csv or .xlsx file."),
        ("plan.xlsx", b"Ref,Title\n", "is not an Excel workbook (.xlsx)"),
        ("plan.csv", b"PK\x03\x04rest", "is an Excel workbook, not a CSV file"),
        ("plan.csv", b"Ref,Title\n1,Caf\x81\n", "not UTF-8 or Windows-1252"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    assert message in refusal(path)[0].message


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n,,\n", encoding="utf-8")
    assert refusal(path) == [RowError(1, "header", "The file is empty.")]


def test_heading_rows_that_say_what_they_name_are_read_so(tmp_path):
    # A column of few repeated values is proposed as strands, yet the headings say
    # "Strand ...": they name strands (and the column is for the officer to correct).
    rows = [["Project", "Area"], ["Strand 1: Victims", ""]]
    rows += [[f"Project {n}", ["North", "South"][n % 2]] for n in range(6)]
    rows += [["Strand 2: Prevention", ""], ["Project 9", "North"]]
    table = read_table(write_csv(tmp_path / "plan.csv", rows))
    assert propose(table).headings == "strand"
    themed = [["Project", "Lead"], ["Theme A: Safer streets", ""], ["Patrols", "X"]]
    table = read_table(write_csv(tmp_path / "themes.csv", themed))
    assert propose(table).headings == "priority"
