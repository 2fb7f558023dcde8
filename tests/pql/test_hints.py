"""The mistakes assistants make, each reported at its exact place with the documented way."""

from __future__ import annotations

import pytest

from seg_mcp import pql
from seg_mcp.pql.functions import INVENTED

# (text, [(line, column, end_column, code, message, hint)])
CASES = [
    ('homeAddress.countryCode == "US"',
     [(1, 25, 27, "syntax", "`==` is not a PQL operator", "PQL compares with a single `=`")]),
    ("a == 1 and b == 2",
     [(1, 3, 5, "syntax", "`==` is not a PQL operator", "PQL compares with a single `=`"),
      (1, 14, 16, "syntax", "`==` is not a PQL operator", "PQL compares with a single `=`")]),
    ("a = 1 && b = 2 || c = 3",
     [(1, 7, 9, "syntax", "`&&` is not a PQL operator", "write `and`"),
      (1, 16, 18, "syntax", "`||` is not a PQL operator", "write `or`")]),
    ("homeAddress.city = 'Paris'",
     [(1, 20, 27, "syntax", "strings are written in double quotes", 'write "Paris"')]),
    ("X.timestamp occurs in last 30 days",
     [(1, 20, 35, "syntax", "`in last 30 days` is not a PQL time window",
       "write `occurs <= 30 days before now`")]),
    ("select X from xEvent where X.timestamp occurs within the past 2 weeks",
     [(1, 47, 70, "syntax", "`within the past 2 weeks` is not a PQL time window",
       "write `occurs <= 2 weeks before now`")]),
    ("x.timestamp occurs 30 days ago",
     [(1, 20, 31, "syntax", "`30 days ago` is not a PQL time window",
       "write `occurs = 30 days before now`")]),
    ('chain(xEvent, timestamp, [A: WHAT(eventType = "purchase") WHEN(in the last 7 days)])',
     [(1, 64, 82, "syntax", "`in the last 7 days` is not a PQL time window",
       "write `WHEN(<= 7 days before now)`")]),
    ("age() > 30",
     [(1, 1, 4, "unknown-function", "PQL has no function `age`", INVENTED["age"])]),
    ('xEvent.timestamp.inLast(30, "days")',
     [(1, 18, 24, "unknown-function", "PQL has no method `inLast`", INVENTED["inLast"])]),
    ("currentDate() = person.birthDate",
     [(1, 1, 12, "unknown-function", "PQL has no function `currentDate`",
       INVENTED["currentDate"])]),
    ("xEvent.count(*) > 3",
     [(1, 8, 16, "unknown-function", "`count(*)` is SQL, not PQL", INVENTED["count"])]),
    ("count(*) > 3",
     [(1, 1, 9, "unknown-function", "`count(*)` is SQL, not PQL", INVENTED["count"])]),
    ("x = now()",
     [(1, 5, 10, "unknown-function", "`now` is a keyword, not a function", INVENTED["now"])]),
    ("person.age IS NULL",
     [(1, 12, 19, "syntax", "PQL has no `IS NULL`", "write `person.age.isNull()`")]),
    ("person.age IS NOT NULL",
     [(1, 12, 23, "syntax", "PQL has no `IS NOT NULL`", "write `person.age.isNotNull()`")]),
    ("person.age BETWEEN 18 AND 30",
     [(1, 12, 19, "syntax", "`between` only works in a time window (`occurs between A and B`)",
       "for values write `person.age >= 18 and person.age <= 30`")]),
    ('homeAddress.countryCode <> "US"',
     [(1, 25, 27, "syntax", "`<>` is SQL, not PQL", "write `!=` for not equal")]),
    ('x NOT IN ["a"]',
     [(1, 3, 9, "syntax", "PQL writes `not in` as one word", "write `notIn`")]),
    ('person.birthYear LIKE "19%"',
     [(1, 18, 22, "syntax", "PQL writes `like` in lower case", "write `like`")]),
    ('inSegment("abc" and x = 1',
     [(1, 10, 11, "unclosed", "this `(` is never closed", "add a `)` where it should end")]),
    ('xEvent[eventType = "x"',
     [(1, 7, 8, "unclosed", "this `[` is never closed", "add a `]` where it should end")]),
    ('a = "abc',
     [(1, 5, 6, "unclosed", "this string is never closed",
       'add the closing `"` (inside a string, write \\" for a quote)')]),
    ("a = 1 and\n  b == 2",
     [(2, 5, 7, "syntax", "`==` is not a PQL operator", "PQL compares with a single `=`")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_mistake_is_reported_where_it_is_with_a_hint(text: str, expected: list[tuple]) -> None:
    result = pql.check(text)
    assert not result.ok
    found = [
        (d.line, d.column, d.end_column, d.code, d.message, d.hint) for d in result.diagnostics
    ]
    assert found == expected
    with pytest.raises(pql.PqlSyntaxError) as raised:
        pql.parse(text)
    assert raised.value.diagnostics == result.diagnostics


def test_the_suggestion_is_a_drop_in_replacement() -> None:
    [diag] = pql.check("X.timestamp occurs in last 30 days").diagnostics
    assert diag.suggestions == ("<= 30 days before now",)
    text = "X.timestamp occurs in last 30 days"
    fixed = text[: diag.start] + diag.suggestions[0] + text[diag.end :]
    assert pql.check(fixed).ok


def test_recovery_goes_on_after_each_mistake() -> None:
    text = "a == 1 && b = 'x' and age() > 3 and c IS NULL"
    messages = [d.message for d in pql.check(text).diagnostics]
    assert messages == [
        "`==` is not a PQL operator",
        "`&&` is not a PQL operator",
        "strings are written in double quotes",
        "PQL has no function `age`",
        "PQL has no `IS NULL`",
    ]


def test_an_english_window_and_a_later_mistake_are_both_reported() -> None:
    text = 'xEvent.timestamp occurs in the last 7 days and eventType == "purchase"'
    found = [(d.column, d.message) for d in pql.check(text).diagnostics]
    assert found == [
        (25, "`in the last 7 days` is not a PQL time window"),
        (58, "`==` is not a PQL operator"),
    ]


def test_a_misspelt_unit_gets_a_suggestion() -> None:
    [diag] = pql.check("X.timestamp occurs <= 30 dayz before now").diagnostics
    assert (diag.column, diag.end_column) == (26, 30)
    assert diag.message == "expected a time unit, found the name `dayz`"
    assert diag.hint == "did you mean `days`?"


def test_an_unknown_method_gets_the_closest_name() -> None:
    [diag] = pql.check('person.name.startswith("J")').diagnostics
    assert diag.code == "unknown-function"
    assert diag.message == "PQL has no method `startswith`"
    assert diag.hint == "did you mean `startsWith`?"
    assert diag.suggestions == ("startsWith",)


def test_a_method_called_as_a_function_says_so() -> None:
    [diag] = pql.check("count(xEvent) > 3").diagnostics
    assert diag.message == "`count` is a method, not a function"
    assert diag.hint == INVENTED["count"]


def test_null_is_not_a_value() -> None:
    [diag] = pql.check("person.name = null").diagnostics
    assert (diag.column, diag.end_column, diag.message) == (15, 19, "PQL has no `null`")


def test_a_missing_operator_says_what_would_fit() -> None:
    [diag] = pql.check('a = 1 b = "x"').diagnostics
    assert (diag.column, diag.message) == (7, "unexpected name `b`")
    assert diag.expected[0] == "an operator (`and`, `or`, `+`, `-`, `*`, `/`, `%`)"
    assert diag.expected[-1] == "the end of the expression"
    assert diag.hint == "join conditions with `and` or `or`"


def test_a_trailing_and() -> None:
    [diag] = pql.check("a = 1 and ").diagnostics
    assert (diag.line, diag.column, diag.end_column) == (1, 10, 10)
    assert diag.message == "the expression ends too early: expected a value or a field path"
    assert diag.hint == "add a condition after `and`, or remove it"


def test_a_mismatched_bracket_names_the_one_it_should_close() -> None:
    [diag] = pql.check("(a = 1]").diagnostics
    assert diag.column == 7
    assert diag.message == "expected `)` to close the `(` at line 1, column 1, found `]`"
