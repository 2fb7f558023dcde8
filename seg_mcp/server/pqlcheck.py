"""The local PQL check the tools run: `seg_mcp.pql.check` when the toolkit has it, else its parts
(parser, field check, analysis, explanation), shaped as a `CheckReport`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from seg_mcp import pql
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.server.output import clean

__all__ = ["CheckReport", "DiagnosticOut", "check"]


class DiagnosticOut(BaseModel):
    severity: Literal["error", "warning"]
    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    hint: str | None = None
    suggestions: list[str] = Field(default_factory=list)


class CheckReport(BaseModel):
    ok: bool
    diagnostics: list[DiagnosticOut] = Field(default_factory=list)
    explanation: str | None = None
    profile_fields: list[str] = Field(default_factory=list)
    event_fields: list[str] = Field(default_factory=list)
    segment_ids: list[str] = Field(default_factory=list)
    eligibility: dict[str, bool] = Field(default_factory=dict)
    #: The AST (not part of the tool output).
    ast: Any = None


def _diag(d: Diagnostic) -> DiagnosticOut:
    return DiagnosticOut(
        severity=d.severity,
        code=d.code,
        message=d.message,
        line=d.line,
        column=d.column,
        end_line=d.end_line,
        end_column=d.end_column,
        hint=d.hint,
        suggestions=list(d.suggestions),
    )


def _parse(text: str) -> tuple[Any, list[Diagnostic]]:
    """The toolkit's parser, for builds where `pql.check` has not landed yet."""
    from lark.exceptions import UnexpectedEOF, UnexpectedInput

    from seg_mcp.pql import parser
    from seg_mcp.pql.ast import Span

    try:
        built = parser.build(parser.lark_parser().parse(text))
    except UnexpectedInput as exc:
        line = getattr(exc, "line", 1) or 1
        column = getattr(exc, "column", 1) or 1
        if isinstance(exc, UnexpectedEOF):
            line, column = text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1
        offset = max(0, min(len(text), getattr(exc, "pos_in_stream", None) or len(text)))
        span = Span(line, column, line, column + 1, offset, offset + 1)
        return None, [Diagnostic.at(span, "the expression does not parse here")]
    except parser.StructureError as exc:
        return None, [Diagnostic.at(exc.span, exc.message, code="structure", hint=exc.hint)]
    if isinstance(built, tuple):
        return built[0], list(built[1])
    return built, []


def _raw_check(text: str, catalog: FieldCatalog | None) -> tuple[Any, list[Diagnostic], Any, Any]:
    checker = getattr(pql, "check", None)
    if checker is not None:
        result = checker(text, catalog)
        return result.ast, list(result.diagnostics), result.analysis, result.explanation
    from seg_mcp.pql.analysis import analyze
    from seg_mcp.pql.explain import explain
    from seg_mcp.pql.fieldcheck import check_fields

    query, diags = _parse(text)
    if query is None:
        return None, diags, None, None
    diags += check_fields(query, catalog)
    if any(d.is_error for d in diags):
        return query, diags, None, None
    return query, diags, analyze(query), explain(query)


def check(text: str, catalog: FieldCatalog | None = None) -> CheckReport:
    ast, diags, analysis, explanation = _raw_check(text, catalog)
    ok = ast is not None and not any(d.is_error for d in diags)
    report = CheckReport(
        ok=ok, diagnostics=[_diag(d) for d in diags], explanation=clean(explanation), ast=ast
    )
    if ok and analysis is not None:
        elig = analysis.eligibility
        report.profile_fields = list(analysis.profile_fields)
        report.event_fields = list(analysis.event_fields)
        report.segment_ids = list(analysis.segment_ids)
        report.eligibility = {"batch": elig.batch, "streaming": elig.streaming, "edge": elig.edge}
    return report
