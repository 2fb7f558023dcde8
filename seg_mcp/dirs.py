"""The user's folders for seg-mcp, per platform: `data_dir()` (the local sandbox's database, the
HTTP server's key file) and `state_dir()` (the audit log, stored sign-ins). A leaf module: it
imports nothing of seg_mcp, and every layer may use it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "seg-mcp"


def _base(xdg_variable: str, xdg_default: str) -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    return Path(os.environ.get(xdg_variable) or Path.home() / xdg_default)


def data_dir() -> Path:
    """`seg-mcp` under the user's data folder (`$XDG_DATA_HOME`, `~/.local/share` on Linux)."""
    return _base("XDG_DATA_HOME", ".local/share") / APP


def state_dir() -> Path:
    """`seg-mcp` under the user's state folder (`$XDG_STATE_HOME`, `~/.local/state` on Linux)."""
    return _base("XDG_STATE_HOME", ".local/state") / APP
