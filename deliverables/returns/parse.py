"""Reading an uploaded return safely: the file is checked to be a plain XLSX package
(``deliverables.uploads.check_xlsx_package``) before a parser opens it, the hidden
"About" sheet must show the workbook is this page's, and the "Return" sheet is read
into rows within the size limits. The rows are then matched and classified
(``deliverables.returns.match``); nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

# The row limits are looked up on the layout module each time a sheet is read, not
# bound here, so a test can lower them there.
import deliverables.returns.layout as layout
from core.actors import Writer
from deliverables.returns.layout import (
    ABOUT_SHEET,
    COLUMNS,
    FILE,
    FORMAT,
    REQUIRED,
    SHEET,
)
from deliverables.returns.match import FilledReturn, _match, classify
from deliverables.upload_errors import ImportFailed, RowError
from deliverables.uploads import check_xlsx_package
from plans.models import Organisation, Plan, ReportingPeriod


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
        if number > layout.MAX_SCANNED_ROWS:
            raise _refuse(
                "The workbook has too many rows: a return has at most "
                f"{layout.MAX_ROWS:,}."
            )
        cells = {
            key: row[index] if index < len(row) else None
            for key, index in positions.items()
        }
        if any(c is not None and c.value not in (None, "") for c in cells.values()):
            table.append((number, cells))
            if len(table) > layout.MAX_ROWS:
                raise _refuse(
                    f"The workbook has too many rows: a return has at most "
                    f"{layout.MAX_ROWS:,}."
                )
    return table, columns
