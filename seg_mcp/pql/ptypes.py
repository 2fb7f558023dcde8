"""Coarse value types of PQL expressions (:class:`PType`), as the field checker infers them.

A type is a *kind* (``string``, ``number``, ``boolean``, ``timestamp``, ``object``, ``array``,
``map``, ``any``), the type of the items for an array and of the values for a map, and, for a
value read from a catalogued place, where it sits: ``root`` (``"profile"``/``"event"``) and
``path`` (the catalog path, ``""`` for the root object itself) plus the :class:`FieldInfo` it
was read from. An ``any`` with a ``root`` is "somewhere under this path, shape unknown" (no
catalog, or a catalog that does not know the root): field paths still extend through it, so the
analysis can report them.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from seg_mcp.pql.catalog import NUMERIC_TYPES, TEMPORAL_TYPES, FieldCatalog, FieldInfo, FieldRoot

__all__ = [
    "ANY",
    "BOOLEAN",
    "NUMBER",
    "STRING",
    "TIMESTAMP",
    "Kind",
    "PType",
    "array_of",
    "field_table",
]

Kind = t.Literal["string", "number", "boolean", "timestamp", "object", "array", "map", "any"]
"""The coarse kinds of PQL values (what the checker can tell apart)."""


@dataclass(frozen=True, slots=True)
class PType:
    kind: Kind
    item: PType | None = None
    root: FieldRoot | None = None
    path: str = ""
    info: FieldInfo | None = None

    @property
    def element(self) -> PType:
        """What iterating over this value gives: the items of an array, the values of a map,
        the value itself otherwise (an ``any`` keeps its place, so paths extend through it)."""
        if self.kind in ("array", "map"):
            return self.item or ANY
        return self

    @property
    def scalar(self) -> PType:
        """The item type of an array (projections compare item-wise), else the type itself."""
        if self.kind == "array":
            return (self.item or ANY).scalar
        return self

    def words(self) -> str:
        """``a string``, ``an array of number``, ``a map``: for messages."""
        text = self._bare()
        return ("an " if text[0] in "aeiou" else "a ") + text

    def _bare(self) -> str:
        if self.kind == "array":
            return (
                f"array of {self.item._bare()}"
                if self.item and self.item.kind != "any"
                else "array"
            )
        if self.kind == "any":
            return "value"
        return self.kind


ANY = PType("any")
STRING = PType("string")
NUMBER = PType("number")
BOOLEAN = PType("boolean")
TIMESTAMP = PType("timestamp")


def array_of(item: PType) -> PType:
    """An array of ``item`` (projecting through nested arrays keeps one level)."""
    return item if item.kind == "array" else PType("array", item=item)


def _kind_of(xdm_type: str) -> Kind:
    if xdm_type in NUMERIC_TYPES:
        return "number"
    if xdm_type in TEMPORAL_TYPES:
        return "timestamp"
    if xdm_type in ("string", "boolean", "object"):
        return t.cast(Kind, xdm_type)
    return "any"


def _type_of(info: FieldInfo, root: FieldRoot) -> PType:
    value = PType(_kind_of(info.xdm_type), root=root, path=info.path, info=info)
    if info.is_array:
        value = PType("array", item=value, root=root, path=info.path, info=info)
    if info.is_map:
        value = PType("map", item=value, root=root, path=info.path, info=info)
    return value


Table = dict[str, PType]

_tables: dict[int, tuple[FieldCatalog, Table, Table]] = {}


def field_table(catalog: FieldCatalog) -> tuple[Table, Table]:
    """``path -> PType`` for the profile and the event root, computed once per catalog object."""
    cached = _tables.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1], cached[2]
    profile = {info.path: _type_of(info, "profile") for info in catalog.profile}
    events = {info.path: _type_of(info, "event") for info in catalog.events}
    if len(_tables) >= 16:
        _tables.clear()
    _tables[id(catalog)] = (catalog, profile, events)
    return profile, events


NUMERIC: frozenset[Kind] = frozenset({"number"})
TEMPORAL: frozenset[Kind] = frozenset({"timestamp"})
STRINGS: frozenset[Kind] = frozenset({"string"})
SCALARS: frozenset[Kind] = frozenset({"string", "number", "boolean", "timestamp"})
KIND_WORDS: dict[str, str] = {
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "timestamp": "a timestamp (date or date-time)",
    "object": "an object",
    "array": "an array",
    "map": "a map",
}
OCCURS_HINT = "occurs tests when a timestamp lies; compare other values with = < >"
