"""XDM field declarations of the local sandbox, and the DuckDB DDL derived from them.

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

Pure data and functions: no I/O, nothing imported from the rest of seg_mcp.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

XdmType = Literal[
    "string", "int", "long", "number", "boolean", "date", "date-time", "object", "array", "map"
]

PROFILE_CLASS_ID = "https://ns.adobe.com/xdm/context/profile"
EVENT_CLASS_ID = "https://ns.adobe.com/xdm/context/experienceevent"
PROFILE_UNION_ID = PROFILE_CLASS_ID + "__union"
EVENT_UNION_ID = EVENT_CLASS_ID + "__union"

PROFILES_TABLE = "profiles"
EVENTS_TABLE = "experience_events"
MEMBERSHIP_TABLE = "segment_membership"
PROFILE_ID_COLUMN = "_id"
EVENT_PROFILE_COLUMN = "profile_id"
EVENT_TIMESTAMP_COLUMN = "timestamp"
EVENT_TYPE_COLUMN = "eventType"

_SCALAR_DUCKDB = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "date-time": "TIMESTAMP",
}

_SCALAR_JSON: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "int": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
    "long": {"type": "integer", "minimum": -9007199254740992, "maximum": 9007199254740992},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


@dataclass(frozen=True)
class XdmField:
    """One XDM field: a scalar, an object (with `fields`), an array (of `items`) or a map (of
    `values`, keys are strings)."""

    name: str
    type: XdmType
    title: str = ""
    description: str = ""
    fields: tuple[XdmField, ...] = ()
    items: XdmField | None = None
    values: XdmField | None = None
    enum: tuple[str, ...] = ()
    format: str | None = None  # extra JSON Schema format for strings: "email", "uri", ...

    def child(self, name: str) -> XdmField | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def _s(
    name: str,
    description: str = "",
    *,
    enum: tuple[str, ...] = (),
    fmt: str | None = None,
    title: str = "",
) -> XdmField:
    return XdmField(name, "string", title=title, description=description, enum=enum, format=fmt)


def _obj(name: str, description: str, *fields: XdmField, title: str = "") -> XdmField:
    return XdmField(name, "object", title=title, description=description, fields=fields)


def _measure(name: str, description: str) -> XdmField:
    return _obj(
        name, description, XdmField("value", "number", description="The quantity measured.")
    )


IDENTITY_ITEM = _obj(
    "items",
    "One identity of the profile in this namespace.",
    _s("id", "The identity value, e.g. an ECID or an email address."),
    XdmField(
        "primary", "boolean", description="Whether this is the primary identity of the record."
    ),
)

PROFILE_FIELDS: tuple[XdmField, ...] = (
    _s("_id", "Unique identifier of the profile record.", title="Identifier"),
    XdmField(
        "identityMap",
        "map",
        title="Identity map",
        description="Identities of the profile keyed by namespace (ECID, Email, CRMID, ...).",
        values=XdmField("values", "array", items=IDENTITY_ITEM),
    ),
    _obj(
        "person",
        "An individual actor, contact, or owner.",
        _obj(
            "name",
            "The full name of the person.",
            _s("firstName", "The first (given) name."),
            _s("lastName", "The last (family) name."),
            _s("fullName", "The full name, as it is written."),
        ),
        XdmField("birthDate", "date", description="The full date a person was born."),
        XdmField("birthYear", "int", description="The year a person was born."),
        _s(
            "gender",
            "Gender identity of the person.",
            enum=("male", "female", "not_specified", "non_specific"),
        ),
        title="Person",
    ),
    _obj(
        "homeAddress",
        "A postal address of the person's home.",
        _s("street1", "The primary street level information."),
        _s("city", "The name of the city."),
        _s("stateProvince", "The state or province, e.g. CA."),
        _s("postalCode", "The postal code of the location."),
        _s("countryCode", "The two-character ISO 3166-1 alpha-2 code of the country."),
        _s("country", "The name of the country."),
        title="Home address",
    ),
    _obj(
        "workAddress",
        "A postal address of the person's workplace.",
        _s("city", "The name of the city."),
        _s("stateProvince", "The state or province."),
        _s("countryCode", "The two-character ISO 3166-1 alpha-2 code of the country."),
        _s("country", "The name of the country."),
        title="Work address",
    ),
    _obj(
        "personalEmail",
        "A personal email address.",
        _s("address", "The email address.", fmt="email"),
        _s("status", "The state of the address.", enum=("active", "incomplete", "blacklisted")),
        title="Personal email",
    ),
    _obj(
        "mobilePhone",
        "The mobile phone number.",
        _s("number", "The phone number."),
        title="Mobile phone",
    ),
    _obj(
        "loyalty",
        "Loyalty program details.",
        _s("loyaltyID", "The loyalty program identifier."),
        _s("tier", "The loyalty tier.", enum=("bronze", "silver", "gold", "platinum")),
        XdmField("points", "number", description="The current points balance."),
        XdmField("joinDate", "date", description="The date the person joined the program."),
        title="Loyalty",
    ),
    _obj(
        "_repo",
        "System metadata of the record.",
        XdmField("createDate", "date-time", description="When the record was created."),
        XdmField("modifyDate", "date-time", description="When the record was last modified."),
    ),
)

PRODUCT_LIST_ITEM = _obj(
    "items",
    "A product of the event.",
    _s("SKU", "Stock keeping unit of the product."),
    _s("name", "Display name of the product."),
    XdmField("quantity", "int", description="Number of units."),
    XdmField("priceTotal", "number", description="Total price of the line."),
    _s("currencyCode", "ISO 4217 currency code of the price."),
)

EVENT_FIELDS: tuple[XdmField, ...] = (
    _s("_id", "Unique identifier of the event."),
    XdmField("timestamp", "date-time", description="The time the event happened (UTC)."),
    _s(
        "eventType",
        "The primary event type of the record.",
        enum=(
            "web.webpagedetails.pageViews",
            "commerce.productViews",
            "commerce.productListAdds",
            "commerce.checkouts",
            "commerce.purchases",
            "directMarketing.emailOpened",
            "directMarketing.emailClicked",
        ),
    ),
    _obj(
        "web",
        "Web details of the event.",
        _obj(
            "webPageDetails",
            "Details of the web page viewed.",
            _s("name", "Name of the page."),
            _s("URL", "URL of the page.", fmt="uri"),
            XdmField("isHomePage", "boolean", description="Whether the page is the home page."),
            _measure("pageViews", "A view of the page."),
        ),
        _obj(
            "webReferrer", "The referrer of the page view.", _s("URL", "Referrer URL.", fmt="uri")
        ),
    ),
    _obj(
        "commerce",
        "Commerce details of the event.",
        _obj(
            "order",
            "The order placed.",
            XdmField("priceTotal", "number", description="Total price of the order."),
            _s("currencyCode", "ISO 4217 currency code of the order."),
            _s("purchaseID", "Unique identifier of the purchase."),
        ),
        _measure("purchases", "An order was accepted."),
        _measure("productViews", "A product was viewed."),
        _measure("productListAdds", "A product was added to the cart."),
        _measure("checkouts", "A checkout was started."),
    ),
    XdmField(
        "productListItems",
        "array",
        description="The products of the event.",
        items=PRODUCT_LIST_ITEM,
    ),
    _obj(
        "channel",
        "The marketing channel of the event.",
        _s("_id", "Channel identifier URI."),
        _s("_type", "Channel type URI."),
        _s("mediaType", "Media type: owned, earned or paid."),
    ),
    _obj(
        "device",
        "The device of the event.",
        _s("type", "Device type: mobile, tablet, desktop."),
        _s("manufacturer", "Device manufacturer."),
        _s("model", "Device model."),
    ),
    _obj(
        "marketing",
        "Marketing attribution of the event.",
        _s("trackingCode", "Campaign tracking code."),
        _s("campaignName", "Name of the campaign."),
    ),
    _obj(
        "directMarketing",
        "Direct marketing (email) details.",
        _measure("opens", "An email was opened."),
        _measure("clicks", "A link in an email was clicked."),
    ),
)

PROFILE_ROOT = XdmField("profile", "object", title="XDM Individual Profile", fields=PROFILE_FIELDS)
EVENT_ROOT = XdmField("experienceevent", "object", title="XDM ExperienceEvent", fields=EVENT_FIELDS)


# ---------------------------------------------------------------------------------------------
# DuckDB types and DDL


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


# ---------------------------------------------------------------------------------------------
# Schema Registry JSON (xed-full shape)


def field_json_schema(f: XdmField) -> dict[str, Any]:
    """The resolved (`xed-full`) JSON Schema of one field."""
    out: dict[str, Any] = {}
    if f.title:
        out["title"] = f.title
    if f.description:
        out["description"] = f.description
    if f.type in _SCALAR_JSON:
        out.update(_SCALAR_JSON[f.type])
        if f.format and f.type == "string":
            out["format"] = f.format
        if f.enum:
            out["enum"] = list(f.enum)
    elif f.type == "object":
        out["type"] = "object"
        out["properties"] = {c.name: field_json_schema(c) for c in f.fields}
    elif f.type == "array":
        assert f.items is not None
        out["type"] = "array"
        out["items"] = field_json_schema(f.items)
    elif f.type == "map":
        assert f.values is not None
        out["type"] = "object"
        out["additionalProperties"] = field_json_schema(f.values)
    out["meta:xdmType"] = f.type
    return out


def union_schema(root: XdmField, class_id: str) -> dict[str, Any]:
    """A union schema as Schema Registry returns it with
    `Accept: application/vnd.adobe.xed-full+json;version=1` (`$ref`s and `allOf` resolved)."""
    union_id = class_id + "__union"
    alt = "_" + class_id.removeprefix("https://ns.adobe.com/").replace("/", ".") + "__union"
    return {
        "$id": union_id,
        "meta:altId": alt,
        "meta:resourceType": "unions",
        "version": "1.0",
        "title": f"Union object for {class_id}",
        "type": "object",
        "description": f"Union view of all schemas that extend {class_id}",
        "meta:class": class_id,
        "meta:containerId": "tenant",
        "meta:extends": [class_id],
        "meta:xdmType": "object",
        "properties": {c.name: field_json_schema(c) for c in root.fields},
        "meta:registryMetadata": {},
    }


def field_from_json_schema(name: str, js: dict[str, Any]) -> XdmField:
    """Inverse of `field_json_schema` (used to persist merged trees as JSON)."""
    xdm = js.get("meta:xdmType")
    desc = str(js.get("description", ""))
    title = str(js.get("title", ""))
    if xdm == "map" or (
        js.get("type") == "object" and "additionalProperties" in js and "properties" not in js
    ):
        return XdmField(
            name,
            "map",
            title=title,
            description=desc,
            values=field_from_json_schema("values", js["additionalProperties"]),
        )
    if xdm == "object" or js.get("type") == "object":
        kids = tuple(field_from_json_schema(k, v) for k, v in js.get("properties", {}).items())
        return XdmField(name, "object", title=title, description=desc, fields=kids)
    if xdm == "array" or js.get("type") == "array":
        return XdmField(
            name,
            "array",
            title=title,
            description=desc,
            items=field_from_json_schema("items", js.get("items", {})),
        )
    if xdm in _SCALAR_DUCKDB:
        typ = xdm
    else:
        typ = {"integer": "long", "number": "number", "boolean": "boolean"}.get(
            str(js.get("type")), "string"
        )
        if js.get("format") == "date-time":
            typ = "date-time"
        elif js.get("format") == "date":
            typ = "date"
    fmt = js.get("format") if typ == "string" else None
    return XdmField(
        name,
        typ,
        title=title,
        description=desc,  # type: ignore[arg-type]
        enum=tuple(js.get("enum", ())),
        format=fmt,
    )


def root_from_union_schema(js: dict[str, Any], name: str) -> XdmField:
    kids = tuple(field_from_json_schema(k, v) for k, v in js.get("properties", {}).items())
    return XdmField(name, "object", title=str(js.get("title", "")), fields=kids)


# ---------------------------------------------------------------------------------------------
# Merging fields found in loaded data


class FieldConflict(ValueError):
    """A loaded value's type contradicts the declared (or earlier inferred) type of its path."""

    def __init__(self, path: str, declared: str, found: str) -> None:
        super().__init__(f"{path}: declared as {declared}, found {found}")
        self.path, self.declared, self.found = path, declared, found


_WIDEN = {
    ("int", "long"): "long",
    ("long", "int"): "long",
    ("int", "number"): "number",
    ("number", "int"): "number",
    ("long", "number"): "number",
    ("number", "long"): "number",
}


def merge(base: XdmField, extra: XdmField, path: str = "") -> XdmField:
    """`base` extended with what `extra` has and `base` lacks. Numbers widen to the wider type
    (int < long < number); a declared date or date-time keeps its type when the data holds
    strings; any other disagreement raises FieldConflict."""
    here = path or base.name
    if base.type != extra.type:
        widened = _WIDEN.get((base.type, extra.type))
        if widened is None:
            # A string read from JSON may hold a date or timestamp declared as such.
            if base.type in ("date", "date-time") and extra.type == "string":
                return base
            raise FieldConflict(here, base.type, extra.type)
        return replace(base, type=widened)  # type: ignore[arg-type]
    if base.type == "object":
        kids = list(base.fields)
        for e in extra.fields:
            idx = next((i for i, k in enumerate(kids) if k.name == e.name), None)
            sub = f"{here}.{e.name}" if path else e.name
            if idx is None:
                kids.append(e)
            else:
                kids[idx] = merge(kids[idx], e, sub)
        return replace(base, fields=tuple(kids))
    if base.type == "array" and base.items and extra.items:
        return replace(base, items=merge(base.items, extra.items, here + "[]"))
    if base.type == "map" and base.values and extra.values:
        return replace(base, values=merge(base.values, extra.values, here + "{}"))
    return base


def iter_paths(root: XdmField, prefix: str = "") -> Iterator[tuple[str, XdmField]]:
    """Every (dotted path, field) under `root`, objects included, not descending into arrays
    or maps."""
    for f in root.fields:
        p = f"{prefix}.{f.name}" if prefix else f.name
        yield p, f
        if f.type == "object":
            yield from iter_paths(f, p)


def lookup(root: XdmField, path: str) -> XdmField | None:
    node: XdmField | None = root
    for part in path.split("."):
        if node is None or node.type != "object":
            return None
        node = node.child(part)
    return node


def names(fields: Iterable[XdmField]) -> list[str]:
    return [f.name for f in fields]
