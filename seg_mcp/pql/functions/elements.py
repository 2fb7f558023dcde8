"""Per-element methods: ``filter`` (and ``a[condition]``), ``map``, ``exists``, ``count``,
``sum``, ``average``, ``min``, ``max``, ``topN``, ``bottomN``, ``groupBy``, declared once
(typing, SQL, wording, what they mean for events). Their argument after the receiver is evaluated
per element (an implicit lambda: ``xEvent.sum(commerce.order.priceTotal)``).

``a.groupBy(key)`` is the map from each key (as text) to the array of the elements having it, in
the array's order; elements whose key is missing are left out, and an array with no keyed
element gives no map (a missing value). ``m.map((K, G) => mapEntry(K, value))`` on a map gives
the map of those entries (``G`` is the entry's value: a group, after ``groupBy``); with any other
body it gives the array of the body's values, one per entry."""

from __future__ import annotations

import typing as t
from dataclasses import replace

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.fndef import FunctionDef, SqlRule, TypeRule
from seg_mcp.pql.ptypes import ANY, BOOLEAN, NUMBER, NUMERIC, Kind, PType, array_of
from seg_mcp.pql.sql.arrays import (
    aggregate_values,
    as_list,
    element_scope,
    map_elements,
    per_element,
    receiver_relation,
)
from seg_mcp.pql.sql.errors import UnsupportedQuery, cannot
from seg_mcp.pql.sql.types import NULL, list_of, map_of, struct_of
from seg_mcp.pql.sql.types import STRING as SQL_STRING
from seg_mcp.pql.sql.values import Compiled, Relation, SqlValue, call, exists, ident, merge
from seg_mcp.pql.typerules import receiver

if t.TYPE_CHECKING:
    from seg_mcp.pql.explain import Words
    from seg_mcp.pql.infer import Inference
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["DEFS"]

_COLLECTIONS = frozenset({"array", "map"})


def _element_type(inf: Inference, node: a.FnApply) -> PType:
    owner = receiver(inf, node, _COLLECTIONS)
    element = owner.element
    body: PType | None = None
    for index, arg in enumerate(node.args[1:], start=1):
        if index == 1:
            body = inf.scoped(arg, element, owner)
        elif node.name in ("topN", "bottomN"):
            inf.expect(inf.expr(arg), NUMERIC, arg, f"{node.name}'s count")
        else:
            inf.expr(arg)
    name = node.name
    if name in ("sum", "average"):
        arg = node.args[1] if body is not None else node.args[0]
        value = body if body is not None else element
        where = arg.body if isinstance(arg, a.Lambda) else arg
        inf.expect(value, NUMERIC, where, name)
        return NUMBER
    if name == "count":
        return NUMBER
    if name in ("min", "max"):
        return (body if body is not None else element).scalar
    if name == "exists":
        return BOOLEAN
    if name == "map":
        if owner.kind == "map" and body is not None and body.kind == "map":
            return body  # m.map((K, G) => mapEntry(K, ...)): a map
        return array_of(body or ANY)
    if name == "groupBy":
        return PType("map", item=owner)
    return owner  # filter, topN, bottomN


def _filter_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    if len(node.args) != 2:
        raise cannot(f"{node.name} takes one condition", node)
    rel, cond = per_element(compiler, node, receiver_relation(compiler, node, scope), scope)
    return rel.where(compiler.truth(cond).sql)


def _exists_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    rel = receiver_relation(compiler, node, scope)
    if len(node.args) == 1:
        return exists(rel)
    rel, cond = per_element(compiler, node, rel, scope)
    return exists(rel.where(compiler.truth(cond).sql))


def _map_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    if len(node.args) != 2:
        raise cannot("map takes one expression", node)
    owner = compiler.value(node.args[0], scope)
    if isinstance(owner, SqlValue) and owner.type.kind == "map":
        return _map_entries_sql(compiler, node, owner, scope)
    rel, value = per_element(compiler, node, compiler.to_rel(owner, node.args[0]), scope)
    if isinstance(value, Relation):
        return merge(rel, value)
    if value.type.kind == "list":
        return merge(rel, compiler.to_rel(value, node))
    return map_elements(rel, compiler.as_value(value))


def _map_entries_sql(
    compiler: Compiler, node: a.FnApply, owner: SqlValue, scope: Scope
) -> Compiled:
    """``m.map((K, G) => body)``: per entry of the map, ``K`` its key and ``G`` its value (one
    parameter, or an implicit lambda: the value)."""
    entry_type = struct_of(key=SQL_STRING, value=owner.type.item or NULL)
    listed = SqlValue(call("map_entries", owner.sql), list_of(entry_type))
    entries = compiler.to_rel(listed, node.args[0])
    key, group = (compiler.field(entries.elem, name, node) for name in ("key", "value"))
    assert isinstance(key, SqlValue) and isinstance(group, SqlValue)
    lam = node.args[1]
    if not isinstance(lam, a.Lambda) or len(lam.params) > 2:
        raise UnsupportedQuery("a map() over a map without a (key, value) => ... lambda", lam)
    inner = scope.push(group) if not lam.params else scope
    bound = ((), (group,), (key, group))[len(lam.params)]
    for name, parameter in zip(lam.params, bound, strict=True):
        inner = inner.bind(name, parameter)
    body = lam.body
    if not (isinstance(body, a.FnApply) and body.name == "mapEntry" and len(body.args) == 2):
        value = compiler.value(body, inner)
        if isinstance(value, Relation):
            return merge(entries, value)
        return map_elements(entries, compiler.as_value(value))
    new_key = compiler.text(compiler.val(body.args[0], inner), body.args[0])
    new_value = _single(compiler, compiler.value(body.args[1], inner), body.args[1])
    per_entry = entries.select(
        exp.alias_(new_key.sql, ident("k"), copy=False),
        exp.alias_(new_value.sql, ident("v"), copy=False),
    )
    return _as_map(compiler, per_entry, new_value)


def _single(compiler: Compiler, value: Compiled, node: a.Node) -> SqlValue:
    """One value per entry: an array becomes a SQL list."""
    return (
        as_list(compiler, value, node) if isinstance(value, Relation) else compiler.as_value(value)
    )


def _as_map(compiler: Compiler, rows: exp.Select, value: SqlValue) -> SqlValue:
    """The map of the rows' ``k`` -> ``v`` (missing when there are no rows)."""
    alias = compiler.alias("g")
    keys, values = (exp.ArrayAgg(this=exp.column(n, table=alias, quoted=True)) for n in "kv")
    query = exp.select(call("map", keys, values), copy=False).from_(
        rows.subquery(ident(alias), copy=False), copy=False
    )
    return SqlValue(exp.Subquery(this=query), map_of(value.type))


def _group_by_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    """``a.groupBy(key)``: one row per key (its elements collected in the array's order), made a
    map. Keys are text; elements whose key is missing belong to no group."""
    if len(node.args) != 2:
        raise cannot("groupBy takes one expression", node)
    relation = receiver_relation(compiler, node, scope)
    body, inner = element_scope(compiler, node.args[1], relation, scope)
    key = compiler.text(compiler.val(body, inner), node.args[1])
    item = compiler.as_value(relation.elem)
    collected: exp.Expr = item.sql
    if relation.order:
        collected = exp.Order(this=collected, expressions=list(relation.order))
    keyed = relation.where(exp.Not(this=exp.Is(this=key.sql, expression=exp.Null())))
    groups = keyed.select(
        exp.alias_(key.sql, ident("k"), copy=False),
        exp.alias_(exp.ArrayAgg(this=collected), ident("v"), copy=False),
    ).group_by(exp.Literal.number(1), copy=False)
    return _as_map(compiler, groups, SqlValue(exp.Null(), list_of(item.type)))


def _aggregate_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    rel = receiver_relation(compiler, node, scope)
    if len(node.args) > 2:
        raise cannot(f"{node.name} takes at most one expression", node)
    if len(node.args) == 1:
        return aggregate_values(compiler, rel, node.name, rel.elem, node)
    rel, value = per_element(compiler, node, rel, scope)
    if node.name == "count":  # elements for which the expression holds (is defined)
        return aggregate_values(
            compiler, rel.where(compiler.truth(value).sql), "count", rel.elem, node
        )
    if isinstance(value, Relation):
        rel = merge(rel, value)
        value = rel.elem
    elif value.type.kind == "list":
        rel = merge(rel, compiler.to_rel(value, node))
        value = rel.elem
    return aggregate_values(compiler, rel, node.name, value, node)


def _top_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    """``array.topN(value, n)`` / ``bottomN``: the n elements with the largest (smallest) defined
    value, in that order, ties in the array's order (events: by time). A correlated derived table
    ``(SELECT ... ORDER BY value LIMIT n)``, numbered in that order."""
    if len(node.args) != 3:
        raise cannot(f"{node.name} takes a value and a count", node)
    count = node.args[2]
    if not (isinstance(count, a.Literal) and count.literal_type == "Integer"):
        raise UnsupportedQuery(f"{node.name}() with a count that is not a whole number", count)
    rel = receiver_relation(compiler, node, scope)
    body, inner = element_scope(compiler, node.args[1], rel, scope)
    key = compiler.as_value(compiler.val(body, inner))
    if not key.type.is_scalar:
        raise cannot(f"{node.name} by {key.type.describe()}", node.args[1])
    alias, row = compiler.alias("t"), rel.elem.row
    order = [exp.Ordered(this=key.sql, desc=node.name == "topN"), *rel.order]
    number = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=order))
    if row is None:
        item: exp.Expr = exp.alias_(compiler.as_value(rel.elem).sql, ident("v"), copy=False)
        elem = SqlValue(exp.column("v", table=alias, quoted=True), rel.elem.type)
    else:  # an event stays a row: its columns, not one struct per event
        item = exp.Column(this=exp.Star(), table=ident(row))
        elem = SqlValue(exp.column(alias, quoted=True), rel.elem.type, False, row=alias)
    defined = replace(
        rel.where(exp.Not(this=exp.Is(this=key.sql, expression=exp.Null()))), order=tuple(order)
    )
    query = defined.select(
        item, exp.alias_(number, ident("n#"), copy=False), first=int(count.value)
    )
    position = exp.Ordered(this=exp.column("n#", table=alias, quoted=True))
    return Relation((query.subquery(ident(alias), copy=False),), (), elem, (position,))


def _aggregate_words(words: Words, node: a.FnApply) -> str | None:
    """``the number of events where ...``, ``the total price total of events``."""
    args = node.args
    if node.name == "count":
        if len(args) == 1:
            return f"the number of {words.collection(args[0])}"
        if len(args) == 2:
            inner = args[1].body if isinstance(args[1], a.Lambda) else args[1]
            return f"the number of {words.collection(args[0])} where {words.clause_body(inner)}"
        return None
    phrase = words.phrase(node.name)
    if len(args) == 2:
        inner = args[1].body if isinstance(args[1], a.Lambda) else args[1]
        return f"the {phrase} {words.value(inner)} of {words.collection(args[0])}"
    if len(args) == 1:
        return f"the {phrase} of {words.collection(args[0])}"
    return None


def _method(
    name: str,
    usage: str,
    params: tuple[Kind, ...],
    returns: Kind | t.Literal["same", "item"],
    sql: SqlRule | None,
    *,
    optional: int = 0,
    phrase: str = "",
    types: TypeRule = _element_type,
    aggregates: bool = False,
    one_event: bool = False,
    worded: bool = False,
) -> FunctionDef:
    return FunctionDef(
        name=name,
        usage=usage,
        receiver="array",
        params=params,
        optional=optional,
        returns=returns,
        element=1,
        phrase=phrase,
        types=types,
        sql=sql,
        value_words=_aggregate_words if worded else None,
        aggregates=aggregates,
        one_event=one_event,
    )


DEFS: tuple[FunctionDef, ...] = (
    _method(
        "filter",
        "a.filter(condition) or a[condition]",
        ("boolean",),
        "same",
        _filter_sql,
        phrase="where",
        one_event=True,
    ),
    _method("map", "a.map(expression)", ("any",), "array", _map_sql),
    _method(
        "exists",
        "a.exists(condition)",
        ("boolean",),
        "boolean",
        _exists_sql,
        phrase="has an item where",
        one_event=True,
    ),
    _method("groupBy", "a.groupBy(expression)", ("any",), "map", _group_by_sql, aggregates=True),
    _method("topN", "a.topN(value, n)", ("any", "number"), "same", _top_sql, aggregates=True),
    _method("bottomN", "a.bottomN(value, n)", ("any", "number"), "same", _top_sql, aggregates=True),
    _method(
        "count",
        "a.count()",
        ("boolean",),
        "number",
        _aggregate_sql,
        optional=1,
        phrase="number of",
        aggregates=True,
        worded=True,
    ),
    _method(
        "sum",
        "a.sum(value)",
        ("number",),
        "number",
        _aggregate_sql,
        optional=1,
        phrase="total",
        aggregates=True,
        worded=True,
    ),
    _method(
        "average",
        "a.average(value)",
        ("number",),
        "number",
        _aggregate_sql,
        optional=1,
        phrase="average",
        aggregates=True,
        worded=True,
    ),
    _method(
        "min",
        "a.min(value)",
        ("any",),
        "item",
        _aggregate_sql,
        optional=1,
        phrase="lowest",
        aggregates=True,
        worded=True,
    ),
    _method(
        "max",
        "a.max(value)",
        ("any",),
        "item",
        _aggregate_sql,
        optional=1,
        phrase="highest",
        aggregates=True,
        worded=True,
    ),
)
