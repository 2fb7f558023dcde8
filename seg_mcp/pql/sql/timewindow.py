"""``occurs`` and chain ``WHEN``: time anchors and windows as inequalities on a timestamp.

The semantics are those of ``seg_mcp/pql/ast.py`` ("Time"). An anchor known at compile time
(``now``, ``today``, ``last month``, ``date(2024, 1, 1)``, ``date(currentYear() - 1, 10, 1)``) is
computed here in Python with calendar arithmetic (a month after Jan 31 is the last day of
February, as in DuckDB) and emitted as a TIMESTAMP literal; an anchor that depends on the data
(``Order1.timestamp``, a chain step label) is shifted in SQL with INTERVALs, which DuckDB computes
the same way.
"""

from __future__ import annotations

import calendar
import typing as t
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.sql.errors import UnsupportedQuery, cannot
from seg_mcp.pql.sql.types import TIMESTAMP, SqlType
from seg_mcp.pql.sql.values import Relation, SqlValue, call, conj, exists, pred

if t.TYPE_CHECKING:
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = [
    "TIMESTAMP_TYPE",
    "Anchor",
    "add_units",
    "anchor",
    "const_int",
    "literal_interval",
    "occurs",
    "period",
    "timestamp_literal",
    "window",
]

TIMESTAMP_TYPE: SqlType = TIMESTAMP
Bound = datetime | exp.Expr

_MONTHS = {"month": 1, "year": 12, "decade": 120, "century": 1200, "millennium": 12000}
_DELTAS = {
    "millisecond": timedelta(milliseconds=1),
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
# unit -> (SQL interval unit, multiplier)
_SQL_UNITS = {
    "millisecond": ("MILLISECOND", 1),
    "second": ("SECOND", 1),
    "minute": ("MINUTE", 1),
    "hour": ("HOUR", 1),
    "day": ("DAY", 1),
    "week": ("DAY", 7),
    "month": ("MONTH", 1),
    "year": ("YEAR", 1),
    "decade": ("YEAR", 10),
    "century": ("YEAR", 100),
    "millennium": ("YEAR", 1000),
}


def add_units(when: datetime, amount: int, unit: str) -> datetime:
    """``when`` plus ``amount`` units (negative goes back); months and longer clamp the day to
    the end of the month. Raises OverflowError/ValueError outside years 1..9999."""
    months = _MONTHS.get(unit)
    if months is None:
        return when + _DELTAS[unit] * amount
    years, month0 = divmod(when.month - 1 + months * amount, 12)
    year, month = when.year + years, month0 + 1
    if not 1 <= year <= 9999:
        raise OverflowError("year out of range")
    return when.replace(
        year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1])
    )


def truncate(when: datetime, unit: str) -> datetime:
    """The start of the calendar period of ``unit`` containing ``when`` (weeks start on Monday,
    decades, centuries and millennia at years divisible by 10, 100 and 1000)."""
    if unit == "millisecond":
        return when.replace(microsecond=when.microsecond // 1000 * 1000)
    if unit == "second":
        return when.replace(microsecond=0)
    if unit == "minute":
        return when.replace(second=0, microsecond=0)
    if unit == "hour":
        return when.replace(minute=0, second=0, microsecond=0)
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    span = {"year": 1, "decade": 10, "century": 100, "millennium": 1000}[unit]
    return day.replace(year=max(1, when.year // span * span), month=1, day=1)


def period(qualifier: str, unit: str, now: datetime) -> tuple[datetime, datetime]:
    """``this``/``last``/``next`` ``unit``: [start, end) of that calendar period."""
    offset = {"this": 0, "last": -1, "next": 1}[qualifier]
    start = add_units(truncate(now, unit), offset, unit)
    return start, add_units(start, 1, unit)


def literal_interval(name: str, now: datetime) -> tuple[datetime, datetime]:
    """``now`` (an instant: start == end), ``today``/``yesterday``/``tomorrow`` (UTC days)."""
    if name == "now":
        return now, now
    day = truncate(now, "day") + timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[name])
    return day, day + timedelta(days=1)


def timestamp_literal(when: datetime) -> exp.Expr:
    return exp.cast(exp.Literal.string(when.isoformat(sep=" ")), "TIMESTAMP")


def _sql(bound: Bound) -> exp.Expr:
    return timestamp_literal(bound) if isinstance(bound, datetime) else bound


def shift(bound: Bound, amount: int, unit: str) -> Bound:
    if isinstance(bound, datetime):
        try:
            return add_units(bound, amount, unit)
        except (OverflowError, ValueError):
            bound = timestamp_literal(bound)
    name, factor = _SQL_UNITS[unit]
    interval = exp.Interval(
        this=exp.Literal.string(str(abs(amount) * factor)), unit=exp.Var(this=name)
    )
    node = exp.Add if amount >= 0 else exp.Sub
    return exp.Paren(this=node(this=bound, expression=interval))


# ---------------------------------------------------------------------------------------------
# Anchors


@dataclass(frozen=True, slots=True)
class Anchor:
    """``start``/``end`` of a time anchor; equal for an instant."""

    start: Bound
    end: Bound
    instant: bool


def const_int(node: a.Node, now: datetime) -> int | None:
    """The value of an integer expression known at compile time (literals, ``currentYear()``,
    ``currentMonth()``, ``currentDayOfMonth()``, ``+ - *`` of those), else None."""
    if isinstance(node, a.Literal) and node.literal_type == "Integer":
        return int(node.value)
    if not isinstance(node, a.FnApply):
        return None
    current = {"currentYear": now.year, "currentMonth": now.month, "currentDayOfMonth": now.day}
    if node.name in current and not node.args:
        return current[node.name]
    values = [const_int(arg, now) for arg in node.args]
    if any(v is None for v in values):
        return None
    ints = t.cast(list[int], values)
    if node.name == "-" and len(ints) == 1:
        return -ints[0]
    if node.name in ("+", "-", "*") and len(ints) == 2:
        x, y = ints
        return x + y if node.name == "+" else x - y if node.name == "-" else x * y
    return None


def date_value(
    compiler: Compiler, node: a.FnApply, scope: Scope
) -> tuple[datetime | None, exp.Expr]:
    """``date(y, m, d)``: the day as a Python datetime when known at compile time, and as SQL."""
    if len(node.args) != 3:
        raise cannot("date() takes a year, a month and a day", node)
    parts = [const_int(arg, compiler.now) for arg in node.args]
    if all(p is not None for p in parts):
        y, m, d = t.cast(list[int], parts)
        try:
            day = datetime(y, m, d)
        except ValueError:
            raise cannot(f"date({y}, {m}, {d}) is not a calendar date", node) from None
        return day, exp.cast(exp.Literal.string(day.date().isoformat()), "DATE")
    args = [compiler.numeric(compiler.val(arg, scope), arg).sql for arg in node.args]
    return None, call("try", call("make_date", *args))  # an impossible date is missing


def anchor(compiler: Compiler, node: a.Node, scope: Scope) -> Anchor:
    if isinstance(node, a.TimeLiteral):
        start, end = literal_interval(node.name, compiler.now)
        return Anchor(start, end, node.name == "now")
    if isinstance(node, a.RelativePeriod):
        start, end = period(node.qualifier, node.unit, compiler.now)
        return Anchor(start, end, False)
    if isinstance(node, a.VarRef) and node.name in scope.chain_times:
        when = scope.chain_times[node.name]
        return Anchor(when, when, True)
    if isinstance(node, a.FnApply) and node.name == "date":
        day, sql = date_value(compiler, node, scope)
        if day is not None:
            return Anchor(day, day + timedelta(days=1), False)
        start_sql = exp.cast(sql, "TIMESTAMP")
        return Anchor(start_sql, shift(start_sql, 1, "day"), False)
    value = compiler.val(node, scope)
    kind = value.type.kind
    if kind == "date":
        start_sql = exp.cast(value.sql, "TIMESTAMP")
        return Anchor(start_sql, shift(start_sql, 1, "day"), False)
    if kind in ("timestamp", "null", "other"):
        return Anchor(value.sql, value.sql, True)
    if kind == "string":
        cast = exp.TryCast(this=value.sql, to=exp.DataType.build("TIMESTAMP"))
        return Anchor(cast, cast, True)
    raise cannot(f"{value.type.describe()} used as a time", node)


# ---------------------------------------------------------------------------------------------
# Windows


def _lt(x: exp.Expr, y: Bound) -> exp.Expr:
    return exp.LT(this=x, expression=_sql(y))


def _le(x: exp.Expr, y: Bound) -> exp.Expr:
    return exp.LTE(this=x, expression=_sql(y))


def _gt(x: exp.Expr, y: Bound) -> exp.Expr:
    return exp.GT(this=x, expression=_sql(y))


def _ge(x: exp.Expr, y: Bound) -> exp.Expr:
    return exp.GTE(this=x, expression=_sql(y))


def _not(x: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Paren(this=x))


def window(compiler: Compiler, ts: exp.Expr, spec: a.TimeWindow, scope: Scope) -> exp.Expr:
    """The condition "``ts`` lies in ``spec``" (NULL when ``ts`` is NULL, which means false)."""
    bounds = anchor(compiler, spec.anchor, scope)
    if spec.kind == "on":
        return conj([_ge(ts, bounds.start), _lt(ts, bounds.end)])
    if spec.kind == "direction":
        if spec.direction == "before":
            return _lt(ts, bounds.start)
        return _gt(ts, bounds.end) if bounds.instant else _ge(ts, bounds.end)
    if spec.kind == "between":
        if spec.end is None:
            raise cannot("between needs an end", spec)
        last = anchor(compiler, spec.end, scope)
        return conj([_ge(ts, bounds.start), _lt(ts, last.end)])
    if spec.amount is None or spec.unit is None or spec.comparison is None:
        raise UnsupportedQuery("an incomplete relative time window", spec)
    n, unit, op = spec.amount, spec.unit, spec.comparison
    if spec.direction == "before":
        lo = shift(bounds.start, -n, unit)
        exact = conj([_gt(ts, shift(lo, -1, unit)), _le(ts, lo)])
        conds = {
            "<": lambda: conj([_gt(ts, lo), _lt(ts, bounds.start)]),
            "<=": lambda: conj([_ge(ts, lo), _lt(ts, bounds.start)]),
            ">": lambda: _lt(ts, lo),
            ">=": lambda: _le(ts, lo),
            "=": lambda: exact,
            "!=": lambda: conj([_lt(ts, bounds.start), _not(exact)]),
        }
    else:
        hi = shift(bounds.end, n, unit)
        exact = conj([_ge(ts, hi), _lt(ts, shift(hi, 1, unit))])
        conds = {
            "<": lambda: conj([_gt(ts, bounds.end), _lt(ts, hi)]),
            "<=": lambda: conj([_gt(ts, bounds.end), _le(ts, hi)]),
            ">": lambda: _gt(ts, hi),
            ">=": lambda: _ge(ts, hi),
            "=": lambda: exact,
            "!=": lambda: conj([_gt(ts, bounds.end), _not(exact)]),
        }
    return conds[op]()


def timestamp_of(compiler: Compiler, value: SqlValue, node: a.Node) -> exp.Expr | None:
    """The SQL timestamp of a value used as an ``occurs`` subject (None: never in a window)."""
    kind = value.type.kind
    if kind in ("timestamp", "date", "other"):
        return value.sql
    if kind == "string":
        return exp.TryCast(this=value.sql, to=exp.DataType.build("TIMESTAMP"))
    if kind == "null":
        return None
    raise cannot(f"{value.type.describe()} used as a timestamp in occurs", node)


def occurs(compiler: Compiler, node: a.Occurs, scope: Scope) -> SqlValue | Relation:
    subject = compiler.value(node.subject, scope)
    if isinstance(subject, SqlValue) and subject.type.kind == "list":
        subject = compiler.to_rel(subject, node.subject)
    if isinstance(subject, Relation):
        ts = timestamp_of(compiler, subject.elem, node.subject)
        if ts is None:
            return pred(exp.false(), nullable=False)
        return exists(subject.where(window(compiler, ts, node.window, scope)))
    ts = timestamp_of(compiler, subject, node.subject)
    if ts is None:
        return pred(exp.false(), nullable=False)
    return pred(window(compiler, ts, node.window, scope))
