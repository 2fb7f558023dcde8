"""Fitting JSON values, or the types DuckDB infers from JSON, to a sandbox's XDM field tree.

`fit` checks a value against the declared field and says what the value adds: the declared field
where there is one, fields inferred from the value where there is none (strings, numbers, booleans,
objects, arrays; `null` says nothing). `xdm.merge` then grows the tree. A contradiction raises
`Mismatch` with the dotted path (array items and map values add no segment).

The same walk serves both passes of `seg_mcp.sandbox.load`: parsed lines (exact, with value checks:
dates, integer ranges), and DuckDB's inferred column types turned into stand-in values
(`from_duckdb_type`, `Typed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from duckdb.sqltypes import DuckDBPyType

from seg_mcp.sandbox import xdm

__all__ = ["FOUND", "Mismatch", "Typed", "fit", "fit_root", "from_duckdb_type", "join", "kind_of"]

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT_LIMITS = {"int": 2**31, "long": 2**63}


@dataclass(frozen=True)
class Typed:
    """Stands for any value of one kind (a type inferred by DuckDB, values unknown)."""

    kind: str


class Mismatch(Exception):
    """A value contradicts its field; `message` says where (dotted path) and how."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


FOUND = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "mixed": "values of different types",
}
_EXPECTED = {
    "string": "a string",
    "date": "a date (YYYY-MM-DD)",
    "date-time": "a date-time (ISO 8601, e.g. 2026-11-01T12:00:00Z)",
    "int": "an integer (int)",
    "long": "an integer (long)",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "map": "an object (a map)",
    "array": "an array",
}
_ACCEPTS = {
    "string": {"string"},
    "date": {"string"},
    "date-time": {"string"},
    "int": {"integer"},
    "long": {"integer"},
    "number": {"integer", "number"},
    "boolean": {"boolean"},
    "object": {"object"},
    "map": {"object"},
    "array": {"array"},
}
_INFERRED: dict[str, xdm.XdmType] = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
}
_DUCK_KINDS = {
    **dict.fromkeys(("varchar", "date", "time", "timestamp", "timestamp with time zone"), "string"),
    **dict.fromkeys(("tinyint", "smallint", "integer", "bigint", "hugeint"), "integer"),
    **dict.fromkeys(("utinyint", "usmallint", "uinteger", "ubigint", "uhugeint"), "integer"),
    **dict.fromkeys(("float", "double", "decimal"), "number"),
    "boolean": "boolean",
}


_KINDS: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    dict: "object",
    list: "array",
}


def kind_of(value: Any) -> str:
    """The JSON kind of a parsed value (json.loads makes exactly these types) or a `Typed`."""
    if isinstance(value, Typed):
        return value.kind
    return _KINDS.get(type(value), "mixed")


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _merge(base: xdm.XdmField, extra: xdm.XdmField, path: str) -> xdm.XdmField:
    try:
        return xdm.merge(base, extra, path)
    except xdm.FieldConflict as exc:
        raise Mismatch(
            f"{exc.path}: values of different types ({exc.declared} and {exc.found})"
        ) from None


def _check_name(name: str, path: str) -> None:
    if not _NAME_RE.match(name):
        raise Mismatch(
            f'{path}: "{name}" is not a valid field name (letters, digits and underscores, '
            "not starting with a digit)"
        )


def _check_case(names: dict[str, str], key: str, path: str, where: str) -> None:
    """Refuse ``key`` when ``names`` (lower case -> name) holds a name that differs from it only
    by case: XDM field names are case-sensitive, but the sandbox's tables (DuckDB) are not, so the
    two cannot both be stored, and merging them would rename one."""
    other = names.get(key.lower())
    if other is not None and other != key:
        raise Mismatch(
            f"{join(path, key)}: differs only by case from {join(path, other)} {where}; XDM "
            "field names are case-sensitive and the local sandbox cannot store both: rename one"
        )


def _check_scalar(value: Any, f: xdm.XdmField, path: str) -> None:
    """Value-level checks (a `Typed` has no value: DuckDB checks it when reading)."""
    try:
        if f.type == "date" and isinstance(value, str):
            date.fromisoformat(value)
        elif f.type == "date-time" and isinstance(value, str):
            datetime.fromisoformat(value)
    except ValueError:
        raise Mismatch(f'{path}: "{value}" is not {_EXPECTED[f.type]}') from None
    limit = _INT_LIMITS.get(f.type)
    if limit and isinstance(value, int) and not -limit <= value < limit:
        raise Mismatch(f"{path}: {value} is out of range for {_EXPECTED[f.type]}")


def fit(value: Any, f: xdm.XdmField | None, name: str, path: str) -> xdm.XdmField | None:
    """What `value` (a parsed JSON value, or `Typed` stand-ins) adds to the declared field `f`
    (None: no field yet): None when nothing, else a field of the same type holding only the new
    parts, for `xdm.merge`. Raises `Mismatch` naming the path when the value contradicts `f`."""
    kind = kind_of(value)
    if kind == "null":
        return None
    if f is None:
        return _infer(value, kind, name, path)
    if kind == "mixed" and f.type in ("object", "map", "array"):
        return None  # `{}` or `[]` next to values: DuckDB's typed read checks the structure
    if kind not in _ACCEPTS[f.type]:
        raise Mismatch(f"{path}: found {FOUND[kind]}, but the field is {_EXPECTED[f.type]}")
    if f.type == "object":
        kids = []
        declared = {c.name.lower(): c.name for c in f.fields}
        given: dict[str, str] = {}
        for key, item in value.items():
            child = f.child(key)
            if child is None:
                _check_name(key, join(path, key))
                _check_case(declared, key, path, "(declared, or on an earlier line)")
            _check_case(given, key, path, "on the same line")
            given[key.lower()] = key
            got = fit(item, child, key, join(path, key))
            if got is not None:
                kids.append(got)
        return xdm.XdmField(f.name, "object", fields=tuple(kids)) if kids else None
    if f.type in ("map", "array"):
        inner = f.values if f.type == "map" else f.items
        assert inner is not None
        pairs = value.items() if f.type == "map" else ((None, item) for item in value)
        new: xdm.XdmField | None = None
        for key, item in pairs:
            got = fit(item, inner, inner.name, path if key is None else join(path, key))
            if got is not None:
                new = got if new is None else _merge(new, got, path)
        if new is None:
            return None
        return replace(f, values=new) if f.type == "map" else replace(f, items=new)
    _check_scalar(value, f, path)
    return None


def _infer(value: Any, kind: str, name: str, path: str) -> xdm.XdmField | None:
    if kind in _INFERRED:
        return xdm.XdmField(name, _INFERRED[kind])
    if kind == "object":
        kids = []
        given: dict[str, str] = {}
        for key, item in value.items():
            _check_name(key, join(path, key))
            _check_case(given, key, path, "on the same line")
            given[key.lower()] = key
            got = fit(item, None, key, join(path, key))
            if got is not None:
                kids.append(got)
        return xdm.XdmField(name, "object", fields=tuple(kids)) if kids else None
    if kind == "array":
        items: xdm.XdmField | None = None
        for item in value:
            got = fit(item, None, "items", path)
            if got is not None:
                items = got if items is None else _merge(items, got, path)
        return xdm.XdmField(name, "array", items=items) if items else None
    raise Mismatch(f"{path}: values of different types")


def fit_root(root: xdm.XdmField, obj: dict[str, Any]) -> xdm.XdmField:
    got = fit(obj, root, root.name, "")
    return root if got is None else _merge(root, got, "")


def from_duckdb_type(t: DuckDBPyType) -> Any:
    """A DuckDB type inferred by `read_json` as a value for `fit`."""
    if str(t) == "JSON":
        return Typed("mixed")
    if t.id == "struct":
        return {
            name: from_duckdb_type(child)
            for name, child in t.children
            if isinstance(child, DuckDBPyType)
        }
    if t.id == "list":
        return [from_duckdb_type(t.child)]
    if t.id == "null":
        return None
    return Typed(_DUCK_KINDS.get(t.id, "mixed"))
