"""pql/text -> AST with compiler-quality syntax diagnostics.

:func:`parse_text` parses once with no error handling (the fast path). When that fails it
parses again with Lark's ``on_error`` hook, which turns each error into a :class:`Diagnostic`
(position, plain-English message, expected tokens in words, a hint for the mistakes assistants
make) and, where the intent is clear, recovers so that later mistakes are reported too:

* a mistake token (``==``, ``&&``, ``||``, ``<>``, ``'single quotes'``, a lone ``&``/``|``,
  ``≠``), a keyword in the wrong case (``LIKE``), ``IS NULL``, ``NOT IN``, ``BETWEEN`` on numbers:
  the right token is fed to the parser in its place and parsing goes on;
* an English time window (``occurs in last 30 days``): the phrase is blanked out in a copy of the
  text (same length, so positions hold) and the parse starts again;
* ``count(*)``, ``now()``, a stray closing bracket: skipped.

Anything else stops at the first error. An unclosed ``(``, ``[``, ``{`` or ``"`` is reported
where it was opened. The recovery itself is in ``recovery.py``.
"""

from __future__ import annotations

from lark.exceptions import UnexpectedInput

from seg_mcp.pql import ast as a
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.pql.parser import build, lark_parser
from seg_mcp.pql.recovery import MAX_DIAGNOSTICS, Session, text_span

__all__ = ["MAX_DIAGNOSTICS", "parse_text"]

_MAX_RESTARTS = 5
_TOO_DEEP = "the expression is nested too deeply to check"


def parse_text(text: str) -> tuple[a.Query | None, tuple[Diagnostic, ...], bool]:
    """``(query, diagnostics, parsed)``. ``parsed`` is true when the grammar accepted the text as
    written: ``query`` is then its AST, and the diagnostics (if any) are problems found while
    building it (``unknown-function``, ``structure``). Otherwise ``query`` is ``None`` and the
    diagnostics are the syntax errors (with what the parser found after recovering)."""
    parser = lark_parser()
    try:
        tree = parser.parse(text)
    except UnexpectedInput:
        return None, _diagnose(text), False
    try:
        query, problems = build(tree)
    except RecursionError:
        return None, (_whole(text, _TOO_DEEP),), False
    return query, tuple(problems), True


def _diagnose(text: str) -> tuple[Diagnostic, ...]:
    """Every syntax error of a text that does not parse (at most :data:`MAX_DIAGNOSTICS`)."""
    parser = lark_parser()
    patched: list[Diagnostic] = []  # from phrases blanked out before a restart
    work = text
    for _ in range(_MAX_RESTARTS + 1):
        session = Session(work)
        try:
            tree = parser.parse(work, on_error=session.on_error)
        except UnexpectedInput as exc:
            if session.restart is not None:
                work, blanked = session.restart
                patched.append(blanked)
                continue
            if exc is not session.last:
                session.generic(exc)
            tree = None
        break
    found = sorted(patched + session.diagnostics, key=lambda d: (d.start, d.end))
    if tree is not None:  # recovered: what the builder finds counts too
        try:
            problems = build(tree)[1]
        except RecursionError:
            problems = []
        for problem in problems:
            if not any(_overlap(problem, d) for d in found):
                found.append(problem)
        found.sort(key=lambda d: (d.start, d.end))
    if not found:  # pragma: no cover - every failed parse records at least one error
        found = [_whole(text, "the expression does not parse")]
    return tuple(found[:MAX_DIAGNOSTICS])


def _overlap(x: Diagnostic, y: Diagnostic) -> bool:
    return x.start == y.start or (x.start < y.end and y.start < x.end)


def _whole(text: str, message: str) -> Diagnostic:
    return Diagnostic.at(text_span(text, 0, len(text)), message, code="structure")
