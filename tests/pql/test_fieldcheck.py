# ruff: noqa: E501  (the expected messages are long literal strings)
"""Field and type checking (``seg_mcp.pql.fieldcheck.check_fields``): exact diagnostics against a
catalog of the fields §12's examples use, the §12 examples themselves, and robustness."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seg_mcp import pql
from seg_mcp.pql.analysis import analyze
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.explain import explain
from seg_mcp.pql.fieldcheck import check_fields

EXAMPLES = [
    line.strip()
    for line in (Path(__file__).parent / "section12_examples.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]

CATALOG = FieldCatalog.from_types(
    profile={
        "State": "string",
        "plan": "string",
        "region": "string",
        "city": "string",
        "emailAddress": "string",
        "firstName": "string",
        "stateProvinceISO": "string",
        "citiesVisited": "string[]",
        "_repo.lastModifiedDate": "date-time",
        "_repo.modifyDate": "date-time",
        "homeAddress.city": "string",
        "homeAddress.country": "string",
        "homeAddress.countryCode": "string",
        "homeAddress.countryISO": "string",
        "homeAddress.stateProvince": "string",
        "homeAddress.stateProvinceISO": "string",
        "workAddress.country": "string",
        "workAddress.countryISO": "string",
        "workAddress.stateProvince": "string",
        "workAddress.stateProvinceISO": "string",
        "workEmail.address": "string",
        "identityMap": "map<object[]>",
        "identityMap.id": "string",
        "numbers": "object[]",
        "numbers.square": "long",
        "orders": "object[]",
        "orders.order.price": "number",
        "orders.price": "number",
        "orders.storeId": "string",
        "person.age": "int",
        "person.birthDay": "int",
        "person.birthMonth": "int",
        "person.birthYear": "int",
        "person.birthdate": "date",
        "person.birthday": "date",
        "person.citiesVisited": "string[]",
        "person.eatenFoods": "string[]",
        "person.emailAddress": "string",
        "person.favoriteCities": "string[]",
        "person.favoriteColors": "string[]",
        "person.firstName": "string",
        "person.gender": "string",
        "person.homeAddress.city": "string",
        "person.name": "string",
        "person.visitedCities": "string[]",
        "product.saleDate": "date-time",
    },
    events={
        "timestamp": "date-time",
        "ts_flight": "date-time",
        "eventType": "string",
        "type": "string",
        "destination": "string",
        "category": "string",
        "contentType": "string",
        "_experience.analytics.endUser.firstWeb.webPageDetails.isHomePage": "boolean",
        "commerce.cartAbandons.value": "number",
        "commerce.checkouts.value": "number",
        "commerce.item.price": "number",
        "commerce.order.priceTotal": "number",
        "commerce.order.purchaseId": "string",
        "metrics.commerce.abandons.value": "number",
        "productListItems": "object[]",
        "productListItems.SKU": "string",
        "productListItems.quantity": "int",
    },
)
"""The fields §12's examples read, typed as XDM would type them (``person`` is an object, so
``person.filter(...)`` is reported; ``identityMap`` a map of identity arrays)."""

# (text, [(severity, code, column, end_column, message, hint, suggestions)])
CASES = [
    (
        'homeAddress.countryCod = "US"',
        [
            (
                "error",
                "unknown-field",
                13,
                23,
                "unknown profile field `homeAddress.countryCod`: `homeAddress` has no field `countryCod`",
                "did you mean homeAddress.countryCode or homeAddress.country or homeAddress.countryISO?",
                ("homeAddress.countryCode", "homeAddress.country", "homeAddress.countryISO"),
            ),
        ],
    ),
    (
        'homeAdress.countryCode = "US"',
        [
            (
                "error",
                "unknown-field",
                1,
                11,
                "unknown profile field `homeAdress.countryCode`",
                "did you mean homeAddress.countryCode or workAddress or emailAddress?",
                ("homeAddress.countryCode", "workAddress", "emailAddress"),
            ),
        ],
    ),
    (
        'person.birthYear = "abc"',
        [
            (
                "error",
                "type-mismatch",
                20,
                25,
                '`person.birthYear` is a number field (XDM int), but is compared with the string "abc"',
                "compare a number with a number, e.g. person.birthYear > 1980",
                (),
            ),
        ],
    ),
    (
        'person.birthYear = "1985"',
        [
            (
                "warning",
                "type-mismatch",
                20,
                26,
                '`person.birthYear` is a number field (XDM int), but is compared with the string "1985"; Adobe converts it to a number',
                "write the number without quotes: 1985",
                (),
            ),
        ],
    ),
    (
        "homeAddress.countryCode = 3",
        [
            (
                "error",
                "type-mismatch",
                27,
                28,
                "`homeAddress.countryCode` is a string field (XDM string), but is compared with the number 3",
                'write the value in double quotes: "3"',
                (),
            ),
        ],
    ),
    (
        'person.birthYear in [1980, "x"]',
        [
            (
                "error",
                "type-mismatch",
                28,
                31,
                '`person.birthYear` is a number field (XDM int), but the list holds the string "x"',
                "compare a number with a number, e.g. person.birthYear > 1980",
                (),
            ),
        ],
    ),
    (
        "commerce.order.priceTotal > 100",
        [
            (
                "error",
                "event-context",
                1,
                9,
                "`commerce.order.priceTotal` is an event field (ExperienceEvent), but here it is read from the profile",
                "events are reached through xEvent: select X from xEvent where X.commerce.order.priceTotal ..., or xEvent[commerce.order.priceTotal ...]",
                (),
            ),
        ],
    ),
    (
        "select X from xEvent where commerce.order.priceTotal > 100",
        [
            (
                "error",
                "event-context",
                28,
                36,
                "`commerce.order.priceTotal` is an event field (ExperienceEvent), but here it is read from the profile",
                "read it from the event: X.commerce.order.priceTotal",
                (),
            ),
        ],
    ),
    (
        'select X from xEvent where X.homeAddress.countryCode = "US"',
        [
            (
                "error",
                "event-context",
                30,
                41,
                "`homeAddress.countryCode` is a profile field, but here it is read from an event",
                "read it from the profile: homeAddress.countryCode",
                (),
            ),
        ],
    ),
    (
        'xEvent[productListItems[SKU = "PS" and homeAddress.countryCode = "US"]]',
        [
            (
                "error",
                "event-context",
                40,
                51,
                "`homeAddress.countryCode` is a profile field, but here it is read from an event",
                "read it from the profile: ^^.homeAddress.countryCode",
                (),
            ),
        ],
    ),
    (
        'xEvent[productListItems[SKUU = "PS"]]',
        [
            (
                "error",
                "unknown-field",
                25,
                29,
                "unknown event field `productListItems.SKUU`: `productListItems` has no field `SKUU`",
                "did you mean productListItems.SKU or productListItems.quantity?",
                ("productListItems.SKU", "productListItems.quantity"),
            ),
        ],
    ),
    (
        'select X from xEvent where X.timestamp occurs < 7 days before now, I from X.productListItems where I.sku = "PS"',
        [
            (
                "error",
                "unknown-field",
                102,
                105,
                "unknown event field `productListItems.sku`: `productListItems` has no field `sku`",
                "did you mean productListItems.SKU or productListItems.quantity?",
                ("productListItems.SKU", "productListItems.quantity"),
            ),
        ],
    ),
    (
        "person.name occurs < 7 days before now",
        [
            (
                "error",
                "type-mismatch",
                1,
                12,
                "occurs needs a timestamp (date or date-time); `person.name` is a string field (XDM string)",
                "occurs tests when a timestamp lies; compare other values with = < >",
                (),
            ),
        ],
    ),
    (
        'person.birthYear like "19%"',
        [
            (
                "error",
                "type-mismatch",
                1,
                17,
                "like needs a string; `person.birthYear` is a number field (XDM int)",
                "like is for strings; for numbers compare with < > (e.g. person.birthYear > 1980)",
                (),
            ),
        ],
    ),
    (
        'person.birthYear.startsWith("19")',
        [
            (
                "error",
                "type-mismatch",
                1,
                17,
                "startsWith needs a string; `person.birthYear` is a number field (XDM int)",
                "string methods work on strings; compare numbers with = < >",
                (),
            ),
        ],
    ),
    (
        "xEvent.sum(eventType) > 3",
        [
            (
                "error",
                "type-mismatch",
                12,
                21,
                "sum needs a number; `eventType` is a string field (XDM string)",
                None,
                (),
            ),
        ],
    ),
    (
        "sum X.eventType over X from xEvent",
        [
            (
                "error",
                "type-mismatch",
                5,
                16,
                "sum ... over needs a number; `X.eventType` is a string field (XDM string)",
                None,
                (),
            ),
            (
                "error",
                "not-a-condition",
                1,
                35,
                "an audience rule must be a condition (true or false); "
                "`sum X.eventType over X from xEvent` is a number",
                "add a comparison, e.g. sum X.eventType over X from xEvent > 100",
                (),
            ),
        ],
    ),
    (
        "person.name + 1 > 3",
        [
            (
                "error",
                "type-mismatch",
                1,
                12,
                "arithmetic (+) needs numbers; `person.name` is a string field (XDM string)",
                None,
                (),
            ),
        ],
    ),
    (
        "person.birthYear.getMonth() = 6",
        [
            (
                "error",
                "type-mismatch",
                1,
                17,
                "getMonth needs a timestamp (date or date-time); `person.birthYear` is a number field (XDM int)",
                None,
                (),
            ),
        ],
    ),
    (
        'person.name.intersects(["a"])',
        [
            (
                "error",
                "type-mismatch",
                1,
                12,
                "intersects works on an array; `person.name` is a string field (XDM string)",
                None,
                (),
            ),
        ],
    ),
    (
        "person.filter(age >= 21)",
        [
            (
                "error",
                "type-mismatch",
                1,
                7,
                "filter works on an array or a map; `person` is an object field (XDM object)",
                None,
                (),
            ),
        ],
    ),
    (
        "person.name.startsWith()",
        [
            (
                "error",
                "arity",
                1,
                25,
                "startsWith takes 1 or 2 arguments, not 0",
                'write s.startsWith("text"[, caseSensitive])',
                (),
            ),
        ],
    ),
    (
        "date(2020, 1) = person.birthdate",
        [
            (
                "error",
                "arity",
                1,
                14,
                "date takes 3 arguments, not 2",
                "write date(year, month, day)",
                (),
            ),
        ],
    ),
    (
        "orders.topN(price)",
        [
            (
                "error",
                "arity",
                1,
                19,
                "topN takes 2 arguments, not 1",
                "write a.topN(value, n)",
                (),
            ),
        ],
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventTyp = "addToCart")])',
        [
            (
                "error",
                "unknown-field",
                35,
                43,
                "unknown event field `eventTyp`",
                "did you mean eventType or contentType?",
                ("eventType", "contentType"),
            ),
        ],
    ),
    (
        'chain(xEvent, eventType, [A: WHAT(eventType = "addToCart")])',
        [
            (
                "error",
                "type-mismatch",
                15,
                24,
                "chain's ordering timestamp needs a timestamp (date or date-time); `eventType` is a string field (XDM string)",
                None,
                (),
            ),
        ],
    ),
    (
        "person.birthYear = person.birthYear",
        [
            (
                "warning",
                "structure",
                1,
                36,
                "`person.birthYear` is compared with itself: true whenever it is set",
                "compare it with another field or a value",
                (),
            ),
        ],
    ),
    (
        'homeAddress.countryCode.code = "US"',
        [
            (
                "error",
                "unknown-field",
                25,
                29,
                "`homeAddress.countryCode` is a string field; it has no field `code`",
                None,
                (),
            ),
        ],
    ),
    (
        'identityMap.get("ECID").idd = "1"',
        [
            (
                "error",
                "unknown-field",
                25,
                28,
                "unknown profile field `identityMap.idd`: `identityMap` has no field `idd`",
                "did you mean identityMap.id?",
                ("identityMap.id",),
            ),
        ],
    ),
    (
        '(P) => P.person.nam = "Joe"',
        [
            (
                "error",
                "unknown-field",
                17,
                20,
                "unknown profile field `person.nam`: `person` has no field `nam`",
                "did you mean person.name or person.age?",
                ("person.name", "person.age"),
            ),
        ],
    ),
    (
        "let S = orders.sum(pric) in S > 100",
        [
            (
                "error",
                "unknown-field",
                20,
                24,
                "unknown profile field `orders.pric`: `orders` has no field `pric`",
                "did you mean orders.price or orders.order.price?",
                ("orders.price", "orders.order.price"),
            ),
        ],
    ),
    (
        "person.birthYear > true",
        [
            (
                "error",
                "type-mismatch",
                20,
                24,
                "> orders numbers, strings and timestamps; `true` is a boolean",
                None,
                (),
            ),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_diagnostics_are_exact(text: str, expected: list[tuple]) -> None:
    found = check_fields(pql.parse(text), CATALOG)
    got = [
        (d.severity, d.code, d.column, d.end_column, d.message, d.hint, d.suggestions)
        for d in found
    ]
    assert got == expected
    assert all(d.line == 1 == d.end_line for d in found)


def test_the_position_is_the_unknown_segment() -> None:
    text = 'homeAddress.countryCode = "US" and\n  homeAddress.stateProvinceIS0 = "CA"'
    (d,) = check_fields(pql.parse(text), CATALOG)
    assert (d.line, d.column, d.end_line, d.end_column) == (2, 15, 2, 31)
    assert text[d.start : d.end] == "stateProvinceIS0"
    assert d.suggestions[0] == "homeAddress.stateProvinceISO"


NOT_CONDITIONS = [  # §12 examples that are values (computed-attribute PQL), not audience rules
    "homeAddress.countryISO",
    'if(person.gender = "female", 60, 65)',
    'if(homeAddress.countryCode in ["US","MX","CA"], "NA", "ROW")',
    "orders.count()",
    "orders.sum(order.price)",
    "orders.average(order.price)",
    "orders.min(order.price)",
    "orders.max(order.price)",
    "orders.groupBy(storeId)",
    "numbers.map(square)",
    "identityMap.keys()",
    'xEvent[(timestamp occurs < 7 days before now) and eventType="download" and contentType = '
    '"image"].count()',
    'xEvent[(timestamp occurs < 7 days before now) and eventType="transaction" and category = '
    '"sporting goods"].sum(commerce.order.priceTotal)',
]


def test_section12_examples_have_no_errors_but_the_known_ones() -> None:
    """Every §12 example is clean against a catalog with its fields, except the values (a
    number, string, map or array of plain values is not a condition: refused as an audience
    rule) and the three that are wrong as printed: ``person.filter`` on an object, the edge
    example's unbound ``var1`` (and one warning: example 51 compares a field with itself)."""
    findings = {}
    for text in EXAMPLES:
        found = check_fields(pql.parse(text), CATALOG)
        if found:
            findings[text] = [(d.severity, d.code) for d in found]
    assert findings == {
        **{text: [("error", "not-a-condition")] for text in NOT_CONDITIONS},
        "person.filter(age >= 21)": [("error", "type-mismatch")],
        "$1.homeAddress.stateProvince = $1.homeAddress.stateProvince": [("warning", "structure")],
        "chain(xEvent, timestamp, [X: WHAT(var1._experience.analytics.endUser.firstWeb."
        'webPageDetails.isHomePage = "true")])': [("error", "unknown-field")],
    }


@pytest.mark.parametrize("catalog", [None, FieldCatalog()], ids=["none", "empty"])
def test_without_field_knowledge_only_catalog_free_checks_run(catalog: FieldCatalog | None) -> None:
    assert check_fields(pql.parse('homeAdress.countryCod = "US" and xEvent.foo > 1'), catalog) == []
    found = check_fields(pql.parse('"a" > 3 and x.startsWith() and date(1) = y'), catalog)
    assert [(d.code, d.column, d.message) for d in found] == [
        ("type-mismatch", 7, '`"a"` is a string, but is compared with the number 3'),
        ("arity", 13, "startsWith takes 1 or 2 arguments, not 0"),
        ("arity", 32, "date takes 3 arguments, not 1"),
    ]


def test_enumerations_warn_with_the_closest_value() -> None:
    catalog = FieldCatalog.model_validate(
        {
            "profile": [
                {"path": "person", "xdm_type": "object"},
                {"path": "person.gender", "xdm_type": "string", "enum": ["male", "female"]},
            ]
        }
    )
    (d,) = check_fields(pql.parse('person.gender = "femal"'), catalog)
    assert (d.severity, d.code, d.column, d.end_column) == ("warning", "type-mismatch", 17, 24)
    assert d.message == '"femal" is not one of the values `person.gender` allows ("male", "female")'
    assert d.suggestions == ('"female"', '"male"')
    assert check_fields(pql.parse('person.gender = "female"'), catalog) == []


def _mutations() -> st.SearchStrategy[str]:
    pieces = st.sampled_from(
        [
            " ",
            "x",
            ".",
            "X.",
            "(",
            ")",
            "[",
            "]",
            '"a"',
            "1",
            " and ",
            " = ",
            "^.",
            ".count()",
            "timestamp",
            "eventType",
            ".sum(price)",
            " occurs today",
            "xEvent",
            ", ",
            "not ",
        ]
    )
    return st.tuples(st.sampled_from(EXAMPLES), st.integers(0, 300), st.integers(0, 6), pieces).map(
        lambda t: t[0][: t[1]] + t[3] + t[0][t[1] + t[2] :]
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_never_raises_on_any_parsed_mutation(text: str) -> None:
    try:
        query = pql.parse(text)
    except pql.PqlSyntaxError:
        return
    for catalog in (None, CATALOG):
        for d in check_fields(query, catalog):
            assert d.message and d.code != "syntax"
    analyze(query).as_dict()
    assert explain(query).startswith("People ")
