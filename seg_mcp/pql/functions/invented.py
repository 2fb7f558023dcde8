"""Functions assistants invent that PQL does not have, with the documented way to say the same
thing (the hint of an ``unknown-function`` diagnostic)."""

from __future__ import annotations

__all__ = ["INVENTED"]

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
