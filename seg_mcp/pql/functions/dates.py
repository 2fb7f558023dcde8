"""Dates: ``date(y, m, d)``, ``currentMonth()``/``currentYear()``/``currentDayOfMonth()`` and the
``getMonth``/``getYear``/``getDayOfMonth`` methods, declared once (typing, SQL, wording, and
which of them are "ignore year" constraints for streaming/edge)."""

from __future__ import annotations

import typing as t

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.fndef import FunctionDef
from seg_mcp.pql.ptypes import NUMBER, NUMERIC, TEMPORAL, TIMESTAMP, PType
from seg_mcp.pql.sql.arrays import map_elements
from seg_mcp.pql.sql.lifting import arity, elements_if_list
from seg_mcp.pql.sql.timewindow import const_int, date_value, timestamp_of
from seg_mcp.pql.sql.types import INTEGER, SqlType
from seg_mcp.pql.sql.values import Compiled, Relation, SqlValue, call
from seg_mcp.pql.typerules import arg_types

if t.TYPE_CHECKING:
    from seg_mcp.pql.explain import Words
    from seg_mcp.pql.infer import Inference
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["DEFS"]


def _date_type(inf: Inference, node: a.FnApply) -> PType:
    for arg, value in zip(node.args, arg_types(inf, node), strict=True):
        inf.expect(value, NUMERIC, arg, "date(year, month, day)")
    return TIMESTAMP


def _date_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    day, sql = date_value(compiler, node, scope)
    return SqlValue(sql, SqlType("date"), day is None)


def _date_words(words: Words, node: a.FnApply) -> str | None:
    parts = [x.value for x in node.args if isinstance(x, a.Literal) and type(x.value) is int]
    if len(parts) == len(node.args) == 3:
        return f"{parts[0]}-{parts[1]:02d}-{parts[2]:02d}"
    return None


def _number_type(inf: Inference, node: a.FnApply) -> PType:
    arg_types(inf, node)
    return NUMBER


def _current_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 0)
    value = const_int(node, compiler.now)
    assert value is not None
    return SqlValue(exp.Literal.number(value), INTEGER, False)


def _part_type(inf: Inference, node: a.FnApply) -> PType:
    types = arg_types(inf, node)
    if types:
        inf.expect(types[0], TEMPORAL, node.args[0], node.name)
    return NUMBER


_PARTS = {"getMonth": "month", "getYear": "year", "getDayOfMonth": "day"}


def _part_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 1)
    receiver = elements_if_list(compiler, compiler.value(node.args[0], scope), node.args[0])

    def part(value: SqlValue) -> SqlValue:
        ts = timestamp_of(compiler, value, node.args[0])
        if ts is None:
            return SqlValue(exp.cast(exp.Null(), "BIGINT"), INTEGER)
        return SqlValue(call(_PARTS[node.name], ts), INTEGER)

    if isinstance(receiver, Relation):
        return map_elements(receiver, part(receiver.elem))
    return part(receiver)


def _current(name: str, phrase: str, ignore_year: bool) -> FunctionDef:
    return FunctionDef(
        name=name,
        usage=f"{name}()",
        returns="number",
        phrase=phrase,
        types=_number_type,
        sql=_current_sql,
        ignore_year=ignore_year,
    )


def _part(name: str, phrase: str, ignore_year: bool) -> FunctionDef:
    return FunctionDef(
        name=name,
        usage=f"ts.{name}()",
        receiver="timestamp",
        returns="number",
        phrase=phrase,
        types=_part_type,
        sql=_part_sql,
        ignore_year=ignore_year,
    )


DEFS: tuple[FunctionDef, ...] = (
    FunctionDef(
        name="date",
        usage="date(year, month, day)",
        params=("number", "number", "number"),
        returns="timestamp",
        types=_date_type,
        sql=_date_sql,
        value_words=_date_words,
    ),
    _current("currentMonth", "the current month", ignore_year=True),
    _current("currentYear", "the current year", ignore_year=False),
    _current("currentDayOfMonth", "today's day of the month", ignore_year=True),
    _part("getMonth", "month of", ignore_year=True),
    _part("getYear", "year of", ignore_year=False),
    _part("getDayOfMonth", "day of the month of", ignore_year=True),
)
