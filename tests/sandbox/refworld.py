"""The small fixture world the reference evaluator (`refeval`) and the SQL engine are both run
over (tests/sandbox/test_semantics*.py): a few profiles, their events and segment memberships at a
fixed `NOW`, and how to load them into DuckDB in the contract layout.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

NOW = datetime(2026, 11, 4, 15, 30)  # a Wednesday

PROFILES: list[dict[str, Any]] = [
    {
        "_id": "p1",
        "person": {
            "name": {"firstName": "John", "lastName": "Smith"},
            "birthDate": date(1990, 6, 15),
            "birthYear": 1990,
            "gender": "male",
        },
        "homeAddress": {"city": "Paris", "countryCode": "FR"},
        "personalEmail": {"address": "john@example.com"},
        "loyalty": {"tier": "gold", "points": 120.0, "joinDate": date(2026, 10, 5)},
        "identityMap": {"ECID": [{"id": "e1", "primary": True}]},
    },
    {
        "_id": "p2",
        "person": {"name": {"firstName": "john"}, "birthDate": date(1985, 1, 1), "birthYear": 1985},
        "homeAddress": {"city": "Lyon", "countryCode": "FR"},
        "personalEmail": {"address": "x@example.edu"},
        "loyalty": {"tier": "silver", "points": 0.0},
    },
    {"_id": "p3", "person": {"gender": "female"}},
    {
        "_id": "p4",
        "person": {"name": {"firstName": "Jonathan"}},
        "homeAddress": {"city": "San Jose", "countryCode": "US"},
        "loyalty": {"tier": None, "points": None},
    },
    {
        "_id": "p5",
        "person": {
            "name": {"firstName": "Emma"},
            "birthDate": date(2000, 11, 4),
            "birthYear": 2000,
        },
        "homeAddress": {"city": "paris", "countryCode": "FR"},
        "loyalty": {"points": 50.5, "joinDate": date(2026, 11, 1)},
    },
]

PURCHASE, ADD, VIEW = (
    "commerce.purchases",
    "commerce.productListAdds",
    "web.webpagedetails.pageViews",
)


def _event(eid: str, pid: str, ts: datetime | None, etype: str, **more: Any) -> dict[str, Any]:
    return {"_id": eid, "profile_id": pid, "timestamp": ts, "eventType": etype, **more}


def _order(total: float) -> dict[str, Any]:
    return {"order": {"priceTotal": total, "currencyCode": "USD"}}


EVENTS: list[dict[str, Any]] = [
    _event(
        "e11",
        "p1",
        datetime(2026, 10, 5, 15, 30),  # exactly 30 days before NOW
        PURCHASE,
        commerce=_order(150.0),
        productListItems=[
            {"SKU": "PS", "quantity": 1, "priceTotal": 22.99},
            {"SKU": "LR", "quantity": 2, "priceTotal": 19.98},
        ],
    ),
    _event("e12", "p1", datetime(2026, 10, 4, 10, 0), ADD),
    _event("e13", "p1", datetime(2026, 11, 4, 9, 0), VIEW),
    _event("e21", "p2", datetime(2026, 10, 20, 12, 0), ADD),
    _event(
        "e22",
        "p2",
        datetime(2026, 10, 28, 12, 0),
        PURCHASE,
        commerce=_order(40.0),
        productListItems=[{"SKU": "AI", "quantity": 1, "priceTotal": 40.0}],
    ),
    _event("e23", "p2", datetime(2026, 11, 3, 8, 0), PURCHASE, commerce=_order(60.0)),
    _event("e24", "p2", datetime(2026, 10, 26, 12, 0), ADD),
    _event("e41", "p4", datetime(2026, 10, 31, 23, 59, 59), VIEW, productListItems=[]),
    _event("e42", "p4", None, "commerce.checkouts"),
    _event("e51", "p5", datetime(2026, 11, 1), ADD),
    _event("e52", "p5", datetime(2026, 11, 1), ADD),
    _event("e53", "p5", datetime(2026, 11, 2, 10, 0), PURCHASE, commerce=_order(100.0)),
]

MEMBERSHIPS: list[tuple[str, str, str]] = [
    ("p1", "S1", "realized"),
    ("p2", "S1", "exited"),
    ("p4", "S1", "existing"),
    ("p5", "S2", "realized"),
]

ALL = frozenset(p["_id"] for p in PROFILES)


SCHEMA = "sbx_semantics"


def sandbox(schema: str = SCHEMA) -> Any:
    """The SandboxInfo of a sandbox whose tables live in ``schema``."""
    from seg_mcp.sandbox.store import SandboxInfo

    return SandboxInfo(
        org="org",
        name="dev",
        sandbox_id="sbx",
        title="Dev",
        type="development",
        is_default=True,
        schema=schema,
        clock=NOW,
        created_ms=0,
        has_data=True,
    )


def connect(schema: str = SCHEMA) -> Any:
    """An in-memory DuckDB (one thread: the data is tiny) holding the fixture in ``schema``."""
    import duckdb

    connection = duckdb.connect(":memory:", config={"threads": 1})
    load(connection, schema)
    return connection


def load(cur: Any, schema: str) -> None:
    """Create the contract layout in ``schema`` and insert the fixture."""
    from seg_mcp.sandbox import xdm

    cur.execute(f"CREATE SCHEMA {xdm.quote_ident(schema)}")
    for ddl in xdm.data_tables_ddl(schema):
        cur.execute(ddl)
    for name, rows in (("profiles", PROFILES), ("experience_events", EVENTS)):
        for row in rows:
            cols = ", ".join(xdm.quote_ident(c) for c in row)
            marks = ", ".join("?" for _ in row)
            cur.execute(
                f"INSERT INTO {xdm.qualified(schema, name)} ({cols}) VALUES ({marks})",
                list(row.values()),
            )
    for pid, seg, status in MEMBERSHIPS:
        cur.execute(
            f"INSERT INTO {xdm.qualified(schema, 'segment_membership')} VALUES (?, ?, ?, ?)",
            [pid, seg, status, NOW],
        )
