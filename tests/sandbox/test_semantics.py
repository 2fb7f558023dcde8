"""Exact qualifying sets of every construct the engine evaluates, on the hand-written fixture of
tests/sandbox/refworld.py (5 profiles, 12 events, the clock at Wednesday 2026-11-04 15:30 UTC).

Each case is checked twice: the SQL engine on DuckDB, and the plain-Python reference evaluator.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from seg_mcp.pql import ast as a
from seg_mcp.pql import parser
from seg_mcp.sandbox import engine

from . import refeval, refworld


def parse(text: str) -> a.Query:
    built = parser.build(parser.lark_parser().parse(text))
    return built[0] if isinstance(built, tuple) else built  # newer builders also return problems


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = refworld.connect()
    yield connection
    connection.close()


INFO = refworld.sandbox()


def members(con: duckdb.DuckDBPyConnection, text: str) -> set[str]:
    query = parse(text)
    found = engine.member_ids(con.cursor(), INFO, query, now=refworld.NOW)
    assert found == sorted(found)
    assert set(found) == refeval.expected(query), "the reference evaluator disagrees"
    return set(found)


def ids(*names: str) -> set[str]:
    return {f"p{n}" for n in names}


PROFILE_CASES = [
    ('homeAddress.city = "Paris"', "1"),
    ('homeAddress.city != "Paris"', "245"),
    ('not (homeAddress.city = "Paris")', "2345"),
    ("homeAddress", "1245"),
    ("homeAddress.countryCode", "1245"),
    ("loyalty.points > 40", "15"),
    ("loyalty.points = 0", "2"),
    ('loyalty.points = "120"', "1"),
    ("loyalty.points notIn [0, 120]", "5"),
    ("loyalty.points in [0, 120]", "12"),
    ('homeAddress.city in ["Lyon", "San Jose"]', "24"),
    ('loyalty.points in ["120", "abc"]', "1"),
    ('loyalty.points notIn ["120", "abc"]', "25"),
    ("homeAddress.city in [1, 2]", ""),
    ('person.birthYear in ["1990", 2000]', "15"),
    ('homeAddress.city = workAddress.city or homeAddress.city = "Lyon"', "2"),
    ('$1.homeAddress.city = "Lyon"', "2"),
    ('(Profile) => Profile.homeAddress.city = "Lyon"', "2"),
    ('if(homeAddress.countryCode = "US", "NA", "ROW") = "ROW"', "1235"),
    ("if(loyalty.points > 100, 1, 2.5) = 2.5", "2345"),
    ('inSegment("S1")', "14"),
    ('not inSegment("S1")', "235"),
    ('inSegment("S1") or inSegment("S2")', "145"),
    ('inSegment("nope")', ""),
    ('identityMap.get("ECID").id = "e1"', "1"),
    ('identityMap.keys().includes("ECID")', "1"),
    ('"ECID" in identityMap.keys()', "1"),
    ('"ECID" notIn identityMap.keys()', ""),
    ("homeAddress.city notIn identityMap.keys()", "1"),
    ("identityMap.values().primary = true", "1"),
]

TEXT_CASES = [
    ('person.name.firstName.startsWith("Jo")', "14"),
    ('person.name.firstName.startsWith("jo", false)', "124"),
    ('person.name.firstName.doesNotStartWith("Jo")', "25"),
    ('personalEmail.address.endsWith(".edu")', "2"),
    ('personalEmail.address.doesNotEndWith(".edu")', "1"),
    ('personalEmail.address.contains("@example")', "12"),
    ('person.name.firstName.doesNotContain("oh")', "45"),
    ('person.name.firstName.equals("JOHN", false)', "12"),
    ('person.name.firstName.equals("John")', "1"),
    ('person.name.firstName.notEqualTo("John")', "245"),
    ('person.name.firstName like "Jo%n"', "14"),
    ('person.name.firstName like "J_hn"', "1"),
    ('person.name.firstName matches "^J.*n$"', "14"),
    ('person.name.firstName.matches("(?i)^jo")', "124"),
    ('person.name.firstName.regexGroup("^(J)o", 1) = "J"', "14"),
]

NULL_CASES = [
    ('person.gender != "male"', "3"),
    ('not (person.gender = "male")', "2345"),
    ('loyalty.tier notIn ["gold"]', "2"),
    ('homeAddress.postalCode = "x" or not (homeAddress.postalCode = "x")', "12345"),
    ("person.birthDate.isNull()", "34"),
    ("person.birthDate.isNotNull()", "125"),
    ("loyalty.isNull()", "3"),
    ("loyalty.points / 0 > 0", ""),
    ("not (loyalty.points / 0 > 0)", "12345"),
    ("not (loyalty.points > 1000)", "12345"),
    ("(loyalty.points > 1000) = false", "12345"),
]

NUMBER_AND_DATE_CASES = [
    ("loyalty.points * 2 + 1 > 100", "15"),
    ("loyalty.points % 50 = 20", "1"),
    ("-loyalty.points < -100", "1"),
    ("person.birthYear + 1 > 1990", "15"),
    ("currentYear() - person.birthYear > 30", "12"),
    ("person.birthDate.getMonth() = 6", "1"),
    ("person.birthDate.getYear() in [1985, 2000]", "25"),
    ("person.birthDate.getMonth() = currentMonth()", "5"),
    ("person.birthDate.getDayOfMonth() = currentDayOfMonth()", "5"),
    ("person.birthDate occurs before date(1995, 1, 1)", "12"),
    ("person.birthDate occurs on date(1985, 1, 1)", "2"),
    ("person.birthDate > date(1989, 12, 31)", "15"),
    ("loyalty.joinDate occurs this month", "5"),
    ("loyalty.joinDate occurs after date(person.birthYear + 36, 1, 1)", "1"),
    ("person.birthDate = date(person.birthYear, 6, 15)", "1"),
    ("not (person.birthDate = date(person.birthYear, 13, 1))", "12345"),
    ("person.birthDate occurs <= 1 year after date(person.birthYear, 1, 1)", "15"),
    ("loyalty.joinDate occurs last month", "1"),
    ("loyalty.joinDate occurs next month", ""),
    ("loyalty.joinDate occurs between date(currentYear(), 10, 5) and date(2026, 10, 31)", "1"),
]


@pytest.mark.parametrize(
    ("text", "expected"), PROFILE_CASES + TEXT_CASES + NULL_CASES + NUMBER_AND_DATE_CASES
)
def test_profile_predicates(con: duckdb.DuckDBPyConnection, text: str, expected: str) -> None:
    assert members(con, text) == ids(*expected)


EVENT_CASES = [
    ('select X from xEvent where X.eventType = "commerce.purchases"', "125"),
    ("select X from xEvent where X.commerce.order", "125"),
    ("xEvent.commerce.order.priceTotal > 100", "1"),
    ('xEvent.eventType = "commerce.checkouts"', "4"),
    ("xEvent", "1245"),
    ("not xEvent", "3"),
    (
        'select O from xEvent where O.commerce.order, I from O.productListItems where I.SKU = "PS"',
        "1",
    ),
    (
        'select A from xEvent where A.eventType = "commerce.productListAdds", '
        'B from xEvent where B.eventType = "commerce.purchases" and B.timestamp > A.timestamp',
        "125",
    ),
    ('xEvent[productListItems[SKU = "AI"]]', "2"),
    ('xEvent[productListItems[SKU = "PS" or ^^.homeAddress.city = "Lyon"]]', "12"),
    ('xEvent[^.homeAddress.city = "Paris"]', "1"),
    ('xEvent.filter(eventType = "commerce.checkouts")', "4"),
    ('xEvent.exists(eventType = "commerce.checkouts")', "4"),
    ('exists E from xEvent where E.eventType = "commerce.productListAdds"', "125"),
    ('exists E from xEvent : E.eventType = "commerce.productListAdds"', "125"),
    ('forall E from xEvent where E.eventType = "commerce.purchases"', "3"),
    (
        'forall E from xEvent where E.eventType = "web.webpagedetails.pageViews" '
        'or E.eventType = "commerce.checkouts"',
        "34",
    ),
    ("forall E from xEvent where E.commerce.order.priceTotal > 10", "3"),
    (
        'forall E from xEvent where E.eventType != "commerce.checkouts", '
        'I from E.productListItems where I.SKU != "AI"',
        "135",
    ),
    ('xEvent.productListItems.SKU = "LR"', "1"),
    ('"AI" in xEvent.productListItems.SKU', "2"),
    ('xEvent.productListItems.SKU notIn ["PS"]', "12"),
    ('xEvent.eventType.startsWith("direct")', ""),
    ('xEvent.productListItems.SKU.intersects(["PS", "AI"])', "12"),
    ('xEvent.eventType.distinct().includes("commerce.checkouts")', "4"),
    ('xEvent.eventType.head() = "commerce.productListAdds"', "125"),
    ('xEvent[eventType = "commerce.purchases"].head().commerce.order.priceTotal = 40', "2"),
    ('xEvent[eventType = "commerce.purchases"].head().commerce.order.priceTotal = 60', ""),
    # a field of head() is read inside its subquery (only that field's columns): rows, lists
    ('xEvent.head().eventType = "commerce.productListAdds"', "125"),
    ('xEvent[eventType = "commerce.purchases"].head().productListItems.count() > 0', "12"),
    ("xEvent.timestamp.getDayOfMonth() = 31", "4"),
]

AGGREGATE_CASES = [
    ('xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal) >= 100', "125"),
    ('xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal) = 0', "34"),
    ("xEvent.count() = 0", "3"),
    ("xEvent.count() > 3", "2"),
    ('xEvent.count(eventType = "commerce.productListAdds") = 2', "25"),
    ('xEvent[eventType = "commerce.purchases"].average(commerce.order.priceTotal) = 50', "2"),
    ("xEvent.max(commerce.order.priceTotal) = 150", "1"),
    ("xEvent.min(commerce.order.priceTotal) < 50", "2"),
    ("xEvent.sum(productListItems.quantity) = 3", "1"),
    ("xEvent.productListItems.count() = 0", "345"),
    ("xEvent.commerce.order.priceTotal.sum() = 100", "25"),
    (
        "(sum X.commerce.order.priceTotal over X from xEvent "
        'where X.eventType = "commerce.purchases") > 90',
        "125",
    ),
    ("(average X.commerce.order.priceTotal over X from xEvent) < 100", "2"),
    ("(max I.priceTotal over E from xEvent, I from E.productListItems) > 30", "2"),
    ("(min X.commerce.order.priceTotal over X from xEvent) > 0", "125"),
    ("(sum X over X from xEvent.productListItems.quantity) = 3", "1"),
    (
        'let S = xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal) '
        "in (S > 50 and S < 120)",
        "25",
    ),
]

# topN/bottomN rank the elements whose value is defined (e42 has no timestamp; e12 no price).
RANKING_CASES = [
    ('xEvent.topN(commerce.order.priceTotal, 1).head().eventType = "commerce.purchases"', "125"),
    ("xEvent.topN(commerce.order.priceTotal, 1).head().commerce.order.priceTotal = 60", "2"),
    ("xEvent.bottomN(commerce.order.priceTotal, 1).head().commerce.order.priceTotal = 40", "2"),
    ("xEvent.topN(commerce.order.priceTotal, 5).count() = 2", "2"),
    ("xEvent.topN(commerce.order.priceTotal, 2).sum(commerce.order.priceTotal) = 100", "25"),
    ('xEvent.topN(timestamp, 2).eventType.includes("commerce.checkouts")', ""),
    ('xEvent.bottomN(timestamp, 1).head().eventType = "commerce.productListAdds"', "125"),
    ('xEvent.productListItems.topN(priceTotal, 1).head().SKU = "PS"', "1"),
    ('xEvent.productListItems.bottomN(priceTotal, 1).head().SKU = "LR"', "1"),
    ('xEvent.productListItems.head().SKU = "AI"', "2"),  # the items of the earliest event
    ('xEvent.topN(commerce.order.priceTotal, 1).head().productListItems.SKU.includes("PS")', "1"),
]


@pytest.mark.parametrize(("text", "expected"), EVENT_CASES + AGGREGATE_CASES + RANKING_CASES)
def test_event_predicates(con: duckdb.DuckDBPyConnection, text: str, expected: str) -> None:
    assert members(con, text) == ids(*expected)


# NOW = Wednesday 2026-11-04 15:30; e11 is exactly 30 days before NOW; e51/e52 exactly at the
# start of 2026-11-01; e41 one second before it; e42 has no timestamp.
OCCURS_CASES = [
    ("xEvent.timestamp occurs <= 30 days before now", "1245"),
    (
        'select X from xEvent where X.eventType = "commerce.purchases" '
        "and X.timestamp occurs < 30 days before now",
        "25",
    ),
    (
        'select X from xEvent where X.eventType = "commerce.purchases" '
        "and X.timestamp occurs <= 30 days before now",
        "125",
    ),
    (
        'select X from xEvent where X.eventType = "commerce.purchases" '
        "and X.timestamp occurs >= 30 days before now",
        "1",
    ),
    (
        'select X from xEvent where X.eventType = "commerce.purchases" '
        "and X.timestamp occurs > 30 days before now",
        "",
    ),
    ("xEvent.timestamp occurs = 3 days before today", "45"),
    ("xEvent.timestamp occurs != 3 days before today", "125"),
    ("xEvent.timestamp occurs today", "1"),
    ("xEvent.timestamp occurs on yesterday", "2"),
    ("xEvent.timestamp occurs tomorrow", ""),
    ("xEvent.timestamp occurs last week", "245"),
    ("xEvent.timestamp occurs this week", "125"),
    ("xEvent.timestamp occurs this month", "125"),
    ("xEvent.timestamp occurs last month", "124"),
    ("xEvent.timestamp occurs this year", "1245"),
    ("xEvent.timestamp occurs last year", ""),
    ("xEvent.timestamp occurs between date(2026, 10, 4) and date(2026, 10, 5)", "1"),
    ("xEvent.timestamp occurs on date(2026, 11, 1)", "5"),
    ("xEvent.timestamp occurs date(2026, 10, 31)", "4"),
    ("xEvent.timestamp occurs before date(2026, 10, 5)", "1"),
    ("xEvent.timestamp occurs after date(2026, 11, 2)", "12"),
    ("xEvent.timestamp occurs after now", ""),
    ("xEvent.timestamp occurs before now", "1245"),
    ("xEvent.timestamp occurs < 8 days after date(2026, 10, 19)", "2"),
    ("xEvent.timestamp occurs <= 2 days after date(2026, 10, 29)", "45"),
    ("xEvent.timestamp occurs < 2 days after date(2026, 10, 29)", "4"),
    ("xEvent.timestamp occurs >= 7 days after date(2026, 10, 25)", "125"),
    ("xEvent.timestamp occurs = 1 month before date(2026, 11, 5)", "1"),
    ("xEvent.timestamp occurs <= 1 month before today", "1245"),
    (
        'xEvent[eventType = "commerce.productListAdds"].timestamp occurs <= 2 weeks before today',
        "25",
    ),
    ("xEvent.timestamp occurs <= 4 hours before now", ""),
    ("xEvent.timestamp occurs <= 7 hours before now", "1"),
    ("xEvent.timestamp occurs < 390 minutes before now", ""),
    ("xEvent.timestamp occurs <= 390 minutes before now", "1"),
    (
        'select A from xEvent where A.eventType = "commerce.productListAdds", '
        'B from xEvent where B.eventType = "commerce.purchases" '
        "and B.timestamp occurs <= 2 days after A.timestamp",
        "125",
    ),
    (
        'select A from xEvent where A.eventType = "commerce.productListAdds", '
        'B from xEvent where B.eventType = "commerce.purchases" '
        "and B.timestamp occurs < 2 days after A.timestamp",
        "15",
    ),
]


@pytest.mark.parametrize(("text", "expected"), OCCURS_CASES)
def test_occurs_windows(con: duckdb.DuckDBPyConnection, text: str, expected: str) -> None:
    assert members(con, text) == ids(*expected)


ADD_THEN_BUY = (
    'A: WHAT(eventType = "commerce.productListAdds"), B: WHAT(eventType = "commerce.purchases")'
)
CHAIN_CASES = [
    (f"chain(xEvent, timestamp, [{ADD_THEN_BUY}])", "125"),
    (f"CHAIN(xEvent, timestamp, [{ADD_THEN_BUY}])", "125"),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases"), '
        'B: WHAT(eventType = "commerce.productListAdds")])',
        "",
    ),
    (f"chain(xEvent, timestamp, [{ADD_THEN_BUY} WHEN(<= 2 days after A)])", "125"),
    (f"chain(xEvent, timestamp, [{ADD_THEN_BUY} WHEN(< 2 days after A)])", "15"),
    (f"chain(xEvent, timestamp, [{ADD_THEN_BUY} WHEN(<= 1 day after A)])", ""),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") '
        "WHEN(<= 7 days before now)])",
        "25",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") WHEN(yesterday)])',
        "2",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds") COUNT(2), '
        'B: WHAT(eventType = "commerce.purchases")])',
        "25",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds") COUNT(3), '
        'B: WHAT(eventType = "commerce.purchases")])',
        "",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds") COUNT(2)])',
        "25",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds"), '
        'B: WHAT(eventType = "commerce.productListAdds")])',
        "2",
    ),
    ('chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.checkouts")])', ""),
    ('not chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.checkouts")])', "12345"),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") '
        "WHERE(commerce.order.priceTotal > 90)])",
        "15",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases" '
        'and ^.homeAddress.city = "Lyon")])',
        "2",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds"), '
        'B: WHAT(eventType = "commerce.purchases"), '
        'C: WHAT(eventType = "web.webpagedetails.pageViews") WHEN(today)])',
        "1",
    ),
    (
        'homeAddress.countryCode = "FR" and not chain(xEvent, timestamp, '
        '[X: WHAT(eventType = "commerce.productListAdds") WHEN(< 8 days before now)])',
        "12",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CHAIN_CASES)
def test_chain(con: duckdb.DuckDBPyConnection, text: str, expected: str) -> None:
    assert members(con, text) == ids(*expected)
