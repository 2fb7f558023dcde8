"""What a query touches and how Adobe may evaluate it: fields read (profile and event), segments
referenced, whether events are used, the look-back window, and evaluation-method eligibility by
the rules of the reference's §11.8 (Adobe's May 2025 streaming/edge rules).

Event conditions
================
Every use of ``xEvent`` is one *event condition*: a declaration ``X from xEvent`` (with its
condition and those of the declarations after it), a per-element method or bracket filter on
``xEvent`` (its condition is the lambda body), each step of a ``chain`` (``WHAT``/``WHERE`` and
its ``WHEN``), or any other use (a projection such as ``xEvent.commerce.order``), which has no
condition. A condition is *bounded* when it pins the event's time to a window ending no earlier
than "now minus the window": an ``occurs`` on one of the event's own fields, or a chain ``WHEN``,
relative to ``now``/``today``/``yesterday``/``this``/``last`` periods (``and`` takes the
narrowest bounded conjunct, ``or`` the widest of bounded disjuncts). Windows on fixed dates and
windows anchored at another event leave it unbounded: how far back they reach depends on the day.

Choices where the sources disagree or say nothing (inferred; see §13 of the reference)
=====================================================================================
* ``inSegment`` combined with events: §11.8 lists "single event + inSegment" as not streaming
  eligible, while Adobe's May 2025 streaming guide recommends exactly
  ``inSegment("batch audience") and CHAIN(... WHEN(<= 24 hours before now))`` as the way to
  combine batch data with a streaming audience. We follow the newer guide: streaming eligible
  (when the events are within 24 hours); edge not, because edge accepts it only when the
  referenced segment is profile-only, which one expression cannot tell.
* "Ignore year" time constraints are read as the month/day parts of a date without its year:
  ``getMonth()``, ``getDayOfMonth()``, ``currentMonth()``, ``currentDayOfMonth()``.
* An aggregate over events (``xEvent[...].count() >= 3``, ``sum ... over X from xEvent``) and a
  chain step with ``COUNT(n)`` are several events.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from seg_mcp.pql import ast as a
from seg_mcp.pql.fndef import FunctionDef
from seg_mcp.pql.functions import DEFINITIONS
from seg_mcp.pql.infer import Inference
from seg_mcp.pql.ptypes import ANY
from seg_mcp.pql.traverse import field_path

__all__ = ["Analysis", "Eligibility", "Lookback", "analyze"]

# Longest length of each unit in days (a month may have 31 days, a year 366): ``days`` is an
# upper bound, so "within 24 hours" is never claimed for a window that can be longer.
_DAYS: dict[str, float] = {
    "millisecond": 1 / 86_400_000,
    "second": 1 / 86_400,
    "minute": 1 / 1_440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 31,
    "year": 366,
    "decade": 3_653,
    "century": 36_525,
    "millennium": 365_250,
}


@dataclass(frozen=True, slots=True)
class Lookback:
    """How far back in time a query reads events: ``amount`` ``unit`` as written (``30 days``),
    and ``days``, the longest that reaches back from now in days (it includes the elapsed part
    of a calendar anchor: ``<= 30 days before today`` reaches back 30 days and today so far)."""

    amount: int
    unit: a.TimeUnit
    days: float

    @property
    def text(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"

    def as_dict(self) -> dict[str, t.Any]:
        return {"amount": self.amount, "unit": self.unit, "days": self.days, "text": self.text}


Method = t.Literal["edge", "streaming", "batch"]


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Which evaluation methods may evaluate the query; ``reasons`` says in plain English, quoting
    Adobe's rule, why streaming or edge is not possible."""

    batch: bool
    streaming: bool
    edge: bool
    reasons: tuple[str, ...] = ()

    @property
    def best(self) -> Method:
        """The fastest method the query qualifies for."""
        return "edge" if self.edge else "streaming" if self.streaming else "batch"


@dataclass(frozen=True, slots=True)
class Analysis:
    profile_fields: tuple[str, ...]
    event_fields: tuple[str, ...]
    segment_ids: tuple[str, ...]
    uses_events: bool
    lookback: Lookback | None
    eligibility: Eligibility

    def as_dict(self) -> dict[str, t.Any]:
        return {
            "profile_fields": list(self.profile_fields),
            "event_fields": list(self.event_fields),
            "segment_ids": list(self.segment_ids),
            "uses_events": self.uses_events,
            "lookback": None if self.lookback is None else self.lookback.as_dict(),
            "eligibility": {
                "batch": self.eligibility.batch,
                "streaming": self.eligibility.streaming,
                "edge": self.eligibility.edge,
                "best": self.eligibility.best,
                "reasons": list(self.eligibility.reasons),
            },
        }


# ---------------------------------------------------------------------------------------------
# Event conditions and their windows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Event:
    """One event condition: ``window`` is ``None`` when unbounded; ``events`` is how many events
    it stands for (2 for "several")."""

    window: Lookback | None
    events: int
    text: str


_Matcher = t.Callable[[a.Node], bool]


def _rooted_at_var(name: str) -> _Matcher:
    return lambda node: isinstance(node, a.VarRef) and node.name == name


def _rooted_at_element(node: a.Node) -> bool:
    return isinstance(node, a.ContextRef) and node.levels_up == 0


def _wider(x: Lookback | None, y: Lookback | None) -> Lookback | None:
    if x is None or y is None:
        return None
    return x if x.days >= y.days else y


def _bound(condition: a.Node | None, owner: _Matcher) -> Lookback | None:
    """The window ``condition`` confines the event to (``None``: unbounded)."""
    if isinstance(condition, a.Occurs):
        base, _ = field_path(condition.subject)
        return window_lookback(condition.window) if owner(base) else None
    if isinstance(condition, a.FnApply) and condition.name in ("and", "or"):
        bounds = [_bound(arg, owner) for arg in condition.args]
        if condition.name == "and":
            known = [b for b in bounds if b is not None]
            return min(known, key=lambda b: b.days) if known else None
        widest: Lookback | None = bounds[0] if bounds else None
        for b in bounds[1:]:
            widest = _wider(widest, b)
        return widest
    return None


def _anchor_back(anchor: a.Node, edge: t.Literal["start", "end"]) -> tuple[float, int] | None:
    """How far back from now the start (or end) of a relative anchor lies, in days, with the
    whole periods it adds for display; ``None`` for a fixed date or another timestamp."""
    if isinstance(anchor, a.TimeLiteral):
        back = {"now": (0.0, 0.0), "today": (1.0, 0.0), "yesterday": (2.0, 1.0), "tomorrow": (0, 0)}
        start, end = back[anchor.name]
        return (start if edge == "start" else end), 0
    if isinstance(anchor, a.RelativePeriod):
        size = _DAYS[anchor.unit]
        start, end = {"this": (size, 0.0), "last": (2 * size, size), "next": (0.0, 0.0)}[
            anchor.qualifier
        ]
        return (start if edge == "start" else end), 0
    return None


def window_lookback(window: a.TimeWindow) -> Lookback | None:
    """The look-back of one ``occurs``/``WHEN`` window, relative windows only."""
    if window.kind == "relative" and window.amount is not None and window.unit is not None:
        if window.direction == "before":
            if window.comparison in (">", ">=", "!="):
                return None  # "more than n units ago": reaches back forever
            anchor = _anchor_back(window.anchor, "start")
            if anchor is None:
                return None
            days = window.amount * _DAYS[window.unit] + anchor[0]
            if window.comparison == "=":
                days += _DAYS[window.unit]
            return Lookback(window.amount, window.unit, float(days))
        anchor = _anchor_back(window.anchor, "end")  # after/from: starts at the anchor's end
        return None if anchor is None else _whole(anchor[0])
    if window.kind == "direction":
        if window.direction == "before":
            return None
        anchor = _anchor_back(window.anchor, "end")
        return None if anchor is None else _whole(anchor[0])
    anchor = _anchor_back(window.anchor, "start")  # on, between (from the start of the first)
    if anchor is None:
        return None
    if isinstance(window.anchor, a.RelativePeriod) and window.anchor.qualifier != "next":
        periods = 1 if window.anchor.qualifier == "this" else 2
        return Lookback(periods, window.anchor.unit, float(anchor[0]))
    return _whole(anchor[0])


def _whole(days: float) -> Lookback:
    if days >= 1 or days == 0:
        return Lookback(round(days), "day", float(days))
    return Lookback(round(days * 24), "hour", days)


_UNKNOWN = FunctionDef(name="", types=lambda inf, node: ANY, sql=None)
"""What the analysis assumes of a function nobody declared (none of the flags)."""


class _Events:
    """Collects the event conditions of a query (see the module docstring)."""

    def __init__(self) -> None:
        self.found: list[_Event] = []
        self.claimed: set[int] = set()
        self.aggregated: set[int] = set()
        self.segments: dict[str, None] = {}  # inSegment ids in order
        self.ignore_year = False

    def apply(self, node: a.FnApply) -> None:
        args = node.args
        fn = DEFINITIONS.get(node.name, _UNKNOWN)
        if fn.ignore_year:
            self.ignore_year = True
        elif fn.segment_reference and args:
            arg = args[0]
            if isinstance(arg, a.Literal) and isinstance(arg.value, str):
                self.segments[arg.value] = None
        if not args:
            return
        receiver = args[0]
        if fn.aggregates and type(receiver) is a.FnApply:
            self.aggregated.add(id(receiver))  # xEvent[...].count(): several events
        elif type(receiver) is a.XEvent:
            self.claimed.add(id(receiver))
            body = args[1] if len(args) > 1 else None
            condition = body.body if isinstance(body, a.Lambda) and not body.params else None
            single = fn.one_event and id(node) not in self.aggregated
            self.add(node, _bound(condition, _rooted_at_element), 1 if single else 2)

    def declarations(self, node: a.Select | a.Quantifier | a.Aggregate) -> None:
        several = 2 if type(node) is a.Aggregate else 1
        for i, decl in enumerate(node.decls):
            if type(decl.range) is a.XEvent:
                self.claimed.add(id(decl.range))
                conditions = [d.condition for d in node.decls[i:] if d.condition]
                joined = a.FnApply(name="and", args=tuple(conditions))
                self.add(node, _bound(joined, _rooted_at_var(decl.name)), several)

    def add(self, node: a.Node, window: Lookback | None, events: int = 1) -> None:
        self.found.append(_Event(window, events, type(node).__name__))

    def visit(self, notable: list[a.Node]) -> list[_Event]:
        """Read the applications, declarations, chains and ``xEvent`` nodes of a query, outer
        before inner (as the inference pass lists them)."""
        for node in notable:
            if type(node) is a.FnApply:
                self.apply(node)
            elif isinstance(node, a.Select | a.Quantifier | a.Aggregate):
                self.declarations(node)
            elif type(node) is a.Chain:
                chain = node
                if type(chain.source) is a.XEvent:
                    self.claimed.add(id(chain.source))
                    for step in chain.steps:
                        window = window_lookback(step.when) if step.when else None
                        self.add(step, window, 2 if (step.count or 1) > 1 else 1)
            elif type(node) is a.XEvent and id(node) not in self.claimed:
                self.add(node, None)
        return self.found


# ---------------------------------------------------------------------------------------------
# Eligibility (§11.8)
# ---------------------------------------------------------------------------------------------


NO_WINDOW = (
    'Adobe evaluates "a single event with no time window" in batch: the event condition has no '
    "time window (add one, e.g. WHEN(<= 24 hours before now) or "
    "X.timestamp occurs <= 24 hours before now)"
)
UNBOUNDED = (
    'streaming and edge need events "constrained within a 24 hour time window"; an event '
    "condition of this query has no time window, so it reads all of a profile's history"
)
LONG_WINDOW = (
    'streaming and edge need events "constrained within a 24 hour time window"; this query '
    "looks back {text}"
)
IGNORE_YEAR = (
    'streaming and edge do not take "Ignore year" time constraints (month or day of month '
    "without the year)"
)
NEGATED = (
    'streaming allows negated events but "not an entirely negated query"; the whole query is a '
    "not(...)"
)
SEVERAL_EVENTS = (
    "edge evaluates a single event (optionally with profile attributes) within 24 hours; this "
    "query uses several events"
)
SEGMENT_AND_EVENT = (
    'edge does not take "a single event combined with inSegment" unless the referenced segment '
    "is profile-only, which the expression alone cannot show"
)


def _eligibility(
    query: a.Query, events: list[_Event], segments: tuple[str, ...], ignore_year: bool
) -> Eligibility:
    reasons: list[str] = []
    streaming = edge = True
    if ignore_year:
        streaming = edge = False
        reasons.append(IGNORE_YEAR)
    if events:
        windows = [e.window for e in events]
        if any(w is None for w in windows):
            streaming = edge = False
            several = sum(e.events for e in events) > 1
            reasons.append(UNBOUNDED if several else NO_WINDOW)
        else:
            widest = max((w for w in windows if w is not None), key=lambda w: w.days)
            if widest.days > 1:
                streaming = edge = False
                reasons.append(LONG_WINDOW.format(text=widest.text))
        body = query.body.body if isinstance(query.body, a.Lambda) else query.body
        if isinstance(body, a.FnApply) and body.name == "not":
            streaming = edge = False
            reasons.append(NEGATED)
        if sum(e.events for e in events) > 1 and edge:
            edge = False
            reasons.append(SEVERAL_EVENTS)
        if segments and edge:
            edge = False
            reasons.append(SEGMENT_AND_EVENT)
    return Eligibility(True, streaming, edge, tuple(reasons))


def analyze(query: a.Query, inference: Inference | None = None) -> Analysis:
    """What ``query`` reads and how it may be evaluated (never raises). ``inference`` is the
    catalog-free inference pass over ``query`` when the caller has already run it."""
    if inference is None:
        inference = Inference(None).run(query)
    profile = tuple(path for root, path in inference.fields if root == "profile")
    event = tuple(path for root, path in inference.fields if root == "event")
    collector = _Events()
    events = collector.visit(inference.notable)
    lookback: Lookback | None = None
    if events and all(e.window is not None for e in events):
        lookback = max((e.window for e in events if e.window), key=lambda w: w.days)
    ids = tuple(collector.segments)
    return Analysis(
        profile_fields=profile,
        event_fields=event,
        segment_ids=ids,
        uses_events=bool(events),
        lookback=lookback,
        eligibility=_eligibility(query, events, ids, collector.ignore_year),
    )
