"""`seg-mcp settings`: every environment variable and config-file key, read off the settings
models themselves (their fields, defaults and descriptions), so the reference cannot drift from
the code. `--markdown` prints the tables the README carries between its `settings` markers."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable, or the TOML key
    default: str
    description: str
    secret: bool


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "settings",
        help="list every environment variable and config-file key",
        description="Print every setting seg-mcp reads: environment variables (by component) "
        "and the keys of the SEG_MCP_CONFIG TOML file, with defaults and what each does.",
    )
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.set_defaults(func=run)


def sections() -> list[tuple[str, type[BaseModel], bool]]:
    """(title, model, is environment) for every settings model of the package, in README order.
    A test checks that every variable a BaseSettings subclass of seg_mcp reads is listed."""
    from seg_mcp import config
    from seg_mcp.sandbox.settings import SandboxSettings
    from seg_mcp.server.auth.settings import HttpAuthSettings

    return [
        (
            "Adobe credentials and posture (one profile from the environment)",
            config.AEPEnvSettings,
            True,
        ),
        ("seg-mcp itself", config.SegMcpSettings, True),
        ("The HTTP server's sign-in (`serve --transport http`)", HttpAuthSettings, True),
        ("The local sandbox", SandboxSettings, True),
        ("`SEG_MCP_CONFIG` file: top level", config.FileConfig, False),
        ("`SEG_MCP_CONFIG` file: each `[profiles.NAME]` table", config.FileProfile, False),
    ]


def _env_name(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    alias = info.validation_alias
    if isinstance(alias, str):
        return alias
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0])
    prefix = str(model.model_config.get("env_prefix", ""))
    return (prefix + name).upper()


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value: Any = info.get_default(call_default_factory=True)
        if isinstance(value, Path):
            return ""  # a per-platform folder: the description says which
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    if isinstance(value, SecretStr):
        return "(set)" if value.get_secret_value() else ""
    if value is None or value == () or value == []:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, tuple | list):
        if all(isinstance(v, str) for v in value):
            return ",".join(value)
        return f"{len(value)} built in"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def settings_of(model: type[BaseModel], env: bool) -> list[Setting]:
    rows = []
    for name, info in model.model_fields.items():
        annotation = str(info.annotation)
        rows.append(
            Setting(
                name=_env_name(model, name, info) if env else name,
                default=_default(info),
                description=(info.description or "").strip(),
                secret="SecretStr" in annotation,
            )
        )
    return rows


def settings_classes() -> list[type[BaseModel]]:
    return [model for _, model, _ in sections()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    out: list[str] = []
    seen: set[str] = set()
    for title, model, env in sections():
        out += [f"#### {title}", ""]
        out += [
            "| variable | default | what it does |" if env else "| key | default | what it does |"
        ]
        out += ["| --- | --- | --- |"]
        for s in settings_of(model, env):
            if env and s.name in seen:
                continue  # read by two components (SEG_MCP_DATA_DIR): listed once
            seen.add(s.name)
            default = f"`{_cell(s.default)}`" if s.default else ""
            what = _cell(s.description) + (" **Secret.**" if s.secret else "")
            out.append(f"| `{s.name}` | {default} | {what} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown(), end="")
        return 0
    for title, model, env in sections():
        print(title)
        for s in settings_of(model, env):
            default = f" (default {s.default})" if s.default else ""
            print(f"  {s.name}{default}: {s.description}")
        print()
    return 0
