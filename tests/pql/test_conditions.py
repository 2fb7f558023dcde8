"""An audience rule must be a condition: values (numbers, strings, dates, lists, maps) are
refused with a `not-a-condition` error on the value's span, naming its type, with a hint; what
PQL reads as "there is one" (events or items narrowed by a condition, objects) passes."""

from __future__ import annotations

import pytest

from seg_mcp import pql

CATALOG = pql.FieldCatalog.from_types(
    profile={
        "homeAddress": "object",
        "homeAddress.countryCode": "string",
        "person.birthDate": "date",
        "loyalty.points": "number",
        "orders": "object[]",
        "orders.storeId": "string",
        "orders.price": "number",
        "favoriteColors": "string[]",
    },
    events={
        "eventType": "string",
        "timestamp": "date-time",
        "commerce.order": "object",
        "commerce.order.priceTotal": "number",
    },
)

RULE = "an audience rule must be a condition (true or false); "

REFUSED = [
    (
        "date(2020, 3, 14)",
        (1, 18),
        RULE + "`date(2020, 3, 14)` is a timestamp",
        "compare a date field with it, e.g. person.birthDate < date(2020, 3, 14)",
    ),
    (
        "[1, 4, 7]",
        (1, 10),
        RULE + "`[1, 4, 7]` is an array of number",
        "test a value against the list, e.g. person.birthMonth in [1, 4, 7]",
    ),
    (
        'xEvent[eventType = "purchase"].sum(commerce.order.priceTotal)',
        (1, 62),
        RULE + '`xEvent[eventType = "purchase"].sum(commerce.order.priceTotal)` is a number',
        'add a comparison, e.g. xEvent[eventType = "purchase"].sum(commerce.order.priceTotal) '
        "> 100",
    ),
    (
        "if(loyalty.points > 100, 60, 65)",
        (1, 33),
        RULE + "`if(loyalty.points > 100, 60, 65)` is a number",
        "add a comparison, e.g. if(loyalty.points > 100, 60, 65) > 100",
    ),
    ("42", (1, 3), RULE + "`42` is a number", 'write a test, e.g. homeAddress.countryCode = "US"'),
    (
        '"US"',
        (1, 5),
        RULE + '`"US"` is a string',
        'write a test, e.g. homeAddress.countryCode = "US"',
    ),
    (
        "homeAddress.countryCode",
        (1, 24),
        RULE + "`homeAddress.countryCode` is a string field (XDM string)",
        'add a comparison, e.g. homeAddress.countryCode = "value", or test that it is set: '
        "homeAddress.countryCode.isNotNull()",
    ),
    (
        "person.birthDate",
        (1, 17),
        RULE + "`person.birthDate` is a timestamp field (XDM date)",
        "say when it lies, e.g. person.birthDate occurs < 30 days before now",
    ),
    (
        "orders.groupBy(storeId)",
        (1, 24),
        RULE + "`orders.groupBy(storeId)` is a map",
        "test whether it has an entry, e.g. orders.groupBy(storeId).keys().count() > 0",
    ),
    (
        "favoriteColors",
        (1, 15),
        RULE + "`favoriteColors` is an array of string field (XDM array of string)",
        "test whether it holds an item, e.g. favoriteColors.count() > 0",
    ),
    (
        "(P) => P.loyalty.points",
        (8, 24),
        RULE + "`P.loyalty.points` is a number field (XDM number)",
        "add a comparison, e.g. P.loyalty.points > 100",
    ),
    (
        'homeAddress.countryCode = "US" and loyalty.points',
        (36, 50),
        "`and` joins conditions (true or false); `loyalty.points` is a number field (XDM number)",
        "add a comparison, e.g. loyalty.points > 100",
    ),
    (
        "not xEvent.count()",
        (5, 19),
        "`not` negates a condition (true or false); `xEvent.count()` is a number",
        "add a comparison, e.g. xEvent.count() > 100",
    ),
    (
        "if(loyalty.points, true, false)",
        (4, 18),
        "if's test must be a condition (true or false); `loyalty.points` is a number field "
        "(XDM number)",
        "add a comparison, e.g. loyalty.points > 100",
    ),
]


@pytest.mark.parametrize(("text", "span", "message", "hint"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_value_is_refused_as_a_rule(
    text: str, span: tuple[int, int], message: str, hint: str
) -> None:
    result = pql.check(text, CATALOG)
    assert not result.ok
    assert [
        (d.severity, d.code, d.line, d.column, d.end_column, d.message, d.hint)
        for d in result.diagnostics
    ] == [("error", "not-a-condition", 1, *span, message, hint)]


ACCEPTED = [
    'homeAddress.countryCode = "US"',
    "homeAddress",  # an object: "has a home address"
    'select X from xEvent where X.eventType = "purchase"',
    "select X from xEvent where X.commerce.order",
    'xEvent[eventType = "purchase"]',
    "xEvent",
    "orders[price > 5]",
    'exists X from xEvent where X.eventType = "purchase"',
    'xEvent[eventType = "purchase"].sum(commerce.order.priceTotal) > 100',
    'if(loyalty.points > 100, "gold", "silver") = "gold"',
    "orders.groupBy(storeId).keys().count() > 1",
    'chain(xEvent, timestamp, [A: WHAT(eventType = "purchase")])',
    'inSegment("abc") and not (homeAddress.countryCode = "US")',
    "(P) => P.loyalty.points > 10",
    "loyalty.points.isNotNull() and not homeAddress.countryCode.isNull()",
    "xEvent[commerce.order.priceTotal.isNotNull()]",
    "favoriteColors.isNotNull()",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_conditions_pass(text: str) -> None:
    assert pql.check(text, CATALOG).diagnostics == ()


def test_without_a_catalog_only_what_is_known_is_refused() -> None:
    assert pql.check("loyalty.points").ok  # a field of unknown type may be a boolean
    assert [d.code for d in pql.check("date(2020, 3, 14)").diagnostics] == ["not-a-condition"]
