"""The Schema Registry side of the XDM declarations: union schemas as JSON Schema in the
`xed-full` shape (with `meta:xdmType`), which `seg_mcp.pql.catalog_from_xdm_schemas` turns into a
field catalog, and back (merged field trees are persisted as JSON).
"""

from __future__ import annotations

from typing import Any

from seg_mcp.sandbox.xdm.field import SCALAR_TYPES, XdmField, XdmType

_SCALAR_JSON: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "int": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
    "long": {"type": "integer", "minimum": -9007199254740992, "maximum": 9007199254740992},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}
#: The XDM type of a field declared by its JSON type alone.
_JSON_TYPES: dict[str, XdmType] = {"integer": "long", "number": "number", "boolean": "boolean"}


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
    typ: XdmType
    if isinstance(xdm, str) and xdm in SCALAR_TYPES:
        typ = SCALAR_TYPES[xdm]
    else:
        typ = _JSON_TYPES.get(str(js.get("type")), "string")
        if js.get("format") == "date-time":
            typ = "date-time"
        elif js.get("format") == "date":
            typ = "date"
    fmt = js.get("format") if typ == "string" else None
    return XdmField(
        name,
        typ,
        title=title,
        description=desc,
        enum=tuple(js.get("enum", ())),
        format=fmt,
    )


def root_from_union_schema(js: dict[str, Any], name: str) -> XdmField:
    kids = tuple(field_from_json_schema(k, v) for k, v in js.get("properties", {}).items())
    return XdmField(name, "object", title=str(js.get("title", "")), fields=kids)
