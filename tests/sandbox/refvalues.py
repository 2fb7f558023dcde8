"""Values as the reference evaluator (`refeval`) sees them: truthiness, field lookup through
arrays, comparisons across types, text forms, LIKE patterns, and calendar arithmetic (adding units,
named days and periods). Plain Python, written from the semantics in ``seg_mcp/pql/ast.py``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any


class Unsupported(Exception):
    """A construct the reference evaluator does not model (the generator avoids them)."""


def truth(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return len(value) > 0
    return True


def flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out.extend(flat(v))
        elif v is not None:
            out.append(v)
    return out


def lookup(base: Any, name: str) -> Any:
    if isinstance(base, list):
        return flat([lookup(item, name) for item in base])
    if isinstance(base, dict):
        value = base.get(name)
        return flat(value) if isinstance(value, list) and name != "identityMap" else value
    return None


# -- values and comparisons --------------------------------------------------------------------


def as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _coerce(x: Any, y: Any) -> tuple[Any, Any] | None:
    """Comparable forms of two non-null scalars, or None when they cannot compare."""
    num = (int, float)
    if isinstance(x, bool) or isinstance(y, bool):
        return (x, y) if isinstance(x, bool) and isinstance(y, bool) else None
    if isinstance(x, num) and isinstance(y, num):
        return x, y
    if isinstance(x, str) and isinstance(y, str):
        return x, y
    if isinstance(x, str | int | float) and isinstance(y, str | int | float):
        try:
            return float(x), float(y)
        except ValueError:
            return None
    if isinstance(x, date | str) and isinstance(y, date | str):
        tx, ty = as_time(x), as_time(y)
        return None if tx is None or ty is None else (tx, ty)
    return None


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
}


def compare(op: str, x: Any, y: Any) -> bool:
    if isinstance(x, list) and isinstance(y, list):
        return OPS[op](x, y) if op in ("=", "!=") else False
    if isinstance(x, list):
        return any(compare(op, i, y) for i in x)
    if isinstance(y, list):
        return any(compare(op, x, i) for i in y)
    if x is None or y is None:
        return False
    pair = _coerce(x, y)
    return pair is not None and OPS[op](*pair)


def as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def like(text: str, pattern: str) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "startsWith": str.startswith,
    "endsWith": str.endswith,
    "contains": lambda s, t: t in s,
    "equals": lambda s, t: s == t,
}
NEGATED = {
    "doesNotStartWith": "startsWith",
    "doesNotEndWith": "endsWith",
    "doesNotContain": "contains",
    "notEqualTo": "equals",
}


# -- time --------------------------------------------------------------------------------------

_MONTHS = {"month": 1, "year": 12, "decade": 120, "century": 1200, "millennium": 12000}


def add(when: datetime, n: int, unit: str) -> datetime:
    if unit in _MONTHS:
        total = when.year * 12 + when.month - 1 + n * _MONTHS[unit]
        year, month = divmod(total, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return when.replace(year=year, month=month + 1, day=min(when.day, last))
    seconds = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600, "day": 86400}
    if unit == "week":
        return when + timedelta(days=7 * n)
    return when + timedelta(seconds=seconds[unit] * n)


def literal_interval(name: str, now: datetime) -> tuple[datetime, datetime]:
    if name == "now":
        return now, now
    midnight = datetime(now.year, now.month, now.day)
    start = midnight + timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[name])
    return start, start + timedelta(days=1)


def period(qualifier: str, unit: str, now: datetime) -> tuple[datetime, datetime]:
    midnight = datetime(now.year, now.month, now.day)
    starts = {
        "second": now.replace(microsecond=0),
        "minute": now.replace(second=0, microsecond=0),
        "hour": now.replace(minute=0, second=0, microsecond=0),
        "day": midnight,
        "week": midnight - timedelta(days=now.weekday()),
        "month": midnight.replace(day=1),
        "year": datetime(now.year, 1, 1),
        "decade": datetime(now.year // 10 * 10, 1, 1),
        "century": datetime(now.year // 100 * 100, 1, 1),
    }
    if unit not in starts:
        raise Unsupported(unit)
    start = add(starts[unit], {"this": 0, "last": -1, "next": 1}[qualifier], unit)
    return start, add(start, 1, unit)
