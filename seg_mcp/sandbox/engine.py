"""The evaluation engine: PQL queries run for real on a sandbox's DuckDB tables.

Synchronous functions over a DuckDB cursor; callers run them in worker threads
(``store.db.read``/``aread``, or inside a ``write`` for INSERT ... SELECT). ``query`` is a
:class:`seg_mcp.pql.ast.Query`, ``info`` the sandbox, ``now`` the evaluation instant (naive UTC:
``store.now(info)``).

* :func:`count` -> int: the number of qualifying profiles; with ``sample_percent`` the number in
  a deterministic sample of about that share of the profiles, whose size :func:`sample_size`
  gives (estimate = count * total profiles / sample size).
* :func:`member_ids` -> list[str]: the qualifying profile ``_id``\\ s, ordered by ``_id``, paged.
* :func:`members_sql` -> str: a DuckDB ``SELECT`` of the qualifying ``_id``\\ s (one column named
  like the profile id column, unordered) to embed in ``INSERT ... SELECT`` or
  ``COPY (...) TO``. It needs the cursor (keyword ``cur``) to read the tables' field types.
* :class:`UnsupportedQuery` (a ValueError) is raised for a construct the compiler does not
  support yet, with its position, before any query runs; never a wrong answer.

The tables' types are read from the database on each call (a ``LIMIT 0`` query, ~1 ms), so
fields merged in by a load are always seen; a field the tables do not have reads as missing.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

import duckdb
from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql import sql
from seg_mcp.pql.sql import Layout, SqlType, TableName, UnsupportedQuery
from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.store import SandboxInfo

__all__ = [
    "UnsupportedQuery",
    "count",
    "layout_of",
    "member_ids",
    "members_sql",
    "sample_size",
]

DuckType = duckdb.sqltypes.DuckDBPyType

_INTEGERS = {
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "hugeint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "uhugeint",
}
_SCALARS: dict[str, SqlType] = {
    "varchar": SqlType("string"),
    "float": SqlType("double"),
    "double": SqlType("double"),
    "decimal": SqlType("double"),
    "boolean": SqlType("boolean"),
    "date": SqlType("date"),
    "timestamp": SqlType("timestamp"),
    "timestamp_s": SqlType("timestamp"),
    "timestamp_ms": SqlType("timestamp"),
    "timestamp_ns": SqlType("timestamp"),
}


def sql_type(typ: DuckType) -> SqlType:
    """The compiler's view of a DuckDB column type."""
    kind = typ.id
    if kind in ("struct", "list", "array", "map"):
        children = [(str(name), t.cast(DuckType, child)) for name, child in typ.children]
        if kind == "struct":
            return SqlType("struct", fields=tuple((n, sql_type(c)) for n, c in children))
        return SqlType("map" if kind == "map" else "list", item=sql_type(children[-1][1]))
    if kind in _INTEGERS:
        return SqlType("integer")
    return _SCALARS.get(kind) or SqlType("other")


def _row_type(cur: Cursor, table: str, skip: str | None = None) -> SqlType:
    description = cur.execute(f"SELECT * FROM {table} LIMIT 0").description or []
    fields = tuple((d[0], sql_type(d[1])) for d in description if d[0] != skip)
    return SqlType("struct", fields=fields)


def layout_of(cur: Cursor, info: SandboxInfo) -> Layout:
    """The sandbox's tables and their current field types."""
    return Layout(
        profiles=TableName(xdm.PROFILES_TABLE, info.schema),
        events=TableName(xdm.EVENTS_TABLE, info.schema),
        membership=TableName(xdm.MEMBERSHIP_TABLE, info.schema),
        profile=_row_type(cur, info.table(xdm.PROFILES_TABLE)),
        event=_row_type(cur, info.table(xdm.EVENTS_TABLE), skip=xdm.EVENT_PROFILE_COLUMN),
        profile_id=xdm.PROFILE_ID_COLUMN,
        event_profile=xdm.EVENT_PROFILE_COLUMN,
    )


def _render(statement: exp.Expr) -> str:
    return statement.sql(dialect="duckdb")


def _scalar(cur: Cursor, statement: exp.Expr) -> int:
    row = cur.execute(_render(statement)).fetchone()
    return int(row[0]) if row else 0


def count(
    cur: Cursor,
    info: SandboxInfo,
    query: a.Query,
    *,
    now: datetime,
    sample_percent: float | None = None,
) -> int:
    """The number of qualifying profiles (in the sample when ``sample_percent`` is given)."""
    statement = sql.count(query, layout_of(cur, info), now=now, sample_percent=sample_percent)
    return _scalar(cur, statement)


def sample_size(cur: Cursor, info: SandboxInfo, sample_percent: float) -> int:
    """The number of profiles in the sample that ``count(..., sample_percent=p)`` evaluates."""
    return _scalar(cur, sql.sample_size(layout_of(cur, info), sample_percent))


def member_ids(
    cur: Cursor,
    info: SandboxInfo,
    query: a.Query,
    *,
    now: datetime,
    limit: int | None = None,
    offset: int = 0,
) -> list[str]:
    """The qualifying profiles' ids in ``_id`` order, from ``offset``, at most ``limit``."""
    layout = layout_of(cur, info)
    statement = sql.members(query, layout, now=now)
    statement = statement.order_by(
        exp.column(layout.profile_id, table=sql.PROFILE_ALIAS, quoted=True)
    )
    if limit is not None:
        statement = statement.limit(max(0, limit))
    if offset:
        statement = statement.offset(max(0, offset))
    return [row[0] for row in cur.execute(_render(statement)).fetchall()]


def members_sql(info: SandboxInfo, query: a.Query, *, now: datetime, cur: Cursor) -> str:
    """A DuckDB SELECT of the qualifying profile ids (unordered)."""
    return _render(sql.members(query, layout_of(cur, info), now=now))
