"""The two shapes a compiled PQL expression takes, and the SQL building blocks around them.

* :class:`SqlValue`: one SQL expression per profile (or per element, inside a scope): a scalar, a
  struct, a SQL list, a map, or a *row* of a table (the profile, an event).
* :class:`Relation`: a PQL array whose elements are rows of a relation: ``xEvent`` (the profile's
  events), a SQL list unnested, and everything derived from them (bracket filters, projections
  ``xEvent.commerce.order``, ``select`` declarations). It is a FROM list, WHERE conditions and the
  element; it becomes SQL only inside ``EXISTS (...)`` or a scalar subquery, correlated with the
  outer rows by alias (every alias in one compiled query is unique).

Null semantics (``seg_mcp/pql/ast.py``): a predicate's SQL may yield NULL, which means false
(``WHERE``, ``AND`` and ``OR`` already treat it so); only ``NOT`` and using a predicate as a
value need ``COALESCE(p, FALSE)``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlglot import exp

from seg_mcp.pql.sql.types import BOOLEAN, SQL_NAMES, SqlType, TableName

__all__ = [
    "PROFILE_ALIAS",
    "Compiled",
    "Relation",
    "SqlValue",
    "call",
    "coalesce_false",
    "conj",
    "exists",
    "ident",
    "merge",
    "pred",
    "reads",
    "scalar_subquery",
    "table",
    "unnest",
]


PROFILE_ALIAS = "p#"
"""The alias of the profile row every compiled condition refers to."""


@dataclass(frozen=True, slots=True)
class SqlValue:
    """A SQL value. ``row`` is set for a table row (its fields are the alias' columns, ``sql`` is
    the alias as a struct value). ``nullable``: the SQL may yield NULL. ``predicate``: a computed
    condition, whose NULL means false."""

    sql: exp.Expr
    type: SqlType
    nullable: bool = True
    predicate: bool = False
    row: str | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """A PQL array as a relation: ``SELECT ... FROM sources WHERE link AND conds``, one element
    per row. ``link`` ``(outer, inner)`` is the join to the enclosing row (``inner = outer``, the
    event's profile column = the profile id), kept apart so ``EXISTS`` can be written as the
    faster ``outer IN (SELECT inner ...)``. ``order`` (``ORDER BY`` items) sorts the elements
    (events by timestamp) when an order is observable (``head``, ``topN``)."""

    sources: tuple[exp.Expr, ...]
    conds: tuple[exp.Expr, ...]
    elem: SqlValue
    order: tuple[exp.Expr, ...] = ()
    link: tuple[exp.Expr, exp.Expr] | None = None

    def where(self, *conds: exp.Expr) -> Relation:
        return replace(self, conds=self.conds + tuple(conds))

    def link_condition(self) -> tuple[exp.Expr, ...]:
        if self.link is None:
            return ()
        outer, inner = self.link
        return (exp.EQ(this=inner, expression=outer),)

    def select(
        self, *columns: exp.Expr, linked: bool = True, first: int | None = None
    ) -> exp.Select:
        """``SELECT columns FROM ... WHERE ...``; with ``first``, only the first rows in the
        elements' order (``ORDER BY ... LIMIT first``)."""
        # copy=False: sqlglot's builders deep-copy by default, quadratic in the nesting depth
        query = exp.select(*columns, copy=False)
        (source, *rest), renamed = _fold_unnests(self.sources)
        query = query.from_(source, copy=False)
        for other in rest:
            query = query.join(other, on=exp.true(), copy=False)
        conds = (self.link_condition() if linked else ()) + self.conds
        if conds:
            query = query.where(conj(conds), copy=False)
        if first is not None:
            query = query.order_by(*self.order, copy=False).limit(first, copy=False)
        return _rename_columns(query, renamed) if renamed else query


Compiled = SqlValue | Relation
"""What compiling a PQL expression gives: one value per row, or an array as a relation."""

E = t.TypeVar("E", bound=exp.Expr)
Renames = dict[str, tuple[str, str]]
"""Unnest alias -> (its column, the alias of the derived table that now holds it)."""


def _fold_unnests(sources: tuple[exp.Expr, ...]) -> tuple[list[exp.Expr], Renames]:
    """Sources with every ``UNNEST`` of the previous source's column folded into it, as a derived
    table ``(SELECT *, UNNEST(col) AS "u" FROM source AS "e") AS "e"``: DuckDB decorrelates a
    lateral ``JOIN UNNEST("e".col)`` by hashing the lists themselves, 50 times slower (600 ms
    against 12 ms over 200k events). The unnest's ``"u"."v"`` becomes ``"e"."u"``."""
    out: list[exp.Expr] = []
    renamed: Renames = {}
    for source in sources:
        previous = out[-1].alias_or_name if out else None
        if isinstance(source, exp.Unnest) and previous and len(source.expressions) == 1:
            values = _rename_columns(source.expressions[0], renamed)
            if reads(values) == {previous}:
                name = source.alias
                column = source.args["alias"].columns[0].name
                item = exp.alias_(exp.Unnest(expressions=[values]), ident(name), copy=False)
                derived = exp.select(exp.Star(), item, copy=False).from_(out[-1], copy=False)
                out[-1] = derived.subquery(ident(previous), copy=False)
                renamed[name] = (column, previous)
                continue
        out.append(source)
    return out, renamed


def _rename_columns(tree: E, renamed: Renames) -> E:
    """A copy of ``tree`` where each folded unnest's ``"u"."v"`` reads ``"e"."u"``."""

    def rename(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table in renamed:
            column, holder = renamed[node.table]
            if node.name == column:
                return exp.column(node.table, table=holder, quoted=True)
        return node

    return t.cast(E, tree.transform(rename)) if renamed else tree


def reads(*trees: exp.Expr) -> set[str]:
    """The aliases the trees read: a column's table, or the alias itself used as a whole row."""
    return {column.table or column.name for tree in trees for column in tree.find_all(exp.Column)}


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def table(name: TableName, alias: str) -> exp.Table:
    return exp.Table(
        this=ident(name.name),
        db=ident(name.schema) if name.schema else None,
        alias=exp.TableAlias(this=ident(alias)),
    )


def unnest(values: exp.Expr, alias: str, column: str = "v") -> exp.Unnest:
    return exp.Unnest(
        expressions=[values],
        alias=exp.TableAlias(this=ident(alias), columns=[ident(column)]),
    )


def call(name: str, *args: exp.Expr) -> exp.Expr:
    """A DuckDB function call rendered as written (no dialect rewriting)."""
    return exp.Anonymous(this=name, expressions=list(args))


def conj(conds: Iterable[exp.Expr]) -> exp.Expr:
    items = list(conds)
    if not items:
        return exp.true()
    out = items[0]
    for item in items[1:]:
        out = exp.And(this=out, expression=item)
    return out


def coalesce_false(sql: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=sql, expressions=[exp.false()])


def pred(sql: exp.Expr, *, nullable: bool = True) -> SqlValue:
    """A computed condition."""
    return SqlValue(sql, BOOLEAN, nullable=nullable, predicate=True)


def exists(rel: Relation) -> SqlValue:
    """``EXISTS (...)``; for a linked relation ``outer IN (SELECT inner ...)``, which DuckDB runs
    as a plain semi-join (NULL when only NULL keys fail to match: a nullable predicate)."""
    per_item = _as_lambda(rel)
    if per_item is not None:
        return pred(per_item)
    if rel.link is not None:
        outer, inner = rel.link
        found = exp.In(this=outer, query=exp.Subquery(this=rel.select(inner, linked=False)))
        return pred(found)
    return pred(exp.Exists(this=rel.select(exp.Literal.number(1))), nullable=False)


def _as_lambda(rel: Relation) -> exp.Expr | None:
    """``EXISTS`` over the items of one SQL list as ``len(list_filter(list, LAMBDA x: ...)) > 0``
    when the condition has no subquery (DuckDB refuses subqueries in lambdas): a correlated
    subquery over ``UNNEST`` of a column is planned far worse (seconds on 200k events)."""
    if rel.link is not None or len(rel.sources) != 1:
        return None
    source = rel.sources[0]
    if not isinstance(source, exp.Unnest) or len(source.expressions) != 1:
        return None
    condition = conj(rel.conds)
    if condition.find(exp.Subquery, exp.Exists, exp.Select):
        return None
    alias = source.alias
    param = ident(alias)

    def to_param(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table == alias:
            return exp.column(alias, quoted=True)
        return node

    body = condition.transform(to_param)
    kept = call("list_filter", source.expressions[0], exp.Lambda(this=body, expressions=[param]))
    return exp.GT(this=call("len", kept), expression=exp.Literal.number(0))


def scalar_subquery(rel: Relation, column: exp.Expr, type_: SqlType) -> SqlValue:
    return SqlValue(exp.Subquery(this=rel.select(column)), type_)


def typed_null(type_: SqlType) -> exp.Expr:
    name = SQL_NAMES.get(type_.kind)
    return exp.cast(exp.Null(), name) if name else exp.Null()


def merge(outer: Relation, inner: Relation) -> Relation:
    """``inner`` evaluated per element of ``outer`` (it may refer to ``outer``'s aliases), as one
    flat relation (a lateral join) whose element is ``inner``'s."""
    link = inner.link_condition()
    if outer.link is not None and inner.link is not None and inner.link[0] == outer.link[0]:
        # both belong to the same profile: join them on their own columns (a plain equi-join)
        # rather than each on the profile (a correlation DuckDB plans far worse)
        link = (exp.EQ(this=inner.link[1], expression=outer.link[1]),)
    return Relation(
        outer.sources + inner.sources,
        outer.conds + link + inner.conds,
        inner.elem,
        outer.order + inner.order,
        outer.link,
    )
