"""The synthetic dataset: every XDM path issue 4 lists is filled, and the data hangs together."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.generate import generate

ANCHOR = datetime(2026, 11, 1)
PROFILES = 2000

PROFILE_PATHS = [
    "person.name.firstName",
    "person.name.lastName",
    "person.birthDate",
    "person.gender",
    "homeAddress.city",
    "homeAddress.stateProvince",
    "homeAddress.countryCode",
    "homeAddress.postalCode",
    "personalEmail.address",
    "loyalty.tier",
    "loyalty.points",
    "identityMap",
]
EVENT_PATHS = [
    "timestamp",
    "eventType",
    "web.webPageDetails.name",
    "web.webPageDetails.URL",
    "commerce.order.priceTotal",
    "commerce.order.currencyCode",
    "commerce.order.purchaseID",
    "productListItems",
    "channel._id",
    "device.type",
    "marketing.trackingCode",
]
EVENT_TYPES = {
    "web.webpagedetails.pageViews",
    "commerce.productViews",
    "commerce.productListAdds",
    "commerce.checkouts",
    "commerce.purchases",
    "directMarketing.emailOpened",
    "directMarketing.emailClicked",
}


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    for ddl in xdm.data_tables_ddl(None):
        c.execute(ddl)
    result = generate(c, "main", profiles=PROFILES, seed=5, anchor=ANCHOR)
    assert result.profiles == PROFILES and result.events > 5 * PROFILES
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def column(path: str) -> str:
    head, *rest = path.split(".")
    return ".".join([xdm.quote_ident(head), *(xdm.quote_ident(p) for p in rest)])


@pytest.mark.parametrize("path", PROFILE_PATHS)
def test_every_listed_profile_path_is_filled(con: duckdb.DuckDBPyConnection, path: str) -> None:
    filled = one(con, f"SELECT count({column(path)}) FROM profiles")
    assert isinstance(filled, int) and filled > PROFILES // 2


@pytest.mark.parametrize("path", EVENT_PATHS)
def test_every_listed_event_path_is_filled(con: duckdb.DuckDBPyConnection, path: str) -> None:
    assert one(con, f"SELECT count({column(path)}) FROM experience_events") > 0


def test_the_seven_event_types_occur(con: duckdb.DuckDBPyConnection) -> None:
    kinds = con.execute('SELECT DISTINCT "eventType" FROM experience_events').fetchall()
    assert {k for (k,) in kinds} == EVENT_TYPES


def test_product_lines_are_complete_and_orders_add_up(con: duckdb.DuckDBPyConnection) -> None:
    incomplete = one(
        con,
        """SELECT count(*) FROM (SELECT unnest("productListItems") AS it FROM experience_events)
           WHERE it.SKU IS NULL OR it.name IS NULL OR it.quantity < 1 OR it.priceTotal <= 0""",
    )
    assert incomplete == 0
    wrong_totals = one(
        con,
        """SELECT count(*) FROM experience_events WHERE "eventType" = 'commerce.purchases' AND (
             commerce.order.purchaseID IS NULL OR abs(commerce.order.priceTotal - list_sum(
               list_transform("productListItems", lambda it: it.priceTotal))) > 0.01)""",
    )
    assert wrong_totals == 0


def test_events_belong_to_profiles_within_the_year_before_the_anchor(
    con: duckdb.DuckDBPyConnection,
) -> None:
    orphans = one(
        con,
        "SELECT count(*) FROM experience_events e WHERE NOT EXISTS "
        "(SELECT 1 FROM profiles p WHERE p._id = e.profile_id)",
    )
    assert orphans == 0
    low, high = con.execute(
        'SELECT min("timestamp"), max("timestamp") FROM experience_events'
    ).fetchone()  # type: ignore[misc]
    assert ANCHOR - timedelta(days=365) <= low and high <= ANCHOR


def test_every_profile_has_one_primary_ecid(con: duckdb.DuckDBPyConnection) -> None:
    bad = one(
        con,
        """SELECT count(*) FROM profiles WHERE len("identityMap"['ECID']) <> 1
           OR NOT "identityMap"['ECID'][1]."primary" """,
    )
    assert bad == 0
