"""The plan import's layout, defined once: its fields (docs/import-layout.md), the
words its status and RAG columns take, the export's headings for the same fields, and
how a cell's value reads as text. The importer, the column mapping, the history
import and the deliverables export all read it from here."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from core.spreadsheets import read_back
from deliverables.choices import Rag, Status

COLUMNS = (
    "priority_ref",
    "priority_title",
    "sub_priority_ref",
    "sub_priority_title",
    "objective_ref",
    "objective_title",
    "deliverable_ref",
    "deliverable_title",
    "description",
    "milestone_date",
    "owners",
    "lead_organisation",
    "delivering_unit",
    "expected_benefits",
    "strands",
    "status",
    "rag",
    "percent_complete",
    "forecast_date",
    "merged_into",
)
#: The one column a file must have: references are made up where the file has none,
#: and priorities and objectives are optional (a flat plan is a list of projects).
REQUIRED = ("deliverable_title",)
#: A short label per field: the mapping form's choices and the deliverables
#: export's column headings (``deliverables.views``), so that an export imports back
#: as it is.
FIELD_LABELS = {
    "priority_ref": "Priority reference",
    "priority_title": "Priority title",
    "sub_priority_ref": "Sub-priority reference",
    "sub_priority_title": "Sub-priority title",
    "objective_ref": "Objective reference",
    "objective_title": "Objective title",
    "deliverable_ref": "Deliverable reference",
    "deliverable_title": "Deliverable title",
    "description": "Description",
    "milestone_date": "Milestone date",
    "owners": "Owners",
    "lead_organisation": "Lead organisation",
    "delivering_unit": "Delivering unit",
    "expected_benefits": "Expected benefits",
    "strands": "Strands",
    "status": "Status",
    "rag": "RAG",
    "percent_complete": "Percent complete",
    "forecast_date": "Forecast date",
    "merged_into": "Merged into",
}
MAX_LENGTHS = {
    "priority_title": 300,
    "sub_priority_title": 300,
    "objective_title": 500,
    "deliverable_title": 300,
    "delivering_unit": 200,
}
REFERENCE = re.compile(r"^[A-Za-z0-9]+([.\-/][A-Za-z0-9]+)*$")

RAG_WORDS = {
    "green": Rag.GREEN,
    "on track": Rag.GREEN,
    "amber": Rag.AMBER,
    "at risk": Rag.AMBER,
    "red": Rag.RED,
    "off track": Rag.RED,
}


def words(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


STATUS_WORDS = {words(s.value): s for s in Status} | {words(s.label): s for s in Status}
STATUS_WORDS |= {"current": Status.IN_PROGRESS, "cancelled": Status.WILL_NOT_PROCEED}


#: The most deliverables one file may hold, and the longest text a cell may hold.
MAX_ROWS = 5_000
MAX_CELL = 10_000


def header_key(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())


LABEL_KEYS = {header_key(v): k for k, v in FIELD_LABELS.items()}


def field_of(heading: Any) -> str:
    """The field a heading of the documented layout or of the export names (else the
    heading as a key, refused by the reader as a column we do not know)."""
    key = header_key(heading)
    return LABEL_KEYS.get(key, key)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # What our own export escaped against formulas reads back as it was.
    return read_back(re.sub(r"[ \t]+", " ", str(value)).strip())


def read_state(
    row: dict[str, str], bad: Callable[[str, str], None]
) -> tuple[Status | None, Rag | None, int | None]:
    """The status, RAG and percent complete a row's cells give (None where a cell is
    blank); each cell that cannot be read is reported as ``bad(column, message)``."""
    status = None
    if row["status"]:
        status = STATUS_WORDS.get(words(row["status"]))
        if status is None:
            bad(
                "status",
                "Use one of: " + ", ".join(s.label.lower() for s in Status) + ".",
            )
    rag = None
    if row["rag"]:
        rag = RAG_WORDS.get(words(row["rag"]))
        if rag is None:
            bad("rag", "Use green, amber or red.")
    percent = None
    if row["percent_complete"]:
        value = row["percent_complete"].rstrip("%").strip()
        if not value.isdigit() or not 0 <= int(value) <= 100:
            bad("percent_complete", "Enter a whole number from 0 to 100.")
        else:
            percent = int(value)
    return status, rag, percent
