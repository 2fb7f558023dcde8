"""XDM field declarations of the local sandbox, and what is derived from them.

One tree of `XdmField`s per class (XDM Individual Profile, XDM ExperienceEvent) is the single
source of three things that must agree:

* the DuckDB tables (`profiles`, `experience_events`, `segment_membership`) of the storage layout
  in the team contract: one column per top-level field, XDM objects as STRUCTs, arrays as LISTs,
  `identityMap` as MAP(VARCHAR, STRUCT(id VARCHAR, "primary" BOOLEAN)[]);
* the Schema Registry union schemas the sandbox serves (JSON Schema, `xed-full` shape, with
  `meta:xdmType`), which `seg_mcp.pql.catalog_from_xdm_schemas` turns into a field catalog;
* the validation of loaded JSON lines.

Fields found in loaded data that are not declared are merged into the tree (`merge`), so the
tables, the served schemas and the PQL field check keep describing the same fields.

Modules: `field` (XdmField, walking and merging trees), `classes` (the two classes' declarations,
table and column names), `ddl` (DuckDB types and DDL), `schema` (Schema Registry JSON). Everything
is re-exported here: `from seg_mcp.sandbox import xdm; xdm.PROFILE_ROOT`. Pure data and
functions: no I/O, nothing imported from the rest of seg_mcp.
"""

from __future__ import annotations

from seg_mcp.sandbox.xdm.classes import (
    EVENT_CLASS_ID,
    EVENT_FIELDS,
    EVENT_PROFILE_COLUMN,
    EVENT_ROOT,
    EVENT_TIMESTAMP_COLUMN,
    EVENT_TYPE_COLUMN,
    EVENT_UNION_ID,
    EVENTS_TABLE,
    IDENTITY_ITEM,
    MEMBERSHIP_TABLE,
    PRODUCT_LIST_ITEM,
    PROFILE_CLASS_ID,
    PROFILE_FIELDS,
    PROFILE_ID_COLUMN,
    PROFILE_ROOT,
    PROFILE_UNION_ID,
    PROFILES_TABLE,
)
from seg_mcp.sandbox.xdm.ddl import (
    data_tables_ddl,
    duckdb_type,
    event_columns,
    events_ddl,
    membership_ddl,
    profile_columns,
    profiles_ddl,
    qualified,
    quote_ident,
)
from seg_mcp.sandbox.xdm.field import (
    SCALAR_TYPES,
    FieldConflict,
    XdmField,
    XdmType,
    iter_paths,
    lookup,
    merge,
    names,
)
from seg_mcp.sandbox.xdm.schema import (
    field_from_json_schema,
    field_json_schema,
    root_from_union_schema,
    union_schema,
)

__all__ = [
    "EVENTS_TABLE",
    "EVENT_CLASS_ID",
    "EVENT_FIELDS",
    "EVENT_PROFILE_COLUMN",
    "EVENT_ROOT",
    "EVENT_TIMESTAMP_COLUMN",
    "EVENT_TYPE_COLUMN",
    "EVENT_UNION_ID",
    "IDENTITY_ITEM",
    "MEMBERSHIP_TABLE",
    "PRODUCT_LIST_ITEM",
    "PROFILES_TABLE",
    "PROFILE_CLASS_ID",
    "PROFILE_FIELDS",
    "PROFILE_ID_COLUMN",
    "PROFILE_ROOT",
    "PROFILE_UNION_ID",
    "SCALAR_TYPES",
    "FieldConflict",
    "XdmField",
    "XdmType",
    "data_tables_ddl",
    "duckdb_type",
    "event_columns",
    "events_ddl",
    "field_from_json_schema",
    "field_json_schema",
    "iter_paths",
    "lookup",
    "membership_ddl",
    "merge",
    "names",
    "profile_columns",
    "profiles_ddl",
    "qualified",
    "quote_ident",
    "root_from_union_schema",
    "union_schema",
]
