"""A large plan's action table in the documented import layout, for the import
benchmark and the import's speed-shaped tests: ``write_plan_file(path, rows=5_000)``.

Eight priorities, each with sub-priorities and objectives of ten deliverables, owners,
strands, statuses, RAG and the date phrases real plans use, the same every time.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from deliverables.importing import COLUMNS

STATUSES = ("future", "in progress", "in progress", "completed", "on hold", "")
RAGS = ("green", "green", "amber", "red", "")
DATES = ("Q1", "Q2/Q3", "Q4 2017", "2017", "March 2018", "TBA", "31/12/2017", "Q2")
OWNERS = (
    "Ch. Insp Community Policing",
    "Head of Crime Services",
    "Firearms Training Sergeant",
    "Head of Finance",
    "DCI Public Protection",
)
STRANDS = ("Victims", "Prevention", "Partnership", "Efficiency")


def plan_rows(rows: int, *, seed: str = "plan-file") -> list[dict[str, str]]:
    """``rows`` rows of the documented layout, the same for the same seed."""
    rng = random.Random(seed)
    out = []
    for n in range(rows):
        priority = n // 625 + 1  # eight priorities at 5,000 rows
        sub = n // 125 % 5 + 1
        objective = n // 10 % 13 + 1
        ref = f"{priority}.{sub}.{objective}"
        status = rng.choice(STATUSES)
        out.append(
            {
                "priority_ref": str(priority),
                "priority_title": f"Priority {priority}: keeping people safe",
                "sub_priority_ref": f"{priority}.{sub}",
                "sub_priority_title": f"Sub-priority {priority}.{sub}",
                "objective_ref": ref,
                "objective_title": f"Objective {ref} on visible policing",
                "deliverable_ref": f"{ref}.{n % 10 + 1}.{n}",
                "deliverable_title": f"Deliverable {n}: support partners' work",
                "description": "Work with partners to reduce harm. "
                * rng.randint(1, 6),
                "milestone_date": rng.choice(DATES),
                "owners": "; ".join(rng.sample(OWNERS, rng.randint(1, 2))),
                "lead_organisation": "",
                "delivering_unit": rng.choice(("Local Policing", "Crime Services", "")),
                "expected_benefits": "Fewer repeat victims and more trust.",
                "strands": "; ".join(rng.sample(STRANDS, rng.randint(0, 2))),
                "status": status,
                "rag": rng.choice(RAGS) if status == "in progress" else "",
                "percent_complete": str(rng.randint(0, 90))
                if status == "in progress"
                else "",
                "forecast_date": "",
                "merged_into": "",
            }
        )
    return out


def write_plan_file(path: str | Path, rows: int = 5_000) -> Path:
    """Write the table as CSV or, for a ``.xlsx`` path, as a workbook."""
    path = Path(path)
    table = plan_rows(rows)
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(list(COLUMNS))
        for row in table:
            sheet.append([row[c] for c in COLUMNS])
        workbook.save(path)
        return path
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(table)
    return path
