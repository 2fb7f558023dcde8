"""Debian's Chromium for the tests where a page matters, driven headless by playwright (no browser
download). Importable from every test folder (pytest puts `tests/` on sys.path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")

#: For a module's `pytestmark`: its tests need the browser `.ci/run` installs.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


def chromium_options(profile: Path, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for playwright's `chromium.launch_persistent_context`: headless Debian
    Chromium with a fresh profile folder and no background networking (only loopback is used)."""
    return {
        "user_data_dir": str(profile),
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
        ],
        **extra,
    }
