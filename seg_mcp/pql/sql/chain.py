"""``chain(xEvent, timestamp, [A: WHAT(...) WHERE(...) WHEN(...) COUNT(n), B: ...])``.

True iff there are events e1, e2, ... of the profile with strictly increasing chain timestamps,
event i satisfying step i (``WHAT`` and ``WHERE`` with the event in scope, ``WHEN`` on its
timestamp, possibly relative to an earlier step's label). Compiled as one semi-join of the
profile with a self-join of the event table, one alias per step, each later step joined to the
first on the profile column and ordered after the previous one.

``COUNT(n)`` (at least n matching events, the next step following the last of them): the event
chosen for the step is the n-th matching one after the previous step, i.e. an event e such that at
least n events match the step with timestamps after the previous step's and up to e's. A later
``WHEN(... A)`` relative to a counted step ``A`` is relative to that last (n-th) event. Events with
no chain timestamp never take part.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.sql import timewindow
from seg_mcp.pql.sql.errors import UnsupportedQuery, cannot
from seg_mcp.pql.sql.values import Relation, SqlValue, exists, ident, merge, reads

if t.TYPE_CHECKING:
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["chain"]


def chain(compiler: Compiler, node: a.Chain, scope: Scope) -> SqlValue:
    if not isinstance(node.source, a.XEvent):
        raise UnsupportedQuery("chain() over something other than xEvent", node.source)
    if not node.steps:
        raise cannot("chain() without steps", node)
    joined: Relation | None = None
    after: exp.Expr | None = None
    for step in node.steps:
        owner = None if joined is None else joined.link[1] if joined.link else None
        rel, ts = _step(compiler, node, step, after, scope, owner)
        joined = rel if joined is None else merge(joined, rel)
        scope = scope.bind(step.label, rel.elem).bind_time(step.label, ts)
        after = ts
    assert joined is not None
    return exists(joined)


def _matching(
    compiler: Compiler,
    node: a.Chain,
    step: a.ChainStep,
    after: exp.Expr | None,
    scope: Scope,
    owner: exp.Expr | None,
) -> tuple[Relation, exp.Expr]:
    """The events (of ``owner``'s profile) matching ``step`` after the instant ``after``, and
    their chain timestamp."""
    rel = compiler.events(owner)
    inner = scope.push(rel.elem)
    stamp = compiler.val(node.timestamp, inner)
    ts = timewindow.timestamp_of(compiler, stamp, node.timestamp)
    if ts is None:
        raise cannot("the chain's timestamp field does not exist", node.timestamp)
    conds: list[exp.Expr] = [exp.Not(this=exp.Is(this=ts, expression=exp.Null()))]
    if after is not None:
        conds.append(exp.GT(this=ts, expression=after))
    conds.append(compiler.test(step.what, inner).sql)
    if step.where is not None:
        conds.append(compiler.test(step.where, inner).sql)
    if step.when is not None:
        conds.append(timewindow.window(compiler, ts, step.when, scope))
    return rel.where(*conds), ts


def _step(
    compiler: Compiler,
    node: a.Chain,
    step: a.ChainStep,
    after: exp.Expr | None,
    scope: Scope,
    owner: exp.Expr | None,
) -> tuple[Relation, exp.Expr]:
    rel, ts = _matching(compiler, node, step, after, scope, owner)
    if step.count is not None and step.count > 1 and after is None and _self_contained(rel):
        return _ranked(compiler, rel, ts, step.count), ts
    if step.count is not None and step.count > 1:
        same_profile = rel.link[1] if rel.link else None
        counted, counted_ts = _matching(compiler, node, step, after, scope, same_profile)
        counted = counted.where(exp.LTE(this=counted_ts, expression=ts))
        how_many = exp.Subquery(this=counted.select(exp.Count(this=exp.Star())))
        rel = rel.where(exp.GTE(this=how_many, expression=exp.Literal.number(step.count)))
    return rel, ts


def _self_contained(rel: Relation) -> bool:
    """Whether the step's conditions read only its own event (no profile, no other alias)."""
    (source,) = rel.sources
    return reads(*rel.conds) <= {source.alias_or_name}


def _ranked(compiler: Compiler, rel: Relation, ts: exp.Expr, count: int) -> Relation:
    """The first step's n-th matching events, by a running count over the matching events (a
    window, one pass) instead of a count per event (a self-join): 2 s -> 0.9 s at 1M profiles."""
    (source,) = rel.sources
    alias = source.alias_or_name
    assert rel.link is not None
    running = exp.Window(
        this=exp.Count(this=exp.Star()),
        partition_by=[rel.link[1]],
        order=exp.Order(expressions=[exp.Ordered(this=ts)]),
        spec=exp.WindowSpec(
            kind="RANGE", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"
        ),
    )
    matching = rel.select(exp.Star(), exp.alias_(running, ident("n#"), copy=False), linked=False)
    ranked = exp.column("n#", table=alias, quoted=True)
    enough = exp.GTE(this=ranked, expression=exp.Literal.number(count))
    return Relation(
        (matching.subquery(ident(alias), copy=False),), (enough,), rel.elem, rel.order, rel.link
    )
