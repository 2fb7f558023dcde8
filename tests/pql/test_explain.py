# ruff: noqa: E501  (the expected sentences are long literal strings)
"""The plain-English explanation (``seg_mcp.pql.explain.explain``), exactly, for a representative
set of queries; every §12 example gets a sentence. (``explain`` never raising on parsed mutations
is part of the property test in test_fieldcheck.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from seg_mcp import pql
from seg_mcp.pql.explain import explain, words

CASES = [
    (
        'homeAddress.countryCode = "US" and chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") WHEN(<= 30 days before now)])',
        'People whose home address country code is "US" and who made a purchase in the last 30 days',
    ),
    (
        'homeAddress.countryISO = "US" and homeAddress.stateProvinceISO in ["CA", "OR"]',
        'People whose home address country ISO is "US" and whose home address state province ISO is one of "CA", "OR"',
    ),
    ("homeAddress", "People whose home address is set"),
    (
        'not (homeAddress.countryISO = "CA")',
        'People whose home address country ISO is not "CA" (or is not set)',
    ),
    ("person.birthMonth notIn [3, 6, 9]", "People whose birth month is none of 3, 6, 9"),
    (
        "person.birthYear >= 2000 or person.birthMonth = currentMonth()",
        "People whose birth year is at least 2000 or whose birth month is the current month",
    ),
    (
        'workEmail.address like "%.edu"',
        'People whose work email address matches the pattern "%.edu"',
    ),
    (
        'workEmail.address.startsWith("joe", false)',
        'People whose work email address starts with "joe" (ignoring case)',
    ),
    (
        'person.favoriteColors.intersects(["red", "blue", "green"])',
        'People whose favorite colors has at least one of "red", "blue", "green"',
    ),
    (
        "_repo.modifyDate occurs after date(2019, 4, 1)",
        "People whose repo modify date is after 2019-04-01",
    ),
    (
        "product.saleDate occurs between date(2015, 1, 8) and date(2017, 7, 1)",
        "People whose product sale date is between 2015-01-08 and 2017-07-01",
    ),
    ("person.birthday occurs = 3 days before today", "People whose birthday is exactly 3 days ago"),
    (
        "xEvent.metrics.commerce.abandons.value > 0",
        "People who had an event whose metrics commerce abandons value is greater than 0",
    ),
    (
        "select X from xEvent where X.timestamp occurs yesterday",
        "People who had an event yesterday",
    ),
    (
        'select Order from xEvent where Order.commerce.order, Item from Order.productListItems where Item.SKU = "PS"',
        'People who had an event where commerce order is set and SKU is "PS"',
    ),
    (
        'xEvent[productListItems[SKU="PS"]]',
        'People who had an event where product list items include one where SKU is "PS"',
    ),
    (
        'forall E from xEvent where (E.commerce.item.price > 50), I from E.productListItems where I.SKU = "PS"',
        'People who had only events where commerce item price is greater than 50 and SKU is "PS"',
    ),
    (
        'xEvent[(timestamp occurs < 7 days before now) and eventType="download" and contentType = "image"].count() > 3',
        'People for whom the number of events (downloaded something) where content type is "image" in the last 7 days is greater than 3',
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "productView"), B: WHAT(eventType = "addToCart"), C: WHAT(eventType = "purchase")])',
        "People who viewed a product, then added to the cart, then made a purchase",
    ),
    (
        'CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])',
        "People who started a checkout today",
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "web.webpagedetails.pageViews") COUNT(5) WHEN(last week)])',
        "People who viewed a web page at least 5 times last week",
    ),
    (
        'homeAddress.countryCode = "US" and not(chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)]))',
        'People whose home address country code is "US" and who never added to the cart in the last 8 days',
    ),
    (
        'inSegment("a730ed3f") and inSegment("8fbbe169")',
        'People who are in the audience "a730ed3f" and who are in the audience "8fbbe169"',
    ),
    (
        "(Profile) => Profile.homeAddress.stateProvince = Profile.workAddress.stateProvince",
        "People whose home address state province is the same as work address state province",
    ),
    (
        "let S = orders.sum(price) in S > 100",
        "People for whom `let S = orders.sum(price) in S > 100`",
    ),
    ("orders.topN(price, 5).head()", "People for whom the first of `orders.topN(price, 5)`"),
    (
        'if(person.gender = "female", 60, 65)',
        'People for whom `if(person.gender = "female", 60, 65)`',
    ),
]


@pytest.mark.parametrize(("text", "sentence"), CASES, ids=[c[0][:60] for c in CASES])
def test_explanation_is_exact(text: str, sentence: str) -> None:
    assert explain(pql.parse(text)) == sentence


def test_a_tree_from_pql_json_is_explained_the_same() -> None:
    text = CASES[0][0]
    query = pql.from_pql_json(pql.to_pql_json(pql.parse(text)))
    assert explain(query) == CASES[0][1]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("countryCode", "country code"),
        ("countryISO", "country ISO"),
        ("_repo", "repo"),
        ("SKU", "SKU"),
        ("ts_flight", "ts flight"),
        ("webPageDetails", "web page details"),
    ],
)
def test_field_names_in_words(name: str, expected: str) -> None:
    assert words(name) == expected


def test_every_section12_example_gets_a_sentence() -> None:
    lines = (Path(__file__).parent / "section12_examples.txt").read_text().splitlines()
    for line in lines:
        if line.strip() and not line.startswith("#"):
            sentence = explain(pql.parse(line.strip()))
            assert sentence.startswith("People ") and sentence != "People matching the expression"
