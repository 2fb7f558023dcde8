"""A reference evaluator of PQL in plain Python, and the small fixture world it and the SQL engine
are both run over (tests/sandbox/test_semantics*.py).

Written from the semantics in ``seg_mcp/pql/ast.py`` without looking at the SQL compiler: values
are Python values (``None`` is missing), objects are dicts, arrays are lists, events are the
profile's event dicts. Decisions the docstring leaves open are made the same way as the engine's
documentation says (``seg_mcp/pql/sql``): a projection through an array drops missing values and
flattens arrays; ``count(expr)`` counts the elements for which ``expr`` holds; a chain ``COUNT(n)``
step needs n matching events after the previous step, the chosen event being the n-th, and events
without timestamp never take part in a chain.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from seg_mcp.pql import ast as a

NOW = datetime(2026, 11, 4, 15, 30)  # a Wednesday

PROFILES: list[dict[str, Any]] = [
    {
        "_id": "p1",
        "person": {
            "name": {"firstName": "John", "lastName": "Smith"},
            "birthDate": date(1990, 6, 15),
            "birthYear": 1990,
            "gender": "male",
        },
        "homeAddress": {"city": "Paris", "countryCode": "FR"},
        "personalEmail": {"address": "john@example.com"},
        "loyalty": {"tier": "gold", "points": 120.0, "joinDate": date(2026, 10, 5)},
        "identityMap": {"ECID": [{"id": "e1", "primary": True}]},
    },
    {
        "_id": "p2",
        "person": {"name": {"firstName": "john"}, "birthDate": date(1985, 1, 1), "birthYear": 1985},
        "homeAddress": {"city": "Lyon", "countryCode": "FR"},
        "personalEmail": {"address": "x@example.edu"},
        "loyalty": {"tier": "silver", "points": 0.0},
    },
    {"_id": "p3", "person": {"gender": "female"}},
    {
        "_id": "p4",
        "person": {"name": {"firstName": "Jonathan"}},
        "homeAddress": {"city": "San Jose", "countryCode": "US"},
        "loyalty": {"tier": None, "points": None},
    },
    {
        "_id": "p5",
        "person": {
            "name": {"firstName": "Emma"},
            "birthDate": date(2000, 11, 4),
            "birthYear": 2000,
        },
        "homeAddress": {"city": "paris", "countryCode": "FR"},
        "loyalty": {"points": 50.5, "joinDate": date(2026, 11, 1)},
    },
]

PURCHASE, ADD, VIEW = (
    "commerce.purchases",
    "commerce.productListAdds",
    "web.webpagedetails.pageViews",
)


def _event(eid: str, pid: str, ts: datetime | None, etype: str, **more: Any) -> dict[str, Any]:
    return {"_id": eid, "profile_id": pid, "timestamp": ts, "eventType": etype, **more}


def _order(total: float) -> dict[str, Any]:
    return {"order": {"priceTotal": total, "currencyCode": "USD"}}


EVENTS: list[dict[str, Any]] = [
    _event(
        "e11",
        "p1",
        datetime(2026, 10, 5, 15, 30),  # exactly 30 days before NOW
        PURCHASE,
        commerce=_order(150.0),
        productListItems=[
            {"SKU": "PS", "quantity": 1, "priceTotal": 22.99},
            {"SKU": "LR", "quantity": 2, "priceTotal": 19.98},
        ],
    ),
    _event("e12", "p1", datetime(2026, 10, 4, 10, 0), ADD),
    _event("e13", "p1", datetime(2026, 11, 4, 9, 0), VIEW),
    _event("e21", "p2", datetime(2026, 10, 20, 12, 0), ADD),
    _event(
        "e22",
        "p2",
        datetime(2026, 10, 28, 12, 0),
        PURCHASE,
        commerce=_order(40.0),
        productListItems=[{"SKU": "AI", "quantity": 1, "priceTotal": 40.0}],
    ),
    _event("e23", "p2", datetime(2026, 11, 3, 8, 0), PURCHASE, commerce=_order(60.0)),
    _event("e24", "p2", datetime(2026, 10, 26, 12, 0), ADD),
    _event("e41", "p4", datetime(2026, 10, 31, 23, 59, 59), VIEW, productListItems=[]),
    _event("e42", "p4", None, "commerce.checkouts"),
    _event("e51", "p5", datetime(2026, 11, 1), ADD),
    _event("e52", "p5", datetime(2026, 11, 1), ADD),
    _event("e53", "p5", datetime(2026, 11, 2, 10, 0), PURCHASE, commerce=_order(100.0)),
]

MEMBERSHIPS: list[tuple[str, str, str]] = [
    ("p1", "S1", "realized"),
    ("p2", "S1", "exited"),
    ("p4", "S1", "existing"),
    ("p5", "S2", "realized"),
]

ALL = frozenset(p["_id"] for p in PROFILES)


SCHEMA = "sbx_semantics"


def sandbox(schema: str = SCHEMA) -> Any:
    """The SandboxInfo of a sandbox whose tables live in ``schema``."""
    from seg_mcp.sandbox.store import SandboxInfo

    return SandboxInfo(
        org="org",
        name="dev",
        sandbox_id="sbx",
        title="Dev",
        type="development",
        is_default=True,
        schema=schema,
        clock=NOW,
        created_ms=0,
        has_data=True,
    )


def connect(schema: str = SCHEMA) -> Any:
    """An in-memory DuckDB (one thread: the data is tiny) holding the fixture in ``schema``."""
    import duckdb

    connection = duckdb.connect(":memory:", config={"threads": 1})
    load(connection, schema)
    return connection


def load(cur: Any, schema: str) -> None:
    """Create the contract layout in ``schema`` and insert the fixture."""
    from seg_mcp.sandbox import xdm

    cur.execute(f"CREATE SCHEMA {xdm.quote_ident(schema)}")
    for ddl in xdm.data_tables_ddl(schema):
        cur.execute(ddl)
    for name, rows in (("profiles", PROFILES), ("experience_events", EVENTS)):
        for row in rows:
            cols = ", ".join(xdm.quote_ident(c) for c in row)
            marks = ", ".join("?" for _ in row)
            cur.execute(
                f"INSERT INTO {xdm.qualified(schema, name)} ({cols}) VALUES ({marks})",
                list(row.values()),
            )
    for pid, seg, status in MEMBERSHIPS:
        cur.execute(
            f"INSERT INTO {xdm.qualified(schema, 'segment_membership')} VALUES (?, ?, ?, ?)",
            [pid, seg, status, NOW],
        )


# ---------------------------------------------------------------------------------------------
# The evaluator


@dataclass(frozen=True)
class Env:
    profile: dict[str, Any]
    events: list[dict[str, Any]]
    memberships: frozenset[tuple[str, str]]
    now: datetime
    items: tuple[Any, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict)
    times: dict[str, datetime] = field(default_factory=dict)

    def push(self, item: Any) -> Env:
        return replace(self, items=(*self.items, item))

    def bind(self, name: str, value: Any) -> Env:
        return replace(self, vars={**self.vars, name: value})


class Unsupported(Exception):
    """A construct the reference evaluator does not model (the generator avoids them)."""


def qualifies(query: a.Query, profile_id: str, now: datetime = NOW) -> bool:
    profile = next(p for p in PROFILES if p["_id"] == profile_id)
    events = sorted(
        (e for e in EVENTS if e["profile_id"] == profile_id),
        key=lambda e: (e["timestamp"] is None, e["timestamp"] or datetime.min),
    )
    members = frozenset((p, s) for p, s, st in MEMBERSHIPS if st in ("realized", "existing"))
    env = Env(profile, events, members, now, items=(profile,))
    body = query.body
    if isinstance(body, a.Lambda):
        for name in body.params:
            env = env.bind(name, profile)
        body = body.body
    return truth(ev(body, env))


def expected(query: a.Query, now: datetime = NOW) -> set[str]:
    return {p["_id"] for p in PROFILES if qualifies(query, p["_id"], now)}


def truth(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return len(value) > 0
    return True


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out.extend(_flat(v))
        elif v is not None:
            out.append(v)
    return out


def lookup(base: Any, name: str) -> Any:
    if isinstance(base, list):
        return _flat([lookup(item, name) for item in base])
    if isinstance(base, dict):
        value = base.get(name)
        return _flat(value) if isinstance(value, list) and name != "identityMap" else value
    return None


def ev(node: a.Node, env: Env) -> Any:
    if isinstance(node, a.Literal):
        return node.value
    if isinstance(node, a.ListLiteral):
        return [ev(i, env) for i in node.items]
    if isinstance(node, a.ParameterReference):
        return env.profile
    if isinstance(node, a.ContextRef):
        return env.items[-1 - node.levels_up]
    if isinstance(node, a.XEvent):
        return list(env.events)
    if isinstance(node, a.VarRef):
        return env.vars[node.name]
    if isinstance(node, a.FieldLookup):
        return lookup(ev(node.object, env), node.field_name)
    if isinstance(node, a.TimeLiteral):
        return _literal_interval(node.name, env.now)[0]
    if isinstance(node, a.Let):
        return ev(node.body, env.bind(node.name, ev(node.value, env)))
    if isinstance(node, a.Select):
        return [t[-1] for t in _tuples(node.decls, env)]
    if isinstance(node, a.Quantifier):
        if node.kind == "exists":
            return bool(_tuples(node.decls, env))
        return _forall(node.decls, env)
    if isinstance(node, a.Aggregate):
        values = []
        for t_env, last in _tuples_env(node.decls, env):
            values.append(last if node.value is None else ev(node.value, t_env))
        return _aggregate(node.function, _flat(values))
    if isinstance(node, a.Occurs):
        window = node.window
        subject = ev(node.subject, env)
        stamps = subject if isinstance(subject, list) else [subject]
        return any(in_window(_ts(s), window, env) for s in stamps)
    if isinstance(node, a.Chain):
        return _chain(node, env)
    if isinstance(node, a.FnApply):
        return _apply(node, env)
    raise Unsupported(type(node).__name__)


def _tuples_env(decls: tuple[a.VarDecl, ...], env: Env) -> list[tuple[Env, Any]]:
    out = [(env, None)]
    for decl in decls:
        nxt = []
        for e, _ in out:
            for item in _as_list(ev(decl.range, e)):
                e2 = e.bind(decl.name, item)
                if decl.condition is None or truth(ev(decl.condition, e2)):
                    nxt.append((e2, item))
        out = nxt
    return out


def _tuples(decls: tuple[a.VarDecl, ...], env: Env) -> list[tuple[Any, ...]]:
    return [(item,) for _, item in _tuples_env(decls, env)]


def _forall(decls: tuple[a.VarDecl, ...], env: Env) -> bool:
    first, rest = decls[0], decls[1:]
    for item in _as_list(ev(first.range, env)):
        e2 = env.bind(first.name, item)
        if first.condition is not None and not truth(ev(first.condition, e2)):
            return False
        if rest and not _forall(rest, e2):
            return False
    return True


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise Unsupported("not an array")


def _aggregate(function: str, values: list[Any]) -> Any:
    if function == "count":
        return len(values)
    if function == "sum":
        return sum(values) if values else 0
    if not values:
        return None
    if function == "average":
        return sum(values) / len(values)
    return min(values) if function == "min" else max(values)


# -- values and comparisons --------------------------------------------------------------------


def _ts(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _coerce(x: Any, y: Any) -> tuple[Any, Any] | None:
    """Comparable forms of two non-null scalars, or None when they cannot compare."""
    num = (int, float)
    if isinstance(x, bool) or isinstance(y, bool):
        return (x, y) if isinstance(x, bool) and isinstance(y, bool) else None
    if isinstance(x, num) and isinstance(y, num):
        return x, y
    if isinstance(x, str) and isinstance(y, str):
        return x, y
    if isinstance(x, str | int | float) and isinstance(y, str | int | float):
        try:
            return float(x), float(y)
        except ValueError:
            return None
    if isinstance(x, date | str) and isinstance(y, date | str):
        tx, ty = _ts(x), _ts(y)
        return None if tx is None or ty is None else (tx, ty)
    return None


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
}


def compare(op: str, x: Any, y: Any) -> bool:
    if isinstance(x, list) and isinstance(y, list):
        return _OPS[op](x, y) if op in ("=", "!=") else False
    if isinstance(x, list):
        return any(compare(op, i, y) for i in x)
    if isinstance(y, list):
        return any(compare(op, x, i) for i in y)
    if x is None or y is None:
        return False
    pair = _coerce(x, y)
    return pair is not None and _OPS[op](*pair)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _like(text: str, pattern: str) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "startsWith": str.startswith,
    "endsWith": str.endswith,
    "contains": lambda s, t: t in s,
    "equals": lambda s, t: s == t,
}
_NEGATED = {
    "doesNotStartWith": "startsWith",
    "doesNotEndWith": "endsWith",
    "doesNotContain": "contains",
    "notEqualTo": "equals",
}


def _exists_some(receiver: Any, test: Callable[[Any], bool]) -> bool:
    items = receiver if isinstance(receiver, list) else [receiver]
    return any(item is not None and test(item) for item in items)


def _element_env(lam: a.Node, env: Env, item: Any) -> tuple[a.Node, Env]:
    if isinstance(lam, a.Lambda):
        if lam.params:
            return lam.body, env.bind(lam.params[0], item)
        return lam.body, env.push(item)
    return lam, env.push(item)


def _apply(node: a.FnApply, env: Env) -> Any:
    name, args = node.name, node.args
    if name == "and":
        return all(truth(ev(x, env)) for x in args)
    if name == "or":
        return any(truth(ev(x, env)) for x in args)
    if name == "not":
        return not truth(ev(args[0], env))
    if name in _OPS:
        return compare(name, ev(args[0], env), ev(args[1], env))
    if name in ("in", "notIn"):
        needle, coll = ev(args[0], env), ev(args[1], env)
        if coll is None:
            return False
        found = lambda x: any(compare("=", x, c) for c in coll)  # noqa: E731
        if name == "in":
            return _exists_some(needle, found)
        return _exists_some(needle, lambda x: not found(x))
    if name in ("+", "-", "*", "/", "%"):
        values = [ev(x, env) for x in args]
        nums = []
        for v in values:
            if isinstance(v, str):
                try:
                    v = float(v)
                except ValueError:
                    v = None
            nums.append(v)
        if any(v is None for v in nums):
            return None
        if name == "-" and len(nums) == 1:
            return -nums[0]
        x, y = nums
        if name in ("/", "%") and y == 0:
            return None
        if name == "/":
            return x / y
        if name == "%":
            return (
                math.fmod(x, y)
                if isinstance(x, float) or isinstance(y, float)
                else int(math.fmod(x, y))
            )
        return x + y if name == "+" else x - y if name == "-" else x * y
    if name == "if":
        return ev(args[1], env) if truth(ev(args[0], env)) else ev(args[2], env)
    if name in _STRING_TESTS or name in _NEGATED:
        base = _NEGATED.get(name, name)
        other = _text(ev(args[1], env))
        sensitive = (
            bool(args[2].value) if len(args) > 2 and isinstance(args[2], a.Literal) else True
        )
        if other is None:
            return False

        def test(item: Any) -> bool:
            s, t = _text(item) or "", other
            if not sensitive:
                s, t = s.lower(), t.lower()
            result = _STRING_TESTS[base](s, t)
            return not result if name in _NEGATED else result

        return _exists_some(ev(args[0], env), test)
    if name == "like":
        pattern = _text(ev(args[1], env))
        return pattern is not None and _exists_some(
            ev(args[0], env), lambda s: _like(_text(s) or "", pattern)
        )
    if name == "matches":
        regex = _text(ev(args[1], env))
        if regex is None:
            return False
        compiled = re.compile(regex)
        return _exists_some(ev(args[0], env), lambda s: compiled.search(_text(s) or "") is not None)
    if name == "regexGroup":
        s, regex = _text(ev(args[0], env)), _text(ev(args[1], env))
        if s is None or regex is None:
            return None
        m = re.search(regex, s)
        return m.group(int(ev(args[2], env))) if m else None
    if name in ("currentMonth", "currentYear", "currentDayOfMonth"):
        return {"currentMonth": env.now.month, "currentYear": env.now.year}.get(name, env.now.day)
    if name == "date":
        y, m, d = (ev(x, env) for x in args)
        try:
            return date(y, m, d)
        except (TypeError, ValueError):  # a missing part, an impossible date
            return None
    if name in ("getMonth", "getYear", "getDayOfMonth"):
        value = ev(args[0], env)
        part = {"getMonth": "month", "getYear": "year", "getDayOfMonth": "day"}[name]
        if isinstance(value, list):
            return [getattr(_ts(v), part) for v in value if _ts(v) is not None]
        stamp = _ts(value)
        return None if stamp is None else getattr(stamp, part)
    if name in ("isNull", "isNotNull"):
        value = ev(args[0], env)
        missing = value is None or (isinstance(args[0], a.XEvent | a.FnApply) and value == [])
        return missing if name == "isNull" else not missing
    if name == "inSegment":
        return (env.profile["_id"], ev(args[0], env)) in env.memberships
    if name in ("get", "keys", "values"):
        m = ev(args[0], env)
        if m is None:
            return None
        if name == "get":
            return m.get(ev(args[1], env))
        return list(m.keys()) if name == "keys" else list(m.values())
    if name in ("topN", "bottomN"):  # a stable sort: ties keep the array's order
        keyed = []
        for item in _as_list(ev(args[0], env)):
            body, e2 = _element_env(args[1], env, item)
            if (key := ev(body, e2)) is not None:
                keyed.append((key, item))
        keyed.sort(key=lambda pair: pair[0], reverse=name == "topN")
        return [item for _, item in keyed[: ev(args[2], env)]]
    if name in ("filter", "exists", "count", "sum", "average", "min", "max", "map"):
        items = _as_list(ev(args[0], env))
        if len(args) == 1:
            if name == "exists":
                return bool(items)
            return _aggregate(name, items if name == "count" else _flat(items))
        results = []
        for item in items:
            body, e2 = _element_env(args[1], env, item)
            results.append((item, ev(body, e2)))
        if name == "filter":
            return [item for item, r in results if truth(r)]
        if name == "exists":
            return any(truth(r) for _, r in results)
        if name == "count":
            return sum(1 for _, r in results if truth(r))
        if name == "map":
            return _flat([r for _, r in results])
        return _aggregate(name, _flat([r for _, r in results]))
    if name in ("intersects", "subsetOf", "supersetOf", "includes", "distinct", "head"):
        x = ev(args[0], env)
        if x is None:
            return None if name in ("distinct", "head") else False
        if name == "distinct":
            return list(dict.fromkeys(v for v in x if v is not None))
        if name == "head":
            return x[0] if x else None
        y = ev(args[1], env)
        if y is None:
            return False
        if name == "includes":
            return y in x
        if name == "intersects":
            return any(v in y for v in x)
        return all(v in y for v in x) if name == "subsetOf" else all(v in x for v in y)
    raise Unsupported(name)


# -- time --------------------------------------------------------------------------------------

_MONTHS = {"month": 1, "year": 12, "decade": 120, "century": 1200, "millennium": 12000}


def add(when: datetime, n: int, unit: str) -> datetime:
    if unit in _MONTHS:
        total = when.year * 12 + when.month - 1 + n * _MONTHS[unit]
        year, month = divmod(total, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return when.replace(year=year, month=month + 1, day=min(when.day, last))
    seconds = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600, "day": 86400}
    if unit == "week":
        return when + timedelta(days=7 * n)
    return when + timedelta(seconds=seconds[unit] * n)


def _literal_interval(name: str, now: datetime) -> tuple[datetime, datetime]:
    if name == "now":
        return now, now
    midnight = datetime(now.year, now.month, now.day)
    start = midnight + timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[name])
    return start, start + timedelta(days=1)


def _period(qualifier: str, unit: str, now: datetime) -> tuple[datetime, datetime]:
    midnight = datetime(now.year, now.month, now.day)
    starts = {
        "second": now.replace(microsecond=0),
        "minute": now.replace(second=0, microsecond=0),
        "hour": now.replace(minute=0, second=0, microsecond=0),
        "day": midnight,
        "week": midnight - timedelta(days=now.weekday()),
        "month": midnight.replace(day=1),
        "year": datetime(now.year, 1, 1),
        "decade": datetime(now.year // 10 * 10, 1, 1),
        "century": datetime(now.year // 100 * 100, 1, 1),
    }
    if unit not in starts:
        raise Unsupported(unit)
    start = add(starts[unit], {"this": 0, "last": -1, "next": 1}[qualifier], unit)
    return start, add(start, 1, unit)


def _anchor(node: a.Node, env: Env) -> tuple[datetime | None, datetime | None, bool]:
    if isinstance(node, a.TimeLiteral):
        start, end = _literal_interval(node.name, env.now)
        return start, end, node.name == "now"
    if isinstance(node, a.RelativePeriod):
        start, end = _period(node.qualifier, node.unit, env.now)
        return start, end, False
    if isinstance(node, a.VarRef) and node.name in env.times:
        return env.times[node.name], env.times[node.name], True
    value = ev(node, env)
    if isinstance(value, date) and not isinstance(value, datetime):
        start = datetime(value.year, value.month, value.day)
        return start, start + timedelta(days=1), False
    stamp = _ts(value)
    return stamp, stamp, True


def in_window(ts: datetime | None, w: a.TimeWindow, env: Env) -> bool:
    start, end, instant = _anchor(w.anchor, env)
    if ts is None or start is None or end is None:
        return False
    if w.kind == "on":
        return start <= ts < end
    if w.kind == "direction":
        if w.direction == "before":
            return ts < start
        return ts > end if instant else ts >= end
    if w.kind == "between":
        assert w.end is not None
        _s, last_end, _i = _anchor(w.end, env)
        return last_end is not None and start <= ts < last_end
    assert w.amount is not None and w.unit is not None
    n, unit, op = w.amount, w.unit, w.comparison
    if w.direction == "before":
        lo = add(start, -n, unit)
        exact = add(lo, -1, unit) < ts <= lo
        return {
            "<": lo < ts < start,
            "<=": lo <= ts < start,
            ">": ts < lo,
            ">=": ts <= lo,
            "=": exact,
            "!=": ts < start and not exact,
        }[str(op)]
    hi = add(end, n, unit)
    exact = hi <= ts < add(hi, 1, unit)
    return {
        "<": end < ts < hi,
        "<=": end < ts <= hi,
        ">": ts > hi,
        ">=": ts >= hi,
        "=": exact,
        "!=": ts > end and not exact,
    }[str(op)]


def _chain(node: a.Chain, env: Env) -> bool:
    events = [e for e in env.events if _ts(ev(node.timestamp, env.push(e))) is not None]

    def stamp(e: dict[str, Any]) -> datetime:
        result = _ts(ev(node.timestamp, env.push(e)))
        assert result is not None
        return result

    def matches(step: a.ChainStep, e: dict[str, Any], scope: Env) -> bool:
        inner = scope.push(e)
        if not truth(ev(step.what, inner)):
            return False
        if step.where is not None and not truth(ev(step.where, inner)):
            return False
        return step.when is None or in_window(stamp(e), step.when, scope)

    def search(i: int, after: datetime | None, scope: Env) -> bool:
        if i == len(node.steps):
            return True
        step = node.steps[i]
        candidates = [
            e for e in events if (after is None or stamp(e) > after) and matches(step, e, scope)
        ]
        need = step.count or 1
        for e in candidates:
            if sum(1 for c in candidates if stamp(c) <= stamp(e)) < need:
                continue
            nxt = replace(scope.bind(step.label, e), times={**scope.times, step.label: stamp(e)})
            if search(i + 1, stamp(e), nxt):
                return True
        return False

    return search(0, None, env)
