"""A quarter's return as a spreadsheet, the way most forces report today.

An organisation downloads one workbook per plan and period: a row for each deliverable
it leads or owns, with its current state and empty columns for the new one. Uploading
the filled workbook turns its rows into progress updates through
``record_progress``, so a row is judged by exactly the rules the form and the API
use. A bad row refuses the whole workbook; a row already recorded, or left blank, is
skipped, so uploading the same workbook twice writes nothing the second time.

The workbook names its plan, period and organisation on a hidden "About" sheet, so an
upload can be checked against the page it is sent to. Nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import slugify

from core.actors import Actor, Writer, roles_of
from core.spreadsheets import spreadsheet_safe
from deliverables import fuzzydates
from deliverables.forms import UPDATE_STATUSES
from deliverables.importing import (
    RAG_WORDS,
    STATUS_WORDS,
    ImportFailed,
    RowError,
    _words,
)
from deliverables.models import (
    CLOSED_STATUSES,
    FUZZY_DATE_HELP,
    Deliverable,
    DeliverableOwner,
    ProgressUpdate,
    Rag,
    ReviewState,
    Status,
)
from deliverables.permissions import may_record_progress
from deliverables.services import Change, ProgressRefused, record_progress
from deliverables.uploads import check_xlsx_package
from plans.models import Organisation, Plan, ReportingPeriod
from plans.permissions import WRITERS, edits_plan

#: Written on the About sheet; an upload without it was not downloaded from here.
FORMAT = "Plan Delivery Tracker quarterly return, version 1"
SHEET = "Return"
ABOUT_SHEET = "About"
HELP_SHEET = "How to fill this in"

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2_000
MAX_SCANNED_ROWS = 20_000
MAX_CELL = 10_000

NOT_ASSESSED = "Not assessed"
FILE = "file"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: int
    note: str = ""
    fill: bool = False


CURRENT_COLUMNS = (
    Column("reference", "Reference", 12, "The deliverable's reference. Do not change."),
    Column("title", "Deliverable", 40),
    Column("baseline_date", "Milestone date", 14, "The date in the plan."),
    Column("status", "Current status", 18),
    Column("rag", "Current RAG", 16),
    Column("percent", "Current % complete", 11),
    Column("forecast", "Current forecast date", 16),
    Column("last_update_on", "Last update", 16),
    Column("last_narrative", "Last update narrative", 50),
)
FILL_COLUMNS = (
    Column(
        "new_status",
        "New status",
        18,
        "Choose from the list. Leave blank to keep the current status.",
        fill=True,
    ),
    Column(
        "new_rag",
        "New RAG",
        16,
        "Choose from the list. Leave blank to keep the current RAG; choose "
        f'"{NOT_ASSESSED}" to clear it.',
        fill=True,
    ),
    Column(
        "new_percent",
        "New % complete",
        11,
        "A whole number from 0 to 100. Leave blank to keep the current figure.",
        fill=True,
    ),
    Column(
        "new_forecast",
        "New forecast date",
        16,
        "Leave blank to keep the current forecast. " + FUZZY_DATE_HELP,
        fill=True,
    ),
    Column(
        "reason",
        "Reason for change",
        40,
        "Needed when the status or the forecast date changes.",
        fill=True,
    ),
    Column(
        "narrative",
        "Progress this quarter",
        60,
        "What progress has been made. Needed for every deliverable you update.",
        fill=True,
    ),
)
COLUMNS = CURRENT_COLUMNS + FILL_COLUMNS
REQUIRED = ("reference", *(c.key for c in FILL_COLUMNS))

#: The service's field names, and the column each one's problems belong to.
FIELD_COLUMNS = {
    "status": "new_status",
    "merged_into": "new_status",
    "rag": "new_rag",
    "percent_complete": "new_percent",
    "forecast_date": "new_forecast",
    "reason": "reason",
    "narrative": "narrative",
}

STATUS_CHOICES = [value for value, _ in UPDATE_STATUSES]
RAG_CHOICES = {
    **RAG_WORDS,
    **{_words(label): value for value, label in Rag.choices},
    _words(NOT_ASSESSED): "",
    "none": "",
}


class Outcome:
    RECORD = "record"
    ALREADY_RECORDED = "already recorded"
    BLANK = "blank"


# Who sends which return ------------------------------------------------------------


def returning_organisations(plan: Plan) -> QuerySet[Organisation]:
    """The organisations that lead or own at least one of the plan's deliverables."""
    leads = Deliverable.objects.filter(plan=plan).values("lead_organisation_id")
    owners = DeliverableOwner.objects.filter(
        deliverable__plan=plan, organisation__isnull=False
    ).values("organisation_id")
    return Organisation.objects.filter(Q(pk__in=leads) | Q(pk__in=owners)).order_by(
        "name"
    )


def organisations_returning_for(actor: Actor, plan: Plan) -> QuerySet[Organisation]:
    """The returns this person may download and upload: any organisation's for the
    plan's editors; for contributors, editors and administrators of a force, their own
    organisations', once the plan is no longer a draft."""
    organisations = returning_organisations(plan)
    if edits_plan(actor, plan):
        return organisations
    if plan.state == Plan.State.DRAFT:
        return organisations.none()
    writing = [org for org, role in roles_of(actor).items() if role in WRITERS]
    return organisations.filter(pk__in=writing)


def deliverables_of(
    *, plan: Plan, organisation: Organisation, by: Writer
) -> QuerySet[Deliverable]:
    """Every deliverable of the plan the organisation leads or owns, as ``by`` sees
    them."""
    party = Q(lead_organisation=organisation) | Q(owners__organisation=organisation)
    ids = Deliverable.objects.filter(plan=plan).filter(party).values("pk")
    return (
        Deliverable.objects.visible_to(by)
        .filter(pk__in=ids)
        .order_by("position", "reference")
    )


def return_rows(
    *, plan: Plan, period: ReportingPeriod, organisation: Organisation, by: Writer
) -> list[Deliverable]:
    """The deliverables a return asks about: those still open, and those closed by an
    update in this period. Each has ``last_update`` (its latest update not returned
    to its author, or None)."""
    deliverables: list[Any] = list(
        deliverables_of(plan=plan, organisation=organisation, by=by)
        .filter(~Q(status__in=CLOSED_STATUSES) | Q(updates__period=period))
        .distinct()
        .annotate(last_update_id=Subquery(_latest_update_ids()))
    )
    updates = ProgressUpdate.objects.select_related("review").in_bulk(
        [d.last_update_id for d in deliverables if d.last_update_id]
    )
    for deliverable in deliverables:
        deliverable.last_update = updates.get(deliverable.last_update_id)
    return deliverables


def _latest_update_ids() -> QuerySet[ProgressUpdate, Any]:
    return (
        ProgressUpdate.objects.filter(deliverable=OuterRef("pk"))
        .exclude(review__decision=ReviewState.RETURNED)
        .order_by("-recorded_at", "-pk")
        .values("pk")[:1]
    )


# Building the workbook -------------------------------------------------------------


def _safe(value: Any) -> Any:
    """No formula, and no control character the file format cannot hold."""
    # openpyxl is loaded only when a workbook is built or read.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = spreadsheet_safe(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return value


def _long_date(day: datetime.date | datetime.datetime) -> str:
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return format_date(day, "j F Y")


def _rag_label(value: str) -> str:
    return Rag(value).label if value else NOT_ASSESSED


def file_name(period: ReportingPeriod, organisation: Organisation) -> str:
    who = organisation.short_name or organisation.name
    return f"{slugify(f'{who} {period.plan.reference} {period.label} return')}.xlsx"


def build_return(
    *,
    plan: Plan,
    period: ReportingPeriod,
    organisation: Organisation,
    by: Writer,
    deliverables: list[Deliverable] | None = None,
) -> bytes:
    """The organisation's return for the period as an XLSX workbook."""
    # openpyxl is loaded only when a workbook is built or read.
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    if deliverables is None:
        deliverables = return_rows(
            plan=plan, period=period, organisation=organisation, by=by
        )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    bold = Font(bold=True)
    grey = PatternFill("solid", fgColor="F3F2F1")
    yellow = PatternFill("solid", fgColor="FFF7BF")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    sheet.append([c.heading for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = yellow if column.fill else grey
        cell.alignment = wrap
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        if column.note:
            cell.comment = Comment(column.note, "Plan Delivery Tracker", 120, 260)
    for deliverable in deliverables:
        update = getattr(deliverable, "last_update", None)
        last_on = ""
        if update is not None:
            last_on = _long_date(update.recorded_at)
            if update.review_state == ReviewState.SUBMITTED:
                last_on += " (waiting for review)"
        sheet.append(
            [
                _safe(v)
                for v in (
                    deliverable.reference,
                    deliverable.title,
                    deliverable.baseline_date or "TBA",
                    deliverable.get_status_display(),
                    _rag_label(deliverable.rag),
                    deliverable.percent_complete,
                    deliverable.forecast_date or "TBA",
                    last_on,
                    update.narrative if update else "",
                )
            ]
        )
    last = sheet.max_row
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    for row in sheet.iter_rows(min_row=2, max_row=last):
        for cell, column in zip(row, COLUMNS, strict=False):
            cell.alignment = wrap if column.width >= 40 else top
    # Only the columns to fill can be typed in; the lock is light (no password), to
    # stop accidents rather than people.
    unlocked = Protection(locked=False)
    for column in FILL_COLUMNS:
        letter = letters[column.key]
        for number in range(2, last + 1):
            cell = sheet[f"{letter}{number}"]
            cell.protection = unlocked
            cell.alignment = wrap if column.width >= 40 else top
            cell.number_format = "0" if column.key == "new_percent" else "@"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False
    sheet.freeze_panes = "C2"
    if last >= 2:
        _add_validations(sheet, letters, last)
    _add_help(workbook, plan=plan, period=period, organisation=organisation)
    _add_about(workbook, plan=plan, period=period, organisation=organisation, by=by)
    workbook.properties.title = _safe(
        f"{organisation.name}: {period.label} return for {plan.reference}"
    )
    workbook.properties.subject = _safe(plan.title)
    workbook.properties.creator = "Plan Delivery Tracker"
    workbook.properties.identifier = (
        f"return:plan={plan.pk};period={period.pk};organisation={organisation.pk}"
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _add_validations(sheet: Any, letters: dict[str, str], last: int) -> None:
    # openpyxl is loaded only when a workbook is built or read.
    from openpyxl.worksheet.datavalidation import DataValidation

    statuses = [Status(value).label for value in STATUS_CHOICES]
    rags = [label for _, label in Rag.choices] + [NOT_ASSESSED]
    for key, labels, what in (
        ("new_status", statuses, "status"),
        ("new_rag", rags, "RAG"),
    ):
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(labels) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Choose a {what} from the list",
            error=f"Choose a {what} from the list, or leave the cell blank.",
        )
        sheet.add_data_validation(validation)
        validation.add(f"{letters[key]}2:{letters[key]}{last}")
    percent = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="A whole number from 0 to 100",
        error="Enter a whole number from 0 to 100, or leave the cell blank.",
    )
    sheet.add_data_validation(percent)
    percent.add(f"{letters['new_percent']}2:{letters['new_percent']}{last}")
    # A prompt, not a rule: fuzzy dates are checked when the workbook is uploaded.
    forecast = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle="Forecast date",
        prompt=FUZZY_DATE_HELP[:255],
    )
    sheet.add_data_validation(forecast)
    forecast.add(f"{letters['new_forecast']}2:{letters['new_forecast']}{last}")


def _add_help(
    workbook: Any, *, plan: Plan, period: ReportingPeriod, organisation: Organisation
) -> None:
    # openpyxl is loaded only when a workbook is built or read.
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(HELP_SHEET)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    lines: list[tuple[str, str]] = [
        (f"{period.label} return", ""),
        ("Organisation", organisation.name),
        ("Plan", f"{plan.reference} {plan.title}"),
        ("Period", f"{_long_date(period.starts_on)} to {_long_date(period.ends_on)}"),
        ("Due", _long_date(period.due_on)),
        ("", ""),
        (
            "How to fill it in",
            f'Use the "{SHEET}" sheet: one row per deliverable. Fill in only the '
            "yellow columns; the grey ones show where each deliverable stands now. "
            "Leave a row blank if there is nothing to report. Then upload the "
            "workbook on the returns page: you will see what it records before "
            "anything is saved.",
        ),
    ]
    lines += [(c.heading, c.note) for c in FILL_COLUMNS]
    lines += [
        ("", ""),
        ("Writing dates", FUZZY_DATE_HELP),
        ("", fuzzydates.ACCEPTED_FORMS),
        (
            "",
            "Type a date as text (such as Q3, or end of March 2018) so the "
            "spreadsheet does not change it.",
        ),
        ("", ""),
        (
            "If a row has a problem",
            "Nothing in the workbook is recorded. The page lists each problem by row "
            "and column; correct them and upload the workbook again.",
        ),
        (
            "Uploading it again",
            "Rows already recorded are skipped, so uploading the same workbook twice "
            "records nothing the second time.",
        ),
        (
            "Keep the About sheet",
            "A hidden sheet says which plan, period and organisation this workbook "
            "is for. Download a fresh return rather than copying rows between "
            "workbooks.",
        ),
    ]
    for key, text in lines:
        sheet.append([_safe(key), _safe(text)])
    sheet["A1"].font = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[0].alignment = wrap
        row[1].alignment = wrap


def _add_about(
    workbook: Any,
    *,
    plan: Plan,
    period: ReportingPeriod,
    organisation: Organisation,
    by: Writer,
) -> None:
    sheet = workbook.create_sheet(ABOUT_SHEET)
    for key, value in (
        ("Format", FORMAT),
        ("Plan", plan.pk),
        ("Plan reference", plan.reference),
        ("Period", period.pk),
        ("Period label", period.label),
        ("Organisation", organisation.pk),
        ("Organisation name", organisation.name),
        ("Downloaded on", _long_date(timezone.now())),
        ("Downloaded by", getattr(by, "username", "")),
    ):
        sheet.append([key, _safe(value)])
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


# Reading a filled workbook ---------------------------------------------------------


@dataclass
class ReturnRow:
    """One filled row: the deliverable it names, what it asks for, and what will
    happen to it."""

    number: int
    deliverable: Deliverable
    status: str | None = None
    rag: str | None = None
    percent: int | None = None
    forecast: str | None = None
    reason: str = ""
    narrative: str = ""
    outcome: str = Outcome.RECORD
    differences: list[tuple[str, str, str]] = field(default_factory=list)
    requires_review: bool = False

    def change(self, period: ReportingPeriod) -> Change:
        """The update this row records, for ``record_progress``."""
        kwargs: dict[str, Any] = {}
        if self.percent is not None:
            kwargs["percent_complete"] = self.percent
        return Change(
            deliverable=self.deliverable,
            narrative=self.narrative,
            status=self.status,
            rag=self.rag,
            forecast_date=self.forecast,
            reason=self.reason,
            period=period,
            **kwargs,
        )


@dataclass
class FilledReturn:
    """A workbook read and matched to its deliverables; nothing written yet."""

    plan: Plan
    period: ReportingPeriod
    organisation: Organisation
    rows: list[ReturnRow]
    #: Where each column is in the uploaded sheet, as "M (New forecast date)".
    columns: dict[str, str]

    @property
    def to_record(self) -> list[ReturnRow]:
        return [r for r in self.rows if r.outcome == Outcome.RECORD]

    @property
    def already_recorded(self) -> list[ReturnRow]:
        return [r for r in self.rows if r.outcome == Outcome.ALREADY_RECORDED]

    @property
    def blank(self) -> list[ReturnRow]:
        return [r for r in self.rows if r.outcome == Outcome.BLANK]


def _refuse(message: str) -> ImportFailed:
    return ImportFailed([RowError(0, FILE, message)])


def check_package(
    source: IO[bytes] | str | Path,
    not_xlsx: str = (
        "The file is not an Excel workbook (.xlsx). Download the return again, fill "
        "it in, and save it as an Excel workbook."
    ),
) -> None:
    """Refuse anything but a plain XLSX workbook of a sensible size, before a parser
    reads it (see ``deliverables.uploads.check_xlsx_package``)."""
    check_xlsx_package(source, not_xlsx=not_xlsx)


def read_return(
    source: IO[bytes] | str | Path,
    *,
    plan: Plan,
    period: ReportingPeriod,
    organisations: Iterable[Organisation],
    by: Writer,
) -> FilledReturn:
    """Read a filled return for ``plan`` and ``period``, from one of
    ``organisations``, and decide what each row would record.

    Raises ImportFailed listing every problem (row 0 for the file as a whole).
    """
    if period.is_locked:
        raise _refuse(period.locked_message())
    check_package(source)
    # openpyxl is loaded only when a workbook is built or read.
    from openpyxl import load_workbook

    unreadable = (
        "The workbook could not be read. Download the return again and copy your "
        "entries into it."
    )
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure means "unreadable"
        raise _refuse(unreadable) from exc
    try:
        organisation = _identify(
            workbook, plan=plan, period=period, organisations=organisations
        )
        if SHEET not in workbook.sheetnames:
            raise _refuse(f'The workbook has no "{SHEET}" sheet.')
        table, columns = _read_sheet(workbook[SHEET])
    except ImportFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet is parsed as it is read
        raise _refuse(unreadable) from exc
    finally:
        workbook.close()
    filled = _match(
        table, columns, plan=plan, period=period, organisation=organisation, by=by
    )
    classify(filled)
    return filled


def _identify(
    workbook: Any,
    *,
    plan: Plan,
    period: ReportingPeriod,
    organisations: Iterable[Organisation],
) -> Organisation:
    """The organisation the workbook is for, once it is shown to be this page's."""
    about: dict[str, Any] = {}
    if ABOUT_SHEET in workbook.sheetnames:
        for row in workbook[ABOUT_SHEET].iter_rows(max_row=50, values_only=True):
            if row and len(row) >= 2 and isinstance(row[0], str):
                about[row[0].strip()] = row[1]
    if about.get("Format") != FORMAT:
        raise _refuse(
            "This workbook is not a return downloaded from this service (its hidden "
            '"About" sheet is missing or changed). Download the return from this '
            "page and fill that in."
        )

    def said(key: str, default: str) -> str:
        return str(about.get(key) or default)[:100]

    try:
        ids = {key: int(about[key]) for key in ("Plan", "Period", "Organisation")}
    except (KeyError, TypeError, ValueError) as exc:
        raise _refuse(
            'This workbook\'s hidden "About" sheet has been changed. Download the '
            "return again."
        ) from exc
    if ids["Plan"] != plan.pk:
        raise _refuse(
            f"This workbook is a return for another plan "
            f"({said('Plan reference', 'unknown')}), not {plan.reference}. "
            "Upload it on that plan's returns page."
        )
    if ids["Period"] != period.pk:
        raise _refuse(
            f"This workbook is the return for "
            f"{said('Period label', 'another period')}, not {period.label}. "
            f"Upload it on that period's returns page, or download the "
            f"{period.label} return."
        )
    allowed = {o.pk: o for o in organisations}
    organisation = allowed.get(ids["Organisation"])
    if organisation is None:
        names = ", ".join(sorted(o.name for o in allowed.values())) or "none"
        raise _refuse(
            f"This workbook is the return of "
            f"{said('Organisation name', 'another organisation')}, which you "
            f"cannot send. You can upload returns for: {names}."
        )
    return organisation


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _heading_key(value: Any) -> str:
    return " ".join(str(value or "").split()).lower()


HEADINGS = {_heading_key(c.heading): c for c in COLUMNS}


def _read_sheet(
    sheet: Any,
) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
    """The sheet's rows as (row number, {column key: cell}), and where each column
    is."""
    # openpyxl is loaded only when a workbook is built or read.
    from openpyxl.utils import get_column_letter

    rows = sheet.iter_rows()
    header = next(rows, None)
    if header is None:
        raise _refuse(f'The "{SHEET}" sheet is empty.')
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    for index, cell in enumerate(header):
        column = HEADINGS.get(_heading_key(cell.value))
        if column is not None and column.key not in positions:
            positions[column.key] = index
            columns[column.key] = f"{get_column_letter(index + 1)} ({column.heading})"
    missing = [
        RowError(1, c.heading, "This column is missing.")
        for c in COLUMNS
        if c.key in REQUIRED and c.key not in positions
    ]
    if missing:
        raise ImportFailed(missing)
    table = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_SCANNED_ROWS:
            raise _refuse(
                f"The workbook has too many rows: a return has at most {MAX_ROWS:,}."
            )
        cells = {
            key: row[index] if index < len(row) else None
            for key, index in positions.items()
        }
        if any(c is not None and c.value not in (None, "") for c in cells.values()):
            table.append((number, cells))
            if len(table) > MAX_ROWS:
                raise _refuse(
                    f"The workbook has too many rows: a return has at most "
                    f"{MAX_ROWS:,}."
                )
    return table, columns


def _percent(cell: Any) -> int:
    """A whole number from the cell; ValueError if it is not one."""
    value = cell.value
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        if "%" in (cell.number_format or ""):
            value = value * 100  # typed as 40% into a percentage cell: stored as 0.4
        if float(value).is_integer():
            return int(value)
        raise ValueError
    return int(_text(value).rstrip("%").strip())


def _match(
    table: list[tuple[int, dict[str, Any]]],
    columns: dict[str, str],
    *,
    plan: Plan,
    period: ReportingPeriod,
    organisation: Organisation,
    by: Writer,
) -> FilledReturn:
    """Match rows to the organisation's deliverables and shape each cell; collect every
    problem."""
    deliverables = {
        d.reference: d
        for d in deliverables_of(plan=plan, organisation=organisation, by=by)
        .select_related("plan")
        .prefetch_related("owners")
    }
    errors: list[RowError] = []
    rows: list[ReturnRow] = []
    seen: dict[str, int] = {}
    for number, cells in table:

        def bad(key: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, columns[key], message))

        text = {}
        for key, cell in cells.items():
            text[key] = _text(cell.value if cell is not None else None)
            if key in REQUIRED and len(text[key]) > MAX_CELL:
                bad(key, f"Keep this to {MAX_CELL:,} characters or fewer.")
        filled = any(text[c.key] for c in FILL_COLUMNS)
        reference = text["reference"].lstrip("'")
        if not reference:
            if filled:
                bad("reference", "Give the deliverable's reference.")
            continue
        deliverable = deliverables.get(reference)
        if deliverable is None:
            bad(
                "reference",
                f"{organisation.name} does not lead or own a deliverable "
                f"{reference[:50]} in this plan.",
            )
            continue
        if reference in seen:
            bad("reference", f"{reference} is already on row {seen[reference]}.")
            continue
        seen[reference] = number
        if not may_record_progress(by, deliverable):
            bad("reference", "You cannot record progress on this deliverable.")
            continue
        row = ReturnRow(
            number=number,
            deliverable=deliverable,
            reason=text["reason"][:MAX_CELL],
            narrative=text["narrative"][:MAX_CELL],
        )
        if text["new_status"]:
            status = STATUS_WORDS.get(_words(text["new_status"]))
            if status in STATUS_CHOICES:
                row.status = status
            elif status == Status.MERGED:
                bad(
                    "new_status",
                    "Merge deliverables on the deliverable's page, not in a return.",
                )
            else:
                bad("new_status", "Choose a status from the list.")
        if text["new_rag"]:
            rag = RAG_CHOICES.get(_words(text["new_rag"]))
            if rag is None:
                bad("new_rag", f"Choose green, amber, red or {NOT_ASSESSED.lower()}.")
            row.rag = rag
        if text["new_percent"]:
            try:
                row.percent = _percent(cells["new_percent"])
            except ValueError:
                bad("new_percent", "Enter a whole number from 0 to 100.")
        if text["new_forecast"]:
            row.forecast = text["new_forecast"]
        rows.append(row)
    if errors:
        raise ImportFailed(errors)
    return FilledReturn(
        plan=plan,
        period=period,
        organisation=organisation,
        rows=rows,
        columns=columns,
    )


# Deciding, previewing and recording ------------------------------------------------


def _narrative(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


def classify(filled: FilledReturn) -> None:
    """Mark each row to record, already recorded, or blank, against the deliverables
    as stored now, and note what it changes.

    Already recorded: the deliverable has an update for this period (not returned to
    its author) with the same values and narrative, or it stands as the row asks and
    its latest update has the row's narrative. Blank: no narrative, no reason, and
    nothing different.
    """
    ids = [row.deliverable.pk for row in filled.rows]
    latest = Subquery(_latest_update_ids().values("narrative")[:1])
    current = {
        d.pk: d
        for d in Deliverable.objects.filter(pk__in=ids).annotate(last_narrative=latest)
    }
    recorded: dict[int, set[tuple]] = defaultdict(set)
    for update in (
        ProgressUpdate.objects.filter(deliverable_id__in=ids, period=filled.period)
        .exclude(review__decision=ReviewState.RETURNED)
        .values_list(
            "deliverable_id",
            "status",
            "rag",
            "percent_complete",
            "forecast_date",
            "narrative",
        )
    ):
        recorded[update[0]].add((*update[1:5], _narrative(update[5])))
    for row in filled.rows:
        deliverable = current[row.deliverable.pk]
        before = (
            deliverable.status,
            deliverable.rag,
            deliverable.percent_complete,
            deliverable.forecast_date,
        )
        forecast: Any = deliverable.forecast_date
        if row.forecast is not None:
            try:
                forecast = fuzzydates.parse(
                    row.forecast, default_year=filled.plan.year
                ).text
            except fuzzydates.FuzzyDateError:
                forecast = _Unreadable(row.forecast)  # the service will say why
        after = (
            row.status or deliverable.status,
            deliverable.rag if row.rag is None else row.rag,
            deliverable.percent_complete if row.percent is None else row.percent,
            forecast,
        )
        narrative = _narrative(row.narrative)
        row.differences = _differences(before, after)
        if not narrative and not row.reason and before == after:
            row.outcome = Outcome.BLANK
        elif (*after, narrative) in recorded[deliverable.pk] or (
            before == after
            and narrative
            and narrative == _narrative(deliverable.last_narrative or "")
        ):
            row.outcome = Outcome.ALREADY_RECORDED
        else:
            row.outcome = Outcome.RECORD


@dataclass(frozen=True)
class _Unreadable:
    """A forecast date that does not parse: unequal to every stored date."""

    text: str

    def __str__(self) -> str:
        return self.text


def _differences(before: tuple, after: tuple) -> list[tuple[str, str, str]]:
    """(what, from, to) for each value the row changes, in words."""
    shown = []
    for label, old, new, display in zip(
        ("Status", "RAG", "% complete", "Forecast date"),
        before,
        after,
        (
            lambda v: Status(v).label,
            _rag_label,
            lambda v: "not given" if v is None else f"{v}%",
            lambda v: str(v) or "TBA",
        ),
        strict=True,
    ):
        if old != new:
            shown.append((label, display(old), display(new)))
    return shown


def _refused(filled: FilledReturn, refused: ProgressRefused) -> ImportFailed:
    """The service's problems, by position, as rows and columns of the workbook."""
    rows = filled.to_record
    errors: set[RowError] = set()
    for index, fields in refused.errors.items():
        number = rows[index].number
        for name, messages in fields.items():
            for message in messages:
                if name == "period":
                    errors.add(RowError(0, FILE, message))
                else:
                    key = FIELD_COLUMNS.get(name, "reference")
                    errors.add(RowError(number, filled.columns[key], message))
    return ImportFailed(errors)


class _DryRun(Exception):
    def __init__(self, updates: list[ProgressUpdate]):
        self.updates = updates


def preview_return(filled: FilledReturn, *, by: Writer) -> FilledReturn:
    """Check every row to record with the real service, inside a transaction that is
    rolled back, so the preview cannot differ from what recording does. Raises
    ImportFailed having written nothing."""
    rows = filled.to_record
    if not rows:
        return filled
    try:
        with transaction.atomic():
            raise _DryRun(_record(filled, rows, by=by))
    except _DryRun as run:
        for row, update in zip(rows, run.updates, strict=True):
            row.requires_review = update.requires_review
    return filled


@transaction.atomic
def record_return(filled: FilledReturn, *, by: Writer) -> list[ProgressUpdate]:
    """Record the workbook's updates, all or none, through ``record_progress``.

    The deliverables are locked first and each row judged again, so a workbook sent
    twice at once still records its rows only once. Raises ImportFailed having
    written nothing.
    """
    list(
        Deliverable.objects.select_for_update()
        .filter(pk__in=[row.deliverable.pk for row in filled.rows])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    classify(filled)
    rows = filled.to_record
    if not rows:
        return []
    updates = _record(filled, rows, by=by)
    for row, update in zip(rows, updates, strict=True):
        row.requires_review = update.requires_review
    return updates


def _record(
    filled: FilledReturn, rows: list[ReturnRow], *, by: Writer
) -> list[ProgressUpdate]:
    try:
        return record_progress(
            changes=[row.change(filled.period) for row in rows],
            by=by,
            source=ProgressUpdate.Source.IMPORT,
        )
    except ProgressRefused as refused:
        raise _refused(filled, refused) from refused
