"""A reference evaluator of PQL in plain Python, run over the fixture world of `refworld` beside
the SQL engine (tests/sandbox/test_semantics*.py); values and calendar arithmetic are `refvalues`.

Written from the semantics in ``seg_mcp/pql/ast.py`` without looking at the SQL compiler: values
are Python values (``None`` is missing), objects are dicts, arrays are lists, events are the
profile's event dicts. Decisions the docstring leaves open are made the same way as the engine's
documentation says (``seg_mcp/pql/sql``): a projection through an array drops missing values and
flattens arrays; ``count(expr)`` counts the elements for which ``expr`` holds; a chain ``COUNT(n)``
step needs n matching events after the previous step, the chosen event being the n-th, and events
without timestamp never take part in a chain.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from seg_mcp.pql import ast as a

from .refvalues import (
    NEGATED,
    OPS,
    STRING_TESTS,
    Unsupported,
    add,
    as_text,
    as_time,
    compare,
    flat,
    like,
    literal_interval,
    lookup,
    period,
    truth,
)
from .refworld import EVENTS, MEMBERSHIPS, NOW, PROFILES


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
        return literal_interval(node.name, env.now)[0]
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
        return _aggregate(node.function, flat(values))
    if isinstance(node, a.Occurs):
        window = node.window
        subject = ev(node.subject, env)
        stamps = subject if isinstance(subject, list) else [subject]
        return any(in_window(as_time(s), window, env) for s in stamps)
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
    if name in OPS:
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
    if name in STRING_TESTS or name in NEGATED:
        base = NEGATED.get(name, name)
        other = as_text(ev(args[1], env))
        sensitive = (
            bool(args[2].value) if len(args) > 2 and isinstance(args[2], a.Literal) else True
        )
        if other is None:
            return False

        def test(item: Any) -> bool:
            s, t = as_text(item) or "", other
            if not sensitive:
                s, t = s.lower(), t.lower()
            result = STRING_TESTS[base](s, t)
            return not result if name in NEGATED else result

        return _exists_some(ev(args[0], env), test)
    if name == "like":
        pattern = as_text(ev(args[1], env))
        return pattern is not None and _exists_some(
            ev(args[0], env), lambda s: like(as_text(s) or "", pattern)
        )
    if name == "matches":
        regex = as_text(ev(args[1], env))
        if regex is None:
            return False
        compiled = re.compile(regex)
        return _exists_some(
            ev(args[0], env), lambda s: compiled.search(as_text(s) or "") is not None
        )
    if name == "regexGroup":
        s, regex = as_text(ev(args[0], env)), as_text(ev(args[1], env))
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
            return [getattr(as_time(v), part) for v in value if as_time(v) is not None]
        stamp = as_time(value)
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
            return _aggregate(name, items if name == "count" else flat(items))
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
            return flat([r for _, r in results])
        return _aggregate(name, flat([r for _, r in results]))
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


# -- time windows and chains -------------------------------------------------------------------


def _anchor(node: a.Node, env: Env) -> tuple[datetime | None, datetime | None, bool]:
    if isinstance(node, a.TimeLiteral):
        start, end = literal_interval(node.name, env.now)
        return start, end, node.name == "now"
    if isinstance(node, a.RelativePeriod):
        start, end = period(node.qualifier, node.unit, env.now)
        return start, end, False
    if isinstance(node, a.VarRef) and node.name in env.times:
        return env.times[node.name], env.times[node.name], True
    value = ev(node, env)
    if isinstance(value, date) and not isinstance(value, datetime):
        start = datetime(value.year, value.month, value.day)
        return start, start + timedelta(days=1), False
    stamp = as_time(value)
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
    events = [e for e in env.events if as_time(ev(node.timestamp, env.push(e))) is not None]

    def stamp(e: dict[str, Any]) -> datetime:
        result = as_time(ev(node.timestamp, env.push(e)))
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
