"""Docs come from the code: the README's tool table and settings reference are generated, a
stale README fails here, every setting the code reads is documented, and no file points outside
the repository."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

from pydantic_settings import BaseSettings

import seg_mcp
from seg_mcp.cli import settings as settings_cli
from seg_mcp.server import ALL_TOOLS

ROOT = Path(__file__).resolve().parents[2]
SYNC = ROOT / "scripts" / "sync_docs.py"


def _sync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SYNC), *args], capture_output=True, text=True, timeout=300
    )


def test_readme_generated_sections_are_current():
    done = _sync("--check")
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_stale_table(tmp_path: Path):
    """The check can fail: a README whose tool table lacks a row is reported as stale."""
    sys.path.insert(0, str(SYNC.parent))
    try:
        import sync_docs
    finally:
        sys.path.remove(str(SYNC.parent))
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `check_pql` |"))
    _, stale = sync_docs.sync(text.replace(row + "\n", ""))
    assert stale == ["tools"]


def test_the_tool_table_lists_every_tool_with_its_kind():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `") and "| " in line]
    names = [row.split("`")[1] for row in rows]
    assert [n for n in names if n in {s.name for s in ALL_TOOLS}] == [s.name for s in ALL_TOOLS]
    for spec in ALL_TOOLS:
        row = next(r for r in rows if r.startswith(f"| `{spec.name}` |"))
        kind = row.split(" | ")[2]
        assert kind.startswith("read-only") is (not spec.writes), row
        assert ("the person confirms" in kind) is (spec.confirm is not None), row


def _settings_models() -> set[type[BaseSettings]]:
    for module in pkgutil.walk_packages(seg_mcp.__path__, "seg_mcp."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: set[type[BaseSettings]] = set()
    todo = [BaseSettings]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("seg_mcp."):
                found.add(sub)
    return found


def test_every_variable_the_code_reads_is_documented():
    documented = {
        s.name
        for _, model, env in settings_cli.sections()
        if env
        for s in settings_cli.settings_of(model, env)
    }
    for model in _settings_models():
        for s in settings_cli.settings_of(model, env=True):
            assert s.name in documented, f"{s.name} ({model.__qualname__}) is not in the reference"
    undocumented = [
        s.name
        for _, model, env in settings_cli.sections()
        for s in settings_cli.settings_of(model, env)
        if not s.description
    ]
    assert undocumented == [], "settings without a description (Field(description=...))"


#: Folders that are not the repository's own files (installs, caches, build output).
NOT_OURS = {".git", ".venv", "node_modules", "__pycache__", "build", "dist", ".ci/node"}


def test_no_file_points_outside_the_repository():
    offenders = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT).as_posix()
        if any(part in NOT_OURS for part in path.relative_to(ROOT).parts) or any(
            relative.startswith(p + "/") for p in NOT_OURS
        ):
            continue
        if path.is_symlink() or not path.is_file() or ".egg-info" in relative:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "../" + "shared" in text:
            offenders.append(relative)
    assert offenders == []
