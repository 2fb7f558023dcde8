# ruff: noqa: E501  (the expected values are long literal strings)
"""The analysis (``seg_mcp.pql.analysis.analyze``): fields, segment ids, events, look-back and
evaluation-method eligibility of §12 examples, exactly. (``analyze`` never raising on parsed
mutations is part of the property test in test_fieldcheck.py.)"""

from __future__ import annotations

import pytest

from seg_mcp import pql
from seg_mcp.pql.analysis import (
    IGNORE_YEAR,
    LONG_WINDOW,
    NEGATED,
    NO_WINDOW,
    SEGMENT_AND_EVENT,
    SEVERAL_EVENTS,
    UNBOUNDED,
    analyze,
)

# (text, profile fields, event fields, segment ids, uses events, (amount, unit, days) | None, best)
CASES = [
    (
        'homeAddress.countryISO = "US" and homeAddress.stateProvinceISO in ["CA", "OR"]',
        ("homeAddress.countryISO", "homeAddress.stateProvinceISO"),
        (),
        (),
        False,
        None,
        "edge",
    ),
    (
        "homeAddress.countryISO = workAddress.countryISO",
        ("homeAddress.countryISO", "workAddress.countryISO"),
        (),
        (),
        False,
        None,
        "edge",
    ),
    (
        "(Profile) => Profile.homeAddress.stateProvince = Profile.workAddress.stateProvince",
        ("homeAddress.stateProvince", "workAddress.stateProvince"),
        (),
        (),
        False,
        None,
        "edge",
    ),
    ("person.birthMonth = currentMonth()", ("person.birthMonth",), (), (), False, None, "batch"),
    (
        "_repo.lastModifiedDate occurs <= 30 minutes before now",
        ("_repo.lastModifiedDate",),
        (),
        (),
        False,
        None,
        "edge",
    ),
    (
        "xEvent.metrics.commerce.abandons.value > 0",
        (),
        ("metrics.commerce.abandons.value",),
        (),
        True,
        None,
        "batch",
    ),
    (
        "select X from xEvent where X.timestamp occurs yesterday",
        (),
        ("timestamp",),
        (),
        True,
        (2, "day", 2.0),
        "batch",
    ),
    (
        'select Order from xEvent where Order.commerce.order, Item from Order.productListItems where Item.SKU = "PS"',
        (),
        ("commerce.order", "productListItems", "productListItems.SKU"),
        (),
        True,
        None,
        "batch",
    ),
    (
        "select Order1 from xEvent where Order1.commerce.order, Order2 from xEvent where Order2.commerce.order and Order2.timestamp occurs < 2 weeks after Order1.timestamp",
        (),
        ("commerce.order", "timestamp"),
        (),
        True,
        None,
        "batch",
    ),
    (
        'stateProvinceISO="MO" and (select X from xEvent where X.ts_flight occurs <= 1 month before today)',
        ("stateProvinceISO",),
        ("ts_flight",),
        (),
        True,
        (1, "month", 32.0),
        "batch",
    ),
    (
        'xEvent[productListItems[SKU="PS" or ^^.person.gender="female"]]',
        ("person.gender",),
        ("productListItems", "productListItems.SKU"),
        (),
        True,
        None,
        "batch",
    ),
    (
        'xEvent[(timestamp occurs < 7 days before now) and eventType="download" and contentType = "image"].count()',
        (),
        ("timestamp", "eventType", "contentType"),
        (),
        True,
        (7, "day", 7.0),
        "batch",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart")])',
        (),
        ("timestamp", "eventType"),
        (),
        True,
        None,
        "batch",
    ),
    (
        'homeAddress.countryCode = "US" and chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)])',
        ("homeAddress.countryCode",),
        ("timestamp", "eventType"),
        (),
        True,
        (8, "day", 8.0),
        "batch",
    ),
    (
        'chain(xEvent, timestamp, [X: WHAT(eventType = "homePageView") WHEN(< 24 hours before now)]) and chain(xEvent, timestamp, [X: WHAT(eventType = "checkoutPageView") WHEN(< 24 hours before now)])',
        (),
        ("timestamp", "eventType"),
        (),
        True,
        (24, "hour", 1.0),
        "streaming",
    ),
    (
        'CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])',
        (),
        ("timestamp", "eventType"),
        (),
        True,
        (1, "day", 1.0),
        "edge",
    ),
    (
        'homeAddress.countryCode = "US" and CHAIN(xEvent, timestamp, [C0: WHAT(eventType = "commerce.checkouts") WHEN(<= 24 hours before now)])',
        ("homeAddress.countryCode",),
        ("timestamp", "eventType"),
        (),
        True,
        (24, "hour", 1.0),
        "edge",
    ),
    (
        'not(chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(today)]))',
        (),
        ("timestamp", "eventType"),
        (),
        True,
        (1, "day", 1.0),
        "batch",
    ),
    (
        'inSegment("a730ed3f-119c-415b-a4ac-27c396ae2dff") and inSegment("8fbbe169-2da6-4c9d-a332-b6a6ecf559b9")',
        (),
        (),
        ("a730ed3f-119c-415b-a4ac-27c396ae2dff", "8fbbe169-2da6-4c9d-a332-b6a6ecf559b9"),
        False,
        None,
        "edge",
    ),
    (
        'inSegment("e3be6d7f") and CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(<= 24 hours before now)])',
        (),
        ("timestamp", "eventType"),
        ("e3be6d7f",),
        True,
        (24, "hour", 1.0),
        "streaming",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "productView") WHEN(<= 1 day before today), B: WHAT(eventType = "purchase") WHEN(today)])',
        (),
        ("timestamp", "eventType"),
        (),
        True,
        (1, "day", 2.0),
        "batch",
    ),
    (
        "select X from xEvent where X.timestamp occurs between date(2015, 1, 8) and date(2017, 7, 1)",
        (),
        ("timestamp",),
        (),
        True,
        None,
        "batch",
    ),
    (
        "select X from xEvent where X.timestamp occurs last week or X.timestamp occurs this month",
        (),
        ("timestamp",),
        (),
        True,
        (1, "month", 31.0),
        "batch",
    ),
]


@pytest.mark.parametrize(
    ("text", "profile", "events", "segments", "uses_events", "lookback", "best"),
    CASES,
    ids=[c[0][:60] for c in CASES],
)
def test_analysis_is_exact(
    text: str,
    profile: tuple[str, ...],
    events: tuple[str, ...],
    segments: tuple[str, ...],
    uses_events: bool,
    lookback: tuple[int, str, float] | None,
    best: str,
) -> None:
    result = analyze(pql.parse(text))
    assert result.profile_fields == profile
    assert result.event_fields == events
    assert result.segment_ids == segments
    assert result.uses_events is uses_events
    got = (
        None
        if result.lookback is None
        else (
            result.lookback.amount,
            result.lookback.unit,
            result.lookback.days,
        )
    )
    assert got == lookback
    assert result.eligibility.best == best
    assert result.eligibility.batch is True


REASONS = [
    ('homeAddress.countryCode = "US"', True, True, ()),
    ("person.birthMonth = currentMonth()", False, False, (IGNORE_YEAR,)),
    ('chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart")])', False, False, (NO_WINDOW,)),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "a")]) and chain(xEvent, timestamp, [B: WHAT(eventType = "b") WHEN(today)])',
        False,
        False,
        (UNBOUNDED,),
    ),
    (
        'chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)])',
        False,
        False,
        (LONG_WINDOW.format(text="8 days"),),
    ),
    (
        'not(chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(today)]))',
        False,
        False,
        (NEGATED,),
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "a") WHEN(today), B: WHAT(eventType = "b") WHEN(today)])',
        True,
        False,
        (SEVERAL_EVENTS,),
    ),
    (
        'xEvent[eventType = "a" and timestamp occurs < 2 hours before now].count() > 2',
        True,
        False,
        (SEVERAL_EVENTS,),
    ),
    (
        'inSegment("e3be6d7f") and chain(xEvent, timestamp, [C0: WHAT(eventType = "c") WHEN(<= 24 hours before now)])',
        True,
        False,
        (SEGMENT_AND_EVENT,),
    ),
    ('inSegment("a") and not inSegment("b")', True, True, ()),
    (
        'homeAddress.countryCode = "US" and not xEvent[eventType = "a" and timestamp occurs today]',
        True,
        True,
        (),
    ),
]


@pytest.mark.parametrize(
    ("text", "streaming", "edge", "reasons"), REASONS, ids=[r[0][:60] for r in REASONS]
)
def test_eligibility_and_its_reasons(
    text: str, streaming: bool, edge: bool, reasons: tuple[str, ...]
) -> None:
    eligibility = analyze(pql.parse(text)).eligibility
    assert (eligibility.streaming, eligibility.edge) == (streaming, edge)
    assert eligibility.reasons == reasons


def test_reasons_quote_the_rule() -> None:
    assert LONG_WINDOW.format(text="8 days") == (
        'streaming and edge need events "constrained within a 24 hour time window"; this query '
        "looks back 8 days"
    )
    assert '"a single event with no time window"' in NO_WINDOW


def test_as_dict_is_json_ready() -> None:
    result = analyze(
        pql.parse(
            'homeAddress.countryCode = "US" and inSegment("s1") and chain(xEvent, timestamp, '
            '[A: WHAT(eventType = "commerce.purchases") WHEN(< 30 days before now)])'
        )
    )
    assert result.as_dict() == {
        "profile_fields": ["homeAddress.countryCode"],
        "event_fields": ["timestamp", "eventType"],
        "segment_ids": ["s1"],
        "uses_events": True,
        "lookback": {"amount": 30, "unit": "day", "days": 30.0, "text": "30 days"},
        "eligibility": {
            "batch": True,
            "streaming": False,
            "edge": False,
            "best": "batch",
            "reasons": [LONG_WINDOW.format(text="30 days")],
        },
    }


def test_a_query_without_events_has_no_lookback() -> None:
    result = analyze(pql.parse("person.birthYear > 1980"))
    assert (result.uses_events, result.lookback) == (False, None)


@pytest.mark.parametrize(
    ("window", "text", "days"),
    [
        ("< 7 days before now", "7 days", 7.0),
        ("<= 30 days before today", "30 days", 31.0),
        ("= 3 hours before now", "3 hours", 4 / 24),
        ("yesterday", "2 days", 2.0),
        ("today", "1 day", 1.0),
        ("last month", "2 months", 62.0),
        ("after yesterday", "1 day", 1.0),
        ("< 2 hours after now", "0 days", 0.0),
    ],
)
def test_lookback_of_windows(window: str, text: str, days: float) -> None:
    query = pql.parse(f"select X from xEvent where X.timestamp occurs {window}")
    lookback = analyze(query).lookback
    assert lookback is not None
    assert (lookback.text, lookback.days) == (text, days)
