"""``FnApply``: operators, functions and methods (the catalogue in ``seg_mcp/pql/ast.py``).

Predicates over an array receiver (``xEvent.eventType.startsWith("commerce")``, a projection
compared with a value) are existential: true when some element satisfies them.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Callable

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.sql import arrays, timewindow
from seg_mcp.pql.sql.errors import UnsupportedQuery, cannot
from seg_mcp.pql.sql.types import DOUBLE, INTEGER, NULL, STRING, SqlType, list_of
from seg_mcp.pql.sql.values import PROFILE_ALIAS, Rel, Val, call, exists, merge, pred, table

if t.TYPE_CHECKING:
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["apply"]

Value = Val | Rel

_COMPARE: dict[str, type[exp.Binary]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


def apply(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    name = node.name
    handler = _HANDLERS.get(name)
    if handler is not None:
        return handler(c, node, scope)
    if name in _STRING_TESTS:
        return _string_test(c, node, scope)
    if name in arrays.METHODS:
        return arrays.METHODS[name](c, node, scope)
    raise UnsupportedQuery(f"the function {name}()", node)


def _arity(node: a.FnApply, *counts: int) -> None:
    if len(node.args) not in counts:
        expected = " or ".join(str(n) for n in counts)
        raise cannot(f"{node.name} takes {expected} argument(s), got {len(node.args)}", node)


def lift(c: Compiler, operands: list[Value], build: Callable[[list[Val]], Val]) -> Val:
    """``build`` over scalar operands; array operands (events, projections) make it existential
    over their elements."""
    rels = [op for op in operands if isinstance(op, Rel)]
    result = build([op.elem if isinstance(op, Rel) else op for op in operands])
    if not rels:
        return result
    joined = rels[0]
    for rel in rels[1:]:
        joined = merge(joined, rel)
    return exists(joined.where(c.truth(result).sql))


def _scalar_or_rel(c: Compiler, value: Value, node: a.Node) -> Value:
    """A SQL list becomes its elements (for existential predicates)."""
    if isinstance(value, Val) and value.type.kind == "list":
        return c.to_rel(value, node)
    return value


# -- logic -----------------------------------------------------------------------------------


def _and_or(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    parts = [c.test(arg, scope) for arg in node.args]
    cls = exp.And if node.name == "and" else exp.Or
    sql = parts[0].sql
    for part in parts[1:]:
        sql = cls(this=sql, expression=part.sql)
    return pred(exp.Paren(this=sql), nullable=any(p.nullable for p in parts))


def _not(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 1)
    return c.negate(c.test(node.args[0], scope))


def _if(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 3)
    test = c.test(node.args[0], scope)
    then, other = (c.as_value(c.val(arg, scope)) for arg in node.args[1:])
    if then.type.kind == "null":
        type_ = other.type
    elif other.type.kind in ("null", then.type.kind):
        type_ = then.type
    elif then.type.is_numeric and other.type.is_numeric:
        type_ = DOUBLE
    else:
        raise cannot(f"if() giving {then.type.describe()} or {other.type.describe()}", node)
    case = exp.Case(ifs=[exp.If(this=test.sql, true=then.sql)], default=other.sql)
    return Val(case, type_)


# -- comparison ------------------------------------------------------------------------------


def _compare(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 2)
    left, right = (c.value(arg, scope) for arg in node.args)
    both_lists = all(isinstance(v, Val) and v.type.kind == "list" for v in (left, right))
    if not both_lists:
        left = _scalar_or_rel(c, left, node.args[0])
        right = _scalar_or_rel(c, right, node.args[1])
    op = _COMPARE[node.name]

    def build(vals: list[Val]) -> Val:
        x, y = vals
        if both_lists:
            if node.name not in ("=", "!="):
                raise cannot(f"ordering arrays with {node.name}", node)
            return pred(op(this=x.sql, expression=y.sql))
        x, y = c.coerce_pair(x, y, node)
        return pred(op(this=x.sql, expression=y.sql))

    return lift(c, [left, right], build)


def _in(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    """``x in coll`` / ``x notIn coll``: ``notIn`` needs a defined ``x`` and a defined array
    (an item that is missing or cannot compare with ``x`` is simply not equal to it)."""
    _arity(node, 2)
    negate = node.name == "notIn"
    needle_node, coll_node = node.args
    needle = _scalar_or_rel(c, c.value(needle_node, scope), needle_node)

    def outcome(x: Val, found: exp.Expr) -> Val:
        if not negate:
            return pred(found)
        defined = exp.Not(this=exp.Is(this=x.sql, expression=exp.Null()))
        missing_or_absent = exp.Not(
            this=exp.Paren(this=exp.Coalesce(this=found, expressions=[exp.false()]))
        )
        return pred(exp.And(this=defined, expression=missing_or_absent))

    if isinstance(coll_node, a.ListLiteral) and coll_node.items:
        items = [c.val(item, scope) for item in coll_node.items]

        def member_of_literal(vals: list[Val]) -> Val:
            pairs = [c.coerce_pair(vals[0], item, node) for item in items]
            x = pairs[0][0]
            return outcome(x, exp.In(this=x.sql, expressions=[y.sql for _, y in pairs]))

        return lift(c, [needle], member_of_literal)
    coll = c.value(coll_node, scope)
    if isinstance(coll, Rel):
        rel = coll

        def member_of_rel(vals: list[Val]) -> Val:
            x, y = c.coerce_pair(vals[0], rel.elem, node)
            found = exists(rel.where(exp.EQ(this=x.sql, expression=y.sql)))
            return outcome(x, found.sql)

        return lift(c, [needle], member_of_rel)
    if coll.type.kind not in ("list", "null"):
        raise cannot(f"{node.name} needs an array on its right, not {coll.type.describe()}", node)
    array = coll
    item = array.type.item or NULL

    def member_of_list(vals: list[Val]) -> Val:
        x, _ = c.coerce_pair(vals[0], Val(exp.Null(), item), node)
        if item.kind == "string" and x.type.kind not in ("string", "null", "other"):
            x = c.text(x, needle_node)
        found = call("list_contains", array.sql, x.sql)
        if not negate:
            return pred(found)
        defined = exp.Not(this=exp.Is(this=x.sql, expression=exp.Null()))
        return pred(exp.And(this=defined, expression=exp.Not(this=exp.Paren(this=found))))

    return lift(c, [needle], member_of_list)


# -- text ------------------------------------------------------------------------------------

# name -> (SQL function, negated)
_STRING_TESTS: dict[str, tuple[str, bool]] = {
    "startsWith": ("starts_with", False),
    "doesNotStartWith": ("starts_with", True),
    "endsWith": ("suffix", False),
    "doesNotEndWith": ("suffix", True),
    "contains": ("contains", False),
    "doesNotContain": ("contains", True),
    "equals": ("=", False),
    "notEqualTo": ("=", True),
}


def _case_sensitive(c: Compiler, node: a.FnApply) -> bool:
    if len(node.args) < 3:
        return True
    flag = node.args[2]
    if isinstance(flag, a.Literal) and flag.literal_type == "Boolean":
        return bool(flag.value)
    raise UnsupportedQuery(
        f"a caseSensitive argument of {node.name}() that is not true/false", flag
    )


def _string_test(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 2, 3)
    function, negated = _STRING_TESTS[node.name]
    sensitive = _case_sensitive(c, node)
    receiver = _scalar_or_rel(c, c.value(node.args[0], scope), node.args[0])
    other = c.text(c.val(node.args[1], scope), node.args[1])

    def build(vals: list[Val]) -> Val:
        x = c.text(vals[0], node.args[0]).sql
        y = other.sql
        if not sensitive:
            x, y = call("lower", x), call("lower", y)
        test = exp.EQ(this=x, expression=y) if function == "=" else call(function, x, y)
        return pred(exp.Not(this=exp.Paren(this=test)) if negated else test)

    return lift(c, [receiver], build)


_RE2_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?>|\(\?[a-z]*[x][a-z]*\)")


def _regex(c: Compiler, node: a.Node, scope: Scope) -> Val:
    value = c.text(c.val(node, scope), node)
    if isinstance(node, a.Literal) and isinstance(node.value, str):
        try:
            re.compile(node.value)
        except re.error as error:
            raise cannot(
                f"the regular expression {node.value!r} is invalid ({error})", node
            ) from None
        if _RE2_UNSUPPORTED.search(node.value):
            raise UnsupportedQuery(
                f"the regular expression {node.value!r} (look-around, back-references and "
                "atomic groups are not supported)",
                node,
            )
    return value


def _like(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 2)
    receiver = _scalar_or_rel(c, c.value(node.args[0], scope), node.args[0])
    pattern = c.text(c.val(node.args[1], scope), node.args[1])

    def build(vals: list[Val]) -> Val:
        x = c.text(vals[0], node.args[0])
        return pred(exp.Like(this=x.sql, expression=pattern.sql))

    return lift(c, [receiver], build)


def _matches(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 2)
    receiver = _scalar_or_rel(c, c.value(node.args[0], scope), node.args[0])
    pattern = _regex(c, node.args[1], scope)

    def build(vals: list[Val]) -> Val:
        x = c.text(vals[0], node.args[0])
        return pred(call("regexp_matches", x.sql, pattern.sql))

    return lift(c, [receiver], build)


def _regex_group(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 3)
    receiver = c.text(c.val(node.args[0], scope), node.args[0])
    pattern = _regex(c, node.args[1], scope)
    group = timewindow.const_int(node.args[2], c.now)
    if group is None or group < 0:
        raise UnsupportedQuery("a regexGroup() group that is not a non-negative integer", node)
    found = call("regexp_matches", receiver.sql, pattern.sql)
    extract = call("regexp_extract", receiver.sql, pattern.sql, exp.Literal.number(group))
    return Val(exp.Case(ifs=[exp.If(this=found, true=extract)]), STRING)


# -- arithmetic ------------------------------------------------------------------------------

_ARITH: dict[str, type[exp.Binary]] = {
    "+": exp.Add,
    "-": exp.Sub,
    "*": exp.Mul,
    "/": exp.Div,
    "%": exp.Mod,
}


def _arith(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    if node.name == "-" and len(node.args) == 1:
        x = c.numeric(c.val(node.args[0], scope), node.args[0])
        return Val(exp.Neg(this=exp.Paren(this=x.sql)), x.type)
    _arity(node, 2)
    x, y = (c.numeric(c.val(arg, scope), arg) for arg in node.args)
    right = y.sql
    if node.name in ("/", "%"):
        right = call("nullif", right, exp.Literal.number(0))  # division by zero is null
    sql = _ARITH[node.name](this=exp.Paren(this=x.sql), expression=exp.Paren(this=right))
    integral = x.type.kind == y.type.kind == "integer" and node.name != "/"
    return Val(sql, INTEGER if integral else DOUBLE)


# -- dates, objects, segments ----------------------------------------------------------------


def _current(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 0)
    value = timewindow.const_int(node, c.now)
    assert value is not None
    return Val(exp.Literal.number(value), INTEGER, False)


def _date(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _day, sql = timewindow.date_value(c, node, scope)
    return Val(sql, SqlType("date"), _day is None)


_DATE_PARTS = {"getMonth": "month", "getYear": "year", "getDayOfMonth": "day"}


def _date_part(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 1)
    receiver = _scalar_or_rel(c, c.value(node.args[0], scope), node.args[0])

    def part(value: Val) -> Val:
        ts = timewindow.timestamp_of(c, value, node.args[0])
        if ts is None:
            return Val(exp.cast(exp.Null(), "BIGINT"), INTEGER)
        return Val(call(_DATE_PARTS[node.name], ts), INTEGER)

    if isinstance(receiver, Rel):
        return arrays.map_elements(receiver, part(receiver.elem))
    return part(receiver)


def _null_test(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 1)
    value = c.value(node.args[0], scope)
    if isinstance(value, Rel):
        found = exists(value)
        return found if node.name == "isNotNull" else c.negate(found)
    test = exp.Is(this=value.sql, expression=exp.Null())
    if node.name == "isNotNull":
        return pred(exp.Not(this=test), nullable=False)
    return pred(test, nullable=False)


def _in_segment(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    _arity(node, 1)
    segment = c.text(c.val(node.args[0], scope), node.args[0])
    layout = c.layout
    alias = c.alias("m")

    def col(name: str, alias: str = alias) -> exp.Column:
        return exp.column(name, table=alias, quoted=True)

    statuses = [exp.Literal.string(s) for s in layout.member_statuses]
    rel = Rel(
        (table(layout.membership, alias),),
        (
            exp.EQ(this=col(layout.membership_segment), expression=segment.sql),
            exp.In(this=col(layout.membership_status), expressions=statuses),
        ),
        Val(exp.Null(), NULL),
        link=(
            exp.column(layout.profile_id, table=PROFILE_ALIAS, quoted=True),
            col(layout.membership_profile),
        ),
    )
    return exists(rel)


def _map_method(c: Compiler, node: a.FnApply, scope: Scope) -> Value:
    receiver = c.val(node.args[0], scope)
    if receiver.type.kind == "null":
        return Val(exp.Null(), NULL)
    if receiver.type.kind != "map":
        raise cannot(f"{node.name}() on {receiver.type.describe()} (it needs a map)", node)
    item = receiver.type.item or NULL
    if node.name == "get":
        _arity(node, 2)
        key = c.text(c.val(node.args[1], scope), node.args[1])
        return Val(call("map_extract_value", receiver.sql, key.sql), item)
    _arity(node, 1)
    if node.name == "keys":
        return Val(call("map_keys", receiver.sql), list_of(STRING))
    return Val(call("map_values", receiver.sql), list_of(item))


_HANDLERS: dict[str, Callable[[Compiler, a.FnApply, Scope], Value]] = {
    "and": _and_or,
    "or": _and_or,
    "not": _not,
    "if": _if,
    **dict.fromkeys(_COMPARE, _compare),
    "in": _in,
    "notIn": _in,
    "like": _like,
    "matches": _matches,
    "regexGroup": _regex_group,
    **dict.fromkeys(_ARITH, _arith),
    "currentMonth": _current,
    "currentYear": _current,
    "currentDayOfMonth": _current,
    "date": _date,
    **dict.fromkeys(_DATE_PARTS, _date_part),
    "isNull": _null_test,
    "isNotNull": _null_test,
    "inSegment": _in_segment,
    "get": _map_method,
    "keys": _map_method,
    "values": _map_method,
}
