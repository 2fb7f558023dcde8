"""A field's values on a sandbox, exactly: the most frequent values with counts and shares, the
share without a value, and for numbers and dates the minimum, maximum and quartiles; optionally
among the profiles a PQL condition selects. Served by seg-mcp's own local endpoint
(`routes/local.py`), not part of Adobe's API.

A profile field counts profiles, an event field (`eventType`, `xEvent.commerce.order.priceTotal`)
counts events (of the selected profiles). A path through arrays (`productListItems.SKU`) counts
each profile or event once per distinct value it holds; `other` sums the counts of the values
beyond the top ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from seg_mcp import pql
from seg_mcp.sandbox import engine, xdm
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request
from seg_mcp.sandbox.store import SandboxInfo

__all__ = ["Target", "field_values", "resolve"]

Entity = Literal["profile", "event"]
EVENT_PREFIX = "xEvent."
_NUMBERS = {"int", "long", "number"}
_DATES = {"date", "date-time"}


@dataclass(frozen=True)
class Target:
    """A field resolved against a sandbox's trees: its root, path and leaf type, and the DuckDB
    expression of its value on a row aliased `t` (a list when the path crosses arrays)."""

    entity: Entity
    path: str
    leaf: xdm.XdmField
    sql: str
    is_list: bool


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _walk(root: xdm.XdmField, parts: list[str]) -> tuple[xdm.XdmField, str, bool] | None:
    node, sql, is_list = root, "t", False
    for part in parts:
        while node.type == "array" and node.items is not None:
            node = node.items
        child = node.child(part) if node.type == "object" else None
        if child is None:
            return None
        sql = (
            f"list_transform({sql}, lambda x: x.{_quote(part)})"
            if is_list
            else (f"{sql}.{_quote(part)}")
        )
        node = child
        while node.type == "array" and node.items is not None:
            if is_list:
                sql = f"flatten({sql})"
            is_list, node = True, node.items
    return node, sql, is_list


def resolve(profile: xdm.XdmField, event: xdm.XdmField, field: str) -> Target:
    """The profile field `field`, else the event field (`xEvent.` forces the event root); 400
    when neither has it or it is not a single value (an object or a map)."""
    path = field.strip()
    roots: list[tuple[Entity, xdm.XdmField]] = [("profile", profile), ("event", event)]
    if path.startswith(EVENT_PREFIX):
        path, roots = path.removeprefix(EVENT_PREFIX), [("event", event)]
    for entity, root in roots:
        found = _walk(root, path.split(".")) if path else None
        if found is None:
            continue
        leaf, sql, is_list = found
        if leaf.type in ("object", "map"):
            inner = ", ".join(f.name for f in leaf.fields[:8])
            raise bad_request(
                f"{field} is {'an object' if leaf.type == 'object' else 'a map'}, not a value: "
                + (f"name one of its fields ({inner})." if inner else "name a field inside it.")
            )
        return Target(entity, path, leaf, sql, is_list)
    raise bad_request(
        f"{field} is not a profile or event field of this sandbox: give its dotted XDM path "
        "(homeAddress.countryCode, eventType); the union schemas list every field."
    )


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _share(count: int, population: int) -> float:
    return round(count / population, 4) if population else 0.0


def field_values(
    cur: Cursor,
    info: SandboxInfo,
    target: Target,
    within: pql.Query | None,
    *,
    top: int,
    now: datetime,
) -> dict[str, Any]:
    """The figures of `target` (see the module docstring), in the `field_values` shape."""
    table = info.table(xdm.PROFILES_TABLE if target.entity == "profile" else xdm.EVENTS_TABLE)
    owner = xdm.PROFILE_ID_COLUMN if target.entity == "profile" else xdm.EVENT_PROFILE_COLUMN
    where = ""
    if within is not None:
        members = engine.members_sql(info, within, now=now, cur=cur)
        where = f"WHERE t.{_quote(owner)} IN (SELECT * FROM ({members}))"
    rid = xdm.PROFILE_ID_COLUMN
    rows = f'"values_{uuid.uuid4().hex}"'
    value = f"unnest({target.sql})" if target.is_list else target.sql
    cur.execute(
        f"CREATE TEMP TABLE {rows} AS SELECT t.{_quote(rid)} AS rid, {value} AS v "
        f"FROM {table} AS t {where}"
    )
    try:
        population = cur.execute(
            f"SELECT count(*) FROM {table} AS t {where}"
            if target.is_list
            else f"SELECT count(*) FROM {rows}"
        ).fetchone()
        grouped = f"SELECT v, count(DISTINCT rid) AS n FROM {rows} WHERE v IS NOT NULL GROUP BY v"
        top_rows = cur.execute(f"{grouped} ORDER BY n DESC, v LIMIT ?", [top]).fetchall()
        (counted,) = cur.execute(f"SELECT coalesce(sum(n), 0) FROM ({grouped})").fetchone() or (0,)
        (valued,) = cur.execute(
            f"SELECT count(DISTINCT rid) FROM {rows} WHERE v IS NOT NULL"
        ).fetchone() or (0,)
        numeric = None
        if target.leaf.type in _NUMBERS | _DATES:
            quantile = "quantile_cont" if target.leaf.type in _NUMBERS else "quantile_disc"
            low, high, quartiles = cur.execute(
                f"SELECT min(v), max(v), {quantile}(v, [0.25, 0.5, 0.75]) FROM {rows} "
                "WHERE v IS NOT NULL"
            ).fetchone() or (None, None, None)
            if quartiles is not None:
                q1, median, q3 = (_json(q) for q in quartiles)
                numeric = {
                    "min": _json(low),
                    "max": _json(high),
                    "q1": q1,
                    "median": median,
                    "q3": q3,
                }
    finally:
        cur.execute(f"DROP TABLE IF EXISTS {rows}")
    total = int(population[0]) if population else 0
    values = [
        {"value": _json(v), "count": int(n), "share": _share(int(n), total)} for v, n in top_rows
    ]
    other = int(counted) - sum(v["count"] for v in values)
    missing = total - int(valued)
    return {
        "field": target.path,
        "entity": target.entity,
        "population": total,
        "missing": {"count": missing, "share": _share(missing, total)},
        "values": values,
        "other": {"count": other, "share": _share(other, total)},
        "numeric": numeric,
        "exact": True,
        "sample": None,
        "evaluatedAt": _json(now),
    }
