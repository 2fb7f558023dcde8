"""A money amount totalled or compared without testing its currency is a `mixed-currencies`
warning (issue 16 item 7) on the amount's first use; testing the currency field silences it.
Exact member sets: tests/sandbox/test_semantics_issue15.py."""

from __future__ import annotations

import pytest

from seg_mcp import pql

CATALOG = pql.FieldCatalog.from_types(
    profile={"loyalty.points": "number"},
    events={
        "eventType": "string",
        "commerce.order.priceTotal": "number",
        "commerce.order.currencyCode": "string",
        "productListItems": "object[]",
        "productListItems.priceTotal": "number",
        "productListItems.currencyCode": "string",
        "metrics.value": "number",
    },
)
ORDER_HINT = (
    'add commerce.order.currencyCode = "USD" inside the event filter, e.g. '
    'xEvent[commerce.order.currencyCode = "USD" and ...]'
)
TOTAL = (
    "this total of `commerce.order.priceTotal` mixes currencies: it adds amounts whatever "
    "their `commerce.order.currencyCode`"
)
COMPARED = (
    "`commerce.order.priceTotal` is compared whatever its currency: the query does not test "
    "`commerce.order.currencyCode`, so 200 EUR counts as 200 USD"
)

WARNED = [
    (
        'xEvent[eventType = "purchase"].sum(commerce.order.priceTotal) > 200',
        (36, 61),
        TOTAL,
        ORDER_HINT,
    ),
    (
        "sum X.commerce.order.priceTotal over X from xEvent > 200",
        (5, 32),
        TOTAL,
        ORDER_HINT,
    ),
    (
        'xEvent[eventType = "purchase"].average(commerce.order.priceTotal) > 50',
        (40, 65),
        TOTAL,
        ORDER_HINT,
    ),
    ("xEvent.commerce.order.priceTotal > 200", (1, 33), COMPARED, ORDER_HINT),
    (
        "select X from xEvent where X.commerce.order.priceTotal > 200",
        (28, 55),
        COMPARED,
        ORDER_HINT,
    ),
    (
        "xEvent[productListItems[priceTotal > 20]]",
        (25, 35),
        "`productListItems.priceTotal` is compared whatever its currency: the query does not "
        "test `productListItems.currencyCode`, so 200 EUR counts as 200 USD",
        'add productListItems.currencyCode = "USD" inside the event filter, e.g. '
        'xEvent[productListItems.currencyCode = "USD" and ...]',
    ),
]


@pytest.mark.parametrize(("text", "span", "message", "hint"), WARNED, ids=[w[0] for w in WARNED])
def test_a_total_or_comparison_across_currencies_is_warned(
    text: str, span: tuple[int, int], message: str, hint: str
) -> None:
    result = pql.check(text, CATALOG)
    assert result.ok  # a warning, not an error
    assert [
        (d.severity, d.code, d.line, d.column, d.end_column, d.message, d.hint)
        for d in result.diagnostics
    ] == [("warning", "mixed-currencies", 1, *span, message, hint)]


QUIET = [
    'xEvent[eventType = "purchase" and commerce.order.currencyCode = "USD"]'
    ".sum(commerce.order.priceTotal) > 200",
    "select X from xEvent where X.commerce.order.priceTotal > 200 and "
    'X.commerce.order.currencyCode = "EUR"',
    'xEvent[productListItems[priceTotal > 20 and currencyCode = "EUR"]]',
    "xEvent.metrics.value > 3",  # a number without a currency beside it
    "loyalty.points > 100",
    'xEvent[eventType = "purchase"].count() > 2',
    "xEvent[commerce.order.priceTotal.isNotNull()]",  # read, neither totalled nor compared
]


@pytest.mark.parametrize("text", QUIET)
def test_no_warning(text: str) -> None:
    assert pql.check(text, CATALOG).diagnostics == ()


def test_a_single_allowed_currency_or_no_catalog_is_quiet() -> None:
    text = "xEvent.commerce.order.priceTotal > 200"
    one = pql.FieldCatalog.model_validate(
        {
            "events": [
                {"path": "commerce", "xdm_type": "object"},
                {"path": "commerce.order", "xdm_type": "object"},
                {"path": "commerce.order.priceTotal", "xdm_type": "number"},
                {"path": "commerce.order.currencyCode", "xdm_type": "string", "enum": ["USD"]},
            ]
        }
    )
    assert pql.check(text, one).diagnostics == ()
    assert pql.check(text).diagnostics == ()
