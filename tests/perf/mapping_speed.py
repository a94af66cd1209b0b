"""How fast a large plan spreadsheet is read and mapped (deliverables.mapping).

Run by hand, not collected as a test:

    .venv/bin/python -m tests.perf.mapping_speed

It writes a 5,000-row, 20-column workbook (with a title line and the priority cells
merged down over their rows) and the same table as CSV into a temporary folder, then
times (for the workbook as openpyxl writes it and as Excel does, with shared strings)
the mapping step (``read_table(limit=200)`` and ``propose``) and the full read
(``read_table`` and ``apply``) of each, printing the best and the worst of a few runs.
The targets are well under 1 s for the mapping step and under 2 s for the full read.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROWS = 5_000
RUNS = 3


def _table() -> tuple[list[str], list[list[str]]]:
    from deliverables.importing import COLUMNS

    statuses = ["in progress", "completed", "future", "on hold"]
    rows = []
    for n in range(ROWS):
        priority, objective = n // 50 + 1, n // 10 + 1
        values = {
            "priority_ref": str(priority),
            "priority_title": f"Priority {priority}: keep people safe",
            "objective_ref": f"{priority}.{objective}",
            "objective_title": f"Objective {objective} about prevention and care",
            "deliverable_ref": f"{priority}.{objective}.{n + 1}",
            "deliverable_title": f"Deliverable {n + 1}: a patrol strategy for area",
            "description": f"Fully support partners in delivering strategy {n} " * 3,
            "milestone_date": f"Q{n % 4 + 1} 2025",
            "owners": "Ch. Insp Operations; Firearms Training Sergeant",
            "lead_organisation": "States of Jersey Police",
            "delivering_unit": "Local Policing",
            "expected_benefits": "Reduction in offending and anti-social behaviour",
            "strands": "Victims; Prevention",
            "status": statuses[n % 4],
            "rag": ["green", "amber", "red"][n % 3],
            "percent_complete": str(n % 101),
            "forecast_date": f"Q{(n + 1) % 4 + 1} 2025",
        }
        rows.append([values.get(c, "") for c in COLUMNS])
    return list(COLUMNS), rows


def _write(folder: Path) -> tuple[Path, Path, Path]:
    from openpyxl import Workbook

    header, rows = _table()
    csv_path = folder / "plan.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["A plan of 5,000 deliverables"])
        writer.writerow(header)
        writer.writerows(rows)

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.append(["A plan of 5,000 deliverables"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    # The priority's reference and title merged down over its 50 rows.
    for first in range(3, ROWS + 3, 50):
        for column in (1, 2):
            sheet.merge_cells(
                start_row=first,
                start_column=column,
                end_row=first + 49,
                end_column=column,
            )
    xlsx_path = folder / "plan.xlsx"
    workbook.save(xlsx_path)
    return xlsx_path, _with_shared_strings(xlsx_path), csv_path


_INLINE = re.compile(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>')


def _with_shared_strings(path: Path) -> Path:
    """The workbook as Excel saves it: openpyxl writes each text into its cell,
    Excel writes each distinct text once into a table of shared strings."""
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = strings.setdefault(match[2], len(strings))
        return b'<c r="' + match[1] + b'" t="s"><v>%d</v></c>' % index

    target = path.with_name("plan-shared-strings.xlsx")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = _INLINE.sub(shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml."
                    b'sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml" Id="rIdShared"/></Relationships>',
                )
            package.writestr(info, data)
        items = b"".join(b"<si><t>" + text + b"</t></si>" for text in strings)
        package.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="%d" uniqueCount="%d">'
            % (len(strings), len(strings))
            + items
            + b"</sst>",
        )
    return target


def _time(step: Callable[[], object]) -> tuple[float, float, float]:
    """The best and worst wall-clock time of a few runs, and the best processor
    time: on a shared machine the processor time says what the code costs."""
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), max(walls), min(cpus)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from deliverables.mapping import apply, propose, read_table

    with tempfile.TemporaryDirectory() as folder:
        for path in _write(Path(folder)):
            table = read_table(path)
            mapping = propose(table)
            assert len(apply(table, mapping)) == ROWS

            def mapping_step(path: Path = path) -> None:
                propose(read_table(path, limit=200))

            def full_read(path: Path = path) -> None:
                table = read_table(path)
                apply(table, propose(table))

            for name, step in (
                ("read_table(limit=200) + propose", mapping_step),
                ("read_table + propose + apply", full_read),
            ):
                best, worst, cpu = _time(step)
                print(
                    f"{path.name:<24}  {name:<34} best {best:.3f} s, "
                    f"worst {worst:.3f} s, processor {cpu:.3f} s"
                )


if __name__ == "__main__":
    main()
