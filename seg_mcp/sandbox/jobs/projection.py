"""The `fields` of an export job as SELECT expressions over the profile row (alias `p`).

`fields` is a comma-separated list of dot paths of the profile union schema. Paths keep their
nesting: `person.name.lastName,loyalty.tier` selects a `person` STRUCT holding only
`name.lastName` and a `loyalty` STRUCT holding only `tier`; a path through an array of objects
projects every item (`list_transform`). A path the schema does not have, or one that descends
into a scalar or a map, is a 400 naming it. `_id` is always exported (first).
"""

from __future__ import annotations

from typing import Any

from seg_mcp.sandbox import errors, xdm
from seg_mcp.sandbox.errors import bad_request

WHOLE = "*"


def _q(name: str) -> str:
    return xdm.quote_ident(name)


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def projection(root: xdm.XdmField, fields: str | None) -> list[str]:
    """SELECT expressions over profile alias `p` for `fields` (None: every field). 400 naming
    a path the profile schema does not have."""
    if not fields or not fields.strip():
        return ['p.* EXCLUDE ("_id")']
    tree: dict[str, Any] = {}
    for raw in fields.split(","):
        parts = [p.strip() for p in raw.strip().split(".")]
        if not raw.strip():
            continue
        if any(not p for p in parts):
            raise bad_request(f"fields: {raw.strip()!r} is not a dot path.", code=errors.VALIDATION)
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
        node[WHOLE] = True
    out = []
    for name, sub in tree.items():
        if name == "_id":
            continue
        f = root.child(name)
        if f is None:
            known = ", ".join(c.name for c in root.fields)
            raise bad_request(
                f"fields: {name!r} is not a field of the profile union schema. Top-level "
                f"fields: {known}.",
                code=errors.VALIDATION,
            )
        out.append(f"{_expr(f, sub, f'p.{_q(name)}', name, 0)} AS {_q(name)}")
    return out


def _expr(f: xdm.XdmField, sub: dict[str, Any], ref: str, path: str, depth: int) -> str:
    if sub.get(WHOLE):
        return ref
    if f.type == "object":
        parts = []
        for name, child_sub in sub.items():
            child = f.child(name)
            if child is None:
                raise bad_request(
                    f"fields: {path}.{name} is not a field of the profile union schema "
                    f"({path} has: {', '.join(c.name for c in f.fields)}).",
                    code=errors.VALIDATION,
                )
            inner = _expr(child, child_sub, f"struct_extract({ref}, {literal(name)})", path, depth)
            parts.append(f"{literal(name)}: {inner}")
        return "{" + ", ".join(parts) + "}"
    if f.type == "array" and f.items is not None and f.items.type == "object":
        var = f"x{depth}"
        return f"list_transform({ref}, lambda {var}: {_expr(f.items, sub, var, path, depth + 1)})"
    raise bad_request(
        f"fields: {path} is a {f.type} field; it can only be exported whole.",
        code=errors.VALIDATION,
    )
