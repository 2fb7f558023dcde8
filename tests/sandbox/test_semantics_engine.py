"""The engine API the sandbox's jobs call: counts, sampling, paging, members_sql, errors."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from seg_mcp.sandbox import engine, xdm

from . import refworld
from .refworld import SCHEMA
from .test_semantics import INFO, parse


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = refworld.connect()
    yield connection
    connection.close()


PURCHASERS = 'select X from xEvent where X.eventType = "commerce.purchases"'


def test_count_and_member_ids_page_in_id_order(con: duckdb.DuckDBPyConnection) -> None:
    query = parse(PURCHASERS)
    assert engine.count(con, INFO, query, now=refworld.NOW) == 3
    assert engine.member_ids(con, INFO, query, now=refworld.NOW) == ["p1", "p2", "p5"]
    assert engine.member_ids(con, INFO, query, now=refworld.NOW, limit=2) == ["p1", "p2"]
    assert engine.member_ids(con, INFO, query, now=refworld.NOW, limit=2, offset=2) == ["p5"]
    assert engine.member_ids(con, INFO, query, now=refworld.NOW, offset=3) == []


def test_members_sql_feeds_insert_select(con: duckdb.DuckDBPyConnection) -> None:
    query = parse('homeAddress.countryCode = "FR" and not inSegment("S2")')
    select = engine.members_sql(INFO, query, now=refworld.NOW, cur=con)
    table = xdm.qualified(SCHEMA, xdm.MEMBERSHIP_TABLE)
    con.execute(f"INSERT INTO {table} SELECT _id, 'S9', 'realized', now() FROM ({select})")
    rows = con.execute(f"SELECT profile_id FROM {table} WHERE segment_id = 'S9' ORDER BY 1")
    assert [r[0] for r in rows.fetchall()] == ["p1", "p2"]
    # ... and the new memberships count for inSegment() at once
    assert engine.member_ids(con, INFO, parse('inSegment("S9")'), now=refworld.NOW) == ["p1", "p2"]


def test_sampling_counts_in_a_deterministic_sample(con: duckdb.DuckDBPyConnection) -> None:
    query = parse(PURCHASERS)
    assert engine.sample_size(con, INFO, 100) == 5
    assert engine.count(con, INFO, query, now=refworld.NOW, sample_percent=100) == 3
    for percent in (10, 50, 90):
        size = engine.sample_size(con, INFO, percent)
        matched = engine.count(con, INFO, query, now=refworld.NOW, sample_percent=percent)
        assert 0 <= matched <= min(size, 3)
        assert engine.sample_size(con, INFO, percent) == size
        assert engine.count(con, INFO, query, now=refworld.NOW, sample_percent=percent) == matched


def test_loaded_fields_are_seen_without_any_cache(con: duckdb.DuckDBPyConnection) -> None:
    query = parse('person.nickname = "Jo"')
    assert engine.member_ids(con, INFO, query, now=refworld.NOW) == []
    profiles = xdm.qualified(SCHEMA, xdm.PROFILES_TABLE)
    con.execute(
        f'ALTER TABLE {profiles} ALTER person TYPE STRUCT("name" STRUCT("firstName" VARCHAR), '
        '"birthDate" DATE, "birthYear" INTEGER, "gender" VARCHAR, "nickname" VARCHAR)'
    )
    con.execute(
        f"UPDATE {profiles} SET person = struct_update(person, nickname := 'Jo') WHERE _id = 'p3'"
    )
    assert engine.member_ids(con, INFO, query, now=refworld.NOW) == ["p3"]


def test_an_unsupported_construct_fails_before_any_query_runs(
    con: duckdb.DuckDBPyConnection,
) -> None:
    query = parse('{"a": 1}')  # (groupBy, the example here before, is evaluated now)
    with pytest.raises(
        engine.UnsupportedQuery, match=r"object literals \(\{\.\.\.\}\) at line 1, col"
    ):
        engine.count(con, INFO, query, now=refworld.NOW)
    with pytest.raises(ValueError):  # UnsupportedQuery is a ValueError
        engine.members_sql(INFO, query, now=refworld.NOW, cur=con)
