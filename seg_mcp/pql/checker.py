"""``check(text, catalog)``: everything the toolkit can say about an expression, as one value.

Syntax first (``syntax.parse_text``); when the text parses, the field and type check against the
catalog (``fieldcheck``), the analysis (``analysis``) and the plain-English explanation
(``explain``) follow, even if the parser found a function PQL does not have, so that every
problem is reported at once. Without a catalog the field check's inference pass is the one the
analysis needs, so it runs once. Never raises on any input.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from seg_mcp.pql import ast as a
from seg_mcp.pql.analysis import Analysis, analyze
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.currency import mixed_currencies
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.pql.explain import explain
from seg_mcp.pql.infer import Inference
from seg_mcp.pql.pqljson import to_pql_json
from seg_mcp.pql.printer import PrintError, to_pql_text
from seg_mcp.pql.syntax import parse_text

__all__ = ["CheckResult", "check"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What :func:`check` found. ``ok`` is true iff no diagnostic is an error (warnings allowed).
    ``ast`` is the parsed query when the text parses (``None`` on a syntax error); ``analysis``
    and ``explanation`` come with it."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    ast: a.Query | None
    analysis: Analysis | None
    explanation: str | None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    def as_dict(self) -> dict[str, t.Any]:
        """JSON-able form: the AST as pql/json and as canonical pql/text (``None`` for a tree the
        printer cannot write back, such as an element field named ``or``: ``xEvent[or = 1]``)."""
        return {
            "ok": self.ok,
            "diagnostics": [d.as_dict() for d in self.diagnostics],
            "canonical": None if self.ast is None else _canonical(self.ast),
            "pql_json": None if self.ast is None else to_pql_json(self.ast),
            "analysis": None if self.analysis is None else self.analysis.as_dict(),
            "explanation": self.explanation,
        }


def check(text: str, catalog: FieldCatalog | None = None) -> CheckResult:
    """Check ``text`` (pql/text) against ``catalog`` (no field check without one). Never raises:
    whatever is wrong, including input that is not text at all, is a diagnostic."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            return _refused(f"the expression is not UTF-8 text (byte {exc.start} cannot be read)")
    if not isinstance(text, str):
        return _refused(f"expected PQL text (a string), got {type(text).__name__}")
    query, diagnostics, parsed = parse_text(text)
    if not parsed or query is None:
        return CheckResult(False, diagnostics, None, None, None)
    found = list(diagnostics)
    analysis: Analysis | None = None
    explanation: str | None = None
    try:
        inference = Inference(catalog).run(query)  # the field check
        found.extend(inference.diagnostics)
        if catalog is not None:
            found.extend(mixed_currencies(query, catalog, inference.fields))
        analysis = analyze(query, inference if catalog is None else None)  # one pass if it can
        explanation = explain(query)
    except RecursionError:
        found.append(
            Diagnostic.at(
                query.span, "the expression is nested too deeply to check", code="structure"
            )
        )
    found.sort(key=lambda d: (d.start, d.end))
    ok = not any(d.is_error for d in found)
    return CheckResult(ok, tuple(found), query, analysis, explanation)


def _canonical(query: a.Query) -> str | None:
    try:
        return to_pql_text(query)
    except PrintError:
        return None


def _refused(message: str) -> CheckResult:
    return CheckResult(
        False, (Diagnostic(message, 1, 1, 1, 1, 0, 0, code="syntax"),), None, None, None
    )
