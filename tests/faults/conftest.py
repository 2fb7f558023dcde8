"""The fault suite's figures in pytest's terminal summary (also without `-s`)."""

from __future__ import annotations

from typing import Any

from .harness import TALLY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY.cases:
        terminalreporter.write_line(TALLY.line())
