"""`XdmField`: one field of an XDM class (scalar, object, array or map), and operations on trees of
them: walking paths, looking a path up, and merging the fields found in loaded data.

Pure data and functions: no I/O, nothing imported from the rest of seg_mcp.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

XdmType = Literal[
    "string", "int", "long", "number", "boolean", "date", "date-time", "object", "array", "map"
]
#: The scalar XDM types, by name.
SCALAR_TYPES: dict[str, XdmType] = {
    "string": "string",
    "int": "int",
    "long": "long",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "date-time": "date-time",
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


# -- merging fields found in loaded data --------------------------------------------------------


class FieldConflict(ValueError):
    """A loaded value's type contradicts the declared (or earlier inferred) type of its path."""

    def __init__(self, path: str, declared: str, found: str) -> None:
        super().__init__(f"{path}: declared as {declared}, found {found}")
        self.path, self.declared, self.found = path, declared, found


_WIDEN: dict[tuple[XdmType, XdmType], XdmType] = {
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
        return replace(base, type=widened)
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
