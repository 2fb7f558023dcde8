"""The local PQL check the tools run (`seg_mcp.pql.check`), shaped as a `CheckReport`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from seg_mcp import pql
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.server.output import Text, clean

__all__ = ["CheckReport", "Checked", "DiagnosticOut", "check", "not_saved"]


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

    def describe(self) -> str:
        """``line L, column C: message Hint: ... Did you mean: a, b?``"""
        text = f"line {self.line}, column {self.column}: {self.message}"
        if self.hint:
            text += f" Hint: {self.hint.rstrip('.')}."
        if self.suggestions:
            text += f" Did you mean: {', '.join(self.suggestions)}?"
        return text


def not_saved(diagnostics: list[DiagnosticOut]) -> str:
    """The text of a save refused because the PQL is invalid."""
    t = Text()
    t.line("Not saved: the PQL is invalid (nothing was sent).")
    for d in diagnostics:
        t.line(f"- {d.describe()}")
    return t.render()


class Checked(BaseModel):
    """What a check says (the tool output adds to it)."""

    ok: bool
    diagnostics: list[DiagnosticOut] = Field(default_factory=list)
    explanation: str | None = None
    profile_fields: list[str] = Field(default_factory=list)
    event_fields: list[str] = Field(default_factory=list)
    segment_ids: list[str] = Field(default_factory=list)
    eligibility: dict[str, bool] = Field(default_factory=dict)


class CheckReport(Checked):
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


def check(text: str, catalog: FieldCatalog | None = None) -> CheckReport:
    result = pql.check(text, catalog)
    ok = result.ok
    analysis = result.analysis
    report = CheckReport(
        ok=ok,
        diagnostics=[_diag(d) for d in result.diagnostics],
        explanation=clean(result.explanation),
        ast=result.ast,
    )
    if ok and analysis is not None:
        elig = analysis.eligibility
        report.profile_fields = list(analysis.profile_fields)
        report.event_fields = list(analysis.event_fields)
        report.segment_ids = list(analysis.segment_ids)
        report.eligibility = {"batch": elig.batch, "streaming": elig.streaming, "edge": elig.edge}
    return report
