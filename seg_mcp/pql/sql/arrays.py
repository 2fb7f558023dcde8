"""Arrays: ``select``/``exists``/``forall`` declarations, the aggregate comprehension, and the
helpers the array methods' SQL uses (``seg_mcp/pql/functions/``: per-element arguments,
aggregates, arrays as SQL lists).

Every array is turned into a :class:`Relation` (the profile's events, or a SQL list unnested),
so one mechanism serves ``xEvent``, ``productListItems`` and profile arrays alike, at any depth.
"""

from __future__ import annotations

import typing as t
from dataclasses import replace

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.sql.errors import UnsupportedQuery, cannot
from seg_mcp.pql.sql.types import DOUBLE, INTEGER, list_of
from seg_mcp.pql.sql.values import (
    Compiled,
    Relation,
    SqlValue,
    coalesce_false,
    exists,
    merge,
    pred,
    scalar_subquery,
)

if t.TYPE_CHECKING:
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = [
    "aggregate",
    "aggregate_values",
    "as_list",
    "element_scope",
    "map_elements",
    "non_empty",
    "per_element",
    "quantifier",
    "receiver_relation",
    "select",
]


def non_empty(rel: Relation) -> SqlValue:
    return exists(rel)


def map_elements(rel: Relation, elem: SqlValue) -> Relation:
    """The non-null values of ``elem`` (computed per element of ``rel``)."""
    not_null = exp.Not(this=exp.Is(this=elem.sql, expression=exp.Null()))
    return replace(rel, elem=elem, conds=(*rel.conds, not_null))


# -- declarations ----------------------------------------------------------------------------


def _declare(compiler: Compiler, decl: a.VarDecl, scope: Scope) -> tuple[Relation, Scope]:
    rel = compiler.to_rel(compiler.value(decl.range, scope), decl.range)
    scope = scope.bind(decl.name, rel.elem)
    if decl.condition is not None:
        rel = rel.where(compiler.test(decl.condition, scope).sql)
    return rel, scope


def declarations(
    compiler: Compiler, decls: tuple[a.VarDecl, ...], scope: Scope
) -> tuple[Relation, Scope]:
    """The tuples of a declaration list as one relation (later ranges and conditions see the
    earlier variables); its element is the last variable."""
    joined: Relation | None = None
    for decl in decls:
        rel, scope = _declare(compiler, decl, scope)
        joined = rel if joined is None else merge(joined, rel)
    assert joined is not None
    return joined, scope


def select(compiler: Compiler, node: a.Select, scope: Scope) -> Compiled:
    return declarations(compiler, node.decls, scope)[0]


def quantifier(compiler: Compiler, node: a.Quantifier, scope: Scope) -> Compiled:
    if node.kind == "exists":
        return exists(declarations(compiler, node.decls, scope)[0])
    return pred(_forall(compiler, node.decls, scope), nullable=False)


def _forall(compiler: Compiler, decls: tuple[a.VarDecl, ...], scope: Scope) -> exp.Expr:
    """Every element of the first range satisfies its condition and, for it, the rest."""
    first, rest = decls[0], decls[1:]
    rel = compiler.to_rel(compiler.value(first.range, scope), first.range)
    inner_scope = scope.bind(first.name, rel.elem)
    checks: list[exp.Expr] = []
    if first.condition is not None:
        checks.append(coalesce_false(compiler.test(first.condition, inner_scope).sql))
    if rest:
        checks.append(_forall(compiler, rest, inner_scope))
    if not checks:
        return exp.true()
    ok = checks[0] if len(checks) == 1 else exp.And(this=checks[0], expression=checks[1])
    counterexample = rel.where(exp.Not(this=exp.Paren(this=ok)))
    return compiler.negate(exists(counterexample)).sql


def aggregate(compiler: Compiler, node: a.Aggregate, scope: Scope) -> Compiled:
    rel, inner = declarations(compiler, node.decls, scope)
    value: Compiled = rel.elem if node.value is None else compiler.value(node.value, inner)
    if isinstance(value, Relation):
        rel = merge(rel, value)
        value = rel.elem
    return aggregate_values(compiler, rel, node.function, value, node)


# -- aggregates ------------------------------------------------------------------------------


def aggregate_values(
    compiler: Compiler, rel: Relation, function: str, value: SqlValue, node: a.Node
) -> SqlValue:
    if function == "count":
        return SqlValue(exp.Subquery(this=rel.select(exp.Count(this=exp.Star()))), INTEGER, False)
    if function in ("sum", "average"):
        value = compiler.numeric(value, node)
        type_ = DOUBLE if function == "average" or value.type.kind != "integer" else INTEGER
    else:
        value = compiler.as_value(value)
        if not value.type.is_scalar:
            raise cannot(f"{function} of {value.type.describe()}", node)
        type_ = value.type
    sql_function = {"sum": exp.Sum, "average": exp.Avg, "min": exp.Min, "max": exp.Max}[function]
    result = scalar_subquery(rel, sql_function(this=value.sql), type_)
    if function == "sum":  # the sum of nothing is 0
        zero = exp.Literal.number(0)
        return SqlValue(exp.Coalesce(this=result.sql, expressions=[zero]), type_, False)
    return result


def element_scope(
    compiler: Compiler, lam: a.Node, rel: Relation, scope: Scope
) -> tuple[a.Node, Scope]:
    """The body of a per-element argument and the scope it is evaluated in."""
    if not isinstance(lam, a.Lambda):
        return lam, scope.push(rel.elem)
    if not lam.params:
        return lam.body, scope.push(rel.elem)
    if len(lam.params) == 1:
        return lam.body, scope.bind(lam.params[0], rel.elem)
    raise UnsupportedQuery(f"a lambda with {len(lam.params)} parameters here", lam)


def receiver_relation(compiler: Compiler, node: a.FnApply, scope: Scope) -> Relation:
    return compiler.to_rel(compiler.value(node.args[0], scope), node.args[0])


def per_element(
    compiler: Compiler, node: a.FnApply, rel: Relation, scope: Scope
) -> tuple[Relation, Compiled]:
    body, inner = element_scope(compiler, node.args[1], rel, scope)
    return rel, compiler.value(body, inner)


def as_list(compiler: Compiler, value: Compiled, node: a.Node) -> SqlValue:
    """A SQL list of the elements (an empty list for no elements)."""
    if isinstance(value, SqlValue):
        if value.type.kind not in ("list", "null"):
            raise cannot(f"{value.type.describe()} used as an array", node)
        return value
    elem = compiler.as_value(value.elem)
    inner: exp.Expr = elem.sql
    if value.order:
        inner = exp.Order(this=inner, expressions=list(value.order))
    collected = exp.Subquery(this=value.select(exp.ArrayAgg(this=inner)))
    empty = exp.Array(expressions=[])
    return SqlValue(exp.Coalesce(this=collected, expressions=[empty]), list_of(elem.type), False)
