"""The return workbook an organisation downloads: a "Return" sheet with a row for each
deliverable, its current state in locked grey columns and yellow columns to fill in
(with lists and checks on what may be typed), a sheet explaining how to fill it in,
and a hidden "About" sheet naming the plan, period and organisation it is for.

Every cell is written spreadsheet-safe: no formula, and no character the file format
cannot hold.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import slugify

from core.actors import Writer
from core.spreadsheets import spreadsheet_safe
from deliverables import fuzzydates
from deliverables.models import FUZZY_DATE_HELP, Deliverable, Rag, ReviewState, Status
from deliverables.returns.layout import (
    ABOUT_SHEET,
    COLUMNS,
    FILL_COLUMNS,
    FORMAT,
    HELP_SHEET,
    NOT_ASSESSED,
    SHEET,
    STATUS_CHOICES,
    _rag_label,
)
from deliverables.returns.selectors import return_rows
from plans.models import Organisation, Plan, ReportingPeriod


def _safe(value: Any) -> Any:
    """No formula, and no control character the file format cannot hold: the one
    rule of every spreadsheet the service writes."""
    return spreadsheet_safe(value)


def _long_date(day: datetime.date | datetime.datetime) -> str:
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return format_date(day, "j F Y")


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
