"""pql/text -> AST: the Lark LALR parser (grammar in ``pql.lark``); :func:`build` (from
``builder.py``) turns its tree into the AST.

Only :func:`lark_parser` and :func:`build` are used elsewhere: ``syntax.py`` turns Lark's errors
into diagnostics and recovers from them, and the public ``parse`` is in ``__init__.py``.

Spans are computed here from each node's first and last token instead of Lark's
``propagate_positions``, which doubles the cost of a parse; the grammar keeps the closing
brackets in the tree for that.
"""

from __future__ import annotations

import threading
import typing as t
from importlib import resources

from lark import Lark, Token

from seg_mcp.pql.builder import build
from seg_mcp.pql.lexical import normalise_unit, unescape

__all__ = [
    "MISTAKE_TERMINALS",
    "build",
    "grammar_text",
    "lark_parser",
    "normalise_unit",
    "unescape",
]

_GRAMMAR = resources.files("seg_mcp.pql").joinpath("pql.lark").read_text(encoding="utf-8")
_lock = threading.Lock()
_parser: Lark | None = None


def grammar_text() -> str:
    return _GRAMMAR


MISTAKE_TERMINALS: tuple[str, ...] = ("EQEQ", "ANDAND", "OROR", "LTGT", "SQSTRING")
"""Terminals of ``pql.lark`` that no rule uses: mistakes, lexed whole so they can be named."""


class _KeepMistakes:
    """A no-op post-lexer whose only job is Lark's ``always_accept``: the contextual lexer then
    lexes the mistake terminals in every parser state (``a == 1`` gives one ``==`` token, not
    ``=`` and a stray ``=``)."""

    always_accept = MISTAKE_TERMINALS

    def process(self, stream: t.Iterator[Token]) -> t.Iterator[Token]:
        return stream


def lark_parser() -> Lark:
    """The shared LALR parser, built on first use (about 50 ms)."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                parser = Lark(
                    _GRAMMAR,
                    parser="lalr",
                    lexer="contextual",
                    postlex=_KeepMistakes(),
                    maybe_placeholders=False,
                )
                # Lark keeps some rule names as Tokens, a str subclass whose ``__eq__`` is
                # Python: every reduction looks its rule's name up in the parse table, and
                # plain strings make that lookup a C comparison (a parse is about 10% faster).
                for rule in parser.rules:
                    rule.origin.name = str(rule.origin.name)
                _parser = parser
    return _parser
