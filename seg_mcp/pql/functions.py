"""The PQL function catalogue: what each documented function and method takes and returns, how it
is written, and the functions assistants invent (with the documented way to say the same thing).

Types are coarse on purpose (see :class:`~seg_mcp.pql.ptypes.PType`): ``string``, ``number``,
``boolean``, ``timestamp``, ``object``, ``array``, ``map``, ``any``.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

__all__ = ["FUNCTIONS", "INVENTED", "METHOD_NAMES", "Function", "lookup"]

Kind = t.Literal["string", "number", "boolean", "timestamp", "object", "array", "map", "any"]


@dataclass(frozen=True, slots=True)
class Function:
    """One documented function or method.

    ``receiver`` is the type a method is called on (``None`` for a plain function); ``params`` are
    the argument kinds after the receiver, the last ``optional`` of them may be left out;
    ``returns`` is the result kind (``"same"``: the receiver's type, ``"item"``: the receiver's item
    type). ``element`` marks per-element methods whose first argument is evaluated per item."""

    name: str
    usage: str
    receiver: Kind | None
    params: tuple[Kind, ...]
    returns: Kind | t.Literal["same", "item"]
    optional: int = 0
    element: bool = False
    phrase: str = ""

    @property
    def is_method(self) -> bool:
        return self.receiver is not None

    @property
    def min_args(self) -> int:
        return len(self.params) - self.optional

    @property
    def max_args(self) -> int:
        return len(self.params)


def _m(
    name: str,
    usage: str,
    receiver: Kind,
    params: tuple[Kind, ...],
    returns: t.Any,
    optional: int = 0,
    element: bool = False,
    phrase: str = "",
) -> Function:
    return Function(name, usage, receiver, params, returns, optional, element, phrase)


def _f(
    name: str, usage: str, params: tuple[Kind, ...], returns: Kind, phrase: str = ""
) -> Function:
    return Function(name, usage, None, params, returns, 0, False, phrase)


_CATALOGUE: tuple[Function, ...] = (
    # strings
    _m(
        "startsWith",
        's.startsWith("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="starts with",
    ),
    _m(
        "doesNotStartWith",
        's.doesNotStartWith("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="does not start with",
    ),
    _m(
        "endsWith",
        's.endsWith("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="ends with",
    ),
    _m(
        "doesNotEndWith",
        's.doesNotEndWith("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="does not end with",
    ),
    _m(
        "contains",
        's.contains("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="contains",
    ),
    _m(
        "doesNotContain",
        's.doesNotContain("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="does not contain",
    ),
    _m(
        "equals",
        's.equals("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="is",
    ),
    _m(
        "notEqualTo",
        's.notEqualTo("text"[, caseSensitive])',
        "string",
        ("string", "boolean"),
        "boolean",
        1,
        phrase="is not",
    ),
    _m(
        "matches",
        's.matches("regex")',
        "string",
        ("string",),
        "boolean",
        phrase="matches the pattern",
    ),
    _m(
        "regexGroup",
        's.regexGroup("regex", group)',
        "string",
        ("string", "number"),
        "string",
        phrase="regex group of",
    ),
    # arrays
    _m(
        "intersects",
        "a.intersects(b)",
        "array",
        ("array",),
        "boolean",
        phrase="has at least one of",
    ),
    _m(
        "intersection",
        "a.intersection(b)",
        "array",
        ("array",),
        "array",
        phrase="items shared with",
    ),
    _m("subsetOf", "a.subsetOf(b)", "array", ("array",), "boolean", phrase="is contained in"),
    _m("supersetOf", "a.supersetOf(b)", "array", ("array",), "boolean", phrase="includes all of"),
    _m("includes", "a.includes(item)", "array", ("any",), "boolean", phrase="includes"),
    _m("distinct", "a.distinct()", "array", (), "same", phrase="distinct values of"),
    _m("head", "a.head()", "array", (), "item", phrase="first of"),
    _m(
        "filter",
        "a.filter(condition) or a[condition]",
        "array",
        ("boolean",),
        "same",
        element=True,
        phrase="where",
    ),
    _m("map", "a.map(expression)", "array", ("any",), "array", element=True),
    _m(
        "exists",
        "a.exists(condition)",
        "array",
        ("boolean",),
        "boolean",
        element=True,
        phrase="has an item where",
    ),
    _m("groupBy", "a.groupBy(expression)", "array", ("any",), "map", element=True),
    _m("topN", "a.topN(value, n)", "array", ("any", "number"), "same", element=True),
    _m("bottomN", "a.bottomN(value, n)", "array", ("any", "number"), "same", element=True),
    _m("count", "a.count()", "array", ("boolean",), "number", 1, element=True, phrase="number of"),
    _m("sum", "a.sum(value)", "array", ("number",), "number", 1, element=True, phrase="total"),
    _m(
        "average",
        "a.average(value)",
        "array",
        ("number",),
        "number",
        1,
        element=True,
        phrase="average",
    ),
    _m("min", "a.min(value)", "array", ("any",), "item", 1, element=True, phrase="lowest"),
    _m("max", "a.max(value)", "array", ("any",), "item", 1, element=True, phrase="highest"),
    # maps
    _m("get", 'm.get("key")', "map", ("string",), "item", phrase="entry"),
    _m("keys", "m.keys()", "map", (), "array", phrase="keys of"),
    _m("values", "m.values()", "map", (), "array", phrase="values of"),
    # objects
    _m("isNull", "x.isNull()", "any", (), "boolean", phrase="is empty"),
    _m("isNotNull", "x.isNotNull()", "any", (), "boolean", phrase="is set"),
    # dates
    _m("getMonth", "ts.getMonth()", "timestamp", (), "number", phrase="month of"),
    _m("getYear", "ts.getYear()", "timestamp", (), "number", phrase="year of"),
    _m(
        "getDayOfMonth",
        "ts.getDayOfMonth()",
        "timestamp",
        (),
        "number",
        phrase="day of the month of",
    ),
    # functions
    _f("if", "if(test, valueIfTrue, valueIfFalse)", ("boolean", "any", "any"), "any"),
    _f("date", "date(year, month, day)", ("number", "number", "number"), "timestamp"),
    _f("inSegment", 'inSegment("segment definition id")', ("string",), "boolean"),
    _f("currentMonth", "currentMonth()", (), "number", "the current month"),
    _f("currentYear", "currentYear()", (), "number", "the current year"),
    _f("currentDayOfMonth", "currentDayOfMonth()", (), "number", "today's day of the month"),
    _f("mapEntry", "mapEntry(key, value)", ("any", "any"), "map"),
)

FUNCTIONS: dict[str, Function] = {fn.name: fn for fn in _CATALOGUE}
METHOD_NAMES: frozenset[str] = frozenset(fn.name for fn in _CATALOGUE if fn.is_method)


def lookup(name: str) -> Function | None:
    return FUNCTIONS.get(name)


_LAST_30 = "X.timestamp occurs <= 30 days before now"

INVENTED: dict[str, str] = {
    "age": (
        "PQL has no age() function; compare the birth date or year instead: "
        "person.birthDate occurs >= 30 years before today (30 or older), or "
        "person.birthYear <= currentYear() - 30"
    ),
    "currentDate": "PQL has no currentDate(); use the keywords today or now (no parentheses)",
    "currentTime": "PQL has no currentTime(); use the keyword now (no parentheses)",
    "currentTimestamp": "PQL has no currentTimestamp(); use the keyword now (no parentheses)",
    "getDate": "PQL has no getDate(); use the keyword today, or ts.getDayOfMonth()",
    "now": "now is a keyword, not a function: write now without parentheses",
    "today": "today is a keyword, not a function: write today without parentheses",
    "yesterday": "yesterday is a keyword, not a function: write it without parentheses",
    "inLast": f"PQL has no inLast; write a time window with occurs: {_LAST_30}",
    "inLastDays": f"PQL has no inLastDays; write a time window with occurs: {_LAST_30}",
    "withinLast": f"PQL has no withinLast; write a time window with occurs: {_LAST_30}",
    "lastNDays": f"PQL has no lastNDays; write a time window with occurs: {_LAST_30}",
    "daysAgo": f"PQL has no daysAgo; write a time window with occurs: {_LAST_30}",
    "dateDiff": f"PQL has no dateDiff; write a time window with occurs: {_LAST_30}",
    "datediff": f"PQL has no datediff; write a time window with occurs: {_LAST_30}",
    "daysBetween": f"PQL has no daysBetween; write a time window with occurs: {_LAST_30}",
    "daysSince": f"PQL has no daysSince; write a time window with occurs: {_LAST_30}",
    "size": "PQL has no size(); count an array's items with .count(), e.g. orders.count() > 2",
    "length": "PQL has no length(); count an array's items with .count(), e.g. orders.count() > 2",
    "len": "PQL has no len(); count an array's items with .count(), e.g. orders.count() > 2",
    "lower": 'PQL has no lower(); compare case-insensitively: x.equals("value", false)',
    "upper": 'PQL has no upper(); compare case-insensitively: x.equals("value", false)',
    "toLowerCase": 'PQL has no toLowerCase(); compare case-insensitively: x.equals("value", false)',
    "toUpperCase": 'PQL has no toUpperCase(); compare case-insensitively: x.equals("value", false)',
    "isEmpty": "PQL has no isEmpty(); use x.isNull(), or arr.count() = 0 for an empty array",
    "isNotEmpty": "PQL has no isNotEmpty(); use x.isNotNull(), or arr.count() > 0",
    "exists": (
        "exists is written `exists X from array where condition`; to test that a field is set "
        "use x.isNotNull()"
    ),
    "count": (
        'count is a method on an array: xEvent.count(), or xEvent[eventType = "purchase"]'
        ".count() >= 3"
    ),
    "sum": "sum is a method on an array: xEvent.sum(commerce.order.priceTotal)",
    "avg": "PQL spells it average: orders.average(price)",
    "coalesce": "PQL has no coalesce(); test the field with x.isNotNull() or use if(test, a, b)",
    "ifnull": "PQL has no ifnull(); use if(x.isNotNull(), x, otherValue)",
    "concat": "PQL has no string concatenation function",
    "in": 'in is an operator: x in ["a", "b"]',
    "segmentMembership": 'test segment membership with inSegment("segment definition id")',
    "memberOf": 'test segment membership with inSegment("segment definition id")',
}
"""Functions that do not exist in PQL, with what to write instead."""
