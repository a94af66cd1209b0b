"""Progress has one write path: ``deliverables.services.record_progress``.

Read from the source, so a new door that writes progress its own way fails here
before it can record history or the audit log differently from the others.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "plans", "deliverables", "scrutiny"]
SERVICE = "deliverables/services.py"
# The scale seeder writes generated test data in bulk, unaudited, for speed; it is a
# developer tool (tests/perf/), never installed in production.
SEEDER = "tests/perf/scale.py"

#: Every module that records progress, and so calls the one service.
CALLERS = {
    "deliverables/api/views.py",  # both single-update routes and bulk
    "deliverables/views.py",  # the browser's record-progress form
    "deliverables/admin.py",  # the admin's add form
    "deliverables/returns/record.py",  # quarterly return workbooks
    "deliverables/importing.py",  # a corrected plan file, merges in a file
    "deliverables/history_import.py",  # a plan's earlier quarters from a file
    "deliverables/management/commands/load_demo.py",  # the demonstration data
    SERVICE,  # merge and split
}


def _modules(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_name(func.value)}.{func.attr}"
    return ""


def test_only_the_service_builds_or_saves_progress_updates():
    """No module but the service (and the seeder) makes a ProgressUpdate row."""
    writers = set()
    for path, tree in _modules(*APPS, "tests/perf"):
        for call in _calls(tree):
            name = _name(call.func)
            if name == "ProgressUpdate" or name.startswith(
                ("ProgressUpdate.objects.create", "ProgressUpdate.objects.bulk_create")
            ):
                writers.add(path)
            if name.endswith(("updates.create", "updates.bulk_create")):
                writers.add(path)
    assert writers <= {SERVICE, SEEDER}, sorted(writers - {SERVICE, SEEDER})


def test_every_door_records_progress_through_the_one_service():
    """The browser, both API routes, bulk, returns, import, merge, split, admin and
    the demo call ``record_progress``; there is no second writing function."""
    callers = set()
    for path, tree in _modules(*APPS):
        for call in _calls(tree):
            if _name(call.func).split(".")[-1] == "record_progress":
                callers.add(path)
    assert callers == CALLERS
    service = ast.parse((ROOT / SERVICE).read_text())
    functions = {
        node.name for node in service.body if isinstance(node, ast.FunctionDef)
    }
    assert "record_progress" in functions
    assert not {f for f in functions if f.startswith("record_progress_")}
