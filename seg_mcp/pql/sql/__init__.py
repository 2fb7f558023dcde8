"""PQL to SQL: compile a :class:`seg_mcp.pql.ast.Query` into sqlglot expression trees for DuckDB.

Pure functions, no I/O. The caller describes its tables with a :class:`Layout` (see
``types.py``) and gives the evaluation instant ``now`` (naive UTC); the result is a sqlglot
``SELECT`` over the profile table aliased ``"p#"``. Every identifier is quoted and every user
value is a sqlglot literal node.

* :func:`condition`: the per-profile condition (a boolean SQL expression over ``"p#"``).
* :func:`members`: ``SELECT "p#"."_id" FROM profiles AS "p#" WHERE <condition>``.
* :func:`count`: ``SELECT count(*) ...`` of the same.

Both take ``sample_percent`` to evaluate a deterministic sample of the profiles (those whose
``hash(_id)`` falls in the first ``sample_percent`` of the hash space); :func:`sample_size`
counts that sample. A construct the compiler cannot evaluate raises :class:`UnsupportedQuery`.

Semantics are those of ``seg_mcp/pql/ast.py``; where it leaves a choice open, the compiler (and
the reference evaluator in tests/sandbox/refeval.py) decide:

* a projection through an array (``xEvent.commerce.order.priceTotal``) is the list of the
  *defined* values, arrays flattened (``xEvent.productListItems.SKU``);
* a predicate on an array (comparison, ``in``, string test, ``occurs``) holds when it holds for
  some element; ``notIn`` needs a defined value and an array, and ignores items that are missing
  or cannot compare; text meeting a number, boolean or timestamp is cast (TRY_CAST: text that is
  not one compares false);
* ``arr.count(expr)`` counts the elements for which ``expr`` holds (is true or defined);
* a field the tables do not have reads as missing; so does an impossible ``date()`` from data;
* ``chain`` ``COUNT(n)``: n matching events after the previous step (ties allowed among them),
  the step's event being the n-th; a later ``WHEN(... A)`` is relative to that event; events
  without timestamp never take part;
* ``topN``/``bottomN`` rank the elements whose value is defined; ties keep the array's order.

Not supported yet (:class:`UnsupportedQuery`): a function whose declaration has no SQL
(``seg_mcp/pql/functions/``: each function's SQL, and what it refuses, is there),
``topN``/``bottomN`` with a computed count, object literals, parameters other than ``$1``,
lambdas with several parameters (but ``map`` over a map's entries), ``chain`` over anything but
``xEvent``, regular expressions with look-around, back-references or atomic groups (DuckDB uses
RE2).
"""

from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.sql.compiler import Compiler
from seg_mcp.pql.sql.errors import UnsupportedQuery
from seg_mcp.pql.sql.types import Layout, SqlType, TableName, list_of, map_of, struct_of
from seg_mcp.pql.sql.values import PROFILE_ALIAS, call, table

__all__ = [
    "PROFILE_ALIAS",
    "Layout",
    "SqlType",
    "TableName",
    "UnsupportedQuery",
    "condition",
    "count",
    "list_of",
    "map_of",
    "members",
    "sample_size",
    "struct_of",
]

_SAMPLE_BUCKETS = 1_000_000


def condition(query: a.Query, layout: Layout, *, now: datetime) -> exp.Expr:
    """The condition a profile row ``"p#"`` satisfies iff it qualifies for ``query``."""
    return Compiler(layout, now).condition(query)


def _profile_id(layout: Layout) -> exp.Column:
    return exp.column(layout.profile_id, table=PROFILE_ALIAS, quoted=True)


def _sample(layout: Layout, percent: float) -> exp.Expr:
    if not 0 < percent <= 100:
        raise ValueError(f"sample_percent must be in (0, 100], got {percent}")
    bucket = exp.Mod(
        this=call("hash", _profile_id(layout)),
        expression=exp.Literal.number(_SAMPLE_BUCKETS),
    )
    limit = round(percent / 100 * _SAMPLE_BUCKETS)
    return exp.LT(this=bucket, expression=exp.Literal.number(limit))


def _from_profiles(
    layout: Layout, column: exp.Expr, where: exp.Expr | None, sample: float | None
) -> exp.Select:
    query = exp.select(column, copy=False).from_(table(layout.profiles, PROFILE_ALIAS), copy=False)
    if sample is not None:
        query = query.where(_sample(layout, sample), copy=False)
    if where is not None:
        query = query.where(where, copy=False)
    return query


def members(
    query: a.Query, layout: Layout, *, now: datetime, sample_percent: float | None = None
) -> exp.Select:
    """``SELECT "p#"."<profile_id>"`` of the qualifying profiles (unordered)."""
    return _from_profiles(
        layout, _profile_id(layout), condition(query, layout, now=now), sample_percent
    )


def count(
    query: a.Query, layout: Layout, *, now: datetime, sample_percent: float | None = None
) -> exp.Select:
    """``SELECT count(*)`` of the qualifying profiles (in the sample, if one is asked for)."""
    return _from_profiles(
        layout, exp.Count(this=exp.Star()), condition(query, layout, now=now), sample_percent
    )


def sample_size(layout: Layout, sample_percent: float) -> exp.Select:
    """``SELECT count(*)`` of the profiles in the sample :func:`count` evaluates."""
    return _from_profiles(layout, exp.Count(this=exp.Star()), None, sample_percent)
