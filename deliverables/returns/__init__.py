"""A quarter's return as a spreadsheet, the way most forces report today.

An organisation downloads one workbook per plan and period: a row for each deliverable
it leads or owns, with its current state and empty columns for the new one. Uploading
the filled workbook turns its rows into progress updates through
``record_progress``, so a row is judged by exactly the rules the form and the API
use. A bad row refuses the whole workbook; a row already recorded, or left blank, is
skipped, so uploading the same workbook twice writes nothing the second time.

The workbook names its plan, period and organisation on a hidden "About" sheet, so an
upload can be checked against the page it is sent to. Nothing here knows about HTTP.
The guide for the people who fill returns in is docs/returns.md.

One job a module, each importing only those above it:

- ``layout``: the workbook's sheets, columns and limits, shared by the others;
- ``selectors``: who sends which return, and the deliverables it asks about;
- ``build``: the workbook to download;
- ``match``: rows matched to deliverables and classified (``FilledReturn``);
- ``parse``: an uploaded workbook checked and read, then matched;
- ``record``: the rows to record, previewed or recorded through ``record_progress``.

openpyxl is loaded only when a workbook is built or read, not when this is imported.
"""

from deliverables.returns.build import build_return, file_name
from deliverables.returns.layout import (
    ABOUT_SHEET,
    COLUMNS,
    CURRENT_COLUMNS,
    HELP_SHEET,
    MAX_BYTES,
    SHEET,
)
from deliverables.returns.match import FilledReturn
from deliverables.returns.parse import read_return
from deliverables.returns.record import preview_return, record_return
from deliverables.returns.selectors import organisations_returning_for

__all__ = [
    "ABOUT_SHEET",
    "COLUMNS",
    "CURRENT_COLUMNS",
    "HELP_SHEET",
    "MAX_BYTES",
    "SHEET",
    "FilledReturn",
    "build_return",
    "file_name",
    "organisations_returning_for",
    "preview_return",
    "read_return",
    "record_return",
]
