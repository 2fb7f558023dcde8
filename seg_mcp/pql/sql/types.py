"""What the compiler knows about the tables it reads: their names and the SQL type of every field.

The compiler is pure: whoever calls it describes the storage with a :class:`Layout` (qualified
table names, column names, and the row types of the profile and event tables as :class:`SqlType`
trees). The sandbox builds one from its DuckDB tables; tests may build one by hand.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

__all__ = [
    "BOOLEAN",
    "DATE",
    "DOUBLE",
    "INTEGER",
    "NULL",
    "STRING",
    "TIMESTAMP",
    "Layout",
    "SqlType",
    "TableName",
    "list_of",
    "map_of",
    "struct_of",
]

Kind = t.Literal[
    "string",
    "integer",
    "double",
    "boolean",
    "date",
    "timestamp",
    "struct",
    "list",
    "map",
    "null",
    "other",
]


@dataclass(frozen=True, slots=True)
class SqlType:
    """The type of a SQL value: a scalar ``kind``, a struct (``fields``), a list (``item``) or a
    map from strings (``item`` is the value type). ``null`` is the type of a field the schema does
    not have (always NULL); ``other`` is a scalar the compiler cannot reason about."""

    kind: Kind
    fields: tuple[tuple[str, SqlType], ...] = ()
    item: SqlType | None = None

    def field(self, name: str) -> SqlType | None:
        """The type of struct field ``name``, or ``None`` if this is not a struct having it."""
        for key, value in self.fields:
            if key == name:
                return value
        return None

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("integer", "double")

    @property
    def is_temporal(self) -> bool:
        return self.kind in ("date", "timestamp")

    @property
    def is_scalar(self) -> bool:
        return self.kind not in ("struct", "list", "map")

    def describe(self) -> str:
        """Plain words for messages: ``"text"``, ``"number"``, ``"array of object"``."""
        if self.kind == "list":
            return "array of " + (self.item.describe() if self.item else "values")
        return _WORDS.get(self.kind, self.kind)


_WORDS = {
    "string": "text",
    "integer": "number",
    "double": "number",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "struct": "object",
    "map": "map",
    "null": "missing value",
    "other": "value",
}

STRING = SqlType("string")
INTEGER = SqlType("integer")
DOUBLE = SqlType("double")
BOOLEAN = SqlType("boolean")
DATE = SqlType("date")
TIMESTAMP = SqlType("timestamp")
NULL = SqlType("null")

SQL_NAMES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
"""DuckDB type names of the scalar kinds (for casts)."""


def struct_of(**fields: SqlType) -> SqlType:
    return SqlType("struct", fields=tuple(fields.items()))


def list_of(item: SqlType) -> SqlType:
    return SqlType("list", item=item)


def map_of(value: SqlType) -> SqlType:
    return SqlType("map", item=value)


@dataclass(frozen=True, slots=True)
class TableName:
    """A table, optionally in a schema."""

    name: str
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    """The storage the compiled SQL reads (the sandbox's contract layout, see
    ``seg_mcp/sandbox/xdm/ddl.py``): a profile table with one column per top-level XDM field, a flat
    event table (one row per event, linked to its profile by ``event_profile``), and a membership
    table (``profile_id``, ``segment_id``, ``status``).

    ``profile`` and ``event`` are the row types: structs whose fields are the tables' columns
    (the event's link column excluded). A field missing from them reads as NULL."""

    profiles: TableName
    events: TableName
    membership: TableName
    profile: SqlType
    event: SqlType
    profile_id: str = "_id"
    event_profile: str = "profile_id"
    membership_profile: str = "profile_id"
    membership_segment: str = "segment_id"
    membership_status: str = "status"
    member_statuses: tuple[str, ...] = ("realized", "existing")
