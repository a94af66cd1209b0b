"""Every CSV and XLSX the service writes escapes its cells one way
(``core.spreadsheets.spreadsheet_safe``): a text a spreadsheet could read as a formula,
behind whitespace, an invisible character or a full-width sign included, is written
with an apostrophe before it; numbers stay numbers and text stays text. Each case is
written through the real downloads and read back: the XLSX with openpyxl (value and
type of each cell), the CSV as text."""

from __future__ import annotations

import csv
import datetime
import decimal
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from core import audit
from core.spreadsheets import csv_response, read_back, spreadsheet_safe, xlsx_response
from deliverables.returns.build import build_return
from plans.models import ReportingPeriod
from scrutiny.recommendations.services import save_recommendation
from scrutiny.reports.services import publish_report
from tests.factories import DeliverableFactory, PlanFactory

# (what was typed, what the download holds)
CASES = [
    # Formula marks.
    ("=1+1", "'=1+1"),
    (
        '=HYPERLINK("https://evil.example","Click")',
        '\'=HYPERLINK("https://evil.example","Click")',
    ),
    ("+1+1", "'+1+1"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    # Behind whitespace: a space, a tab, a return, a line feed, a no-break space.
    (" =1+1", "' =1+1"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("\n=1+1", "'\n=1+1"),
    ("\u00a0=1+1", "'\u00a0=1+1"),
    ("   Indented note", "'   Indented note"),
    # Behind an invisible character: zero-width space, non-joiner, joiner, word
    # joiner, byte-order mark, right-to-left override.
    ("\u200b=1+1", "'\u200b=1+1"),
    ("\u200c=1+1", "'\u200c=1+1"),
    ("\u200d=1+1", "'\u200d=1+1"),
    ("\u2060=1+1", "'\u2060=1+1"),
    ("\ufeff=1+1", "'\ufeff=1+1"),
    ("\u202e=1+1", "'\u202e=1+1"),
    # Full-width and small forms of = + - @, and the minus sign.
    ("\uff1d1+1", "'\uff1d1+1"),
    ("\uff0b1+1", "'\uff0b1+1"),
    ("\uff0d1+1", "'\uff0d1+1"),
    ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
    ("\ufe661+1", "'\ufe661+1"),
    ("\u22121", "'\u22121"),
    # A spreadsheet's error values.
    ("#N/A", "'#N/A"),
    ("#REF!", "'#REF!"),
    # Control characters a workbook cannot hold become spaces (then, leading, shielded).
    ("\x0b=1+1", "' =1+1"),
    ("Pasted\x0bfrom\x1fWord", "Pasted from Word"),
    # A text's own apostrophe before a formula gets one more; elsewhere none.
    ("'=1+1", "''=1+1"),
    ("'Quoted' title", "'Quoted' title"),
    # Plain text, even when it looks like a number, a date or holds a sign.
    ("Daytime patrol strategy", "Daytime patrol strategy"),
    ("a=b+c", "a=b+c"),
    ("1.2", "1.2"),
    ("00123", "00123"),
    ("2026-03-31", "2026-03-31"),
    ("1e5", "1e5"),
    ("#1 priority", "#1 priority"),
    ("Line one\nline two", "Line one\nline two"),
]
IDS = [repr(typed) for typed, _ in CASES]


def csv_table(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode(), newline="")))


def xlsx_sheets(response) -> dict:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    return {sheet.title: sheet for sheet in book.worksheets}


def no_formulas(sheets) -> None:
    for sheet in sheets.values():
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


def as_in_xlsx(text: str) -> str:
    # XML reads a bare carriage return as a line feed: the cell is still shielded.
    return text.replace("\r", "\n")


def check_csv(cells: dict[str, str]) -> None:
    """``cells`` maps each case's key to the CSV's cell for it."""
    for key, (_, written) in enumerate(CASES):
        assert cells[str(key)] == written, (CASES[key][0], cells[str(key)])


def check_xlsx(cells: dict[str, object]) -> None:
    for key, (_, written) in enumerate(CASES):
        cell = cells[str(key)]
        assert cell.data_type == "s", (CASES[key][0], cell.data_type)
        assert cell.value == as_in_xlsx(written), (CASES[key][0], cell.value)


# The one function ---------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "written"), CASES, ids=IDS)
def test_each_case_is_escaped_and_reads_back_as_it_was(typed, written):
    assert spreadsheet_safe(typed) == written
    if "\x0b" not in typed and "\x1f" not in typed:
        assert read_back(written) == typed


@given(st.text(alphabet=st.characters(exclude_characters="\x0b\x0c\x1f")))
def test_any_text_reads_back_exactly(text):
    text = "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")
    written = spreadsheet_safe(text)
    assert read_back(written) == text
    # Whatever its start, a written text never opens with a formula mark.
    assert written[:1] not in {"=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d"}


def test_numbers_and_dates_stay_numbers_and_dates_and_text_stays_text(settings):
    settings.TIME_ZONE = "Europe/London"
    noon = timezone.make_aware(datetime.datetime(2026, 7, 1, 12, 0))
    row = [
        42,
        -3,
        2.5,
        decimal.Decimal("-1.25"),
        True,
        datetime.date(2026, 3, 31),
        noon,
        None,
        "42",
        "-3",
        "2026-03-31",
        float("nan"),
    ]
    sheets = xlsx_sheets(xlsx_response([("Figures", [row])], "figures.xlsx"))
    cells = next(sheets["Figures"].iter_rows())
    assert [c.data_type for c in cells[:5]] == ["n", "n", "n", "n", "b"]
    assert [c.value for c in cells[:5]] == [42, -3, 2.5, -1.25, True]
    assert cells[5].is_date and cells[5].value == datetime.datetime(2026, 3, 31)
    # A date and time in the service's time zone (British Summer Time here).
    assert cells[6].is_date and cells[6].value == datetime.datetime(2026, 7, 1, 12)
    assert cells[7].value is None
    assert [(c.data_type, c.value) for c in cells[8:]] == [
        ("s", "42"),
        ("s", "'-3"),  # text, and a minus sign before it would be a formula
        ("s", "2026-03-31"),
        ("s", "nan"),
    ]
    (written,) = csv_table(csv_response([row], "figures.csv"))
    assert written == [
        "42",
        "-3",
        "2.5",
        "-1.25",
        "True",
        "2026-03-31",
        "2026-07-01 12:00:00",
        "",
        "42",
        "'-3",
        "2026-03-31",
        "nan",
    ]


# Through each download ---------------------------------------------------------------


@pytest.fixture
def titled(led, force):
    """One deliverable per case, titled with it, in the same objective as ``led``."""
    return [
        DeliverableFactory(
            objective=led.objective,
            reference=f"9.9.9.9.{key}",
            title=typed,
            lead_organisation=force,
            percent_complete=key,
        )
        for key, (typed, _) in enumerate(CASES)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_deliverables_list_download(client, editor, titled, kind):
    client.force_login(editor)
    response = client.get(reverse("deliverables:list"), {"export": kind})
    if kind == "csv":
        rows = csv_table(response)
        ref, title = rows[0].index("Deliverable reference"), 7
        assert rows[0][title] == "Deliverable title"
        by_key = {r[ref].rsplit(".", 1)[1]: r for r in rows[1:] if r[ref][:2] == "9."}
        check_csv({k: r[title] for k, r in by_key.items()})
        return
    sheets = xlsx_sheets(response)
    no_formulas(sheets)
    rows = list(sheets["Deliverables"].iter_rows())
    heads = [c.value for c in rows[0]]
    ref, title = heads.index("Deliverable reference"), heads.index("Deliverable title")
    percent = heads.index("Percent complete")
    mine = [r for r in rows[1:] if str(r[ref].value).startswith("9.")]
    check_xlsx({r[ref].value.rsplit(".", 1)[1]: r[title] for r in mine})
    # A number is a number: the percentage complete is a numeric cell.
    assert {(r[percent].data_type, type(r[percent].value)) for r in mine} == {
        ("n", int)
    }


@pytest.fixture
def report(plan, force, editor):
    """A published report whose late table lists one deliverable per case."""
    for key, (typed, _) in enumerate(CASES):
        DeliverableFactory(
            objective__priority__plan=plan,
            reference=f"L.{key}",
            lead_organisation=force,
            title=typed,
            baseline_date="Q1",
            forecast_date="Q1",
        )
    q2 = ReportingPeriod.objects.get(plan=plan, label="Q2 2017")
    return publish_report(plan=plan, period=q2, by=editor)


@pytest.mark.django_db
def test_a_reports_tables_as_csv(client, editor, report):
    client.force_login(editor)
    rows = csv_table(
        client.get(reverse("scrutiny:report-csv", args=[report.pk, "late"]))
    )
    assert rows[0][:2] == ["Reference", "Title"]
    check_csv({r[0].split(".", 1)[1]: r[1] for r in rows[1:]})


@pytest.mark.django_db
def test_a_reports_tables_as_xlsx(client, editor, report):
    client.force_login(editor)
    sheets = xlsx_sheets(client.get(reverse("scrutiny:report-xlsx", args=[report.pk])))
    no_formulas(sheets)
    rows = list(sheets["Late"].iter_rows())
    assert [c.value for c in rows[0][:2]] == ["Reference", "Title"]
    check_xlsx({r[0].value.split(".", 1)[1]: r[1] for r in rows[1:]})


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_recommendations_register(client, reader, editor, plan, force, kind):
    for key, (typed, _) in enumerate(CASES):
        save_recommendation(
            plan=plan,
            by=editor,
            reference=f"R {key}",
            text=typed,
            source="hmicfrs",
            source_title="PEEL 2023-25: States of Jersey Police",
            published_on=datetime.date(2024, 3, 14),
            owner=force,
        )
    client.force_login(reader)
    response = client.get(reverse(f"scrutiny:recommendations-{kind}", args=[plan.pk]))
    if kind == "csv":
        rows = csv_table(response)
        assert rows[0][:2] == ["Reference", "Recommendation"]
        check_csv({r[0].split(" ")[1]: r[1] for r in rows[1:]})
        return
    sheets = xlsx_sheets(response)
    no_formulas(sheets)
    rows = list(sheets["Recommendations"].iter_rows())
    check_xlsx({r[0].value.split(" ")[1]: r[1] for r in rows[1:]})


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_audit_log(client, admin, authority, editor, kind):
    with audit.acting(by=editor, via="browser"):
        for key, (typed, _) in enumerate(CASES):
            PlanFactory(owner=authority, reference=f"ESC/{key}", title=typed)
    client.force_login(admin)
    response = client.get(
        reverse("audit:log", args=[authority.pk]),
        {"format": kind, "object_type": "plans.Plan"},
    )
    from plans.models import Plan

    keys = {p.pk: p.reference.split("/")[1] for p in Plan.objects.all()}
    if kind == "csv":
        rows = csv_table(response)
        assert rows[0][3:5] == ["Record id", "Record"]
        check_csv({keys[int(r[3])]: r[4] for r in rows[1:]})
        return
    sheets = xlsx_sheets(response)
    no_formulas(sheets)
    rows = list(sheets["Audit log"].iter_rows())
    check_xlsx({keys[int(r[3].value)]: r[4] for r in rows[1:]})


@pytest.mark.django_db
def test_the_return_workbook(current_plan, force, contributor, titled):
    period = current_plan.reporting_periods.order_by("starts_on").first()
    content = build_return(
        plan=current_plan, period=period, organisation=force, by=contributor
    )
    sheets = {s.title: s for s in load_workbook(io.BytesIO(content)).worksheets}
    no_formulas(sheets)
    rows = list(sheets["Return"].iter_rows())
    mine = [r for r in rows[1:] if str(r[0].value).startswith("9.")]
    check_xlsx({r[0].value.rsplit(".", 1)[1]: r[1] for r in mine})


def test_no_download_writes_a_spreadsheet_but_through_the_one_function():
    """A CSV or workbook is written only by ``core.spreadsheets`` (every download) and
    the return workbook, which passes each cell through ``spreadsheet_safe`` itself."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = ("csv.writer(", "csv.DictWriter(", "Workbook(", "xlsxwriter")
    found = {
        str(path.relative_to(root))
        for app in ("core", "plans", "deliverables", "scrutiny")
        for path in (root / app).rglob("*.py")
        if any(writer in path.read_text() for writer in writers)
    }
    assert found == {"core/spreadsheets.py", "deliverables/returns/build.py"}
    assert "spreadsheet_safe(" in (root / "deliverables/returns/build.py").read_text()
