"""``chain(xEvent, timestamp, [A: WHAT(...) WHERE(...) WHEN(...) COUNT(n), B: ...])``.

True iff there are events e1, e2, ... of the profile with strictly increasing chain timestamps,
event i satisfying step i (``WHAT`` and ``WHERE`` with the event in scope, ``WHEN`` on its
timestamp, possibly relative to an earlier step's label). Compiled as nested correlated
``EXISTS``: step i+1 is searched among the events after step i's.

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
from seg_mcp.pql.sql.values import Rel, Val, exists, pred

if t.TYPE_CHECKING:
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["chain"]


def chain(c: Compiler, node: a.Chain, scope: Scope) -> Val:
    if not isinstance(node.source, a.XEvent):
        raise UnsupportedQuery("chain() over something other than xEvent", node.source)
    if not node.steps:
        raise cannot("chain() without steps", node)
    return pred(_from_step(c, node, 0, None, scope), nullable=False)


def _matching(
    c: Compiler, node: a.Chain, step: a.ChainStep, after: exp.Expr | None, scope: Scope
) -> tuple[Rel, exp.Expr, Scope]:
    """The events matching ``step`` after the instant ``after``, their chain timestamp, and the
    scope with the event in it."""
    rel = c.events()
    inner = scope.push(rel.elem)
    stamp = c.val(node.timestamp, inner)
    ts = timewindow.timestamp_of(c, stamp, node.timestamp)
    if ts is None:
        raise cannot("the chain's timestamp field does not exist", node.timestamp)
    conds: list[exp.Expr] = [exp.Not(this=exp.Is(this=ts, expression=exp.Null()))]
    if after is not None:
        conds.append(exp.GT(this=ts, expression=after))
    conds.append(c.test(step.what, inner).sql)
    if step.where is not None:
        conds.append(c.test(step.where, inner).sql)
    if step.when is not None:
        conds.append(timewindow.window(c, ts, step.when, scope))
    return rel.where(*conds), ts, inner


def _from_step(
    c: Compiler, node: a.Chain, index: int, after: exp.Expr | None, scope: Scope
) -> exp.Expr:
    step = node.steps[index]
    rel, ts, _inner = _matching(c, node, step, after, scope)
    if step.count is not None and step.count > 1:
        counted, counted_ts, _ = _matching(c, node, step, after, scope)
        counted = counted.where(exp.LTE(this=counted_ts, expression=ts))
        how_many = exp.Subquery(this=counted.select(exp.Count(this=exp.Star())))
        rel = rel.where(exp.GTE(this=how_many, expression=exp.Literal.number(step.count)))
    if index + 1 < len(node.steps):
        later = scope.bind(step.label, rel.elem).bind_time(step.label, ts)
        rel = rel.where(_from_step(c, node, index + 1, ts, later))
    return exists(rel).sql
