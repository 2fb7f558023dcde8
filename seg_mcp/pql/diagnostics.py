"""What the PQL toolkit says about an expression: :class:`Diagnostic`.

One type for every finding, syntax or semantic, so the CLI, the sandbox's 400s and the MCP tools
render them the same way. Positions follow :class:`seg_mcp.pql.ast.Span`: ``line``/``column``
1-based, ``end_column`` exclusive, ``start``/``end`` 0-based offsets (``text[start:end]`` is the
offending source).
"""

from __future__ import annotations

import typing as t
from dataclasses import asdict, dataclass

from seg_mcp.pql.ast import Span

__all__ = ["Diagnostic", "DiagnosticCode", "Severity"]

Severity = t.Literal["error", "warning"]

DiagnosticCode = t.Literal[
    "syntax",  # the text does not parse here
    "unclosed",  # a ( [ { or " opened and never closed (reported where it was opened)
    "unknown-function",  # a function or method PQL does not have (age(), inLast, count(*), ...)
    "structure",  # parses, but cannot mean anything (^ above the root, a clause given twice)
    "unknown-field",  # a path the field catalog does not know
    "type-mismatch",  # e.g. a string field compared with a number, occurs on a non-timestamp
    "arity",  # a known function called with the wrong number of arguments
    "event-context",  # an event field used outside an event context (or a profile field inside)
    "unsupported",  # valid PQL that a consumer (the SQL compiler) does not support yet
]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an expression.

    ``message`` is plain English ("expected a string in double quotes"), never a grammar terminal
    name. ``expected`` lists, in words, what would have been accepted at that point (syntax
    errors only). ``hint`` says what the author probably meant, in PQL ("write `=`, not `==`").
    ``suggestions`` are drop-in replacements for the offending text, best first (closest field
    paths for an unknown field)."""

    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int
    severity: Severity = "error"
    code: DiagnosticCode = "syntax"
    expected: tuple[str, ...] = ()
    hint: str | None = None
    suggestions: tuple[str, ...] = ()

    @classmethod
    def at(cls, span: Span, message: str, **kwargs: t.Any) -> Diagnostic:
        """A diagnostic covering ``span``."""
        return cls(
            message,
            span.line,
            span.column,
            span.end_line,
            span.end_column,
            span.start,
            span.end,
            **kwargs,
        )

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, t.Any]:
        """JSON-able form (``expected``/``suggestions`` as lists)."""
        d = asdict(self)
        d["expected"] = list(self.expected)
        d["suggestions"] = list(self.suggestions)
        return d
