"""The DuckDB side of the XDM declarations: column types and the DDL of the data tables
(`profiles`, `experience_events`, `segment_membership`) of the storage layout in the team
contract: one column per top-level field, XDM objects as STRUCTs, arrays as LISTs, `identityMap`
as MAP(VARCHAR, STRUCT(id VARCHAR, "primary" BOOLEAN)[]).
"""

from __future__ import annotations

from seg_mcp.sandbox.xdm.classes import (
    EVENT_PROFILE_COLUMN,
    EVENT_ROOT,
    EVENTS_TABLE,
    MEMBERSHIP_TABLE,
    PROFILE_ID_COLUMN,
    PROFILE_ROOT,
    PROFILES_TABLE,
)
from seg_mcp.sandbox.xdm.field import XdmField

_SCALAR_DUCKDB = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "date-time": "TIMESTAMP",
}


def quote_ident(name: str) -> str:
    """A DuckDB identifier, always double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def duckdb_type(f: XdmField, *, date_time: str = "TIMESTAMP") -> str:
    """The DuckDB type of a field (STRUCT keys are always quoted). `date_time` replaces the type
    of date-time leaves (loading reads them as TIMESTAMPTZ so that UTC offsets are applied)."""
    if f.type == "date-time":
        return date_time
    if f.type in _SCALAR_DUCKDB:
        return _SCALAR_DUCKDB[f.type]
    if f.type == "object":
        inner = ", ".join(
            f"{quote_ident(c.name)} {duckdb_type(c, date_time=date_time)}" for c in f.fields
        )
        return f"STRUCT({inner})"
    if f.type == "array":
        assert f.items is not None
        return f"{duckdb_type(f.items, date_time=date_time)}[]"
    if f.type == "map":
        assert f.values is not None
        return f"MAP(VARCHAR, {duckdb_type(f.values, date_time=date_time)})"
    raise ValueError(f"unknown XDM type {f.type!r}")


def profile_columns(profile: XdmField = PROFILE_ROOT) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of the profiles table, `_id` first."""
    return [(c.name, duckdb_type(c)) for c in profile.fields]


def event_columns(event: XdmField = EVENT_ROOT) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of the experience_events table: `_id`, `profile_id`,
    `timestamp`, `eventType`, then the other declared fields."""
    head = ["_id", "timestamp", "eventType"]
    cols = [
        ("_id", "VARCHAR"),
        (EVENT_PROFILE_COLUMN, "VARCHAR"),
        ("timestamp", "TIMESTAMP"),
        ("eventType", "VARCHAR"),
    ]
    cols += [(c.name, duckdb_type(c)) for c in event.fields if c.name not in head]
    return cols


def _table_ddl(
    qualified: str,
    columns: list[tuple[str, str]],
    *,
    pk: str | None = None,
    replace_table: bool = False,
) -> str:
    verb = "CREATE OR REPLACE TABLE" if replace_table else "CREATE TABLE IF NOT EXISTS"
    parts = []
    for name, typ in columns:
        suffix = " PRIMARY KEY" if name == pk else ""
        parts.append(f"{quote_ident(name)} {typ}{suffix}")
    return f"{verb} {qualified} (" + ", ".join(parts) + ")"


def qualified(schema: str | None, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}" if schema else quote_ident(table)


def profiles_ddl(
    schema: str | None, profile: XdmField = PROFILE_ROOT, *, replace_table: bool = False
) -> str:
    return _table_ddl(
        qualified(schema, PROFILES_TABLE),
        profile_columns(profile),
        pk=PROFILE_ID_COLUMN,
        replace_table=replace_table,
    )


def events_ddl(
    schema: str | None, event: XdmField = EVENT_ROOT, *, replace_table: bool = False
) -> str:
    return _table_ddl(
        qualified(schema, EVENTS_TABLE), event_columns(event), replace_table=replace_table
    )


def membership_ddl(schema: str | None) -> str:
    cols = [
        ("profile_id", "VARCHAR"),
        ("segment_id", "VARCHAR"),
        ("status", "VARCHAR"),
        ("last_qualification_time", "TIMESTAMP"),
    ]
    return _table_ddl(qualified(schema, MEMBERSHIP_TABLE), cols)


def data_tables_ddl(
    schema: str | None, profile: XdmField = PROFILE_ROOT, event: XdmField = EVENT_ROOT
) -> list[str]:
    """DDL of the three data tables of the contract layout, in `schema` (None: current schema).

    The compiler's tests create the layout with exactly these statements.
    """
    return [profiles_ddl(schema, profile), events_ddl(schema, event), membership_ddl(schema)]
