"""The local PQL check the tools run (`seg_mcp.pql.check`), shaped as a `CheckReport`; and the
warning for `inSegment` ids a sandbox does not have (`warn_unknown_segments`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from seg_mcp import pql
from seg_mcp.aep.errors import APIError, NotFoundError
from seg_mcp.aep.models.common import BulkGetResponse
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.pql.segmentrefs import unknown_segments
from seg_mcp.server.output import Text, clean
from seg_mcp.server.toolkit import Refusal

__all__ = [
    "CheckReport",
    "Checked",
    "DiagnosticOut",
    "check",
    "not_saved",
    "warn_unknown_segments",
]

BulkGet = Callable[[list[str]], Awaitable[BulkGetResponse[Any]]]
"""A sandbox's bulk-get of segment definitions or audiences by id."""


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


def require_valid(
    text: str,
    catalog: FieldCatalog | None,
    what: str = "the PQL",
    hint: str = "Run check_pql for every diagnostic.",
) -> None:
    """Refuse a tool call whose PQL (`what` names it in the message) has an error, before any
    request is sent: the first error's line, column and message."""
    report = check(text, catalog)
    if not report.ok:
        first = report.diagnostics[0]
        raise Refusal(
            f"{what} is invalid at line {first.line}, column {first.column}: {first.message}; "
            "nothing was sent.",
            hint=hint,
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


async def warn_unknown_segments(
    report: CheckReport, definitions: BulkGet, audiences: BulkGet
) -> CheckReport:
    """Add a warning for each `inSegment` id of ``report`` that the sandbox has neither as a
    segment definition nor as an audience (it would qualify nobody). ``definitions`` and
    ``audiences`` are the sandbox's bulk-gets (the tool calls them, declaring the operations)."""
    if not report.segment_ids or report.ast is None:
        return report
    missing = await _missing(definitions, report.segment_ids)
    if missing:
        missing = await _missing(audiences, sorted(missing))
    if missing:
        known = set(report.segment_ids) - missing
        found = [_diag(d) for d in unknown_segments(report.ast, known)]
        report.diagnostics = sorted(
            [*report.diagnostics, *found], key=lambda d: (d.line, d.column, d.end_column)
        )
    return report


async def _missing(get: BulkGet, ids: list[str]) -> set[str]:
    """Which of ``ids`` a bulk-get (100 at a time) does not find; none when the platform will
    not say."""
    missing: set[str] = set()
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        try:
            answer = await get(chunk)
        except NotFoundError:  # none of them exists
            missing.update(chunk)
            continue
        except APIError:  # not allowed to look, or the platform failed: no warning
            return set()
        missing.update(i for i in chunk if i not in answer.found())
    return missing
