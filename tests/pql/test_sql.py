"""The SQL compiler on its own (no database): quoting, literals, what it refuses and where.

Exact qualifying sets are asserted in tests/sandbox/test_semantics*.py against DuckDB.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlglot
from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql import parser, sql
from seg_mcp.pql.sql import Layout, SqlType, TableName, UnsupportedQuery, list_of, struct_of
from seg_mcp.pql.sql.timewindow import add_units, period

TEXT = SqlType("string")
NUMBER = SqlType("double")
LAYOUT = Layout(
    profiles=TableName("profiles", "sbx one"),
    events=TableName("experience_events", "sbx one"),
    membership=TableName("segment_membership", "sbx one"),
    profile=struct_of(
        _id=TEXT,
        homeAddress=struct_of(city=TEXT, countryCode=TEXT),
        person=struct_of(name=struct_of(firstName=TEXT)),
        loyalty=struct_of(points=NUMBER),
    ),
    event=struct_of(
        _id=TEXT,
        timestamp=SqlType("timestamp"),
        eventType=TEXT,
        productListItems=list_of(struct_of(SKU=TEXT)),
    ),
)
NOW = datetime(2026, 11, 4, 15, 30)


def parse(text: str) -> a.Query:
    built = parser.build(parser.lark_parser().parse(text))
    return built[0] if isinstance(built, tuple) else built


def render(text: str, **kwargs: object) -> str:
    return sql.members(parse(text), LAYOUT, now=NOW, **kwargs).sql(dialect="duckdb")  # type: ignore[arg-type]


def test_every_identifier_is_quoted_and_the_schema_qualifies_the_tables() -> None:
    text = render('homeAddress.city = "Paris" and xEvent[eventType = "x"]')
    assert text.startswith('SELECT "p#"."_id" FROM "sbx one"."profiles" AS "p#" WHERE ')
    assert '"p#"."homeAddress"."city" = \'Paris\'' in text
    assert 'FROM "sbx one"."experience_events" AS "e#1"' in text
    assert '"p#"."_id" IN (SELECT "e#1"."profile_id" FROM' in text


@pytest.mark.parametrize(
    "value", ["it's", 'say "hi"', "'; DROP TABLE profiles; --", "back\\slash", "ünï"]
)
def test_user_values_stay_literals(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    text = render(f'homeAddress.city = "{escaped}"')
    literals = [lit.this for lit in sqlglot.parse_one(text, read="duckdb").find_all(exp.Literal)]
    assert value in literals
    assert len(sqlglot.parse(text, read="duckdb")) == 1


def test_a_field_the_tables_lack_reads_as_missing() -> None:
    condition = sql.condition(parse('homeAddress.nope = "x"'), LAYOUT, now=NOW)
    assert "nope" not in condition.sql(dialect="duckdb")


def test_not_coalesces_so_a_missing_value_negates_to_true() -> None:
    text = render('not (homeAddress.city = "Paris")')
    assert "NOT (COALESCE(" in text


def test_sampling_is_a_deterministic_hash_bucket() -> None:
    text = render('homeAddress.city = "Paris"', sample_percent=12.5)
    assert 'HASH("p#"."_id") % 1000000 < 125000' in text
    with pytest.raises(ValueError, match="sample_percent"):
        render('homeAddress.city = "Paris"', sample_percent=0)


def test_now_with_a_time_zone_is_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    query = parse("xEvent.timestamp occurs today")
    at_utc = sql.condition(query, LAYOUT, now=datetime(2026, 11, 4, 0, 30, tzinfo=paris))
    naive = sql.condition(query, LAYOUT, now=datetime(2026, 11, 3, 23, 30))
    assert at_utc.sql(dialect="duckdb") == naive.sql(dialect="duckdb")
    assert "2026-11-03 00:00:00" in naive.sql(dialect="duckdb")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "xEvent.topN(commerce.order.priceTotal, loyalty.points).count() > 1",
            "not supported yet: topN() with a count that is not a whole number at line 1",
        ),
        (
            "xEvent.map((x, y) => x).count() > 1",
            "not supported yet: a lambda with 2 parameters here at line 1, column 12",
        ),
        ('{"a": 1}', "not supported yet: object literals ({...}) at line 1, column 1"),
        ('$2.homeAddress.city = "x"', "not supported yet: the parameter $2"),
        (
            'homeAddress.city.matches("(?=x)y")',
            "not supported yet: the regular expression '(?=x)y' (look-around",
        ),
        (
            "person.name > 3",
            "cannot evaluate: comparing object with number at line 1, column 1",
        ),
        (
            "homeAddress.city.count() > 1",
            "cannot evaluate: text used as an array at line 1, column 1",
        ),
        (
            "loyalty.points occurs today",
            "cannot evaluate: number used as a timestamp in occurs at line 1, column 1",
        ),
        (
            "person.name + 1 > 2",
            "cannot evaluate: arithmetic on object at line 1, column 1",
        ),
        (
            'homeAddress.city.matches("(")',
            "cannot evaluate: the regular expression '(' is invalid",
        ),
        ("date(2026, 2, 30) = date(2026, 3, 2)", "cannot evaluate: date(2026, 2, 30) is not"),
    ],
)
def test_unsupported_and_meaningless_queries_name_the_construct_and_where(
    text: str, message: str
) -> None:
    with pytest.raises(UnsupportedQuery) as caught:
        sql.condition(parse(text), LAYOUT, now=NOW)
    assert str(caught.value).startswith(message)
    assert caught.value.span.line == 1


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (datetime(2026, 3, 31), -1, "month", datetime(2026, 2, 28)),
        (datetime(2024, 3, 31), -1, "month", datetime(2024, 2, 29)),
        (datetime(2024, 2, 29), 1, "year", datetime(2025, 2, 28)),
        (datetime(2026, 1, 31, 10), 1, "month", datetime(2026, 2, 28, 10)),
        (datetime(2026, 11, 4), -2, "week", datetime(2026, 10, 21)),
        (datetime(2026, 11, 4), 1, "decade", datetime(2036, 11, 4)),
        (datetime(2026, 11, 4), 90, "minute", datetime(2026, 11, 4, 1, 30)),
    ],
)
def test_calendar_arithmetic_clamps_to_the_end_of_the_month(
    start: datetime, amount: int, unit: str, expected: datetime
) -> None:
    assert add_units(start, amount, unit) == expected


@pytest.mark.parametrize(
    ("qualifier", "unit", "start", "end"),
    [
        ("this", "week", datetime(2026, 11, 2), datetime(2026, 11, 9)),
        ("last", "week", datetime(2026, 10, 26), datetime(2026, 11, 2)),
        ("last", "month", datetime(2026, 10, 1), datetime(2026, 11, 1)),
        ("next", "year", datetime(2027, 1, 1), datetime(2028, 1, 1)),
        ("this", "decade", datetime(2020, 1, 1), datetime(2030, 1, 1)),
        ("last", "hour", datetime(2026, 11, 4, 14), datetime(2026, 11, 4, 15)),
    ],
)
def test_relative_periods_are_whole_calendar_periods(
    qualifier: str, unit: str, start: datetime, end: datetime
) -> None:
    assert period(qualifier, unit, NOW) == (start, end)
