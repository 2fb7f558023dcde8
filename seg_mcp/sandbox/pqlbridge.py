"""The sandbox's use of the PQL toolkit (`seg_mcp.pql`): validate and convert expressions, turn
diagnostics into Adobe-shaped 400s, read evaluation-method eligibility."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from seg_mcp import pql
from seg_mcp.pql.analysis import Analysis
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.bodies import nesting_beyond
from seg_mcp.sandbox.errors import ApiError, bad_request

#: How deep a pql/json tree may nest (objects and arrays; each PQL operator adds two levels).
PQL_JSON_MAX_DEPTH = 256


@dataclass(frozen=True)
class Expression:
    """A validated expression in both wire formats, with the toolkit's analysis."""

    text: str
    json_value: dict[str, Any]  # the pql/json tree
    query: pql.Query
    analysis: Analysis | None
    warnings: tuple[pql.Diagnostic, ...] = ()

    def json_text(self) -> str:
        return json.dumps(self.json_value, separators=(",", ":"))

    def value(self, fmt: str) -> str:
        return self.text if fmt == "pql/text" else self.json_text()


def pql_error(diags: tuple[pql.Diagnostic, ...], source: str | None) -> ApiError:
    problems = [d for d in diags if d.is_error] or list(diags)
    messages = [d.summary() for d in problems] or ["The PQL expression is invalid."]
    title = "The PQL expression is invalid: " + messages[0]
    if len(messages) > 1:
        title += f" (and {len(messages) - 1} more problem{'s' if len(messages) > 2 else ''})"
    extra: dict[str, Any] = {"diagnostics": [d.as_dict() for d in problems]}
    if source is not None:
        extra["expression"] = source
    return bad_request(title, messages, code=errors.PQL_INVALID, extra=extra)


def _from_json(value: str) -> pql.Query:
    deep = nesting_beyond(value, PQL_JSON_MAX_DEPTH)
    if deep is not None:
        raise bad_request(
            f"expression.value is a pql/json tree nested more than {PQL_JSON_MAX_DEPTH} levels "
            f"of objects and arrays (level {PQL_JSON_MAX_DEPTH + 1} opens at line {deep[0]}, "
            f"column {deep[1]}): too deep to check. Simplify the expression.",
            code=errors.PQL_INVALID,
        )
    try:
        tree = json.loads(value)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"expression.value is not valid pql/json: line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}. Send the pql/json tree as a JSON string, or use format pql/text.",
            code=errors.PQL_INVALID,
        ) from exc
    try:
        return pql.from_pql_json(tree)
    except pql.PqlJsonError as exc:
        raise bad_request(
            f"expression.value is not a valid pql/json tree: {exc}", code=errors.PQL_INVALID
        ) from exc


def validate(fmt: str, value: str, catalog: pql.FieldCatalog | None) -> Expression:
    """Check an expression given in `fmt` against `catalog`; 400 with diagnostics if invalid."""
    if fmt == "pql/json":
        try:
            text = pql.to_pql_text(_from_json(value))
        except pql.PrintError as exc:
            raise bad_request(
                f"expression.value is a pql/json tree with no pql/text form: {exc}",
                code=errors.PQL_INVALID,
            ) from exc
        except RecursionError:
            raise bad_request(
                "expression.value is a pql/json tree nested too deeply to check. Simplify the "
                "expression.",
                code=errors.PQL_INVALID,
            ) from None
    else:
        text = value
    result = pql.check(text, catalog)
    if not result.ok or result.ast is None:
        raise pql_error(result.diagnostics, text)
    warnings = tuple(d for d in result.diagnostics if not d.is_error)
    return Expression(text, pql.to_pql_json(result.ast), result.ast, result.analysis, warnings)


def parse_stored(text: str | None, tree: Any | None) -> pql.Query | None:
    """The AST of a stored expression (for evaluation)."""
    if text is not None:
        return pql.parse(text)
    if tree is not None:
        return pql.from_pql_json(tree)
    return None


def eligibility(expr: Expression) -> tuple[bool, bool]:
    """(streaming eligible, edge eligible) from the toolkit's analysis."""
    if expr.analysis is None:
        return False, False
    return expr.analysis.eligibility.streaming, expr.analysis.eligibility.edge


def segment_refs(expr: Expression) -> list[str]:
    """Segment ids referenced through inSegment("<id>"), in order of appearance."""
    return list(expr.analysis.segment_ids) if expr.analysis is not None else []
