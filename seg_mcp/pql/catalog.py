"""The field catalog: which fields exist, with which XDM type, for profiles and for events.

A :class:`FieldCatalog` is plain data (a pydantic model, JSON in and out) so that any source can
produce one: Adobe's Schema Registry union schemas through :func:`catalog_from_xdm_schemas`, the
local sandbox's own schemas the same way, or a hand-written JSON file (``seg-mcp pql check
--fields``) / :meth:`FieldCatalog.from_types` in tests.

Paths
=====
A field's ``path`` is its dotted name from its root, without the root: ``homeAddress.countryCode``
(profile), ``commerce.order.priceTotal`` (event). Two roots: ``profile`` (XDM Individual Profile
union) and ``event`` (XDM ExperienceEvent union, reached in PQL through ``xEvent``).

Array items and map values add no path segment: the items of ``productListItems`` (an array of
objects) have fields ``productListItems.SKU``, ``productListItems.quantity``; the values of
``identityMap`` (a map from namespace to arrays of identity objects) have fields
``identityMap.id``, ``identityMap.primary``. A :class:`FieldInfo` therefore describes the *leaf
value*: ``xdm_type`` is the type of the items for an array and of the values for a map, and the
flags say what wraps it (``is_map`` outermost, then ``is_array``):

============================  ==========  ========  ======  =========
field                         xdm_type    is_array  is_map  is_object
============================  ==========  ========  ======  =========
``homeAddress``               object      no        no      yes
``homeAddress.countryCode``   string      no        no      no
``person.favoriteColors``     string      yes       no      no
``productListItems``          object      yes       no      yes
``identityMap``               object      yes       yes     yes
``segmentMembership``         object      no        yes     yes
``timestamp`` (event)         date-time   no        no      no
============================  ==========  ========  ======  =========

An array of arrays keeps ``is_array`` once (the innermost item type wins); XDM schemas of the
profile and event unions do not use them.

``xdm_type`` is one of :data:`XDM_TYPES` (the ``meta:xdmType`` vocabulary): ``string``, ``int``,
``long``, ``short``, ``byte``, ``number`` (double), ``boolean``, ``date``, ``date-time``,
``object``.
"""

from __future__ import annotations

import difflib
import typing as t
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

__all__ = [
    "NUMERIC_TYPES",
    "TEMPORAL_TYPES",
    "XDM_TYPES",
    "FieldCatalog",
    "FieldInfo",
    "FieldRoot",
    "XdmType",
    "catalog_from_xdm_schemas",
]

XdmType = t.Literal[
    "string", "int", "long", "short", "byte", "number", "boolean", "date", "date-time", "object"
]
XDM_TYPES: tuple[str, ...] = t.get_args(XdmType)
NUMERIC_TYPES: frozenset[str] = frozenset({"int", "long", "short", "byte", "number"})
TEMPORAL_TYPES: frozenset[str] = frozenset({"date", "date-time"})

FieldRoot = t.Literal["profile", "event"]

_MAX_DEPTH = 40


class FieldInfo(BaseModel):
    """One field of a catalog root (see the module docstring for what the flags mean)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(description="Dotted path from the root, e.g. 'homeAddress.countryCode'.")
    xdm_type: XdmType = Field(description="XDM type of the value (of the items/values if wrapped).")
    is_array: bool = False
    is_map: bool = False
    is_object: bool = Field(default=False, description="Always xdm_type == 'object'.")
    title: str | None = None
    description: str | None = None
    enum: tuple[str, ...] | None = Field(
        default=None, description="Allowed values when the schema declares an enumeration."
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_is_object(cls, data: t.Any) -> t.Any:
        if isinstance(data, dict) and "xdm_type" in data:
            data = {**data, "is_object": data["xdm_type"] == "object"}
        return data

    @property
    def name(self) -> str:
        """The last path segment."""
        return self.path.rpartition(".")[2]

    @property
    def is_numeric(self) -> bool:
        return self.xdm_type in NUMERIC_TYPES

    @property
    def is_temporal(self) -> bool:
        return self.xdm_type in TEMPORAL_TYPES

    def describe_type(self) -> str:
        """Plain words: ``"string"``, ``"array of object"``, ``"map of array of object"``."""
        text: str = self.xdm_type
        if self.is_array:
            text = f"array of {text}"
        if self.is_map:
            text = f"map of {text}"
        return text


class FieldCatalog(BaseModel):
    """The fields of the profile root and of the experience-event root.

    JSON shape (also the ``--fields`` file format of ``seg-mcp pql check``)::

        {"profile": [{"path": "homeAddress", "xdm_type": "object"},
                     {"path": "homeAddress.countryCode", "xdm_type": "string"}],
         "events":  [{"path": "timestamp", "xdm_type": "date-time"}]}

    Every proper prefix of a listed path must itself be listed (as an object, array or map);
    lookups are exact and case-sensitive, as in PQL.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: tuple[FieldInfo, ...] = ()
    events: tuple[FieldInfo, ...] = ()

    _index: dict[str, dict[str, FieldInfo]] = PrivateAttr(default_factory=dict)
    _children: dict[str, dict[str, list[FieldInfo]]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_and_index(self) -> FieldCatalog:
        for root, infos in (("profile", self.profile), ("event", self.events)):
            index: dict[str, FieldInfo] = {}
            kids: dict[str, list[FieldInfo]] = {}
            for info in infos:
                if not info.path or any(not part for part in info.path.split(".")):
                    raise ValueError(f"{root} field path {info.path!r} has an empty segment")
                if info.path in index:
                    raise ValueError(f"{root} field {info.path!r} is listed twice")
                index[info.path] = info
            for info in infos:
                parent, _, _ = info.path.rpartition(".")
                if parent:
                    owner = index.get(parent)
                    if owner is None:
                        raise ValueError(
                            f"{root} field {info.path!r} is listed but its parent {parent!r} is not"
                        )
                    if not owner.is_object:
                        raise ValueError(
                            f"{root} field {info.path!r} has a parent {parent!r} that is "
                            f"{owner.describe_type()}, not an object"
                        )
                kids.setdefault(parent, []).append(info)
            self._index[root] = index
            self._children[root] = kids
        return self

    # -- constructors ----------------------------------------------------------------------

    @classmethod
    def from_types(
        cls,
        profile: Mapping[str, str] | None = None,
        events: Mapping[str, str] | None = None,
    ) -> FieldCatalog:
        """Build a catalog from ``path -> type`` shorthand; missing parents become objects.

        Types: an XDM type (``"string"``, ``"long"``, ``"date-time"``, ``"object"``, ...), with
        ``[]`` for an array (``"string[]"``, ``"object[]"``) and ``map<...>`` for a map
        (``"map<string>"``, ``"map<object[]>"``)::

            FieldCatalog.from_types(
                profile={"homeAddress.countryCode": "string", "person.birthYear": "int"},
                events={"timestamp": "date-time", "productListItems.SKU": "string"},
            )
        """
        return cls(
            profile=tuple(_infos_from_types(profile or {})),
            events=tuple(_infos_from_types(events or {})),
        )

    # -- lookups ---------------------------------------------------------------------------

    def get(self, root: FieldRoot, path: str) -> FieldInfo | None:
        """The field at ``path`` under ``root``, or ``None``."""
        return self._index[root].get(path)

    def fields(self, root: FieldRoot) -> tuple[FieldInfo, ...]:
        return self.profile if root == "profile" else self.events

    def children(self, root: FieldRoot, path: str = "") -> tuple[FieldInfo, ...]:
        """Direct sub-fields of the object (or array items / map values) at ``path``;
        ``path=""`` gives the top-level fields."""
        return tuple(self._children[root].get(path, ()))

    def is_empty(self, root: FieldRoot | None = None) -> bool:
        if root is None:
            return not self.profile and not self.events
        return not self.fields(root)

    def suggest(self, root: FieldRoot, path: str, limit: int = 3) -> list[str]:
        """The existing paths closest to a path that does not exist, best first.

        Looks first among the siblings under the longest existing prefix (``homeAddress.country``
        -> ``homeAddress.countryCode``), then across every path of the root (a field placed
        under the wrong parent)."""
        index = self._index[root]
        parts = path.split(".")
        prefix_len = 0
        while prefix_len < len(parts) and ".".join(parts[: prefix_len + 1]) in index:
            prefix_len += 1
        parent = ".".join(parts[:prefix_len])
        wrong = parts[prefix_len] if prefix_len < len(parts) else ""
        rest = parts[prefix_len + 1 :]
        found: list[str] = []

        def add(candidate: str) -> None:
            if candidate in found or candidate == path or path.startswith(candidate + "."):
                return
            found.append(candidate)

        siblings = {info.name: info.path for info in self.children(root, parent)}
        lowered = {name.lower(): name for name in siblings}
        if wrong.lower() in lowered:
            add(_join(siblings[lowered[wrong.lower()]], rest, index))
        for name in difflib.get_close_matches(wrong, list(siblings), n=limit, cutoff=0.6):
            add(_join(siblings[name], rest, index))
        for name in siblings:
            if wrong and len(wrong) >= 3 and (name.startswith(wrong) or wrong in name):
                add(_join(siblings[name], rest, index))
        if len(found) < limit:
            by_last: dict[str, list[str]] = {}
            for candidate in index:
                by_last.setdefault(candidate.rpartition(".")[2].lower(), []).append(candidate)
            last = parts[-1].lower()
            for candidate in sorted(by_last.get(last, ()), key=len):
                add(candidate)
            for name in difflib.get_close_matches(last, list(by_last), n=limit, cutoff=0.75):
                for candidate in sorted(by_last[name], key=len):
                    add(candidate)
            for candidate in difflib.get_close_matches(path, list(index), n=limit, cutoff=0.7):
                add(candidate)
        return found[:limit]


def _join(base: str, rest: list[str], index: Mapping[str, FieldInfo]) -> str:
    """Re-attach the remaining segments when they exist under the corrected base."""
    if rest:
        candidate = ".".join([base, *rest])
        if candidate in index:
            return candidate
    return base


def _infos_from_types(types: Mapping[str, str]) -> Iterable[FieldInfo]:
    out: dict[str, FieldInfo] = {}
    for path, spec in types.items():
        parts = path.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in out and parent not in types:
                out[parent] = FieldInfo(path=parent, xdm_type="object")
        out[path] = _info_from_spec(path, spec)
    return sorted(out.values(), key=lambda info: info.path.count("."))


def _info_from_spec(path: str, spec: str) -> FieldInfo:
    text = spec.strip()
    is_map = text.startswith("map<") and text.endswith(">")
    if is_map:
        text = text[4:-1].strip()
    is_array = text.endswith("[]")
    if is_array:
        text = text[:-2].strip()
    if text not in XDM_TYPES:
        raise ValueError(f"unknown type {spec!r} for {path!r}; use one of {', '.join(XDM_TYPES)}")
    return FieldInfo(path=path, xdm_type=t.cast(XdmType, text), is_array=is_array, is_map=is_map)


# ---------------------------------------------------------------------------------------------
# Schema Registry JSON Schema -> catalog
# ---------------------------------------------------------------------------------------------


def catalog_from_xdm_schemas(
    profile_schema: Mapping[str, t.Any], event_schema: Mapping[str, t.Any] | None = None
) -> FieldCatalog:
    """Build a catalog from Schema Registry schemas (JSON Schema with XDM extensions).

    Meant for the union schemas ``https://ns.adobe.com/xdm/context/profile__union`` and
    ``.../experienceevent__union`` fetched with ``Accept:
    application/vnd.adobe.xed-full+json;version=1``, but any XDM JSON Schema works. Reads
    ``properties`` recursively, ``items`` of arrays, ``additionalProperties`` of maps
    (``meta:xdmType: "map"``), ``meta:xdmType`` (else ``type`` + ``format: date-time``/``date``),
    ``title``, ``description``, ``enum``/``meta:enum``. It also merges ``allOf`` members and
    follows local ``$ref`` (``#/definitions/...``) for schemas that are not fully expanded;
    references to other documents are skipped. A ``xdm:`` prefix on property names is dropped.
    Pure function: no I/O.
    """
    return FieldCatalog(
        profile=tuple(_fields_of(profile_schema)),
        events=tuple(_fields_of(event_schema)) if event_schema else (),
    )


def _fields_of(document: Mapping[str, t.Any]) -> list[FieldInfo]:
    out: dict[str, FieldInfo] = {}
    _walk_properties(document, document, "", out, 0)
    return list(out.values())


def _deref(node: t.Any, document: Mapping[str, t.Any], depth: int = 0) -> dict[str, t.Any]:
    """Resolve a local ``$ref`` and merge ``allOf`` into one schema dict."""
    if not isinstance(node, Mapping) or depth > _MAX_DEPTH:
        return {}
    merged: dict[str, t.Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: t.Any = document
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, Mapping) else None
        merged.update(_deref(target, document, depth + 1))
    for member in node.get("allOf") or ():
        resolved = _deref(member, document, depth + 1)
        props = {**merged.get("properties", {}), **resolved.get("properties", {})}
        merged.update(resolved)
        if props:
            merged["properties"] = props
    own = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
    if "properties" in own and "properties" in merged:
        own["properties"] = {**merged["properties"], **own["properties"]}
    merged.update(own)
    return merged


def _walk_properties(
    schema: Mapping[str, t.Any],
    document: Mapping[str, t.Any],
    prefix: str,
    out: dict[str, FieldInfo],
    depth: int,
) -> None:
    resolved = _deref(schema, document)
    properties = resolved.get("properties")
    if not isinstance(properties, Mapping) or depth > _MAX_DEPTH:
        return
    for raw_name, raw_child in properties.items():
        name = str(raw_name).removeprefix("xdm:")
        if not name or "." in name:
            continue
        path = f"{prefix}.{name}" if prefix else name
        _add_field(raw_child, document, path, out, depth + 1)


def _add_field(
    raw: t.Any, document: Mapping[str, t.Any], path: str, out: dict[str, FieldInfo], depth: int
) -> None:
    node = _deref(raw, document)
    if not node:
        return
    is_array = False
    is_map = False
    title = node.get("title") if isinstance(node.get("title"), str) else None
    description = node.get("description") if isinstance(node.get("description"), str) else None
    if _xdm_kind(node) == "map":
        is_map = True
        value = node.get("additionalProperties")
        node = _deref(value, document) if isinstance(value, Mapping) else {"type": "string"}
    for _ in range(4):  # unwrap arrays (of arrays)
        if _xdm_kind(node) != "array":
            break
        is_array = True
        node = _deref(node.get("items"), document) or {"type": "string"}
    kind = _xdm_kind(node)
    xdm_type = kind if kind in XDM_TYPES else "string"
    enum_values = node.get("enum")
    enum: tuple[str, ...] | None = None
    if isinstance(enum_values, list) and enum_values:
        enum = tuple(str(v) for v in enum_values)
    elif isinstance(node.get("meta:enum"), Mapping) and node["meta:enum"]:
        enum = tuple(str(v) for v in node["meta:enum"])
    out[path] = FieldInfo(
        path=path,
        xdm_type=t.cast(XdmType, xdm_type),
        is_array=is_array,
        is_map=is_map,
        title=title,
        description=description,
        enum=enum,
    )
    if xdm_type == "object":
        _walk_properties(node, document, path, out, depth)


_JSON_TYPE_TO_XDM = {
    "integer": "long",
    "number": "number",
    "boolean": "boolean",
    "object": "object",
}


def _xdm_kind(node: Mapping[str, t.Any]) -> str:
    xdm = node.get("meta:xdmType")
    if isinstance(xdm, str):
        if xdm in ("int", "integer"):
            return "int"
        if xdm == "double":
            return "number"
        return xdm
    json_type = node.get("type")
    if isinstance(json_type, list):
        json_type = next((x for x in json_type if x != "null"), "string")
    if (
        json_type == "object"
        and "properties" not in node
        and isinstance(node.get("additionalProperties"), Mapping)
    ):
        return "map"
    if json_type == "array":
        return "array"
    if json_type == "string":
        fmt = node.get("format")
        if fmt == "date-time":
            return "date-time"
        if fmt == "date":
            return "date"
        return "string"
    if json_type is None and "properties" in node:
        return "object"
    return _JSON_TYPE_TO_XDM.get(str(json_type), "string")
