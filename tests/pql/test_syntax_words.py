"""Syntax diagnostics speak English: every terminal of the grammar has words, and no message,
hint or expected item ever shows a terminal name."""

from __future__ import annotations

import re

import pytest

from seg_mcp import pql
from seg_mcp.pql.parser import lark_parser
from seg_mcp.pql.terminals import WORDS, expected_words

TERMINALS = sorted(t.name for t in lark_parser().terminals if not t.name.startswith("__"))
_NAME = re.compile(r"\b(" + "|".join(re.escape(n) for n in TERMINALS if len(n) > 2) + r")\b")


def test_every_terminal_of_the_grammar_has_words() -> None:
    assert [name for name in TERMINALS if name not in WORDS] == []


BROKEN = [
    "a = ", "a = )", "(a = 1", "a = 1 b", "a.", "a[", "a[]", "select X xEvent", "select X from",
    "exists", "chain(xEvent)", "chain(xEvent, timestamp, [A: WHAT(x)", "chain(xEvent, t, [A: x])",
    "x occurs", "x occurs <= 3", "x occurs <= 3 days", "x occurs between today", "let", "let x =",
    "f(,)", "[1,,2]", '{"a" 1}', "a in", "a @ b", "a # b", "a = 1;", "$", "^", "not", "a = -",
    "x.timestamp occurs > date(2024, 1, 1)", "sum X", "sum X.v over", "a => b", "(A) =>",
    "a = \u201cUS\u201d", "a \u2260 1", "a & b", "a | b", "a = 1 = 2", "a.b(", "1 2", '"a" "b"',
]  # fmt: skip


@pytest.mark.parametrize("text", BROKEN)
def test_no_terminal_name_in_what_is_said(text: str) -> None:
    result = pql.check(text)
    assert not result.ok and result.diagnostics
    for diag in result.diagnostics:
        for said in (diag.message, diag.hint or "", *diag.expected):
            unquoted = re.sub(r"`[^`]*`", "", said)  # echoed source text may be anything
            assert _NAME.search(unquoted) is None, said
        assert diag.line >= 1 and diag.column >= 1 and diag.end_column >= diag.column


def test_expected_tokens_are_grouped_in_words() -> None:
    assert expected_words({"NAME", "STRING", "INT", "DOUBLE", "LPAR", "MINUS", "NOT"}) == (
        "a value or a field path",
    )
    assert expected_words({"RPAR", "COMMA", "$END"}) == ("`)`", "`,`", "the end of the expression")
    assert expected_words({"UNIT"}) == ("a time unit (`days`, `hours`, `months`, ...)",)


def test_a_stray_character_is_named() -> None:
    [diag] = pql.check("a = 1 @ b").diagnostics
    assert (diag.column, diag.end_column) == (7, 8)
    assert diag.message == "unexpected character `@`"
    [nul] = pql.check("a = \x00").diagnostics
    assert nul.message == "expected a value or a field path, found the character U+0000"


def test_a_curly_quote_is_explained() -> None:
    [diag] = pql.check("a = \u201cUS\u201d").diagnostics
    assert diag.column == 5
    assert diag.hint == 'write straight quotes: "text"'
