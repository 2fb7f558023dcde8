"""The house rules a reader relies on, checked on the package's source (docs/architecture.md):
arrows one way between layers, no import cycle between modules, no import by string, small
modules, few `type: ignore`s."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "seg_mcp"
MAX_LINES = 450
MAX_TYPE_IGNORES = 10
#: Pure declaration tables allowed past MAX_LINES (node classes, nothing else).
DECLARATION_TABLES = {"pql/ast.py"}
#: What each layer may import of seg_mcp (besides itself); `dirs` is a leaf anyone may use.
ALLOWED = {
    "pql": set(),
    "aep": set(),
    "signin": {"aep"},
    "sandbox": {"pql"},
    "config": {"aep", "signin"},
    "server": {"aep", "pql", "config", "signin"},
}
LEAVES = {"seg_mcp", "seg_mcp.dirs"}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(name: str, path: Path) -> set[str]:
    """The seg_mcp modules `name` imports at module level (not under TYPE_CHECKING or inside a
    function: those are lazy and make no cycle at import time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if isinstance(node, ast.If | ast.Try) else [node]:
            if isinstance(sub, ast.Import):
                found |= {a.name for a in sub.names if a.name.startswith("seg_mcp")}
            elif isinstance(sub, ast.ImportFrom):
                base = sub.module or ""
                if sub.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - sub.level + 1])
                    base = f"{base}.{sub.module}" if sub.module else base
                if base.startswith("seg_mcp"):
                    found.add(base)
                    found |= {f"{base}.{a.name}" for a in sub.names}
    return found


def test_layers_import_only_what_the_arrows_allow():
    wrong = []
    for name, path in _modules():
        layer = name.split(".")[1] if name.count(".") else None
        if layer not in ALLOWED:
            continue
        for target in _imports(name, path):
            other = target.split(".")[1] if target.count(".") else None
            if target in LEAVES or other in (layer, "dirs") or other is None:
                continue
            if other not in ALLOWED[layer]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_import_cycle_between_modules():
    names = dict(_modules())
    graph = {
        name: {t for t in _imports(name, path) if t in names and t != name}
        for name, path in names.items()
    }
    # A package's __init__ re-exporting its modules is not a cycle with them.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_no_import_by_string():
    offenders = [
        name
        for name, path in _modules()
        if "import_module(" in (text := path.read_text(encoding="utf-8")) or "__import__(" in text
    ]
    assert offenders == []


def test_modules_are_small():
    big = {
        path.relative_to(PACKAGE).as_posix(): n
        for _, path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(big) <= DECLARATION_TABLES, big


def test_few_type_ignores():
    count = sum(path.read_text(encoding="utf-8").count("type: ignore") for _, path in _modules())
    assert count <= MAX_TYPE_IGNORES
