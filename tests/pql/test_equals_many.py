"""``equals``/``notEqualTo`` with several texts, as Adobe's audience validation guide writes
them (``not(State.equals("VT", "VA", "WA", "WV", "WI", "WY" ))``), with or without a trailing
``caseSensitive`` flag: checked, explained, round-tripped. Exact member sets are in
tests/sandbox/test_semantics_issue15.py."""

from __future__ import annotations

import json

import pytest

from seg_mcp import pql

CATALOG = pql.FieldCatalog.from_types(profile={"State": "string", "points": "number"})

VALIDATION_GUIDE = [
    'State.equals("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA","HI", "ID", "IL", '
    '"IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", '
    '"NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", '
    '"UT")',
    'not(State.equals("VT", "VA", "WA", "WV", "WI", "WY" ))',
]


@pytest.mark.parametrize("text", VALIDATION_GUIDE)
def test_the_validation_guides_forms_check_clean(text: str) -> None:
    result = pql.check(text, CATALOG)
    assert result.diagnostics == ()
    back = pql.from_pql_json(json.loads(json.dumps(pql.to_pql_json(result.ast))))
    assert back == result.ast
    assert pql.parse(pql.to_pql_text(back)) == back


@pytest.mark.parametrize(
    ("text", "explanation"),
    [
        ('State.equals("VT", "VA")', 'People whose state is one of "VT", "VA"'),
        ('State.equals("vt", "va", false)',
         'People whose state is one of "vt", "va" (ignoring case)'),
        ('State.notEqualTo("VT", "VA")', 'People whose state is none of "VT", "VA"'),
        ('State.equals("VT", false)', 'People whose state is "VT" (ignoring case)'),
        ('State.notEqualTo("VT")', 'People whose state is not "VT"'),
    ],
)  # fmt: skip
def test_explained(text: str, explanation: str) -> None:
    assert pql.check(text, CATALOG).explanation == explanation


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("State.equals()", [("arity", 1, 15, "equals takes at least 1 argument, not 0")]),
        (
            'State.equals("VT", 3)',
            [("type-mismatch", 20, 21, "equals's argument needs a string; `3` is a number")],
        ),
        (
            'State.notEqualTo("VT", points, true)',
            [
                (
                    "type-mismatch",
                    24,
                    30,
                    "notEqualTo's argument needs a string; `points` is a number field (XDM number)",
                )
            ],
        ),
        (
            "State.equals(true)",
            [("type-mismatch", 14, 18, "equals's argument needs a string; `true` is a boolean")],
        ),
    ],
)
def test_wrong_arguments_are_reported(text: str, found: list[tuple[str, int, int, str]]) -> None:
    assert [
        (d.code, d.column, d.end_column, d.message) for d in pql.check(text, CATALOG).diagnostics
    ] == found
