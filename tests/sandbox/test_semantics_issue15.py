"""Issue 15's PQL items end to end through the sandbox's own path (``pqlbridge.validate`` against
the sandbox's XDM catalog, then the engine on DuckDB): exact member sets on the hand-written
fixture of tests/sandbox/refworld.py (5 profiles, 12 events, clock 2026-11-04 15:30), and the
refusal of non-boolean rules by the definitions and preview routes.

Profiles: p1 John, Paris FR; p2 john, Lyon FR; p3 no address; p4 Jonathan, San Jose US;
p5 Emma, paris FR. Events by type: p1 purchase (150 USD, SKUs PS and LR), add, view; p2 add,
purchase (40), purchase (60), add; p4 view, checkout; p5 add, add, purchase (100).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import httpx2
import pytest

from seg_mcp.pql.catalog import FieldCatalog, catalog_from_xdm_schemas
from seg_mcp.sandbox import engine, pqlbridge, xdm
from seg_mcp.sandbox.errors import ApiError

from . import refworld

CATALOG: FieldCatalog = catalog_from_xdm_schemas(
    xdm.union_schema(xdm.PROFILE_ROOT, xdm.PROFILE_CLASS_ID),
    xdm.union_schema(xdm.EVENT_ROOT, xdm.EVENT_CLASS_ID),
)
INFO = refworld.sandbox()


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = refworld.connect()
    yield connection
    connection.close()


def members(con: duckdb.DuckDBPyConnection, text: str) -> set[str]:
    checked = pqlbridge.validate("pql/text", text, CATALOG)
    return set(engine.member_ids(con.cursor(), INFO, checked.query, now=refworld.NOW))


def ids(names: str) -> set[str]:
    return {f"p{n}" for n in names}


# -- equals / notEqualTo with several texts ------------------------------------------------------

EQUALS_CASES = [
    ('homeAddress.city.equals("Paris", "Lyon")', "12"),
    ('homeAddress.city.equals("PARIS", "lyon", false)', "125"),
    ('homeAddress.city.equals("Paris", "Lyon", true)', "12"),
    ('homeAddress.city.notEqualTo("Paris", "Lyon")', "45"),  # p3 has no city: not "not equal"
    ('homeAddress.city.notEqualTo("paris", "LYON", false)', "4"),
    ('not(homeAddress.city.equals("Paris", "Lyon"))', "345"),
    ('homeAddress.countryCode.equals("us", "ca", false)', "4"),
    ('person.name.firstName.equals("John")', "1"),
    ('person.name.firstName.equals("JOHN", false)', "12"),
    (
        'select X from xEvent where X.eventType.equals("commerce.checkouts", '
        '"web.webpagedetails.pageViews")',
        "14",
    ),
    ('xEvent.eventType.notEqualTo("commerce.productListAdds", "commerce.purchases")', "14"),
]


@pytest.mark.parametrize(("text", "expected"), EQUALS_CASES)
def test_equals_with_several_texts(
    con: duckdb.DuckDBPyConnection, text: str, expected: str
) -> None:
    assert members(con, text) == ids(expected)


# -- groupBy with map / mapEntry over events -----------------------------------------------------

GROUP_CASES = [
    ("xEvent.groupBy(eventType).keys().count() >= 3", "1"),
    ("xEvent.groupBy(eventType).keys().count() > 0", "1245"),
    (
        "xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.count()))"
        '.get("commerce.productListAdds") = 2',
        "25",
    ),
    (
        "xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.sum(commerce.order.priceTotal)))"
        '.get("commerce.purchases") >= 100',
        "125",
    ),
    (
        "xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.sum(commerce.order.priceTotal)))"
        '.get("commerce.purchases") > 100',
        "1",
    ),
    ("xEvent.groupBy(eventType).map((K, G) => G.count()).max() = 1", "14"),
    ('xEvent.groupBy(eventType).get("commerce.purchases").count() = 2', "2"),
    ("xEvent[productListItems.groupBy(SKU).keys().count() >= 2]", "1"),
]


@pytest.mark.parametrize(("text", "expected"), GROUP_CASES)
def test_group_by_over_events(con: duckdb.DuckDBPyConnection, text: str, expected: str) -> None:
    assert members(con, text) == ids(expected)


# -- a value is not a rule -----------------------------------------------------------------------

NOT_CONDITIONS = [
    ("date(2020, 3, 14)", 18, "`date(2020, 3, 14)` is a timestamp"),
    ("[1, 4, 7]", 10, "`[1, 4, 7]` is an array of number"),
    (
        'xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)',
        72,
        '`xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)` is a number',
    ),
    (
        'if(homeAddress.countryCode = "US", 60, 65)',
        43,
        '`if(homeAddress.countryCode = "US", 60, 65)` is a number',
    ),
    ("42", 3, "`42` is a number"),
    ('"US"', 5, '`"US"` is a string'),
]


@pytest.mark.parametrize(("text", "end", "what"), NOT_CONDITIONS)
def test_the_sandbox_refuses_a_value_as_a_rule(text: str, end: int, what: str) -> None:
    with pytest.raises(ApiError) as caught:
        pqlbridge.validate("pql/text", text, CATALOG)
    (diagnostic,) = caught.value.body["diagnostics"]
    assert (diagnostic["code"], diagnostic["line"], diagnostic["column"]) == (
        "not-a-condition",
        1,
        1,
    )
    assert diagnostic["end_column"] == end
    assert diagnostic["message"] == f"an audience rule must be a condition (true or false); {what}"
    assert diagnostic["hint"]


def definition(name: str, pql: str) -> dict[str, Any]:
    return {
        "name": name,
        "expression": {"type": "PQL", "format": "pql/text", "value": pql},
        "schema": {"name": "_xdm.context.profile"},
    }


async def test_definitions_and_previews_refuse_a_value_as_a_rule(raw: httpx2.AsyncClient) -> None:
    text = "xEvent.sum(commerce.order.priceTotal)"
    created = await raw.post("/segment/definitions", json=definition("total", text))
    assert created.status_code == 400
    body = created.json()
    assert [(d["code"], d["column"], d["end_column"]) for d in body["diagnostics"]] == [
        ("not-a-condition", 1, 38)
    ]
    assert "must be a condition" in body["title"]
    assert (await raw.get("/segment/definitions")).json()["segments"] == []
    preview = await raw.post(
        "/preview",
        json={
            "predicateExpression": text,
            "predicateType": "pql/text",
            "predicateModel": "_xdm.context.profile",
        },
    )
    assert preview.status_code == 400
    assert [d["code"] for d in preview.json()["diagnostics"]] == ["not-a-condition"]
    fixed = await raw.post("/segment/definitions", json=definition("big spenders", text + " > 100"))
    assert fixed.status_code in (200, 201)


# -- totals and comparisons across currencies (issue 16 item 7) ----------------------------------

CURRENCY_SCHEMA = "sbx_currencies"
EXTRA_PURCHASES = [  # refworld's orders are all USD; these are not
    ("e54", "p5", refworld.NOW.replace(day=3), 300.0, "EUR"),
    ("e43", "p4", refworld.NOW.replace(day=2), 250.0, "GBP"),
]


@pytest.fixture(scope="module")
def mixed() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = refworld.connect(CURRENCY_SCHEMA)
    table = xdm.qualified(CURRENCY_SCHEMA, "experience_events")
    for eid, pid, when, total, code in EXTRA_PURCHASES:
        connection.execute(
            f'INSERT INTO {table} (_id, profile_id, "timestamp", "eventType", commerce) '
            "VALUES (?, ?, ?, ?, ?)",
            [
                eid,
                pid,
                when,
                refworld.PURCHASE,
                {"order": {"priceTotal": total, "currencyCode": code}},
            ],
        )
    yield connection
    connection.close()


PURCHASES = f'eventType = "{refworld.PURCHASE}"'
USD = 'commerce.order.currencyCode = "USD"'

CURRENCY_CASES = [
    # p1 150 USD; p2 40 + 60 USD; p4 250 GBP; p5 100 USD + 300 EUR
    (f"xEvent[{PURCHASES}].sum(commerce.order.priceTotal) > 120", "145", "total"),
    (f"xEvent[{PURCHASES} and {USD}].sum(commerce.order.priceTotal) > 120", "1", None),
    (f"xEvent[{PURCHASES} and {USD}].sum(commerce.order.priceTotal) >= 100", "125", None),
    ("select X from xEvent where X.commerce.order.priceTotal > 200", "45", "comparison"),
    (
        "select X from xEvent where X.commerce.order.priceTotal > 200 and "
        'X.commerce.order.currencyCode = "EUR"',
        "5",
        None,
    ),
]


@pytest.mark.parametrize(("text", "expected", "warned"), CURRENCY_CASES)
def test_currencies_mixed_and_restricted(
    mixed: duckdb.DuckDBPyConnection, text: str, expected: str, warned: str | None
) -> None:
    checked = pqlbridge.validate("pql/text", text, CATALOG)
    info = refworld.sandbox(CURRENCY_SCHEMA)
    found = set(engine.member_ids(mixed.cursor(), info, checked.query, now=refworld.NOW))
    assert found == ids(expected)
    codes = [(w.code, w.severity) for w in checked.warnings]
    assert codes == ([("mixed-currencies", "warning")] if warned else [])
    if warned == "total":
        assert "mixes currencies" in checked.warnings[0].message
