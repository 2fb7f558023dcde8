"""``groupBy`` with ``map``/``mapEntry`` (Adobe's array functions: "partition values of an array
into groups based on the value of the expression"): exact member sets on a four-profile fixture
in DuckDB, and the checker's types."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import duckdb
import pytest

from seg_mcp import pql
from seg_mcp.pql import sql
from seg_mcp.pql.sql import Layout, SqlType, TableName, list_of, struct_of

TEXT, NUMBER = SqlType("string"), SqlType("double")
ORDER = struct_of(storeId=TEXT, price=NUMBER)
LAYOUT = Layout(
    profiles=TableName("profiles"),
    events=TableName("events"),
    membership=TableName("membership"),
    profile=struct_of(_id=TEXT, orders=list_of(ORDER)),
    event=struct_of(
        _id=TEXT,
        timestamp=SqlType("timestamp"),
        eventType=TEXT,
        commerce=struct_of(order=struct_of(priceTotal=NUMBER)),
    ),
)
NOW = datetime(2026, 11, 4, 15, 30)

PROFILES = {  # orders as (storeId, price)
    "p1": [("s1", 10.0), ("s1", 20.0), ("s2", 5.0)],
    "p2": [("s1", 7.0)],
    "p3": [],
    "p4": [("s3", 1.0), ("s4", 2.0), ("s5", 3.0), (None, 4.0)],
}
EVENTS = [  # (profile, eventType, priceTotal)
    ("p1", "purchase", 30.0),
    ("p1", "purchase", 5.0),
    ("p1", "purchase", 10.0),
    ("p1", "productView", None),
    ("p2", "productView", None),
    ("p2", "productView", None),
    ("p4", "purchase", 2.0),
    ("p4", "productView", None),
    ("p4", "addToCart", None),
]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        'CREATE TABLE profiles (_id VARCHAR, orders STRUCT("storeId" VARCHAR, price DOUBLE)[])'
    )
    for pid, orders in PROFILES.items():
        connection.execute(
            "INSERT INTO profiles VALUES (?, ?)",
            [pid, [{"storeId": store, "price": price} for store, price in orders]],
        )
    connection.execute(
        'CREATE TABLE events (profile_id VARCHAR, _id VARCHAR, "timestamp" TIMESTAMP, '
        '"eventType" VARCHAR, commerce STRUCT("order" STRUCT("priceTotal" DOUBLE)))'
    )
    for index, (pid, kind, total) in enumerate(EVENTS):
        connection.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
            [
                pid,
                f"e{index}",
                datetime(2026, 11, 1, index),
                kind,
                {"order": {"priceTotal": total}},
            ],
        )
    connection.execute(
        "CREATE TABLE membership (profile_id VARCHAR, segment_id VARCHAR, status VARCHAR)"
    )
    yield connection
    connection.close()


def members(con: duckdb.DuckDBPyConnection, text: str) -> set[str]:
    result = pql.check(text)
    assert result.ok, result.diagnostics
    assert result.ast is not None
    query = sql.members(result.ast, LAYOUT, now=NOW).sql(dialect="duckdb")
    return {row[0] for row in con.execute(query).fetchall()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the groups of a profile without orders: none
        ("orders.groupBy(storeId).keys().count() > 0", {"p1", "p2", "p4"}),
        # keys: the distinct stores; an order without a store belongs to no group
        ("orders.groupBy(storeId).keys().count() >= 3", {"p4"}),
        ('"s2" in orders.groupBy(storeId).keys()', {"p1"}),
        # a group is the array of its elements
        ('orders.groupBy(storeId).get("s1").count() >= 2', {"p1"}),
        ('orders.groupBy(storeId).get("s1").sum(price) = 7', {"p2"}),
        # map + mapEntry: a map of one value per group
        ('orders.groupBy(storeId).map((K, G) => mapEntry(K, G.sum(price))).get("s1") > 15', {"p1"}),
        # map with any other body: the array of its values, one per group
        ("orders.groupBy(storeId).map((K, G) => G.count()).max() = 1", {"p2", "p4"}),
        # over events
        ("xEvent.groupBy(eventType).keys().count() > 2", {"p4"}),
        (
            "xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.count())).values().max() >= 2",
            {"p1", "p2"},
        ),
        (
            'xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.count())).get("purchase") = 3',
            {"p1"},
        ),
        (
            "xEvent.groupBy(eventType).map((K, G) => mapEntry(K, "
            'G.sum(commerce.order.priceTotal))).get("purchase") >= 40',
            {"p1"},
        ),
        ('mapEntry("a", 1).get("a") = 1', {"p1", "p2", "p3", "p4"}),
    ],
)
def test_group_by_gives_exactly_these_profiles(
    con: duckdb.DuckDBPyConnection, text: str, expected: set[str]
) -> None:
    assert members(con, text) == expected


def test_the_checker_types_groups_and_entries() -> None:
    catalog = pql.FieldCatalog.from_types(
        profile={"orders": "object[]", "orders.storeId": "string", "orders.price": "number"},
        events={"eventType": "string", "commerce.order.priceTotal": "number"},
    )
    fine = [
        'xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.count())).get("purchase") > 2',
        'orders.groupBy(storeId).get("s1").sum(price) > 10',
    ]
    assert [pql.check(text, catalog).diagnostics for text in fine] == [(), ()]
    wrong = 'orders.groupBy(storeId).map((K, G) => mapEntry(K, G.count())).get("s1") = "two"'
    assert [(d.code, d.message) for d in pql.check(wrong, catalog).diagnostics] == [
        (
            "type-mismatch",
            '`orders.groupBy(storeId).map((K, G) => mapEntry(K, G.count())).get("s1")` is a '
            'number, but is compared with the string "two"',
        )
    ]
    summed = 'orders.groupBy(storeId).get("s1").sum(storeId) > 1'
    assert [d.message for d in pql.check(summed, catalog).diagnostics] == [
        "sum needs a number; `storeId` is a string field (XDM string)"
    ]
