"""The sandbox's use of the PQL toolkit (`seg_mcp.pql`): validate and convert expressions,
turn diagnostics into Adobe-shaped 400s, read evaluation-method eligibility.

With the toolkit's public `check` (parse + field check) the full check runs; until it exists,
the toolkit's parser, pql/json reader/writer and printer give a syntax check and conversion
(diagnostics with line and column), so invalid PQL is refused either way."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from seg_mcp import pql
from seg_mcp.pql.ast import FnApply, Literal
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.errors import ApiError, bad_request


def available() -> bool:
    return all(hasattr(pql, name) for name in ("parse", "check", "to_pql_json", "to_pql_text"))


_TERMINALS = {
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "DOT": "'.'",
    "EQ": "'='",
    "STRING": "a string",
    "INT": "an integer",
    "DOUBLE": "a number",
    "NAME": "a field name",
    "MINUS": "'-'",
    "TRUE": "true",
    "FALSE": "false",
    "PARAM": "$1",
}


def _syntax_check(text: str) -> tuple[Any | None, list[dict[str, Any]]]:
    """(AST, []) or (None, diagnostics) from the toolkit's parser (used without `pql.check`)."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

    from seg_mcp.pql import parser

    try:
        return parser.build(parser.lark_parser().parse(text)), []
    except UnexpectedEOF:
        lines = text.split("\n")
        where = {"line": len(lines), "column": len(lines[-1]) + 1}
        return None, [{"severity": "error", "message": "The expression ends too early.", **where}]
    except UnexpectedCharacters as exc:
        at = exc.pos_in_stream
        message = f"Unexpected character {text[at]!r}." if at is not None else "Unexpected input."
        return None, [
            {"severity": "error", "message": message, "line": exc.line, "column": exc.column}
        ]
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        raw = getattr(exc, "expected", None) or ()
        expected = sorted({_TERMINALS.get(t, t.lower()) for t in raw if not t.startswith("__")})[
            :10
        ]
        if token is None:
            message = "Unexpected input."
        elif getattr(token, "type", "") == "$END":
            message = "The expression ends too early."
        else:
            message = f"Unexpected {str(token)!r}."
        if expected:
            message += " Expected one of: " + ", ".join(expected) + "."
        return None, [
            {"severity": "error", "message": message, "line": exc.line, "column": exc.column}
        ]
    except parser.StructureError as exc:
        span = exc.span
        return None, [
            {
                "severity": "error",
                "message": exc.message,
                "line": span.line,
                "column": span.column,
                "hint": exc.hint,
            }
        ]


def _fallback(fmt: str, value: str) -> Expression:
    from seg_mcp.pql import pqljson, printer

    if fmt == "pql/json":
        tree = _decode_json(value)
        try:
            converted = pqljson.from_pql_json(tree)
        except Exception as exc:
            raise bad_request(
                f"expression.value is not a valid pql/json tree: {exc}", code=errors.PQL_INVALID
            ) from exc
        text = printer.to_pql_text(converted)
    else:
        text = value
    query, diags = _syntax_check(text)
    if query is None:
        raise pql_error(diags, text)
    return Expression(text, pqljson.to_pql_json(query), query, None)


@dataclass(frozen=True)
class Expression:
    """A validated expression in both wire formats, with the toolkit's analysis."""

    text: str | None
    json_value: Any | None  # the pql/json tree (a JSON-able object)
    query: Any | None  # seg_mcp.pql.ast.Query
    analysis: Any | None
    warnings: tuple[dict[str, Any], ...] = ()

    def json_text(self) -> str | None:
        if self.json_value is None:
            return None
        if isinstance(self.json_value, str):
            return self.json_value
        return json.dumps(self.json_value, separators=(",", ":"))

    def value(self, fmt: str) -> str | None:
        return self.text if fmt == "pql/text" else self.json_text()


def _plain(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_plain(v) for v in obj]
    return str(obj)


def diagnostic_dicts(diags: Any) -> list[dict[str, Any]]:
    return [d if isinstance(d, dict) else _plain(d) for d in (diags or ())]


def _severity(d: dict[str, Any]) -> str:
    return str(d.get("severity") or "error").lower()


def describe(d: dict[str, Any]) -> str:
    """One line: where, what, and the hint."""
    where = ""
    at = d if d.get("line") is not None else (d.get("span") or {})
    if isinstance(at, dict) and at.get("line") is not None and at.get("column") is not None:
        where = f"line {at['line']}, column {at['column']}: "
    text = where + str(d.get("message", "invalid expression"))
    if d.get("hint"):
        text += f" Hint: {d['hint']}"
    return text


def pql_error(diags: list[dict[str, Any]], source: str | None) -> ApiError:
    problems = [d for d in diags if _severity(d) == "error"] or diags
    messages = [describe(d) for d in problems] or ["The PQL expression is invalid."]
    title = "The PQL expression is invalid: " + messages[0]
    if len(messages) > 1:
        title += f" (and {len(messages) - 1} more problem{'s' if len(messages) > 2 else ''})"
    extra: dict[str, Any] = {"diagnostics": problems}
    if source is not None:
        extra["expression"] = source
    return bad_request(title, messages, code=errors.PQL_INVALID, extra=extra)


def _decode_json(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"expression.value is not valid pql/json: line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}. Send the pql/json tree as a JSON string, or use format pql/text.",
            code=errors.PQL_INVALID,
        ) from exc


def validate(fmt: str, value: str, catalog: FieldCatalog | None) -> Expression:
    """Check an expression given in `fmt` against `catalog`; 400 with diagnostics if invalid."""
    if not available():
        return _fallback(fmt, value)
    if fmt == "pql/json":
        tree = _decode_json(value)
        try:
            query = pql.from_pql_json(tree)  # type: ignore[attr-defined]
        except Exception as exc:  # the toolkit's conversion error, whatever its class
            raise bad_request(
                f"expression.value is not a valid pql/json tree: {exc}",
                code=errors.PQL_INVALID,
            ) from exc
        text = pql.to_pql_text(query)  # type: ignore[attr-defined]
    else:
        text = value
    result = pql.check(text, catalog)  # type: ignore[attr-defined]
    diags = diagnostic_dicts(getattr(result, "diagnostics", ()))
    if not getattr(result, "ok", False):
        raise pql_error(diags, text)
    query = getattr(result, "ast", None) or getattr(result, "query", None)
    tree = pql.to_pql_json(query)  # type: ignore[attr-defined]
    if isinstance(tree, str):
        tree = json.loads(tree)
    warnings = tuple(d for d in diags if _severity(d) != "error")
    return Expression(text, tree, query, getattr(result, "analysis", None), warnings)


def parse_stored(text: str | None, tree: Any | None) -> Any:
    """The AST of a stored expression (for evaluation)."""
    if not available():
        if text is not None:
            return _syntax_check(text)[0]
        from seg_mcp.pql import pqljson

        return pqljson.from_pql_json(tree) if tree is not None else None
    if text is not None:
        return pql.parse(text)  # type: ignore[attr-defined]
    if tree is not None:
        return pql.from_pql_json(tree)  # type: ignore[attr-defined]
    return None


def _flag(analysis: Any, *names: str) -> bool | None:
    for name in names:
        node = analysis
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
            if node is None:
                break
        if isinstance(node, bool):
            return node
    return None


def eligibility(expr: Expression) -> tuple[bool, bool]:
    """(streaming eligible, edge eligible) from the toolkit's analysis (False when unknown)."""
    if expr.analysis is None:
        return False, False
    a = expr.analysis
    streaming = _flag(a, "eligibility.streaming", "streaming_eligible", "streaming")
    edge = _flag(a, "eligibility.edge", "edge_eligible", "edge")
    return bool(streaming), bool(edge)


def segment_refs(expr: Expression) -> list[str]:
    """Segment ids referenced through inSegment("<id>"), in order of appearance."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, FnApply) and node.name.lower() == "insegment" and node.args:
            first = node.args[0]
            if isinstance(first, Literal) and isinstance(first.value, str):
                value = first.value
                if value not in found:
                    found.append(value)
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            for f in dataclasses.fields(node):
                walk(getattr(node, f.name))
        elif isinstance(node, tuple | list):
            for item in node:
                walk(item)

    walk(expr.query)
    return found
