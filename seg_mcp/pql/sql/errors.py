"""The one error the compiler raises."""

from __future__ import annotations

from seg_mcp.pql.ast import NO_SPAN, Node, Span

__all__ = ["UnsupportedQuery"]


class UnsupportedQuery(ValueError):
    """The query cannot be evaluated: a construct the compiler does not support yet, or one that
    means nothing for the data (a field of a number, text compared with an object). Raised before
    any SQL runs. ``construct`` names it, ``span`` is where it was written (``NO_SPAN`` for a tree
    built by hand or from pql/json)."""

    def __init__(self, construct: str, node: Node | None = None, *, reason: str = "") -> None:
        span = getattr(node, "span", NO_SPAN) if node is not None else NO_SPAN
        where = f" at line {span.line}, column {span.column}" if span.line else ""
        message = reason or f"not supported yet: {construct}"
        super().__init__(message + where)
        self.construct = construct
        self.span: Span = span


def cannot(what: str, node: Node | None = None) -> UnsupportedQuery:
    """A query that is well formed but cannot mean anything for the data."""
    return UnsupportedQuery(what, node, reason=f"cannot evaluate: {what}")
