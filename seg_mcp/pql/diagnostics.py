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

__all__ = ["Diagnostic", "DiagnosticCode", "PqlSyntaxError", "Severity", "render"]

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
    "unknown-segment",  # inSegment("id") with an id the sandbox does not have (a warning)
    "mixed-currencies",  # a money amount totalled or compared whatever its currency (a warning)
    "not-a-condition",  # a value (number, string, date, list) where a true/false test belongs
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

    def summary(self) -> str:
        """One line: where, what, and the hint."""
        text = f"line {self.line}, column {self.column}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class PqlSyntaxError(ValueError):
    """pql/text that does not parse, or parses into something that cannot mean anything (a
    function PQL does not have, ``^`` above the root). ``diagnostics`` holds every problem found,
    in source order; ``str()`` lists them one per line."""

    def __init__(self, diagnostics: t.Iterable[Diagnostic], text: str = "") -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.text = text
        lines = [d.summary() for d in self.diagnostics] or ["the expression does not parse"]
        super().__init__("invalid PQL: " + "\n".join(lines))


_WINDOW = 100  # columns of a long source line shown around the mistake


def render(text: str, diagnostics: t.Iterable[Diagnostic]) -> str:
    """Diagnostics drawn under their source line, the way compilers do::

    error[syntax]: `==` is not a PQL operator
     --> line 1, column 25
      |
    1 | homeAddress.countryCode == "US"
      |                         ^~
      = hint: PQL compares with a single `=`
    """
    from seg_mcp.pql.terminals import join_or

    lines = text.split("\n")
    blocks: list[str] = []
    for d in diagnostics:
        gutter = " " * len(str(d.line))
        out = [
            f"{d.severity}[{d.code}]: {d.message}",
            f"{gutter}--> line {d.line}, column {d.column}",
        ]
        if 1 <= d.line <= len(lines):
            source = "".join(c if c.isprintable() else " " for c in lines[d.line - 1])
            column = max(d.column, 1)
            width = d.end_column - column if d.end_line == d.line else len(source) - column + 1
            width = max(width, 1)
            shift = 0
            if len(source) > _WINDOW:
                shift = min(max(column - 1 - _WINDOW // 3, 0), len(source) - _WINDOW)
                source = source[shift : shift + _WINDOW]
            marker = " " * (column - 1 - shift) + "^" + "~" * (min(width, _WINDOW) - 1)
            out += [f"{gutter} |", f"{d.line} | {source}", f"{gutter} | {marker.rstrip()}"]
        if d.expected and f"expected {join_or(d.expected)}" not in d.message:
            out.append(f"{gutter} = expected {join_or(d.expected)}")
        if d.hint:
            out.append(f"{gutter} = hint: {d.hint}")
        if d.suggestions and (not d.hint or d.suggestions[0] not in d.hint):
            out.append(f"{gutter} = did you mean: {', '.join(d.suggestions)}")
        blocks.append("\n".join(out))
    return "\n\n".join(blocks)
