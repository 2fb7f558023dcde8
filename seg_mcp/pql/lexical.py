"""The words and positions of pql/text as the AST builder reads them: string escapes, time
units, the keywords that become typed AST values (``today``, ``last``, ``<=``, ``before``,
``forall``, ``sum``), and the span of a parse-tree node."""

from __future__ import annotations

import typing as t

from lark import Token, Tree

from seg_mcp.pql import ast as a

__all__ = [
    "AGGREGATES",
    "COMPARISONS",
    "DIRECTIONS",
    "QUALIFIERS",
    "QUANTIFIERS",
    "TIME_WORDS",
    "normalise_unit",
    "point",
    "span_of",
    "unescape",
]

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def unescape(body: str) -> str:
    """The value of a string literal's body (without the quotes). JSON escapes are decoded;
    any other backslash pair is kept as written (``"\\w"`` stays a backslash and ``w``, the way
    regexes are usually written by mistake)."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and i + 6 <= n and _is_hex(body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append(ch)
            out.append(nxt)
            i += 2
    return "".join(out)


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)


_UNITS: dict[str, a.TimeUnit] = {}
for _unit in a.TIME_UNITS:
    _UNITS[_unit] = _unit
    _UNITS[_unit + "s"] = _unit
_UNITS["centuries"] = "century"
_UNITS["millennia"] = "millennium"
_UNITS.pop("centurys", None)
_UNITS.pop("millenniums", None)


def normalise_unit(word: str) -> a.TimeUnit:
    return _UNITS[word.lower()]


def span_of(node: Tree | Token) -> a.Span:
    """From the first character of the node's first token to the end of its last token."""
    first = last = node
    while isinstance(first, Tree):
        first = first.children[0]
    while isinstance(last, Tree):
        last = last.children[-1]
    return a.Span(
        first.line or 0,
        first.column or 0,
        last.end_line or 0,
        last.end_column or 0,
        first.start_pos or 0,
        last.end_pos or 0,
    )


def point(token: Token) -> a.Span:
    """A zero-width span where ``token`` starts (for implicit roots)."""
    line = token.line or 0
    column = token.column or 0
    start = token.start_pos or 0
    return a.Span(line, column, line, column, start, start)


def _words(*words: str) -> dict[str, t.Any]:
    return {word: word for word in words}


TIME_WORDS: dict[str, t.Literal["now", "today", "yesterday", "tomorrow"]] = _words(
    "now", "today", "yesterday", "tomorrow"
)
QUALIFIERS: dict[str, t.Literal["this", "last", "next"]] = _words("this", "last", "next")
COMPARISONS: dict[str, a.ComparisonOperator] = _words("=", "!=", "<", "<=", ">", ">=")
DIRECTIONS: dict[str, t.Literal["before", "after", "from"]] = _words("before", "after", "from")
QUANTIFIERS: dict[str, t.Literal["exists", "forall"]] = _words("exists", "forall")
AGGREGATES: dict[str, t.Literal["sum", "average", "min", "max"]] = _words(
    "sum", "average", "min", "max"
)
"""The grammar's keywords as the AST's literal types (the grammar admits no other spelling)."""
