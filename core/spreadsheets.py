"""CSV and XLSX downloads, with every cell made safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value):
    """Stop a cell being read as a formula by Excel (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def read_back(value: str) -> str:
    """A cell of one of our downloads as it was before ``spreadsheet_safe``, so that
    a download imports back unchanged."""
    if value[:1] == "'" and value[1:2] in {"=", "+", "-", "@", "\t", "\r"}:
        return value[1:]
    return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(rows, filename: str) -> HttpResponse:
    """One table as a CSV download; ``rows`` includes the header row."""
    out = io.StringIO()
    csv.writer(out).writerows([[spreadsheet_safe(c) for c in row] for row in rows])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


def _xlsx_cell(value):
    """Safe for a worksheet: no formula, and no control characters (a vertical tab
    pasted from a word processor), which the file format cannot hold."""
    # Imported here: openpyxl is loaded only when a workbook is written (it adds a
    # tenth of a second to every process that imports the views).
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = spreadsheet_safe(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return value


def xlsx_response(sheets, filename: str) -> HttpResponse:
    """Tables as an XLSX download: ``sheets`` is a list of (title, rows)."""
    # Imported here: openpyxl is loaded only when a workbook is written.
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        for row in rows:
            sheet.append([_xlsx_cell(c) for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return _attachment(HttpResponse(out.getvalue(), content_type=XLSX), filename)
