"""The return workbook's layout, shared by building it and reading it back: its
sheets, its columns (the current state, then the ones to fill in), the statuses a
return may set, and the limits on an upload.
"""

from __future__ import annotations

from dataclasses import dataclass

from deliverables.forms import UPDATE_STATUSES
from deliverables.models import FUZZY_DATE_HELP, Rag

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

STATUS_CHOICES = [value for value, _ in UPDATE_STATUSES]


def _rag_label(value: str) -> str:
    return Rag(value).label if value else NOT_ASSESSED
