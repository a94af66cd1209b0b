"""Reading any plan spreadsheet, and proposing how its columns map to the plan's fields.

Plans arrive in every shape: a title line above the table, a "Theme" cell merged down
over its rows, a project list broken up by "Strand 1: Victims" rows, columns called
"Key deliverables" or "RAG rating". ``read_table`` reads such a file as it is (the
header row wherever it sits, merged cells filled in); ``propose`` guesses, by the
columns' names and then by what they hold, which field of the import layout
(``deliverables.layout.COLUMNS``, docs/import-layout.md) each column feeds; the
officer corrects the guess, ``problems`` says what is still wrong with it, and
``apply`` turns the rows into the ``{field: text}`` rows that ``layout.validate``
checks. The documented layout maps onto itself, so it needs no correction.

A mapping the officer confirmed is kept per organisation under the ``signature`` of
the file's header; ``fit`` applies it to the next file and says what no longer fits.

Nothing here touches the database: the import service, the command and the browser
wizard call it.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import itertools
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from deliverables import fuzzydates, layout
from deliverables.upload_errors import ImportFailed, RowError
from deliverables.uploads import check_xlsx_package

__all__ = [
    "FIELD_LABELS",
    "Mapping",
    "Table",
    "apply",
    "fit",
    "heading_row",
    "heading_rows",
    "problems",
    "propose",
    "read_table",
    "saved_columns",
    "signature",
    "strict_mapping",
]

#: The header is the first row with two filled cells among this many rows.
HEADER_SEARCH = 20
#: How many data rows ``propose`` looks at to judge a column by what it holds.
SAMPLE_ROWS = 200

HEADINGS = ("", "strand", "priority")


@dataclass
class Table:
    """A spreadsheet's table as written: its header row and the rows below it."""

    header: list[str]  # the header row's cells as written (stripped); "" when blank
    header_row: int  # its 1-based row number in the file
    # (1-based row number in the file, cell texts padded to len(header)); wholly
    # blank rows are dropped.
    rows: list[tuple[int, list[str]]]
    merged: int = 0  # how many merged ranges were filled (XLSX)


@dataclass
class Mapping:
    """Which field each column of a table feeds, and what its heading rows name."""

    # For each header column, the field of ``layout.COLUMNS`` it feeds, or "" when
    # the column is left out.
    columns: list[str]
    # What a heading row (one filled cell) names for the rows below it: "strand",
    # "priority", or "" when heading rows are left out of the import.
    headings: str = ""


# Reading ---------------------------------------------------------------------------


def read_table(
    path: str | Path,
    *,
    limit: int | None = None,
    max_rows: int = layout.MAX_ROWS,
    too_many: str | None = None,
) -> Table:
    """Read the first worksheet of an XLSX workbook, or a CSV file, as a Table.

    The header is the first row with at least two filled cells among the first 20
    (a title line or two above the table is skipped). Merged cells of a workbook are
    filled with their top-left cell's value. With ``limit``, only the header and the
    first ``limit`` data rows are read (for proposing a mapping), and the refusals
    apply to those rows only.

    Raises ImportFailed when the file is not a .csv or .xlsx file, cannot be read, is
    empty, has more than ``max_rows`` data rows (a plan's ``MAX_ROWS`` unless told;
    ``too_many`` is then the refusal, else it speaks of a plan's deliverables), or
    has a cell of more than ``MAX_CELL`` characters or holding a null character.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    # Enough rows to find the header below its title lines, then the data rows
    # wanted, then one more to tell that there are too many.
    wanted = HEADER_SEARCH + 1 + (max_rows + 1 if limit is None else limit)
    merges: list[tuple[int, int, int, int]] = []
    try:
        if suffix in {".xlsx", ".xlsm"}:
            raw = _read_xlsx(path, wanted)
            merges = _merged_ranges(path)
        elif suffix in {".csv", ".txt"}:
            raw = _read_csv(path, wanted)
        else:
            raise _refuse("Give a .csv or .xlsx file.")
    except (OSError, csv.Error, ValueError, KeyError, ElementTree.ParseError) as exc:
        raise _refuse(f"The file could not be read: {exc}") from exc
    if not raw:
        raise ImportFailed([RowError(1, "header", "The file is empty.")])

    # Cells as typed, before merges fill them, for the refusals to name.
    own_cells = {n: list(cells) for n, cells in raw} if merges else dict(raw)
    merged = _fill_merges(raw, merges)
    header_at = _find_header(raw)
    header_row, header_cells = raw[header_at]
    data = raw[header_at + 1 :]
    if limit is not None:
        data = data[: max(limit, 0)]
    elif len(data) > max_rows:
        raise _refuse(
            too_many
            or f"The file has too many rows: a plan has at most {max_rows:,} "
            "deliverables."
        )
    width = max(_width(cells) for _, cells in [raw[header_at], *data])
    header = _padded(header_cells, width)
    rows = [(number, _padded(cells, width)) for number, cells in data]
    _refuse_bad_cells(header, [(header_row, header), *rows], own_cells)
    first, last = header_row, rows[-1][0] if rows else header_row
    return Table(
        header=header,
        header_row=header_row,
        rows=rows,
        merged=sum(1 for m in merged if m[2] >= first and m[0] <= last),
    )


def _refuse(message: str) -> ImportFailed:
    return ImportFailed([RowError(0, "file", message)])


def _read_csv(path: Path, wanted: int) -> list[tuple[int, list[str]]]:
    content = path.read_bytes()
    if content.startswith(b"PK\x03\x04"):
        raise _refuse(
            "The file is an Excel workbook, not a CSV file: give it a name ending "
            ".xlsx and upload it again."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Word and older Excel save "CSV" in Windows-1252; UTF-8 is the norm.
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _refuse(
                "The file is not UTF-8 or Windows-1252 text: save it as "
                '"CSV UTF-8" and upload it again.'
            ) from exc
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        # A blank line is a record of no cells, so records count as a spreadsheet
        # numbers its rows, even when a cell holds a line break.
        for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
            texts = [layout.cell_text(c) for c in cells]
            if any(texts):
                rows.append((number, texts))
                if len(rows) >= wanted:
                    break
    except csv.Error as exc:
        if "field larger than field limit" not in str(exc):
            raise
        message = f"A cell holds more than {layout.MAX_CELL:,} characters."
        raise ImportFailed([RowError(number + 1, "file", message)]) from exc
    return rows


def _read_xlsx(path: Path, wanted: int) -> list[tuple[int, list[str]]]:
    # openpyxl is loaded only when a workbook is read: CSV imports never need it.
    from openpyxl import load_workbook

    # The same checks as a return's: a plain workbook, no macros, no zip bomb.
    check_xlsx_package(
        path,
        not_xlsx="The file is not an Excel workbook (.xlsx): save it as one, or as "
        "a CSV file, and upload it again.",
    )
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure means "unreadable"
        raise _unreadable(exc) from exc
    try:
        sheet = workbook.worksheets[0]
        # A sheet's recorded size is sometimes wrong, and would cut rows short.
        sheet.reset_dimensions()
        rows: list[tuple[int, list[str]]] = []
        # Read-only sheets yield an empty row for each row missing from the file,
        # so the count is the row's number in the workbook.
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            texts = [layout.cell_text(v) for v in values]
            if any(texts):
                rows.append((number, texts))
                if len(rows) >= wanted:
                    break
        return rows
    except Exception as exc:  # noqa: BLE001 - a sheet is parsed as it is read
        raise _unreadable(exc) from exc
    finally:
        workbook.close()


def _unreadable(exc: Exception) -> ImportFailed:
    return _refuse(f"The file could not be read as a workbook: {exc}")


_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_OFFICE_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MERGE = re.compile(
    rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"'
)


def _merged_ranges(path: Path) -> list[tuple[int, int, int, int]]:
    """The merged ranges of the first worksheet, as (first row, first column, last
    row, last column), 1-based: read from the sheet's XML, because openpyxl's
    read-only mode does not give them and loading the workbook in full is slow."""
    with zipfile.ZipFile(path) as package:
        part = _first_worksheet_part(package)
        xml = package.read(part)
    # The merged ranges follow the cells: look only after them.
    tail = xml[max(xml.rfind(b"sheetData"), 0) :]
    ranges = []
    for first_col, first_row, last_col, last_row in _MERGE.findall(tail):
        ranges.append(
            (
                int(first_row),
                _column_number(first_col),
                int(last_row or first_row),
                _column_number(last_col or first_col),
            )
        )
    return ranges


def _first_worksheet_part(package: zipfile.ZipFile) -> str:
    """The zip path of the workbook's first worksheet, as openpyxl chooses it: the
    first sheet of the workbook whose relationship is a worksheet (not a chart)."""
    workbook = "xl/workbook.xml"
    root_rels = ElementTree.fromstring(package.read("_rels/.rels"))
    for rel in root_rels.iter(f"{_RELATIONSHIP}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = _part_path("", rel.get("Target", workbook))
    folder, name = posixpath.split(workbook)
    rels = ElementTree.fromstring(package.read(f"{folder}/_rels/{name}.rels"))
    worksheets = {
        rel.get("Id"): _part_path(folder, rel.get("Target", ""))
        for rel in rels.iter(f"{_RELATIONSHIP}Relationship")
        if rel.get("Type", "").endswith("/worksheet")
    }
    for sheet in ElementTree.fromstring(package.read(workbook)).iter(f"{_MAIN}sheet"):
        part = worksheets.get(sheet.get(_OFFICE_RELS))
        if part is not None:
            return part
    raise KeyError("The workbook has no worksheet.")


def _part_path(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _fill_merges(
    raw: list[tuple[int, list[str]]], merges: list[tuple[int, int, int, int]]
) -> list[tuple[int, int, int, int]]:
    """Give every cell of each merged range its top-left cell's value, in place;
    return the ranges that filled something. Rows with nothing of their own (blank
    but for a merge from above) were dropped when read, and stay dropped."""
    if not merges:
        return []
    by_number = {number: cells for number, cells in raw}
    filled = []
    for first_row, first_col, last_row, last_col in merges:
        top = by_number.get(first_row)
        value = top[first_col - 1] if top and first_col <= len(top) else ""
        if not value or (first_row, first_col) == (last_row, last_col):
            continue
        for number in range(first_row, last_row + 1):
            cells = by_number.get(number)
            if cells is None:
                continue
            if len(cells) < last_col:
                cells.extend([""] * (last_col - len(cells)))
            cells[first_col - 1 : last_col] = [value] * (last_col - first_col + 1)
        filled.append((first_row, first_col, last_row, last_col))
    return filled


def _distinct_filled(cells: Iterable[str]) -> int:
    """How many different texts a row holds: a row whose cells all hold the same
    text (a title or heading merged across the row) counts as one."""
    return len({c for c in cells if c})


def _find_header(raw: list[tuple[int, list[str]]]) -> int:
    """The index in ``raw`` of the header row: the first row with two filled cells
    among the first rows, or else the first row (a table of one column)."""
    for index, (_, cells) in enumerate(raw[:HEADER_SEARCH]):
        if _distinct_filled(cells) >= 2:
            return index
    return 0


def _width(cells: Sequence[str]) -> int:
    for index in range(len(cells) - 1, -1, -1):
        if cells[index]:
            return index + 1
    return 0


def _padded(cells: list[str], width: int) -> list[str]:
    return cells[:width] + [""] * (width - len(cells))


def _column_name(header: list[str], index: int) -> str:
    """How a refusal names a column: its header as written, or its position."""
    return header[index] or f"column {index + 1}"


def _refuse_bad_cells(
    header: list[str],
    rows: list[tuple[int, list[str]]],
    own_cells: dict[int, list[str]],
) -> None:
    """Refuse over-long cells and null characters, once per cell as written (a
    merged cell is reported where it was typed, not in every cell it fills)."""
    errors = []
    for number, _ in rows:
        for index, text in enumerate(own_cells.get(number, [])):
            if len(text) > layout.MAX_CELL:
                errors.append(
                    RowError(
                        number,
                        _column_name(header, index),
                        f"Keep this to {layout.MAX_CELL:,} characters or fewer.",
                    )
                )
            if "\x00" in text:
                errors.append(
                    RowError(
                        number,
                        _column_name(header, index),
                        "Take out the null character (NUL): text cannot hold one.",
                    )
                )
    if errors:
        raise ImportFailed(errors)


# The fields and their names ---------------------------------------------------------

#: A short label per field (``layout.FIELD_LABELS``) for the mapping form, and "" for
#: a column left out.
FIELD_LABELS: dict[str, str] = {"": "Leave out"} | layout.FIELD_LABELS


def _label(name: str) -> str:
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


# Header names real plans use. A field in a tuple is chosen by the column's values:
# the reference when they look like references, else the title.
_PRIORITY = ("priority_ref", "priority_title")
_SUB_PRIORITY = ("sub_priority_ref", "sub_priority_title")
_OBJECTIVE = ("objective_ref", "objective_title")
_ALIASES: dict[str, str | tuple[str, str]] = {
    # references
    "ref": "deliverable_ref",
    "no": "deliverable_ref",
    "number": "deliverable_ref",
    "id": "deliverable_ref",
    "reference": "deliverable_ref",
    "project ref": "deliverable_ref",
    "project reference": "deliverable_ref",
    "project no": "deliverable_ref",
    "deliverable ref": "deliverable_ref",
    "deliverable no": "deliverable_ref",
    "action ref": "deliverable_ref",
    # titles
    "project": "deliverable_title",
    "project name": "deliverable_title",
    "project title": "deliverable_title",
    "action": "deliverable_title",
    "actions": "deliverable_title",
    "deliverable": "deliverable_title",
    "deliverables": "deliverable_title",
    "title": "deliverable_title",
    "activity": "deliverable_title",
    "commitment": "deliverable_title",
    "commitments": "deliverable_title",
    "initiative": "deliverable_title",
    "task": "deliverable_title",
    # structure
    "priority": _PRIORITY,
    "priorities": _PRIORITY,
    "theme": _PRIORITY,
    "section": _PRIORITY,
    "priority area": _PRIORITY,
    "strategic priority": _PRIORITY,
    "outcome area": _PRIORITY,
    "priority reference": "priority_ref",
    "sub priority": _SUB_PRIORITY,
    "sub priority reference": "sub_priority_ref",
    "objective": _OBJECTIVE,
    "objectives": _OBJECTIVE,
    "objective reference": "objective_ref",
    "deliverable reference": "deliverable_ref",
    "strand": "strands",
    "workstream": "strands",
    "workstreams": "strands",
    "portfolio": "strands",
    # who
    "owner": "owners",
    "owners": "owners",
    "lead": "owners",
    "lead officer": "owners",
    "lead officers": "owners",
    "resources allocated": "owners",
    "responsible officer": "owners",
    "responsible": "owners",
    "sro": "owners",
    "owner/lead": "owners",
    "action owner": "owners",
    "deliverable owner": "owners",
    "project lead": "owners",
    "project manager": "owners",
    "lead organisation": "lead_organisation",
    "lead organization": "lead_organisation",
    "lead agency": "lead_organisation",
    "agency": "lead_organisation",
    "organisation": "lead_organisation",
    "partner lead": "lead_organisation",
    "lead partner": "lead_organisation",
    "department": "delivering_unit",
    "unit": "delivering_unit",
    "delivering unit": "delivering_unit",
    "business area": "delivering_unit",
    # state
    "progress status": "status",
    "current status": "status",
    "rag status": "rag",
    "rag rating": "rag",
    "% complete": "percent_complete",
    "percent": "percent_complete",
    "percentage": "percent_complete",
    "percentage complete": "percent_complete",
    "percent complete": "percent_complete",
    # dates
    "milestone": "milestone_date",
    "milestones": "milestone_date",
    "milestone dates": "milestone_date",
    "due": "milestone_date",
    "due date": "milestone_date",
    "target date": "milestone_date",
    "deadline": "milestone_date",
    "timescale": "milestone_date",
    "timescales": "milestone_date",
    "timeline": "milestone_date",
    "completion date": "milestone_date",
    "baseline date": "milestone_date",
    "end date": "milestone_date",
    "key milestones": "milestone_date",
    "target": "milestone_date",
    "target completion": "milestone_date",
    "target completion date": "milestone_date",
    "delivery date": "milestone_date",
    "forecast": "forecast_date",
    "revised date": "forecast_date",
    "revised completion date": "forecast_date",
    "revised end date": "forecast_date",
    "expected completion": "forecast_date",
    "forecast completion": "forecast_date",
    # words
    "benefits": "expected_benefits",
    "outcomes": "expected_benefits",
    "outcome": "expected_benefits",
    "detail": "description",
    "details": "description",
    "project description": "description",
    "description of action": "description",
    "merged into": "merged_into",
}
# "Key deliverables" is the deliverable's title, unless another column holds the
# title: then it is the description.
_KEY_DELIVERABLES = frozenset({"key deliverable", "key deliverables"})

# Columns that feed no field of the import (notes, and what a plan records but the
# import does not): never given a field by their values, nor by a near miss.
_NOTES = frozenset(
    {
        "start date",
        "date started",
        "budget",
        "cost",
        "funding",
        "status update",
        "comment",
        "comments",
        "commentary",
        "note",
        "notes",
        "remarks",
        "narrative",
        "update",
        "updates",
        "latest update",
        "progress update",
        "progress to date",
        "rationale",
        "evidence",
    }
)

# Scores of a proposal: the better one wins a field two columns could feed.
_EXACT, _ALIAS, _KEY_TITLE, _KEY_DESCRIPTION = 4.0, 3.0, 2.9, 2.8
_NEAR = 0.85  # the least difflib ratio for a near miss, which scores its ratio


def _name(header: str) -> str:
    """A header as compared with the names we know: lower case, "(s)" as "s",
    runs of spaces, underscores and hyphens as one space, no trailing "." or ":"."""
    name = header.lower().replace("(s)", "s")
    name = re.sub(r"[\s_\-]+", " ", name)
    return name.strip(" .:*?")


# The documented names (the fields) and their labels, as the export writes them.
_EXACT_NAMES: dict[str, str] = {_name(c): c for c in FIELD_LABELS if c} | {
    _name(label): c for c, label in FIELD_LABELS.items() if c
}
_KNOWN = frozenset(_EXACT_NAMES) | set(_ALIASES) | _KEY_DELIVERABLES | _NOTES
_KNOWN_NAMES = sorted(_KNOWN)


def signature(header: list[str]) -> str:
    """A stable digest of the header row, as compared (case, spacing, underscores
    and hyphens do not count), under which a confirmed mapping is saved for the
    next upload of the same layout."""
    normalised = "\x1f".join(_name(h) for h in header)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# Proposing -------------------------------------------------------------------------


def heading_row(cells: Sequence[str]) -> str:
    """The heading a row names ("Strand 1: Victims"), or "" when it is not a
    heading row: a heading row has exactly one filled cell, counting a text merged
    across the row as one, in a table of more than one column."""
    if len(cells) < 2:
        return ""
    texts = {c for c in cells if c}
    return texts.pop() if len(texts) == 1 else ""


def merged_heading(cells: Sequence[str]) -> str:
    """The heading of a row that one text fills from edge to edge (a cell merged
    across the whole row), or ""."""
    if len(cells) < 2 or not all(cells):
        return ""
    texts = set(cells)
    return texts.pop() if len(texts) == 1 else ""


def heading_rows(table: Table) -> list[tuple[int, str]]:
    """The table's heading rows, as (row number, heading), for the preview to show
    what was read as a heading rather than as a deliverable."""
    return [
        (number, heading)
        for number, cells in table.rows
        if (heading := heading_row(cells))
    ]


def _looks_like_reference(value: str) -> bool:
    return (
        len(value) <= 20
        and layout.REFERENCE.match(value) is not None
        and any(c.isdigit() for c in value)
    )


def _mostly(values: list[str], test: Callable[[str], bool], share: float = 0.8) -> bool:
    return bool(values) and sum(1 for v in values if test(v)) >= share * len(values)


def _nearest(header: str) -> tuple[str, float]:
    """The name we know that a header is, or nearly is (a typing mistake such as
    "Milstone date"), with how near it is: 1.0 when it is that name, "" when none."""
    name = _name(header)
    if name in _KNOWN or not name:
        return name, 1.0
    if len(name) >= 5:  # short names are too alike to guess between
        near = difflib.get_close_matches(name, _KNOWN_NAMES, n=1, cutoff=_NEAR)
        if near:
            return near[0], difflib.SequenceMatcher(None, name, near[0]).ratio()
    return "", 0.0


def _is_notes(header: str) -> bool:
    return _nearest(header)[0] in _NOTES


def _by_name(header: str, values: list[str]) -> list[tuple[float, str]]:
    """The fields a column's name suggests, each with its score: a near miss
    scores below every name written exactly, the better the nearer it is."""
    name, nearness = _nearest(header)
    if name in _EXACT_NAMES:
        found = [(_EXACT, _EXACT_NAMES[name])]
    elif name in _KEY_DELIVERABLES:
        found = [(_KEY_TITLE, "deliverable_title"), (_KEY_DESCRIPTION, "description")]
    elif name in _ALIASES:
        target = _ALIASES[name]
        if isinstance(target, tuple):
            reference, title = target
            looks = _mostly(values, _looks_like_reference)
            target = reference if looks else title
        found = [(_ALIAS, target)]
    else:  # a column of notes, or a name we do not know
        return []
    if nearness < 1:
        return [
            (min(nearness, 0.99) - rank / 100, f) for rank, (_, f) in enumerate(found)
        ]
    return found


def propose(table: Table) -> Mapping:
    """Guess which field each column feeds: by its name (the documented names, the
    names real plans use, near misses of them), then, for the columns still left,
    by what its first rows hold. No field is proposed for two columns."""
    sample = [cells for _, cells in table.rows if not heading_row(cells)]
    sample = sample[:SAMPLE_ROWS]
    values = [
        [cells[i] for cells in sample if cells[i]] for i in range(len(table.header))
    ]

    candidates = [
        (score, index, name)
        for index, header in enumerate(table.header)
        for score, name in _by_name(header, values[index])
        if name in layout.COLUMNS
    ]
    columns = [""] * len(table.header)
    taken: set[str] = set()
    for _, index, name in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if not columns[index] and name not in taken:
            columns[index] = name
            taken.add(name)

    for index, header in enumerate(table.header):
        if columns[index] or not values[index] or _is_notes(header):
            continue
        name = _by_content(values[index], taken)
        if name:
            columns[index] = name
            taken.add(name)
    _propose_text_columns(table.header, columns, values, taken)
    return Mapping(columns=columns, headings=_headings_for(table, columns))


def _by_content(values: list[str], taken: set[str]) -> str:
    """The field a column's values suggest, among those not taken, or ""."""

    def free(*names: str) -> str:
        return next((n for n in names if n not in taken), "")

    if _mostly(values, _is_percent, 0.9):
        if any(v.endswith("%") for v in values) or not _is_numbering(values):
            return free("percent_complete")
        return free("deliverable_ref")
    if _mostly(values, _is_date) and any(_is_known_date(v) for v in values):
        return free("milestone_date", "forecast_date")
    if _mostly(values, lambda v: layout.words(v) in layout.STATUS_WORDS):
        return free("status")
    if _mostly(values, lambda v: layout.words(v) in layout.RAG_WORDS):
        return free("rag")
    if _mostly(values, _looks_like_reference, 0.9) and len(set(values)) == len(values):
        return free("deliverable_ref")
    distinct = len(set(values))
    if 2 <= distinct <= 12 and len(values) >= 3 * distinct:
        # A few values repeated over many rows: a project list's grouping.
        return free("strands")
    return ""


def _propose_text_columns(
    header: list[str], columns: list[str], values: list[list[str]], taken: set[str]
) -> None:
    """The longest text left is the title, or, when a title is mapped and the text
    is longer than it, the description."""
    lengths = {
        index: sum(len(v) for v in values[index]) / len(values[index])
        for index in range(len(header))
        if not columns[index] and values[index] and not _is_notes(header[index])
    }
    if not lengths:
        return
    longest = max(lengths, key=lambda i: (lengths[i], -i))
    if "deliverable_title" not in taken:
        columns[longest] = "deliverable_title"
        taken.add("deliverable_title")
        return
    title = columns.index("deliverable_title")
    title_values = values[title] or [""]
    title_length = sum(len(v) for v in title_values) / len(title_values)
    if "description" not in taken and lengths[longest] > max(title_length, 20):
        columns[longest] = "description"
        taken.add("description")


def _is_percent(value: str) -> bool:
    number = value.removesuffix("%").strip()
    return number.isdigit() and 0 <= int(number) <= 100


def _is_numbering(values: list[str]) -> bool:
    """Whether whole numbers count rows (1, 2, 3...) rather than measure them: they
    rise all the way, mostly by one."""
    steps = [int(b) - int(a) for a, b in itertools.pairwise(values)]
    return bool(steps) and min(steps) > 0 and steps.count(1) >= 0.8 * len(steps)


def _is_date(value: str) -> bool:
    try:
        fuzzydates.parse(value, default_year=2000)
    except fuzzydates.FuzzyDateError:
        return False
    return True


def _is_known_date(value: str) -> bool:
    try:
        return fuzzydates.parse(value, default_year=2000).is_known
    except fuzzydates.FuzzyDateError:
        return False


#: The first word of a heading row that says what it names.
_HEADING_WORDS = {
    "strand": "strand",
    "workstream": "strand",
    "portfolio": "strand",
    "programme": "strand",
    "priority": "priority",
    "theme": "priority",
    "section": "priority",
    "outcome": "priority",
}


def _headings_for(table: Table, columns: list[str]) -> str:
    """What the table's heading rows name: what their own first word says
    ("Strand 2: Victims", "Priority 3 ..."), else a strand when no column holds
    strands, else a priority when no column holds one, else nothing. Rows of one
    filled cell that are most of the table are not headings but short rows (a list
    of titles with the rest to come)."""
    headings = [h for _, cells in table.rows if (h := heading_row(cells))]
    if not headings or (
        len(headings) * 2 > len(table.rows)
        and not any(merged_heading(cells) for _, cells in table.rows)
    ):
        return ""
    said = {
        _HEADING_WORDS.get(re.split(r"[\s\d:.\-]+", h.strip().lower())[0], "")
        for h in headings
    }
    if len(said) == 1 and (word := said.pop()):
        return word
    if "strands" not in columns:
        return "strand"
    if not {"priority_ref", "priority_title"} & set(columns):
        return "priority"
    return ""


# Checking and applying -------------------------------------------------------------


def strict_mapping(
    table: Table,
    fields: Sequence[str],
    *,
    required: Iterable[str],
    name_of: Callable[[str], str] = layout.header_key,
) -> Mapping:
    """The mapping of a table whose header must name its columns exactly: each
    heading is taken as the field ``name_of`` makes of it (by default the heading
    as a key, "Deliverable Ref" as ``deliverable_ref``), and a column with a blank
    heading is left out. No mapping is proposed or corrected: a heading that is not
    one of ``fields`` is refused, so that a typing mistake is not silently ignored,
    as are a ``required`` field no column names and a field two columns name.

    Raises ImportFailed listing every problem, each on row 1 (the header) with its
    column: the heading as written for one we do not know, else the field.
    """
    names = [name_of(heading) for heading in table.header]
    errors = [
        RowError(1, heading or f"column {index + 1}", "This is not a column we know.")
        for index, (heading, name) in enumerate(zip(table.header, names, strict=True))
        if heading and name not in fields
    ]
    errors += [
        RowError(1, name, "This column is missing.")
        for name in required
        if name not in names
    ]
    errors += [
        RowError(1, name, "This column appears twice.")
        for name, count in Counter(names).items()
        if name and count > 1
    ]
    if errors:
        raise ImportFailed(errors)
    return Mapping(columns=[name if name in fields else "" for name in names])


def problems(table: Table, mapping: Mapping) -> list[RowError]:
    """What is wrong with a mapping, to show beside the form's choices: a required
    field no column feeds, a field two columns feed, a field that does not exist.
    Every problem is on row 1 (the header); its column is the field concerned, so
    that a form can show it beside each choice of that field."""
    errors: list[RowError] = []
    if len(mapping.columns) != len(table.header):
        errors.append(
            RowError(
                1,
                "file",
                "The choices do not match this file's columns: choose again.",
            )
        )
    for name in dict.fromkeys(mapping.columns):
        if name and name not in layout.COLUMNS:
            errors.append(
                RowError(1, name, f'"{name}" is not a field a plan can hold.')
            )
    if mapping.headings not in HEADINGS:
        errors.append(
            RowError(1, "headings", "Choose strand, priority or nothing for headings.")
        )
    fed = set(mapping.columns) | set(_fed_by_headings(mapping.headings))
    for name in layout.REQUIRED:  # read now: its owner decides what is required
        if name not in fed:
            errors.append(
                RowError(1, name, f"Choose the column that holds the {_plural(name)}.")
            )
    by_field: dict[str, list[str]] = {}
    for index, name in enumerate(mapping.columns):
        if name:
            header = table.header[index] if index < len(table.header) else ""
            by_field.setdefault(name, []).append(header or f"column {index + 1}")
    for name, headers in by_field.items():
        if len(headers) > 1:
            listed = ", ".join(f'"{h}"' for h in headers[:-1]) + f' and "{headers[-1]}"'
            both, other = ("both", "other") if len(headers) == 2 else ("all", "others")
            errors.append(
                RowError(
                    1,
                    name,
                    f"{listed} are {both} chosen as {_label(name)}: "
                    f"choose one and leave out the {other}.",
                )
            )
    return sorted(errors)


def _plural(name: str) -> str:
    """What a column of a field holds, in a sentence: "deliverable titles",
    "owners", "RAG"."""
    label = _label(name)
    if not label.isupper():
        label = label.lower()
    return label + "s" if label.endswith(("title", "reference", "date")) else label


def _fed_by_headings(headings: str) -> tuple[str, ...]:
    return {"strand": ("strands",), "priority": ("priority_title",)}.get(headings, ())


def apply(
    table: Table, mapping: Mapping, *, fields: Sequence[str] | None = None
) -> list[tuple[int, dict[str, str]]]:
    """Every row as ``{field: text}`` for every field of the import ("" for a field
    no column feeds), with its row number in the file, ready for
    ``layout.validate``. Heading rows are taken out; with ``headings`` set, each
    row under a heading gets it as a strand (added to its strands) or as its
    priority's title (when it has none of its own).

    ``fields`` are the fields to fill, ``layout.COLUMNS`` unless told (the history
    import gives its own, with ``headings`` left "": then only a row that one text
    fills from edge to edge is taken out as a heading)."""
    if fields is None:
        fields = layout.COLUMNS
    pairs = [
        (index, name)
        for index, name in enumerate(mapping.columns)
        if name in fields and index < len(table.header)
    ]
    blank = dict.fromkeys(fields, "")
    rows: list[tuple[int, dict[str, str]]] = []
    heading = ""
    for number, cells in table.rows:
        # Without a meaning for headings, a row of one filled cell is a deliverable
        # with the rest left blank; a heading merged across the row is left out.
        if text := (heading_row if mapping.headings else merged_heading)(cells):
            heading = text
            continue
        row = blank.copy()
        for index, name in pairs:
            if cells[index] and not row[name]:
                row[name] = cells[index]
        if heading and mapping.headings == "strand":
            strands = [s.strip() for s in row["strands"].split(";") if s.strip()]
            if heading not in strands:
                row["strands"] = "; ".join([*strands, heading])
        elif heading and mapping.headings == "priority" and not row["priority_title"]:
            row["priority_title"] = heading
        rows.append((number, row))
    return rows


# Saved mappings --------------------------------------------------------------------


def _saved_key(header: list[str], index: int) -> str:
    return header[index] or f"column {index + 1}"


def saved_columns(header: list[str], mapping: Mapping) -> dict[str, str]:
    """A confirmed mapping as it is saved: ``{header as written: field}``, a column
    with a blank header named by its position ("column 5")."""
    return {
        _saved_key(header, index): name
        for index, name in enumerate(mapping.columns[: len(header)])
    }


def fit(saved_columns: dict[str, str], table: Table) -> tuple[Mapping, list[str]]:
    """A saved ``{header as written: field}`` mapping applied to this file's header,
    with a sentence for each thing that no longer fits: a saved column the file does
    not have, a column of the file the saved mapping does not know (which gets the
    field ``propose`` would give it, when that field is free), a saved field that no
    longer exists."""
    by_name = {_name(key): name for key, name in saved_columns.items()}
    proposed = propose(table).columns
    columns = [""] * len(table.header)
    notes: list[str] = []
    unknown: list[int] = []
    present = set()
    for index in range(len(table.header)):
        key = _saved_key(table.header, index)
        if key in saved_columns:
            name = saved_columns[key]
        elif _name(key) in by_name:
            name = by_name[_name(key)]
        else:
            unknown.append(index)
            continue
        present.add(_name(key))
        if name and name not in layout.COLUMNS:
            notes.append(
                f'The column "{key}" was saved as "{name}", which is no longer a '
                "field: choose where it goes."
            )
            name = ""
        columns[index] = name
    for key, name in saved_columns.items():
        # A column that was left out is not missed.
        if _name(key) not in present and name in layout.COLUMNS:
            notes.append(
                f'The saved mapping takes {_label(name)} from a column "{key}", '
                "which this file does not have."
            )
    taken = set(columns)
    for index in unknown:
        name = proposed[index]
        if name and name not in taken:
            columns[index] = name
            taken.add(name)
        key = _saved_key(table.header, index)
        outcome = (
            f"it is proposed as {_label(columns[index])}"
            if columns[index]
            else "it is left out"
        )
        notes.append(f'The saved mapping does not know the column "{key}": {outcome}.')
    return Mapping(columns=columns, headings=_headings_for(table, columns)), notes
