"""The shape of the code: which app may import which, no import cycles, and a reason
written beside every import that hides inside a function.

Apps import only downwards, ``core`` <- ``plans`` <- ``deliverables`` <- ``scrutiny``:
core imports no domain app, plans may import core, deliverables may import plans and
core, scrutiny any of the three. No two modules may import each other, directly or
round a longer loop. Every import counts wherever it is written: at module level,
inside a function, or under ``if TYPE_CHECKING:``. None of them may import the tests,
nor the developer-only ``perf`` app that lives with them (``tests/perf/``).

Pure Python (``ast``); no Django, no database. Migrations are left out.
"""

import ast
import pathlib
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent
ORDER = ["core", "plans", "deliverables", "scrutiny"]
#: The tests, and the developer-only perf tools with them: never imported by an app.
DEVELOPER_ONLY = "tests"
FUNCTIONS = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass(frozen=True)
class Import:
    path: pathlib.Path
    line: int
    targets: tuple[str, ...]  # absolute dotted names, most specific last
    in_function: bool


def _module_name(path: pathlib.Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _sources() -> dict[str, pathlib.Path]:
    found = {}
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            found[_module_name(path)] = path
    return found


def _targets(node: ast.Import | ast.ImportFrom, path: pathlib.Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: climb from the module's own package
        package = _module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([base] if base else []))
    # `from pkg import name` imports pkg, and pkg.name too when that is a module
    return [base] + [
        f"{base}.{alias.name}" for alias in node.names if alias.name != "*"
    ]


def _imports(path: pathlib.Path) -> list[Import]:
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(
                    Import(
                        path, child.lineno, tuple(_targets(child, path)), in_function
                    )
                )
            visit(child, in_function or isinstance(child, FUNCTIONS))

    visit(ast.parse(path.read_text(), filename=str(path)), in_function=False)
    return found


SOURCES = _sources()
IMPORTS = [imp for path in SOURCES.values() for imp in _imports(path)]


def _app(dotted: str) -> str:
    return dotted.split(".")[0]


def _where(imp: Import) -> str:
    return f"{imp.path.relative_to(ROOT)}:{imp.line}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def test_the_platform_app_exists():
    assert (ROOT / "core").is_dir()
    assert "core.audit" in SOURCES


def test_apps_import_only_downwards():
    upward = []
    for imp in IMPORTS:
        rank = ORDER.index(_app(_module_name(imp.path)))
        above = [t for t in imp.targets if _app(t) in ORDER[rank + 1 :]]
        if above:
            upward.append(f"{_where(imp)}: {ORDER[rank]} imports {above[0]}")
    assert not upward, (
        "imports against the direction core <- plans <- deliverables <- scrutiny:\n"
        + "\n".join(upward)
    )


def test_no_app_imports_the_tests_or_the_developer_only_perf_app():
    offending = [
        f"{_where(imp)}: imports {imp.targets[0]}"
        for imp in IMPORTS
        if any(_app(target) == DEVELOPER_ONLY for target in imp.targets)
    ]
    assert not offending, "the tests and perf are developer-only:\n" + "\n".join(
        offending
    )


def test_no_import_cycles():
    graph: dict[str, set[str]] = {name: set() for name in SOURCES}
    for imp in IMPORTS:
        source = _module_name(imp.path)
        graph[source] |= {t for t in imp.targets if t in SOURCES and t != source}
    cycles = _cycles(graph)
    assert not cycles, "modules that import each other:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def _has_reason(lines: list[str], imp: Import, imports_at: set[int]) -> bool:
    """A `#` comment on the import's line, or on the line right above it. A block of
    imports written one after another shares the comment above its first line."""
    line = imp.line
    while True:
        if "#" in lines[line - 1]:
            return True
        above = lines[line - 2].strip() if line >= 2 else ""
        if above.startswith("#"):
            return True
        if line - 1 in imports_at:  # part of a block: look above the block
            line -= 1
            continue
        return False


def _function_level_imports_without_a_reason() -> list[str]:
    missing = []
    for path in SOURCES.values():
        lines = path.read_text().splitlines()
        imports = [imp for imp in IMPORTS if imp.path == path]
        # every line an import statement covers, so a block's lines chain upwards
        tree = ast.parse("\n".join(lines))
        imports_at = {
            n
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        }
        missing += [
            f"{_where(imp)}: {lines[imp.line - 1].strip()}"
            for imp in imports
            if imp.in_function and not _has_reason(lines, imp, imports_at)
        ]
    return missing


def test_every_function_level_import_says_why():
    missing = _function_level_imports_without_a_reason()
    assert not missing, (
        f"{len(missing)} imports inside functions without a comment saying why "
        "(or move them to module level):\n" + "\n".join(missing)
    )
