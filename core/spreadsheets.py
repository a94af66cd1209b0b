"""CSV and XLSX downloads, with every cell made safe to open in a spreadsheet.

Every CSV and XLSX the service writes passes each cell through ``spreadsheet_safe``
(``csv_response`` and ``xlsx_response`` do it; the return workbook calls it itself), so
that no cell is read as a formula, whatever was typed into the service:

- a text that a spreadsheet would read as a formula or as something other than text is
  written with an apostrophe before it: one starting with ``=``, ``+``, ``-`` or
  ``@`` or their full-width or small forms (``＝ ＋ － ＠``, the minus sign ``−``), with
  whitespace of any kind (space, tab, line break, no-break space), or with an invisible
  character (control, zero-width, byte-order mark, direction mark), and one that is a
  spreadsheet error value (``#N/A``); a text that starts with apostrophes before any of
  these gets one more, so that ``read_back`` gives every text back exactly;
- control characters an XLSX file cannot hold become spaces (in CSV too);
- numbers stay numbers and dates stay dates: numeric and date cells in XLSX, written
  plainly in CSV (a date as 2026-03-31); a date and time is written in the service's
  time zone. Text that looks like a number or a date (a reference ``1.2``, ``00123``)
  is a text cell in XLSX. A CSV has no types: a spreadsheet that opens one may still
  turn such a text into a number or a date (the XLSX download keeps it as text).
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
import unicodedata
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# What a spreadsheet reads as the start of a formula: = + - @ and their full-width
# (U+FF1D, U+FF0B, U+FF0D, U+FF20) and small (U+FE66, U+FE62, U+FE63) forms, and the
# minus sign (U+2212), which some spreadsheets take for "-".
FORMULA_MARKS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\u2212")
# Invisible characters that may hide a formula mark behind them: controls (tab, line
# breaks), format characters (zero-width space, joiners U+200B..U+200D, word joiner
# U+2060, byte-order mark U+FEFF, direction marks) and separators.
INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
# The error values a spreadsheet shows as an error, not as text.
ERROR_VALUES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
)
# Control characters the XLSX format cannot hold (all but tab, line feed and return).
UNHOLDABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHIELD = "'"


def _needs_shield(text: str) -> bool:
    """Whether a spreadsheet could read this text as anything but text. Apostrophes
    in front do not count: "'=1" is shielded as well, so that ``read_back`` can tell
    our apostrophe from the text's own."""
    rest = text.lstrip(SHIELD)
    first = rest[:1]
    if not first:
        return False
    return (
        first in FORMULA_MARKS
        or first.isspace()
        or unicodedata.category(first) in INVISIBLE
        or rest.upper() in ERROR_VALUES
    )


def spreadsheet_safe(value: Any) -> Any:
    """A cell's value as every CSV and XLSX of the service writes it: a text that a
    spreadsheet could read as a formula (CSV/formula injection) or an error gets an
    apostrophe before it, control characters a workbook cannot hold become spaces, a
    date and time is given in local time. Numbers and dates are left as they are."""
    if isinstance(value, str):
        text = UNHOLDABLE.sub(" ", value)
        return SHIELD + text if _needs_shield(text) else text
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # a workbook cannot hold it as a number
    return value


def read_back(value: str) -> str:
    """A cell of one of our downloads as it was before ``spreadsheet_safe``, so that
    a download imports back unchanged."""
    if value[:1] == SHIELD and _needs_shield(value[1:]):
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


def xlsx_response(sheets, filename: str) -> HttpResponse:
    """Tables as an XLSX download: ``sheets`` is a list of (title, rows)."""
    # Imported here: openpyxl is loaded only when a workbook is written (it adds a
    # tenth of a second to every process that imports the views).
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        for row in rows:
            sheet.append([spreadsheet_safe(c) for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return _attachment(HttpResponse(out.getvalue(), content_type=XLSX), filename)
