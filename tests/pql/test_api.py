"""The public API: parse raises with every diagnostic, check never raises, results are JSON."""

from __future__ import annotations

import json

import pytest

from seg_mcp import pql
from seg_mcp.pql.catalog import FieldCatalog


def test_parse_returns_the_ast() -> None:
    query = pql.parse('homeAddress.countryCode = "US"')
    assert isinstance(query, pql.Query)
    assert pql.to_pql_text(query) == 'homeAddress.countryCode = "US"'


def test_parse_raises_with_every_problem_and_a_readable_message() -> None:
    with pytest.raises(pql.PqlSyntaxError) as raised:
        pql.parse("a == 1 and b == 2")
    error = raised.value
    assert [(d.line, d.column) for d in error.diagnostics] == [(1, 3), (1, 14)]
    assert str(error) == (
        "invalid PQL: line 1, column 3: `==` is not a PQL operator "
        "(hint: PQL compares with a single `=`)\n"
        "line 1, column 14: `==` is not a PQL operator (hint: PQL compares with a single `=`)"
    )


def test_parse_refuses_a_function_pql_does_not_have() -> None:
    with pytest.raises(pql.PqlSyntaxError) as raised:
        pql.parse("person.birthDate.age() > 30")
    [diag] = raised.value.diagnostics
    assert (diag.code, diag.column, diag.end_column) == ("unknown-function", 18, 21)


def test_structure_problems_are_all_reported() -> None:
    text = "^.a = 1 and chain(xEvent, timestamp, [A: WHAT(x = 1), A: WHAT(y = 2)])"
    with pytest.raises(pql.PqlSyntaxError) as raised:
        pql.parse(text)
    assert [d.message for d in raised.value.diagnostics] == [
        "`^` climbs 1 filter level but it stands outside any filter",
        "the chain step label A is used twice",
    ]


def test_check_of_a_valid_query() -> None:
    result = pql.check('homeAddress.countryCode = "US" and inSegment("seg-1")')
    assert result.ok and result.diagnostics == ()
    assert result.ast == pql.parse('homeAddress.countryCode = "US" and inSegment("seg-1")')
    assert result.analysis is not None and result.analysis.segment_ids == ("seg-1",)
    assert result.explanation
    out = json.loads(json.dumps(result.as_dict()))
    assert out["ok"] is True
    assert out["canonical"] == 'homeAddress.countryCode = "US" and inSegment("seg-1")'
    assert out["pql_json"]["fnName"] == "and"
    assert out["analysis"]["segment_ids"] == ["seg-1"]


def test_check_of_an_invalid_query_as_json() -> None:
    out = json.loads(json.dumps(pql.check("a == 1").as_dict()))
    assert out["ok"] is False and out["pql_json"] is None and out["analysis"] is None
    assert out["diagnostics"][0] == {
        "message": "`==` is not a PQL operator",
        "line": 1,
        "column": 3,
        "end_line": 1,
        "end_column": 5,
        "start": 2,
        "end": 4,
        "severity": "error",
        "code": "syntax",
        "expected": [],
        "hint": "PQL compares with a single `=`",
        "suggestions": ["="],
    }


def test_check_runs_the_field_check_against_the_catalog() -> None:
    catalog = FieldCatalog.from_types(profile={"homeAddress.countryCode": "string"})
    result = pql.check('homeAddress.countyCode = "US"', catalog)
    assert not result.ok
    assert [d.code for d in result.errors] == ["unknown-field"]
    assert pql.check('homeAddress.countryCode = "US"', catalog).ok


@pytest.mark.parametrize(
    "value",
    [
        None, 3, b"\xff\xfe", b'a = "x"', "", " \n ", "a\x00b", "\ud800",
        "(" * 3000 + "a" + ")" * 3000, "a" + ".b" * 3000, "not " * 3000 + "a", "[" * 3000,
        "x[" * 2000 + "a" + "]" * 2000, "a = 1 and " * 2000 + "b",
    ],
)  # fmt: skip
def test_check_never_raises(value: object) -> None:
    result = pql.check(value)  # type: ignore[arg-type]
    assert result.ok == (result.ast is not None and not result.errors)
    if value == b'a = "x"':
        assert result.ok


def test_check_of_something_that_is_not_text() -> None:
    [diag] = pql.check(3).diagnostics  # type: ignore[arg-type]
    assert diag.message == "expected PQL text (a string), got int"


def test_deep_nesting_is_a_diagnostic() -> None:
    [diag] = pql.check("(" * 3000 + "a" + ")" * 3000).diagnostics
    assert diag.message == "the expression is nested too deeply to check"


def test_a_tree_the_printer_cannot_write_back_has_no_canonical_text() -> None:
    """An element field named like a keyword parses, but has no canonical text: as_dict says so
    instead of raising (found by test_properties' mutated examples)."""
    result = pql.check("xEvent[or = 1]")
    assert result.ast is not None
    with pytest.raises(pql.PrintError):
        pql.to_pql_text(result.ast)
    out = result.as_dict()
    assert out["canonical"] is None and out["pql_json"]["fnName"] == "filter"
