"""Stage the Claude Desktop bundle (MCPB, server type `uv`) in a folder, for `mcpb pack`.

    python scripts/stage_bundle.py OUT_DIR
    npx @anthropic-ai/mcpb pack OUT_DIR seg-mcp.mcpb

The bundle carries the project as source (manifest, pyproject.toml, README, LICENSE, seg_mcp/):
the host's uv installs the dependencies pyproject.toml names, and `mcp_config` runs
`uv run --directory ${__dirname} seg-mcp serve`. `.ci/run` stages, validates and packs it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("pyproject.toml", "README.md", "LICENSE")


def stage(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy2(ROOT / "mcpb" / "manifest.json", out / "manifest.json")
    shutil.copy2(ROOT / "mcpb" / ".mcpbignore", out / ".mcpbignore")
    for name in FILES:
        shutil.copy2(ROOT / name, out / name)
    shutil.copytree(
        ROOT / "seg_mcp", out / "seg_mcp", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    stage(Path(sys.argv[1]))
    print(f"staged the bundle in {sys.argv[1]}")
