"""Bringing a plan's earlier quarters in from a history file: the dashboards it
rebuilds, every refusal with its row and column (and nothing written), the command
and the page."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from deliverables.history_import import (
    COLUMNS,
    import_history,
    preview_history,
    read_history,
)
from deliverables.models import (
    Deliverable,
    PendingUpload,
    PeriodState,
    ProgressUpdate,
    Rag,
    Status,
)
from deliverables.upload_errors import ImportFailed
from plans.services import lock_period
from scrutiny.dashboards.figures import build_dashboard
from tests.factories import (
    DeliverableFactory,
    ObjectiveFactory,
    PriorityFactory,
    plan_for_year,
    record_update,
)

pytestmark = pytest.mark.django_db

#: Three quarters of a plan's history, as a body kept it: one row per deliverable
#: per quarter, each deliverable's rows in order.
HISTORY = [
    {
        "deliverable_ref": "1.1",
        "period": "Q1 2017",
        "status": Status.IN_PROGRESS,
        "rag": Rag.GREEN,
        "percent_complete": 10,
        "narrative": "Design agreed with the contractor.",
        "reason": "Work began.",
    },
    {
        "deliverable_ref": "1.2",
        "period": "Q1 2017",
        "rag": Rag.AMBER,
        "narrative": "Recruitment is slower than planned.",
    },
    {
        "deliverable_ref": "1.1",
        "period": "Q2 2017",
        "status": Status.COMPLETED,
        "percent_complete": 100,
        "narrative": "The custody suite opened.",
        "reason": "Finished on time.",
    },
    {
        "deliverable_ref": "1.2",
        "period": "Q2 2017",
        "status": Status.ON_HOLD,
        "narrative": "Paused for the budget review.",
        "reason": "The budget is being reviewed.",
    },
    {
        "deliverable_ref": "1.2",
        "period": "Q3 2017",
        "status": Status.IN_PROGRESS,
        "rag": Rag.GREEN,
        "forecast_date": "Q4 2017",
        "narrative": "Resumed after the review.",
        "reason": "Budget agreed; the end moved to Q4.",
    },
    {
        "deliverable_ref": "1.3",
        "period": "Q3 2017",
        "status": Status.MERGED,
        "merged_into": "1.2",
        "narrative": "Folded into 1.2.",
        "reason": "The same team and budget.",
    },
]


def as_written(row: dict) -> dict:
    """A history row as a person types it: statuses and RAG in words (a word that is
    neither goes in as it is)."""
    written = {column: str(row.get(column, "")) for column in COLUMNS}
    if row.get("status") in Status.values:
        written["status"] = Status(row["status"]).label
    if row.get("rag") in Rag.values:
        written["rag"] = Rag(row["rag"]).label.split(":")[0]
    return written


def write_csv(path, rows, header=COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(as_written(row))
    return path


def write_xlsx(path, rows, header=COLUMNS):
    """The rows in a workbook; a period given as a date goes in as a date cell."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        written = as_written(row)
        if isinstance(row.get("period"), datetime.date):
            written["period"] = row["period"]
        sheet.append([written[column] for column in header])
    workbook.save(path)
    return path


def build(plan, force) -> dict[str, Deliverable]:
    """The same three deliverables in any plan: 1.1 and 1.2 due in Q2, 1.3 in Q4."""
    objective = ObjectiveFactory(
        priority=PriorityFactory(plan=plan, reference="1", title="Keep people safe"),
        reference="1.0",
    )
    return {
        reference: DeliverableFactory(
            objective=objective,
            reference=reference,
            title=title,
            lead_organisation=force,
            baseline_date=due,
            forecast_date=due,
            position=position,
        )
        for position, (reference, title, due) in enumerate(
            [
                ("1.1", "Open the new custody suite", "Q2 2017"),
                ("1.2", "Recruit twenty more officers", "Q2 2017"),
                ("1.3", "Roll out body-worn video", "Q4 2017"),
            ]
        )
    }


@pytest.fixture
def work(plan, force):
    return build(plan, force)


def quarter(plan, label):
    return plan.reporting_periods.get(label=label)


def figures(plan, today):
    """What each quarter's dashboard shows, less what names the plan's own rows."""
    shown = {}
    for period in plan.reporting_periods.order_by("starts_on"):
        data = build_dashboard(
            plan, period, Deliverable.objects.filter(plan=plan), today=today
        )
        shown[period.label] = {
            key: data[key]
            for key in ("total", "statuses", "rag", "counts", "summary", "needs_update")
        } | {
            "by_priority": [
                {k: v for k, v in group.items() if k != "id"}
                for group in data["by_priority"]
            ]
        }
    return shown


def period_states(plan):
    return {
        (s.reference, s.period.label): (
            s.status,
            s.rag,
            s.percent_complete,
            s.forecast_date,
            s.late,
            s.forecast_after_milestone,
            s.new,
            s.completed,
            s.started,
            s.change,
            s.redated_id is not None,
        )
        for s in PeriodState.objects.filter(deliverable__plan=plan).select_related(
            "period"
        )
    }


def current(deliverable):
    deliverable.refresh_from_db()
    return (
        deliverable.status,
        deliverable.rag,
        deliverable.percent_complete,
        deliverable.forecast_date,
        deliverable.merged_into.reference if deliverable.merged_into else None,
    )


# The dashboards it rebuilds ---------------------------------------------------------


def test_history_import_rebuilds_past_dashboards_as_updates_recorded_one_by_one(
    authority, force, editor, tmp_path
):
    by_hand = plan_for_year(authority, 2017, reference="A/2017")
    imported = plan_for_year(authority, 2017, reference="B/2017")
    typed, brought = build(by_hand, force), build(imported, force)
    # One plan's history typed in quarter by quarter through the one write...
    for row in HISTORY:
        values = {
            k: v for k, v in row.items() if k not in {"deliverable_ref", "period"}
        }
        if "merged_into" in values:
            values["merged_into"] = typed[values["merged_into"]]
        record_update(
            deliverable=typed[row["deliverable_ref"]],
            by=editor,
            period=quarter(by_hand, row["period"]),
            **values,
        )
    # ...the other's brought in from a file.
    result = import_history(
        plan=imported, path=write_csv(tmp_path / "history.csv", HISTORY), by=editor
    )

    assert [(c.period.label, c.updates, c.status_changes) for c in result.periods] == [
        ("Q1 2017", 2, 1),
        ("Q2 2017", 2, 2),
        ("Q3 2017", 2, 2),
    ]
    today = datetime.date(2018, 1, 20)
    assert figures(imported, today) == figures(by_hand, today)
    states = period_states(imported)
    assert states == {
        (ref, label.replace("A/", "")): state
        for (ref, label), state in period_states(by_hand).items()
    }
    # Each quarter as it stood then, not as the plan stands now.
    assert states[("1.1", "Q1 2017")][0] == Status.IN_PROGRESS
    assert states[("1.1", "Q2 2017")][:3] == (Status.COMPLETED, Rag.GREEN, 100)
    assert states[("1.2", "Q2 2017")][0] == Status.ON_HOLD
    assert states[("1.3", "Q2 2017")][0] == Status.FUTURE
    assert states[("1.3", "Q3 2017")][0] == Status.MERGED
    # And the deliverables end where the typed ones do.
    for reference in typed:
        assert current(brought[reference]) == current(typed[reference])


def test_each_update_is_dated_at_its_quarters_end_and_recorded_as_an_import(
    plan, work, editor, tmp_path
):
    import_history(plan=plan, path=write_csv(tmp_path / "h.csv", HISTORY), by=editor)
    update = ProgressUpdate.objects.get(
        deliverable=work["1.1"], period__label="Q2 2017"
    )
    assert update.recorded_at == datetime.datetime(
        2017, 6, 30, 11, tzinfo=datetime.UTC
    )  # noon in London, in summer time
    assert update.source == ProgressUpdate.Source.IMPORT
    assert update.recorded_by == editor
    assert update.previous_status == Status.IN_PROGRESS  # from Q1's row
    work["1.1"].refresh_from_db()
    assert work["1.1"].completed_on == datetime.date(2017, 6, 30)
    # Who wrote is in the deliverable's history too.
    assert work["1.1"].history.latest().history_user == editor


def test_a_later_quarters_update_is_not_overwritten_by_history(
    plan, work, editor, tmp_path
):
    deliverable = work["1.1"]
    record_update(
        deliverable=deliverable,
        by=editor,
        period=quarter(plan, "Q3 2017"),
        status=Status.IN_PROGRESS,
        percent_complete=50,
        narrative="Half built.",
        reason="Work began.",
    )
    rows = [
        {
            "deliverable_ref": "1.1",
            "period": "Q1 2017",
            "percent_complete": 10,
            "narrative": "Designs drawn.",
        },
        {
            "deliverable_ref": "1.1",
            "period": "Q2 2017",
            "percent_complete": 30,
            "narrative": "Foundations laid.",
        },
    ]
    import_history(plan=plan, path=write_csv(tmp_path / "h.csv", rows), by=editor)
    assert current(deliverable)[2] == 50
    states = period_states(plan)
    assert [states[("1.1", q)][2] for q in ("Q1 2017", "Q2 2017", "Q3 2017")] == [
        10,
        30,
        50,
    ]


def test_history_becomes_current_when_only_an_earlier_quarter_was_recorded_since(
    plan, work, editor, tmp_path
):
    """Q1 brought up to date today, then Q2 from a file dated 30 June 2017: Q2 is
    the later quarter, so it is the deliverable's state now."""
    deliverable = work["1.1"]
    record_update(
        deliverable=deliverable,
        by=editor,
        period=quarter(plan, "Q1 2017"),
        status=Status.IN_PROGRESS,
        percent_complete=10,
        narrative="Designs drawn.",
        reason="Work began.",
    )
    rows = [
        {
            "deliverable_ref": "1.1",
            "period": "Q2 2017",
            "percent_complete": 40,
            "narrative": "Foundations laid.",
        }
    ]
    import_history(plan=plan, path=write_csv(tmp_path / "h.csv", rows), by=editor)
    assert current(deliverable)[2] == 40


def test_a_correction_made_after_the_quarter_ended_stays_the_quarters_state(
    plan, work, editor, tmp_path
):
    deliverable = work["1.1"]
    record_update(
        deliverable=deliverable,
        by=editor,
        period=quarter(plan, "Q2 2017"),
        percent_complete=35,
        narrative="Corrected in the grace period.",
        recorded_at=datetime.datetime(2017, 7, 10, 9, tzinfo=datetime.UTC),
    )
    rows = [
        {
            "deliverable_ref": "1.1",
            "period": "Q2 2017",
            "percent_complete": 30,
            "narrative": "As first reported.",
        }
    ]
    import_history(plan=plan, path=write_csv(tmp_path / "h.csv", rows), by=editor)
    assert current(deliverable)[2] == 35
    assert period_states(plan)[("1.1", "Q2 2017")][2] == 35
    assert deliverable.updates.count() == 2


# Files ------------------------------------------------------------------------------


def test_an_xlsx_workbook_imports_like_a_csv(plan, work, editor, tmp_path):
    rows = [dict(r) for r in HISTORY]
    rows[0]["period"] = datetime.datetime(2017, 3, 31)  # a date cell: Q1's end
    rows[2]["period"] = "15/05/2017"  # a day inside Q2
    result = import_history(
        plan=plan, path=write_xlsx(tmp_path / "history.xlsx", rows), by=editor
    )
    assert result.updates == 6
    assert ProgressUpdate.objects.filter(period__label="Q1 2017").count() == 2
    assert current(work["1.1"])[0] == Status.COMPLETED


def test_a_period_is_named_as_the_plan_shows_it_or_by_a_day_inside_it(
    plan, work, editor, tmp_path
):
    rows = [
        {"deliverable_ref": "1.1", "period": "q1  2017", "narrative": "A."},
        {"deliverable_ref": "1.1", "period": "2017-06-30", "narrative": "B."},
        {"deliverable_ref": "1.1", "period": "1 August 2017", "narrative": "C."},
    ]
    import_history(plan=plan, path=write_csv(tmp_path / "h.csv", rows), by=editor)
    assert list(
        ProgressUpdate.objects.order_by("recorded_at").values_list(
            "period__label", "narrative"
        )
    ) == [("Q1 2017", "A."), ("Q2 2017", "B."), ("Q3 2017", "C.")]


def test_column_names_are_matched_loosely(plan, work, editor, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(
        "Deliverable Ref,PERIOD,Percent-Complete,Narrative\n1.1,Q1 2017,20,Begun.\n",
        encoding="utf-8",
    )
    import_history(plan=plan, path=path, by=editor)
    assert current(work["1.1"])[2] == 20


def test_unknown_and_missing_columns_are_refused(plan, work, editor, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("deliverable_ref,quarter,narrative\n1.1,Q1 2017,x\n", "utf-8")
    with pytest.raises(ImportFailed) as caught:
        read_history(path)
    assert [str(e) for e in caught.value.errors] == [
        "Row 1, column period: This column is missing.",
        "Row 1, column quarter: This is not a column we know.",
    ]


def test_a_workbook_with_macros_is_refused_unread(plan, editor, tmp_path):
    path = tmp_path / "h.xlsx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ImportFailed) as caught:
        import_history(plan=plan, path=path, by=editor)
    assert caught.value.errors[0].message.startswith(
        "The file is not an Excel workbook (.xlsx)"
    )


# Refusals ---------------------------------------------------------------------------


def refused(plan, editor, tmp_path, rows, write=write_csv, name="h.csv"):
    """Import ``rows``; the problems, as (row, column, message), having checked that
    nothing was written."""
    before = ProgressUpdate.objects.count()
    states = period_states(plan)
    with pytest.raises(ImportFailed) as caught:
        import_history(plan=plan, path=write(tmp_path / name, rows), by=editor)
    assert ProgressUpdate.objects.count() == before
    assert period_states(plan) == states
    return [(e.row, e.column, e.message) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("write", "name"), [(write_csv, "h.csv"), (write_xlsx, "h.xlsx")]
)
def test_every_problem_is_listed_with_its_row_and_column_and_nothing_is_written(
    plan, work, editor, tmp_path, write, name
):
    good = {"narrative": "Fine.", "reason": "Started."}
    rows = [
        {
            "deliverable_ref": "1.1",
            "period": "Q1 2017",
            "status": Status.IN_PROGRESS,
            **good,
        },
        {"deliverable_ref": "9.9", "period": "Q1 2017", **good},  # 3
        {"deliverable_ref": "1.2", "period": "Q5 2017", **good},  # 4
        {"deliverable_ref": "1.2", "period": "Q1 2017", "status": "started", **good},
        {"deliverable_ref": "1.3", "period": "Q1 2017", "rag": "purple", **good},
        {
            "deliverable_ref": "1.3",
            "period": "Q2 2017",
            "percent_complete": "150",
            **good,
        },
        {"deliverable_ref": "1.3", "period": "Q3 2017", "narrative": ""},  # 8
        {"deliverable_ref": "1.1", "period": "Q2 2017", "merged_into": "7.7", **good},
    ]
    problems = refused(plan, editor, tmp_path, rows, write, name)
    assert problems == [
        (3, "deliverable_ref", "No deliverable 9.9 in this plan."),
        (
            4,
            "period",
            '"Q5 2017" is not a reporting period of this plan: give its name as the '
            "plan shows it (Q1 2017 to Q4 2017), or a date inside it.",
        ),
        (
            5,
            "status",
            "Use one of: future, not yet commenced, in progress, completed, on hold, "
            "will not proceed, merged, split.",
        ),
        (6, "rag", "Use green, amber or red."),
        (7, "percent_complete", "Enter a whole number from 0 to 100."),
        (8, "narrative", "This cell is empty."),
        (9, "merged_into", "No deliverable 7.7 in this plan."),
    ]


def test_the_services_refusals_come_back_against_their_rows(
    plan, work, editor, tmp_path
):
    rows = [
        # A change of status with no reason: the service's rule.
        {
            "deliverable_ref": "1.1",
            "period": "Q1 2017",
            "status": Status.IN_PROGRESS,
            "narrative": "Begun.",
        },
        # A forecast the service cannot read.
        {
            "deliverable_ref": "1.2",
            "period": "Q1 2017",
            "forecast_date": "soonish",
            "reason": "Slipped.",
            "narrative": "Late.",
        },
        # Merged, but into nothing.
        {
            "deliverable_ref": "1.3",
            "period": "Q1 2017",
            "status": Status.MERGED,
            "reason": "Folded in.",
            "narrative": "Merged.",
        },
        # 1.1's next quarter is not judged against a state the file never meant.
        {
            "deliverable_ref": "1.1",
            "period": "Q2 2017",
            "percent_complete": 50,
            "narrative": "Half way.",
        },
    ]
    problems = refused(plan, editor, tmp_path, rows)
    assert [(row, column) for row, column, _ in problems] == [
        (2, "reason"),
        (3, "forecast_date"),
        (4, "merged_into"),
    ]
    assert problems[0][2] == "Give a reason when the status or forecast date changes."
    assert problems[1][2].startswith('"soonish" is not a date we recognise.')
    assert problems[2][2] == "Choose the deliverable this one merged into."


def test_a_locked_period_is_refused_with_the_lock_message(plan, work, editor, tmp_path):
    lock_period(period=quarter(plan, "Q1 2017"), by=editor, reason="Published.")
    rows = [
        {"deliverable_ref": "1.1", "period": "Q1 2017", "narrative": "Begun."},
        {"deliverable_ref": "1.2", "period": "Q2 2017", "narrative": "Fine."},
    ]
    assert refused(plan, editor, tmp_path, rows) == [
        (
            2,
            "period",
            "Q1 2017 is locked because its report has been published. Ask an editor "
            "of the plan to reopen it, with a reason, before adding updates.",
        )
    ]


def test_rows_out_of_order_are_refused_naming_the_other_row(
    plan, work, editor, tmp_path
):
    rows = [
        {"deliverable_ref": "1.1", "period": "Q3 2017", "narrative": "Later."},
        {"deliverable_ref": "1.2", "period": "Q1 2017", "narrative": "Fine."},
        {"deliverable_ref": "1.1", "period": "Q1 2017", "narrative": "Earlier."},
    ]
    assert refused(plan, editor, tmp_path, rows) == [
        (
            4,
            "period",
            "Row 2 gives 1.1 for Q3 2017, a later period: list each deliverable's "
            "rows from its earliest period to its latest.",
        )
    ]


def test_two_rows_for_one_deliverable_and_period_are_refused(
    plan, work, editor, tmp_path
):
    rows = [
        {"deliverable_ref": "1.1", "period": "Q1 2017", "narrative": "First."},
        {"deliverable_ref": "1.1", "period": "31/03/2017", "narrative": "Again."},
    ]
    assert refused(plan, editor, tmp_path, rows) == [
        (
            3,
            "period",
            "Row 2 is already 1.1 for Q1 2017: give one row for each deliverable "
            "and period.",
        )
    ]


def test_a_period_that_has_not_begun_is_refused(plan, work, editor, tmp_path):
    rows = [
        {"deliverable_ref": "1.1", "period": "Q3 2017", "narrative": "Now."},
        {"deliverable_ref": "1.1", "period": "Q4 2017", "narrative": "Too soon."},
    ]
    with time_machine.travel(datetime.datetime(2017, 8, 15, 9, tzinfo=datetime.UTC)):
        problems = refused(plan, editor, tmp_path, rows)
    assert problems == [
        (
            3,
            "period",
            "Q4 2017 has not begun: history can be brought in for Q3 2017, the plan's "
            "current period, and earlier ones only.",
        )
    ]


def test_the_current_quarters_row_is_dated_when_it_is_recorded(
    plan, work, editor, tmp_path
):
    rows = [{"deliverable_ref": "1.1", "period": "Q3 2017", "narrative": "Now."}]
    moment = datetime.datetime(2017, 8, 15, 9, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        import_history(plan=plan, path=write_csv(tmp_path / "h.csv", rows), by=editor)
    assert ProgressUpdate.objects.get().recorded_at == moment  # not 30 September


def test_a_file_with_too_many_rows_is_refused(plan, editor, tmp_path, monkeypatch):
    monkeypatch.setattr("deliverables.history_import.MAX_ROWS", 2)
    rows = [
        {"deliverable_ref": "1.1", "period": q, "narrative": "x"}
        for q in ("Q1 2017", "Q2 2017", "Q3 2017")
    ]
    with pytest.raises(ImportFailed) as caught:
        read_history(write_csv(tmp_path / "h.csv", rows))
    assert caught.value.errors[0].message.startswith(
        "The file has too many rows: give at most 2 in one file"
    )


def test_history_from_an_account_whose_updates_wait_for_review_is_refused(
    plan, work, contributor, tmp_path
):
    plan.review_contributor_updates = True
    plan.save()
    rows = [{"deliverable_ref": "1.1", "period": "Q1 2017", "narrative": "Begun."}]
    ((row, column, message),) = refused(plan, contributor, tmp_path, rows)
    assert (row, column) == (0, "file")
    assert "wait for an editor's review" in message


# Preview ----------------------------------------------------------------------------


def test_the_preview_counts_each_period_and_writes_nothing(
    plan, work, editor, tmp_path
):
    result = preview_history(
        plan=plan, path=write_csv(tmp_path / "h.csv", HISTORY), by=editor
    )
    assert result.errors == []
    assert result.summary() == (
        "Q1 2017: 2 updates, 1 changing status; Q2 2017: 2 updates, 2 changing "
        "status; Q3 2017: 2 updates, 2 changing status"
    )
    assert not ProgressUpdate.objects.exists()
    assert current(work["1.1"])[0] == Status.FUTURE


def test_the_preview_lists_problems_instead_of_raising(plan, work, editor, tmp_path):
    rows = [*HISTORY, {"deliverable_ref": "9.9", "period": "Q3 2017", "narrative": "x"}]
    result = preview_history(
        plan=plan, path=write_csv(tmp_path / "h.csv", rows), by=editor
    )
    assert [str(e) for e in result.errors] == [
        "Row 8, column deliverable_ref: No deliverable 9.9 in this plan."
    ]
    assert [(c.period.label, c.updates) for c in result.periods][-1] == ("Q3 2017", 3)
    assert not ProgressUpdate.objects.exists()


def test_only_the_services_check_of_each_dated_update_grows_with_the_rows(
    plan, force, editor, tmp_path
):
    def queries(deliverables: int) -> int:
        made = [
            DeliverableFactory(
                objective__priority__plan=plan,
                reference=f"{deliverables}.{n}",
                lead_organisation=force,
            )
            for n in range(deliverables)
        ]
        rows = [
            {
                "deliverable_ref": d.reference,
                "period": q,
                "rag": "green",
                "narrative": "Fine.",
            }
            for q in ("Q1 2017", "Q2 2017", "Q3 2017")
            for d in made
        ]
        path = write_csv(tmp_path / f"h{deliverables}.csv", rows)
        with CaptureQueriesContext(connection) as captured:
            import_history(plan=plan, path=path, by=editor)
        return len(captured)

    # The file is read, checked and written in the same queries whatever its size,
    # one round per period; record_progress alone asks once per dated update
    # whether a newer one exists (services._newer_accepted_exists).
    assert queries(20) - queries(2) == (20 - 2) * 3


# The command ------------------------------------------------------------------------


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_history", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_the_command_brings_the_history_in_and_says_what_it_did(
    plan, work, editor, tmp_path
):
    path = write_csv(tmp_path / "h.csv", HISTORY)
    out, _ = run(
        str(path), plan="R.4/2017", organisation="Jersey Police Authority", user="erin"
    )
    assert "6 updates brought in to R.4/2017" in out
    assert "Q2 2017: 2 updates, 2 changing status" in out
    assert ProgressUpdate.objects.filter(recorded_by=editor).count() == 6


def test_the_command_records_against_the_import_account_by_default(
    plan, work, tmp_path
):
    path = write_csv(tmp_path / "h.csv", HISTORY)
    run(str(path), plan="R.4/2017", organisation="JPA")
    assert set(
        ProgressUpdate.objects.values_list("recorded_by__username", flat=True)
    ) == {"import"}


def test_the_commands_dry_run_writes_nothing(plan, work, tmp_path):
    path = write_csv(tmp_path / "h.csv", HISTORY)
    out, _ = run(
        str(path), "--dry-run", plan="R.4/2017", organisation="Jersey Police Authority"
    )
    assert "Q1 2017: 2 updates, 1 changing status" in out
    assert "Dry run: nothing was recorded." in out
    assert not ProgressUpdate.objects.exists()


def test_the_command_lists_every_error_and_fails(plan, work, tmp_path):
    rows = [
        {"deliverable_ref": "9.9", "period": "Q1 2017", "narrative": "x"},
        {
            "deliverable_ref": "1.1",
            "period": "Q1 2017",
            "status": Status.COMPLETED,
            "narrative": "Done.",
        },
    ]
    path = write_csv(tmp_path / "h.csv", rows)
    with pytest.raises(CommandError, match="nothing was imported"):
        run(str(path), plan="R.4/2017", organisation="Jersey Police Authority")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_history",
            str(path),
            plan="R.4/2017",
            organisation="Jersey Police Authority",
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        "Row 2, column deliverable_ref: No deliverable 9.9 in this plan.",
        "Row 3, column reason: Give a reason when the status or forecast date changes.",
    ]
    assert not ProgressUpdate.objects.exists()


def test_the_command_names_a_plan_it_cannot_find(plan, tmp_path):
    path = write_csv(tmp_path / "h.csv", HISTORY)
    with pytest.raises(CommandError, match="Jersey Police Authority has no plan R.9"):
        run(str(path), plan="R.9", organisation="Jersey Police Authority")


# The page ---------------------------------------------------------------------------


def page_url(plan):
    return reverse("plans:history-import", args=[plan.pk])


def upload(client, plan, path):
    with path.open("rb") as handle:
        return client.post(
            page_url(plan),
            {"file": SimpleUploadedFile(path.name, handle.read())},
        )


def test_an_editor_previews_then_confirms_and_the_history_is_recorded(
    client, plan, work, editor, tmp_path
):
    client.force_login(editor)
    page = client.get(reverse("plans:periods", args=[plan.pk])).content.decode()
    assert f'href="{page_url(plan)}"' in page
    assert client.get(page_url(plan)).status_code == 200

    preview = upload(client, plan, write_csv(tmp_path / "history.csv", HISTORY))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Check the earlier quarters in history.csv" in text
    assert "Record 6 updates" in text
    assert [
        (c.period.label, c.updates, c.status_changes)
        for c in preview.context["result"].periods
    ] == [("Q1 2017", 2, 1), ("Q2 2017", 2, 2), ("Q3 2017", 2, 2)]
    assert not ProgressUpdate.objects.exists()
    assert PendingUpload.objects.get().purpose == PendingUpload.Purpose.PLAN_HISTORY

    done = client.post(page_url(plan), {"token": preview.context["token"]})
    assert done.status_code == 302
    assert done["Location"] == reverse("plans:periods", args=[plan.pk])
    assert ProgressUpdate.objects.filter(recorded_by=editor).count() == 6
    assert not PendingUpload.objects.exists()
    assert current(work["1.1"])[0] == Status.COMPLETED
    following = client.get(done["Location"]).content.decode()
    assert "6 updates brought in from history.csv." in following


def test_a_file_with_a_bad_row_shows_every_problem_and_records_nothing(
    client, plan, work, editor, tmp_path
):
    client.force_login(editor)
    rows = [
        *HISTORY[:2],
        {"deliverable_ref": "9.9", "period": "Q1 2017", "narrative": "x"},
    ]
    response = upload(client, plan, write_csv(tmp_path / "history.csv", rows))
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert "<title>Error: " in text
    assert "Row 4, column deliverable_ref: No deliverable 9.9 in this plan." in text
    assert "Record " not in text  # nothing to confirm
    assert not ProgressUpdate.objects.exists()
    assert not PendingUpload.objects.exists()


def test_a_file_that_cannot_be_read_is_refused_beside_the_field(
    client, plan, work, editor, tmp_path
):
    client.force_login(editor)
    path = tmp_path / "history.csv"
    path.write_text("reference,when\n1.1,Q1 2017\n", "utf-8")
    response = upload(client, plan, path)
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert "Row 1, column deliverable_ref: This column is missing." in errors
    assert 'id="id_file-error"' in response.content.decode()


def test_a_confirmation_without_a_held_upload_is_refused(client, plan, work, editor):
    client.force_login(editor)
    response = client.post(page_url(plan), {"token": "abc123"}, follow=True)
    assert "That upload has expired: upload the file again." in (
        response.content.decode()
    )
    assert not ProgressUpdate.objects.exists()


def test_only_the_plans_editors_see_the_page_or_its_link(
    client, plan, work, reader, outsider
):
    client.force_login(reader)
    assert client.get(page_url(plan)).status_code == 403
    page = client.get(reverse("plans:periods", args=[plan.pk])).content.decode()
    assert page_url(plan) not in page
    client.force_login(outsider)
    assert client.get(page_url(plan)).status_code == 404
