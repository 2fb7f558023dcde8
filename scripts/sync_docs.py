"""Regenerate the README's generated sections from the code (or, with --check, fail if stale).

    python scripts/sync_docs.py          # rewrite README.md in place
    python scripts/sync_docs.py --check  # exit 1 and say which section is stale

Each section sits between `<!-- BEGIN name: command -->` and `<!-- END name -->` markers and is
the output of that `seg-mcp` command, run with a clean environment (no AEP_* or SEG_* variables)
so the result depends on the code alone. tests/distribution/test_docs.py runs the check.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SECTION = re.compile(
    r"(?P<begin><!-- BEGIN (?P<name>[\w-]+): (?P<command>seg-mcp [^>]*?) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- END (?P=name) -->)",
    re.S,
)


def render(command: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "SEG_"))}
    env["SEG_MCP_BACKEND"] = "local"
    args = [sys.executable, "-m", "seg_mcp", *command.split()[1:]]
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"`{command}` failed:\n{done.stderr}")
    return done.stdout


def sync(text: str) -> tuple[str, list[str]]:
    """The README with every section regenerated, and the names of the sections that changed."""
    stale: list[str] = []

    def replace(m: re.Match[str]) -> str:
        body = render(m["command"])
        if body != m["body"]:
            stale.append(m["name"])
        return m["begin"] + body + m["end"]

    return SECTION.sub(replace, text), stale


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    if not SECTION.search(text):
        raise SystemExit("README.md has no generated sections (<!-- BEGIN name: command -->)")
    new, stale = sync(text)
    if "--check" in argv:
        if stale:
            print(
                f"README.md is stale in: {', '.join(stale)}. "
                "Run `python scripts/sync_docs.py` and commit the result.",
                file=sys.stderr,
            )
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    print(f"README.md: regenerated {', '.join(stale) or 'nothing (up to date)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
