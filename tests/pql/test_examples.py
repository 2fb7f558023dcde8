"""Every example expression of §12 of the reference parses, converts to pql/json and back, and
prints as text that parses to the same tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seg_mcp import pql

_DATA = Path(__file__).with_name("section12_examples.txt")
EXAMPLES = [
    line for line in _DATA.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"
]


def test_the_data_file_holds_every_example() -> None:
    assert len(EXAMPLES) == 105
    assert EXAMPLES[0] == 'workAddress.country = "US"'


@pytest.mark.parametrize("text", EXAMPLES)
def test_example_round_trips_through_pql_json(text: str) -> None:
    query = pql.parse(text)
    tree = json.loads(json.dumps(pql.to_pql_json(query)))
    back = pql.from_pql_json(tree)
    assert back == query
    printed = pql.to_pql_text(back)
    assert pql.parse(printed) == query
    assert pql.to_pql_text(pql.parse(printed)) == printed


def test_the_canonical_api_example_gives_adobes_pql_json() -> None:
    # aep-segmentation-api.md §11.7, the output of POST /segment/conversion
    expected = {
        "nodeType": "fnApply",
        "fnName": "=",
        "params": [
            {
                "nodeType": "fieldLookup",
                "fieldName": "country",
                "object": {
                    "nodeType": "fieldLookup",
                    "fieldName": "workAddress",
                    "object": {"nodeType": "parameterReference", "position": 1},
                },
            },
            {"nodeType": "literal", "literalType": "String", "value": "US"},
        ],
    }
    assert pql.to_pql_json(pql.parse('workAddress.country = "US"')) == expected
    assert pql.to_pql_text(pql.from_pql_json(expected)) == 'workAddress.country = "US"'


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ('emailAddress like "%.edu" and homeAddress.stateProvinceISO="CA"',
         'emailAddress like "%.edu" and homeAddress.stateProvinceISO = "CA"'),
        ('CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) '
         "WHEN(today)])",
         'chain(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) '
         "WHEN(today)])"),
        ('plan.equals("trial") AND region.equals("canada")',
         'plan.equals("trial") and region.equals("canada")'),
        ("not(person.citiesVisited.intersects(person.favoriteCities))",
         "not (person.citiesVisited.intersects(person.favoriteCities))"),
    ],
)  # fmt: skip
def test_canonical_text(text: str, canonical: str) -> None:
    assert pql.to_pql_text(pql.parse(text)) == canonical
