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


def projection(root: xdm.XdmField, fields: str | None, alias: str = "p") -> list[str]:
    """SELECT expressions over the row alias `alias` (a profile `p`, or an event) for `fields`
    (None: every field). 400 naming a path the schema does not have."""
    if not fields or not fields.strip():
        return [f'{alias}.* EXCLUDE ("_id")']
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
        out.append(f"{_expr(f, sub, f'{alias}.{_q(name)}', name, 0)} AS {_q(name)}")
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


# -- what Adobe computes and the sandbox derives (see jobs/exports.py) -------------------------

#: Adobe's computed profile field listing a profile's identities.
IDENTITIES = "identities"
IDENTITY_PARTS = ("", "id", "namespace", "namespace.code")


def profile_select(root: xdm.XdmField, fields: str | None) -> list[str]:
    """SELECT expressions (profile alias `p`) of the columns `fields` asks for; `identities`,
    unless the schema has such a field, is the profile's `identityMap` as
    `[{id, namespace: {code}}]` (`identities.id`: the ids only)."""
    paths = [f.strip() for f in (fields or "").split(",") if f.strip()]
    computed = root.child(IDENTITIES) is None
    ident = [f for f in paths if computed and f.split(".")[0] == IDENTITIES]
    rest = [f for f in paths if f not in ident]
    select = projection(root, ",".join(rest)) if rest or not ident else []
    if ident:
        parts: dict[str, str] = {}
        for path in ident:
            sub = path.partition(".")[2]
            if sub not in IDENTITY_PARTS:
                raise bad_request(
                    f"fields: {path} is not a field of identities (id, namespace.code).",
                    code=errors.VALIDATION,
                )
            if sub in ("", "id"):
                parts["id"] = "'id': i.id"
            if sub != "id":
                parts["namespace"] = "'namespace': {'code': e.key}"
        item = "{" + ", ".join(parts.values()) + "}"
        select.append(
            'flatten(list_transform(map_entries(p."identityMap"), lambda e: '
            f'list_transform(e.value, lambda i: {item}))) AS "{IDENTITIES}"'
        )
    return select


def ingested_since(root: xdm.XdmField, since: str | None) -> str | None:
    """The profile condition of `filter.fromIngestTimestamp` at `since` (ISO time): a profile's
    ingestion time is `_repo.modifyDate`: kept when later (Adobe: `greater_than`) or missing.
    None: no condition."""
    repo = root.child("_repo")
    if since is None or repo is None or repo.child("modifyDate") is None:
        return None
    return (
        f'(p."_repo" IS NULL OR p."_repo".modifyDate IS NULL OR '
        f'p."_repo".modifyDate > TIMESTAMP {literal(since)})'
    )


def event_list(
    root: xdm.XdmField, fields: str | None, start: str | None, end: str | None
) -> dict[str, Any]:
    """How to build an export's `eventList` column: the event columns (`_id`, `timestamp` and
    the known paths of `fields`; the whole event when none is known) and the time window."""
    known = [
        f.strip()
        for f in (fields or "").split(",")
        if f.strip() and f.strip() not in ("_id", "timestamp") and _resolves(root, f.strip())
    ]
    columns = ['e."_id" AS "_id"', 'e."timestamp" AS "timestamp"']
    columns += projection(root, ",".join(known), "e") if known else []
    if not known:
        columns = ['e.* EXCLUDE ("profile_id")']
    return {"columns": columns, "from": start, "to": end}


def _resolves(root: xdm.XdmField, path: str) -> bool:
    node: xdm.XdmField | None = root
    for part in path.split("."):
        node = node.child(part) if node is not None else None
    return node is not None


def event_list_sql(events_table: str, events: dict[str, Any]) -> str:
    """The `eventList` column (correlated on the exported profile `s`)."""
    cond = ['e.profile_id = s."_id"']
    if events["from"]:
        cond.append(f'e."timestamp" >= TIMESTAMP {literal(events["from"])}')
    if events["to"]:
        cond.append(f'e."timestamp" < TIMESTAMP {literal(events["to"])}')
    return (
        f'(SELECT list(ev ORDER BY ev."timestamp") FROM (SELECT {", ".join(events["columns"])} '
        f'FROM {events_table} AS e WHERE {" AND ".join(cond)}) AS ev) AS "eventList"'
    )
