"""Maps: ``get``, ``keys``, ``values`` and the ``mapEntry(key, value)`` constructor, declared
once (typing, SQL, wording). A map's values are what iterating over it gives. ``mapEntry(k, v)``
on its own is the map of that one entry (in ``m.map((K, G) => mapEntry(K, ...))`` it is one entry
of the map built: see ``elements.py``)."""

from __future__ import annotations

import typing as t

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.fndef import FunctionDef
from seg_mcp.pql.ptypes import ANY, STRING, PType, array_of
from seg_mcp.pql.sql.errors import cannot
from seg_mcp.pql.sql.lifting import arity
from seg_mcp.pql.sql.types import NULL, list_of, map_of
from seg_mcp.pql.sql.types import STRING as SQL_STRING
from seg_mcp.pql.sql.values import Compiled, SqlValue, call
from seg_mcp.pql.typerules import arg_types, receiver

if t.TYPE_CHECKING:
    from seg_mcp.pql.infer import Inference
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["DEFS"]


def _map_type(inf: Inference, node: a.FnApply) -> PType:
    owner = receiver(inf, node, frozenset({"map", "object"}))
    for arg in node.args[1:]:
        inf.expr(arg)
    if node.name == "keys":
        return array_of(STRING)
    value = owner.item if owner.kind == "map" and owner.item else owner
    if owner.kind == "object":
        value = ANY
    return value if node.name == "get" else array_of(value)


def _map_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    receiver = compiler.val(node.args[0], scope)
    if receiver.type.kind == "null":
        return SqlValue(exp.Null(), NULL)
    if receiver.type.kind != "map":
        raise cannot(f"{node.name}() on {receiver.type.describe()} (it needs a map)", node)
    item = receiver.type.item or NULL
    if node.name == "get":
        arity(node, 2)
        key = compiler.text(compiler.val(node.args[1], scope), node.args[1])
        return SqlValue(call("map_extract_value", receiver.sql, key.sql), item)
    arity(node, 1)
    if node.name == "keys":
        return SqlValue(call("map_keys", receiver.sql), list_of(SQL_STRING))
    return SqlValue(call("map_values", receiver.sql), list_of(item))


def _map_entry_type(inf: Inference, node: a.FnApply) -> PType:
    types = arg_types(inf, node)
    return PType("map", item=types[1] if len(types) == 2 else None)


def _map_entry_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 2)
    key = compiler.text(compiler.val(node.args[0], scope), node.args[0])
    value = compiler.as_value(compiler.val(node.args[1], scope))
    sql = call("map", exp.Array(expressions=[key.sql]), exp.Array(expressions=[value.sql]))
    return SqlValue(sql, map_of(value.type), False)


DEFS: tuple[FunctionDef, ...] = (
    FunctionDef(
        name="get",
        usage='m.get("key")',
        receiver="map",
        params=("string",),
        returns="item",
        phrase="entry",
        types=_map_type,
        sql=_map_sql,
    ),
    FunctionDef(
        name="keys",
        usage="m.keys()",
        receiver="map",
        returns="array",
        phrase="keys of",
        types=_map_type,
        sql=_map_sql,
    ),
    FunctionDef(
        name="values",
        usage="m.values()",
        receiver="map",
        returns="array",
        phrase="values of",
        types=_map_type,
        sql=_map_sql,
    ),
    FunctionDef(
        name="mapEntry",
        usage="mapEntry(key, value)",
        params=("any", "any"),
        returns="map",
        types=_map_entry_type,
        sql=_map_entry_sql,
    ),
)
