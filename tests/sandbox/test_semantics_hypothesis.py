"""Differential test: queries generated from a grammar of PQL constructs over the fixture's fields
(tests/sandbox/refeval.py) qualify exactly the same profiles in the SQL engine and in the
plain-Python reference evaluator."""

from __future__ import annotations

import typing as t
from collections.abc import Iterator
from datetime import datetime

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seg_mcp.pql import ast as a
from seg_mcp.sandbox import engine

from . import refeval, refworld

INFO = refworld.sandbox()


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = refworld.connect()
    yield connection
    connection.close()


# -- building blocks ---------------------------------------------------------------------------


def path(root: a.Expr, dotted: str) -> a.Expr:
    node = root
    for name in dotted.split("."):
        node = a.FieldLookup(object=node, field_name=name)
    return node


def fn(name: str, *args: a.Expr) -> a.FnApply:
    return a.FnApply(name=name, args=args)


def string(value: str) -> a.Literal:
    return a.Literal(literal_type="String", value=value)


def number(value: int | float) -> a.Literal:
    if isinstance(value, int):
        return a.Literal(literal_type="Integer", value=value)
    return a.Literal(literal_type="Double", value=value)


PROFILE = a.ParameterReference(position=1)
ELEMENT = a.ContextRef(levels_up=0)
OPS: st.SearchStrategy[t.Any] = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
PROFILE_TEXT = {
    "homeAddress.city": ["Paris", "Lyon", "paris", "San Jose", "Nice"],
    "homeAddress.countryCode": ["FR", "US"],
    "person.name.firstName": ["John", "john", "Jonathan", "Emma", "Jo"],
    "person.gender": ["male", "female"],
    "loyalty.tier": ["gold", "silver"],
    "homeAddress.postalCode": ["75001"],
}
PROFILE_NUMBERS: dict[str, list[object]] = {
    "loyalty.points": [0, 50.5, 120, 40, -1, 0.0],
    "person.birthYear": [1985, 1990, 2000, 1999],
}
PROFILE_DATES = ["person.birthDate", "loyalty.joinDate"]
EVENT_TYPES = [refworld.PURCHASE, refworld.ADD, refworld.VIEW, "commerce.checkouts", "x"]
SKUS = ["PS", "AI", "LR", "ZZ"]


def _literal_for(values: list[object]) -> st.SearchStrategy[a.Literal]:
    def build(v: object) -> a.Literal:
        return string(v) if isinstance(v, str) else number(v)  # type: ignore[arg-type]

    return st.sampled_from(values).map(build)


@st.composite
def text_test(draw: st.DrawFn, subject: a.Expr, values: list[str]) -> a.Expr:
    kind = draw(st.sampled_from(["cmp", "in", "method", "like", "matches"]))
    value = draw(st.sampled_from(values))
    if kind == "cmp":
        return fn(draw(OPS), subject, string(value))
    if kind == "in":
        items = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
        return fn(
            draw(st.sampled_from(["in", "notIn"])),
            subject,
            a.ListLiteral(items=tuple(string(i) for i in items)),
        )
    if kind == "like":
        return fn(
            "like", subject, string(draw(st.sampled_from(["J%", "%n", "_ohn", "%a%", "P%s"])))
        )
    if kind == "matches":
        return fn("matches", subject, string(draw(st.sampled_from(["^J", "n$", "(?i)^pa", "a.s"]))))
    method = draw(
        st.sampled_from(
            [
                "startsWith",
                "doesNotStartWith",
                "endsWith",
                "doesNotEndWith",
                "contains",
                "doesNotContain",
                "equals",
                "notEqualTo",
            ]
        )
    )
    fragment = value[: draw(st.integers(1, max(1, len(value))))]
    args: tuple[a.Expr, ...] = (subject, string(fragment))
    if draw(st.booleans()):
        args += (a.Literal(literal_type="Boolean", value=draw(st.booleans())),)
    return a.FnApply(name=method, args=args)


@st.composite
def anchor(draw: st.DrawFn, labels: tuple[str, ...] = ()) -> a.Expr:
    options: list[a.Expr] = [
        a.TimeLiteral(name="now"),
        a.TimeLiteral(name="today"),
        a.TimeLiteral(name="yesterday"),
        a.RelativePeriod(qualifier="this", unit="week"),
        a.RelativePeriod(qualifier="last", unit="month"),
        a.RelativePeriod(qualifier="this", unit="year"),
        fn(
            "date",
            number(2026),
            number(draw(st.integers(9, 11))),
            number(draw(st.integers(1, 31)) % 28 + 1),
        ),
    ]
    options += [a.VarRef(name=label) for label in labels]
    return draw(st.sampled_from(options))


@st.composite
def window(draw: st.DrawFn, labels: tuple[str, ...] = ()) -> a.TimeWindow:
    kind = draw(st.sampled_from(["relative", "direction", "on", "between"]))
    if kind == "relative":
        return a.TimeWindow(
            kind="relative",
            comparison=draw(OPS),
            amount=draw(st.integers(0, 40)),
            unit=draw(st.sampled_from(["hour", "day", "week", "month"])),
            direction=draw(st.sampled_from(["before", "after"])),
            anchor=draw(anchor(labels)),
        )
    if kind == "direction":
        return a.TimeWindow(
            kind="direction",
            direction=draw(st.sampled_from(["before", "after", "from"])),
            anchor=draw(anchor(labels)),
        )
    if kind == "on":
        return a.TimeWindow(kind="on", anchor=draw(anchor()))
    return a.TimeWindow(kind="between", anchor=draw(anchor()), end=draw(anchor()))


@st.composite
def event_test(draw: st.DrawFn, event: a.Expr, depth: int, up: a.Expr | None = None) -> a.Expr:
    """A condition on one event (``event`` is how it is referred to)."""
    kinds = ["type", "price", "occurs", "items"] + (["profile"] if up is not None else [])
    if depth > 0:
        kinds += ["not", "and", "or"]
    kind = draw(st.sampled_from(kinds))
    if kind == "type":
        return draw(text_test(path(event, "eventType"), EVENT_TYPES))
    if kind == "price":
        return fn(
            draw(OPS),
            path(event, "commerce.order.priceTotal"),
            draw(_literal_for([40, 60, 100, 150.0, 0, "100"])),
        )
    if kind == "occurs":
        return a.Occurs(subject=path(event, "timestamp"), window=draw(window()))
    if kind == "items":
        sku = fn(draw(OPS), path(ELEMENT, "SKU"), string(draw(st.sampled_from(SKUS))))
        if up == a.ContextRef(levels_up=1) and draw(st.booleans()):
            limit = path(a.ContextRef(levels_up=2), "loyalty.points")  # the profile: ^^.loyalty
            sku = fn("and", sku, fn(draw(OPS), path(ELEMENT, "priceTotal"), limit))
        items = fn("filter", path(event, "productListItems"), a.Lambda(params=(), body=sku))
        if draw(st.booleans()):
            return items
        return fn(draw(OPS), fn("count", items), number(draw(st.integers(0, 2))))
    if kind == "profile":
        assert up is not None
        return draw(text_test(path(up, "homeAddress.city"), PROFILE_TEXT["homeAddress.city"]))
    if kind == "not":
        return fn("not", draw(event_test(event, depth - 1, up)))
    parts = draw(st.lists(event_test(event, depth - 1, up), min_size=2, max_size=3))
    return fn(kind, *parts)


@st.composite
def event_query(draw: st.DrawFn) -> a.Expr:
    kind = draw(
        st.sampled_from(
            [
                *("select", "filter", "count", "sum", "head", "ranked", "forall", "chain"),
                "projection",
                *("item", "item projection", "item set", "item sum"),
            ]
        )
    )
    if kind == "item":  # select E from xEvent, I from E.productListItems where ...
        event, item = a.VarRef(name="E"), a.VarRef(name="I")
        quantity = fn(draw(OPS), path(item, "quantity"), number(draw(st.integers(0, 2))))
        return a.Select(
            decls=(
                a.VarDecl(name="E", range=a.XEvent(), condition=None),
                a.VarDecl(
                    name="I",
                    range=path(event, "productListItems"),
                    condition=fn("and", quantity, draw(event_test(event, 0))),
                ),
            )
        )
    if kind == "item projection":  # xEvent.productListItems.SKU = "PS"
        return draw(text_test(path(a.XEvent(), "productListItems.SKU"), SKUS))
    if kind == "item set":  # xEvent.productListItems.SKU.intersects(["PS", "AI"]), .includes
        skus = path(a.XEvent(), "productListItems.SKU")
        some = draw(st.lists(st.sampled_from(SKUS), max_size=2))
        listed = a.ListLiteral(items=tuple(string(sku) for sku in some))
        if draw(st.booleans()):
            return fn("includes", skus, string(draw(st.sampled_from(SKUS))))
        return fn("intersects", *draw(st.permutations([skus, listed])))
    if kind == "item sum":
        total = fn("sum", path(a.XEvent(), "productListItems.priceTotal"))
        return fn(draw(OPS), total, number(draw(st.sampled_from([0, 20, 40, 60]))))
    if kind in ("select", "forall"):
        cond = draw(event_test(a.VarRef(name="X"), 1))
        decl = a.VarDecl(name="X", range=a.XEvent(), condition=cond)
        if kind == "select":
            return a.Select(decls=(decl,))
        return a.Quantifier(kind="forall", decls=(decl,))
    if kind == "projection":
        return draw(text_test(path(a.XEvent(), "eventType"), EVENT_TYPES))
    if kind == "chain":
        steps = []
        labels: tuple[str, ...] = ()
        for label in ("A", "B")[: draw(st.integers(1, 2))]:
            when = draw(st.none() | window(labels))
            steps.append(
                a.ChainStep(
                    label=label,
                    what=draw(event_test(ELEMENT, 1, a.ContextRef(levels_up=1))),
                    when=when,
                    count=draw(st.sampled_from([None, None, 2])),
                )
            )
            labels += (label,)
        return a.Chain(source=a.XEvent(), timestamp=path(ELEMENT, "timestamp"), steps=tuple(steps))
    filtered = fn(
        "filter",
        a.XEvent(),
        a.Lambda(params=(), body=draw(event_test(ELEMENT, 1, a.ContextRef(levels_up=1)))),
    )
    if kind == "filter":
        return filtered
    if kind == "count":
        return fn(draw(OPS), fn("count", filtered), number(draw(st.integers(0, 3))))
    if kind == "head":  # the earliest matching event
        first = path(fn("head", filtered), "commerce.order.priceTotal")
        return fn(draw(OPS), first, number(draw(st.sampled_from([0, 40, 100, 150]))))
    if kind == "ranked":  # xEvent[...].topN(commerce.order.priceTotal, 2).count() > 1, .head()...
        by = draw(st.sampled_from(["commerce.order.priceTotal", "timestamp"]))
        ranked = fn(
            draw(st.sampled_from(["topN", "bottomN"])),
            filtered,
            a.Lambda(params=(), body=path(ELEMENT, by)),
            number(draw(st.integers(1, 3))),
        )
        if draw(st.booleans()):
            return fn(draw(OPS), fn("count", ranked), number(draw(st.integers(0, 2))))
        first = path(fn("head", ranked), "eventType")
        return draw(text_test(first, EVENT_TYPES))
    total = fn(
        "sum", filtered, a.Lambda(params=(), body=path(ELEMENT, "commerce.order.priceTotal"))
    )
    return fn(draw(OPS), total, number(draw(st.sampled_from([0, 40, 100, 150]))))


@st.composite
def profile_test(draw: st.DrawFn, depth: int) -> a.Expr:
    kinds = ["text", "number", "null", "date", "event", "segment"]
    if depth > 0:
        kinds += ["not", "and", "or"]
    kind = draw(st.sampled_from(kinds))
    if kind == "text":
        field = draw(st.sampled_from(sorted(PROFILE_TEXT)))
        return draw(text_test(path(PROFILE, field), PROFILE_TEXT[field]))
    if kind == "number":
        field = draw(st.sampled_from(sorted(PROFILE_NUMBERS)))
        subject: a.Expr = path(PROFILE, field)
        if draw(st.booleans()):
            op = draw(st.sampled_from(["+", "-", "*", "/", "%"]))
            subject = fn(op, subject, number(draw(st.sampled_from([0, 1, 2, 2.5]))))
        return fn(draw(OPS), subject, draw(_literal_for(PROFILE_NUMBERS[field] + ["120", "abc"])))
    if kind == "null":
        field = draw(
            st.sampled_from(sorted(PROFILE_TEXT) + PROFILE_DATES + ["loyalty", "homeAddress"])
        )
        return fn(draw(st.sampled_from(["isNull", "isNotNull"])), path(PROFILE, field))
    if kind == "date":
        return a.Occurs(
            subject=path(PROFILE, draw(st.sampled_from(PROFILE_DATES))), window=draw(window())
        )
    if kind == "segment":
        return fn("inSegment", string(draw(st.sampled_from(["S1", "S2", "S3"]))))
    if kind == "event":
        return draw(event_query())
    if kind == "not":
        return fn("not", draw(profile_test(depth - 1)))
    parts = draw(st.lists(profile_test(depth - 1), min_size=2, max_size=3))
    return fn(kind, *parts)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=profile_test(2))
def test_engine_agrees_with_the_reference_evaluator(
    con: duckdb.DuckDBPyConnection, body: a.Expr
) -> None:
    query = a.Query(body=body)
    got = set(engine.member_ids(con.cursor(), INFO, query, now=refworld.NOW))
    assert got == refeval.expected(query), body


def test_the_clock_moves_windows(con: duckdb.DuckDBPyConnection) -> None:
    """The same query on another `now` (two days later) qualifies other profiles, in both."""
    query = a.Query(
        body=a.Occurs(
            subject=path(a.XEvent(), "timestamp"),
            window=a.TimeWindow(kind="on", anchor=a.TimeLiteral(name="today")),
        )
    )
    later = datetime(2026, 11, 3, 12, 0)
    assert set(engine.member_ids(con.cursor(), INFO, query, now=refworld.NOW)) == {"p1"}
    assert set(engine.member_ids(con.cursor(), INFO, query, now=later)) == {"p2"}
    assert refeval.expected(query, later) == {"p2"}
