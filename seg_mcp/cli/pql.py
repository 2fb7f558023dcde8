"""`seg-mcp pql`: check and convert PQL locally, with no platform and no sandbox.

    seg-mcp pql check 'homeAddress.countryCode == "US"'
    seg-mcp pql check - --fields fields.json --json < query.pql
    seg-mcp pql convert 'person.birthYear >= 2000'          (prints pql/json)
    seg-mcp pql convert --from-json tree.json               (prints pql/text)

`check` exits 0 when the expression is valid, 1 when it is not (the diagnostics are drawn under
the source, like a compiler's). Errors in the arguments (an unreadable or invalid --fields file)
exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

_EPILOG = """\
EXPR is pql/text, or - to read it from standard input.
--fields takes a FieldCatalog JSON file: {"profile": [{"path": "homeAddress", "xdm_type":
"object"}, {"path": "homeAddress.countryCode", "xdm_type": "string"}], "events": [...]}."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "pql",
        help="check and convert PQL locally",
        description="Check PQL (with diagnostics drawn under the source) and convert between "
        "pql/text and pql/json.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="pql_command", metavar="COMMAND")
    check = commands.add_parser(
        "check", help="check an expression (exit 0 valid, 1 invalid)", epilog=_EPILOG
    )
    check.add_argument("expr", metavar="EXPR", help="pql/text, or - for standard input")
    check.add_argument("--fields", metavar="FILE", help="a FieldCatalog JSON file")
    check.add_argument("--json", action="store_true", help="print the CheckResult as JSON")
    check.set_defaults(func=run_check)
    convert = commands.add_parser("convert", help="pql/text -> pql/json, or back with --from-json")
    convert.add_argument("expr", nargs="?", metavar="EXPR", help="pql/text, or - for stdin")
    convert.add_argument(
        "--from-json", metavar="FILE", help="print the pql/text of a pql/json file (- for stdin)"
    )
    convert.set_defaults(func=run_convert)
    parser.set_defaults(func=lambda args: _usage(parser))


class _UsageError(Exception):
    pass


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _write(text: str, stream: TextIO | None = None) -> None:
    """Print without failing on characters the terminal cannot encode (lone surrogates)."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding), file=stream)


def _read(source: str, what: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise _UsageError(f"cannot read {what} {source}: {reason}") from None


def _catalog(path: str | None) -> Any:
    if path is None:
        return None
    from pydantic import ValidationError

    from seg_mcp.pql import FieldCatalog

    raw = _read(path, "the field catalog")
    try:
        return FieldCatalog.model_validate_json(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error["loc"]) or "the top level"
            problems.append(f"  at {where}: {error['msg']}")
        more = exc.error_count() - len(problems)
        if more > 0:
            problems.append(f"  (and {more} more)")
        raise _UsageError(f"{path} is not a field catalog:\n" + "\n".join(problems)) from None


def run_check(args: argparse.Namespace) -> int:
    from seg_mcp import pql

    try:
        catalog = _catalog(args.fields)
        text = _read(args.expr, "the expression") if args.expr == "-" else args.expr
    except _UsageError as exc:
        _write(f"error: {exc}", sys.stderr)
        return 2
    result = pql.check(text, catalog)
    if args.json:
        _write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return 0 if result.ok else 1
    if result.diagnostics:
        _write(pql.render(text, result.diagnostics) + "\n")
    errors = len(result.errors)
    warnings = len(result.diagnostics) - errors
    if not result.ok:
        _write(f"invalid: {errors} error{'s' if errors != 1 else ''}" + _count(warnings))
        return 1
    _write("valid" + _count(warnings))
    if result.explanation:
        _write(result.explanation)
    return 0


def _count(warnings: int) -> str:
    return f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""


def run_convert(args: argparse.Namespace) -> int:
    from seg_mcp import pql

    if (args.expr is None) == (args.from_json is None):
        _write("error: give either EXPR (pql/text) or --from-json FILE", sys.stderr)
        return 2
    try:
        if args.from_json is not None:
            raw = _read(args.from_json, "the pql/json file")
            source = "standard input" if args.from_json == "-" else args.from_json
            try:
                _write(pql.to_pql_text(pql.from_pql_json(raw)))
            except (pql.PqlJsonError, pql.PrintError) as exc:
                _write(f"error: {source} is not a valid pql/json tree: {exc}", sys.stderr)
                return 1
            return 0
        text = _read(args.expr, "the expression") if args.expr == "-" else args.expr
    except _UsageError as exc:
        _write(f"error: {exc}", sys.stderr)
        return 2
    try:
        query = pql.parse(text)
    except pql.PqlSyntaxError as exc:
        _write(pql.render(text, exc.diagnostics), sys.stderr)
        return 1
    _write(json.dumps(pql.to_pql_json(query), indent=2, ensure_ascii=False))
    return 0
