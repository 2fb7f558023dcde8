"""The typed PQL abstract syntax tree: the contract between the parser, pql/json, the checker and
the SQL compiler.

Every node is a frozen dataclass with slots, constructed with keyword arguments only. Node kinds
follow Adobe's ``pql/json`` node types (``literal``, ``fieldLookup``, ``parameterReference``,
``varRef``, ``fnApply``, ``lambda``, ``select``/``varDecl``, ...); where Adobe's shape is not
published (``occurs``, ``chain``, quantifiers) the shape here is our own and the emitted pql/json
is *emulated*.

Conventions that hold for every node
====================================
* ``span`` is where the node came from in the source text (:class:`Span`). Nodes built by
  ``from_pql_json`` or by hand carry :data:`NO_SPAN`. Spans never take part in ``==`` or
  ``hash``: two trees are equal when they mean the same thing, wherever they were written.
* Surface-only details (which of several equivalent spellings the author used) do not take part in
  equality either; the only one kept is :attr:`FnApply.form`, so the printer can reproduce
  ``a.startsWith("x")`` vs ``startsWith(a, "x")`` and ``a[c]`` vs ``a.filter(c)``.
* Keywords are normalised: ``AND``/``CHAIN``/``NOT`` become ``and``/``chain``/``not``; time units
  are singular lower case (``"days"`` -> ``"day"``); ``!`` becomes ``not``.
* ``a and b and c`` is ONE ``FnApply("and", (a, b, c))`` (n-ary, as in Adobe's pql/json), and so
  is ``or``. Parentheses leave no node behind.
* A negative number literal (``-201``) is a :class:`Literal` with a negative value; ``-x`` on
  anything else is ``FnApply("-", (x,), form="prefix")``.

Scopes: what a bare path refers to
==================================
A path ``a.b.c`` is nested :class:`FieldLookup` nodes (``c`` outermost), bottoming out in a *root*:

* :class:`ParameterReference` ``position=1``: the profile being evaluated. A bare path at the top
  level of a query (``homeAddress.countryCode``) and ``$1.homeAddress.countryCode`` both have this
  root.
* :class:`XEvent`: the reserved array of the profile's ExperienceEvents (``xEvent``), wherever it
  is written.
* :class:`VarRef`: a variable bound by ``select``/``exists``/``forall``/aggregate declarations, by
  ``let``, by an explicit lambda (``(Profile) => ...``, ``(K, G) => ...``) or by a chain step label.
  The parser resolves names lexically: a leading identifier that names a variable in scope is a
  ``VarRef``, anything else is a field of the current item.
* :class:`ContextRef` ``levels_up=n``: the current item of an *implicit scope*. Implicit scopes are
  opened by (1) the body of an implicit lambda (:class:`Lambda` with ``params == ()``), which is how
  bracket filters ``a[cond]`` and per-element method arguments (``orders.sum(order.price)``,
  ``xEvent[...].sum(commerce.order.priceTotal)``, ``productListItems.exists(SKU = "PS")``) are
  represented, and (2) a chain step's ``WHAT(...)``/``WHERE(...)``. Inside such a scope a bare
  path is rooted at ``ContextRef(0)`` (the element), and ``^``/``^^`` are ``ContextRef(1)``/
  ``ContextRef(2)``. Counting outwards past every implicit scope reaches the query root, whose item
  is the profile: in ``xEvent[productListItems[SKU = "PS" or ^^.person.gender = "female"]]``,
  ``SKU`` is the product item, ``^`` would be the event, ``^^`` is the profile. At the top level
  (no implicit scope open) a bare path uses ``ParameterReference(1)``, never ``ContextRef(0)``.

  A compiler keeps a stack of bindings: push the profile at the root, push the element when it
  enters an implicit lambda body or a chain step condition; ``ContextRef(n)`` is ``stack[-1 - n]``.

Evaluation semantics (what SQL must reproduce)
==============================================
* The query result is coerced to boolean: an object is true iff defined, an array (``select``,
  ``xEvent[...]``, ``xEvent.x.y`` projections) iff non-empty, a null iff never.
* Comparisons and the other predicates (``in``, ``like``, string methods, ``occurs``, ...) are
  true only when their operands are non-null and false otherwise, never null: so ``!=`` is not the
  negation of ``=`` (a missing field satisfies neither ``x = 1`` nor ``x != 1``; same for
  ``notIn``/``in``, ``doesNotContain``/``contains``, ...). ``and``/``or``/``not`` are two-valued
  over that: ``not (x = 1)`` IS true for a missing ``x`` (SQL: ``NOT coalesce(p, false)``).
  Nulls propagate through arithmetic; division by zero is null; any null reaching a boolean
  position counts as false.
* Dotting through an array projects (maps) over its items: ``xEvent.device.model`` is the list of
  every event's model, ``xEvent.metrics.commerce.abandons.value > 0`` is true when some element
  compares true (existential comparison of a projected list with a scalar).
* String comparisons (``=``, ``in``, ``like``) are case-sensitive; string methods take an optional
  trailing boolean ``caseSensitive`` (default true).
* Timestamps are UTC; ``now`` is the evaluation instant (injected by the sandbox).

Time (``occurs`` and chain ``WHEN``)
====================================
A time *anchor* is an instant or an interval:
``now`` (instant), ``today``/``yesterday``/``tomorrow`` (UTC day intervals), ``this``/``last``/
``next`` + unit (the calendar period containing now / the one before / the one after; weeks start
on Monday, decades at years ending in 0), ``date(y, m, d)`` (that UTC day), or any timestamp
expression (an instant; inside a chain, a :class:`VarRef` to an earlier step label means that
step's event timestamp). ``start(T)``/``end(T)`` are the interval bounds (both equal ``T`` for an
instant; ``end`` is exclusive).

:class:`TimeWindow` kinds, for a timestamp ``ts``:

* ``on T`` (``on`` is optional in the source): ``start(T) <= ts < end(T)``.
* ``before T``: ``ts < start(T)``; ``after T`` / ``from T``: ``ts >= end(T)``
  (``ts > T`` for an instant).
* ``between A and B``: ``start(A) <= ts < end(B)`` (inclusive of both days).
* ``OP n UNIT before T``: let ``lo = start(T) - n UNIT`` (calendar arithmetic for month/year).
  ``<``: ``lo < ts < start(T)``; ``<=``: ``lo <= ts < start(T)``; ``>``: ``ts < lo``;
  ``>=``: ``ts <= lo``; ``=``: ``lo - 1 UNIT < ts <= lo`` (exactly n units ago at UNIT
  granularity); ``!=``: ``ts < start(T)`` and not ``=``.
  ``OP n UNIT after T`` (and ``from``, read as ``after``) mirrors it with ``hi = end(T) + n UNIT``:
  ``<``: ``end(T) < ts < hi``; ``<=``: ``end(T) < ts <= hi``; ``>``: ``ts > hi``;
  ``>=``: ``ts >= hi``; ``=``: ``hi <= ts < hi + 1 UNIT``; ``!=``: ``ts > end(T)`` and not ``=``.
  So ``X.timestamp occurs <= 30 days before now`` is "in the last 30 days" and
  ``X.timestamp occurs <= 1 month before today`` on 2018-08-28 is 2018-07-28 .. 2018-08-27.

Function applications
=====================
:class:`FnApply` covers operators and functions alike, as Adobe's ``fnApply`` does. A method call
``r.f(a, b)`` is ``FnApply(name="f", args=(r, a, b), form="method")``: the receiver is the first
argument. Names (each declared once in ``seg_mcp/pql/functions/``, which also says which are
operators and which argument of a per-element method is an implicit lambda):

* comparison ``= != < <= > >=``; arithmetic ``+ - * / %`` (``-`` with one argument negates);
  boolean ``and``/``or`` (n-ary), ``not`` (one argument); ``in``/``notIn`` (value, list or array);
  ``like`` (SQL LIKE pattern: ``%`` any run, ``_`` one character); ``matches`` (Java regex, an
  unanchored find).
* ``if(test, then, else)``; ``date(y, m, d)``; ``inSegment("segment id")``; ``currentMonth()``,
  ``currentYear()``, ``currentDayOfMonth()``; ``mapEntry(k, v)``.
* string methods ``startsWith doesNotStartWith endsWith doesNotEndWith contains doesNotContain
  equals notEqualTo`` (``(text[, caseSensitive])``; ``equals``/``notEqualTo`` take one text or
  more), ``matches(regex)``, ``regexGroup(regex, group)``;
  array methods ``intersects intersection subsetOf supersetOf includes distinct head`` and the
  per-element ones ``filter map exists count sum average min max topN bottomN groupBy`` whose
  first argument after the receiver is an implicit :class:`Lambda` (``count()`` may have none; a
  per-element ``sum(...)`` without argument sums the items themselves);
  map methods ``get keys values``; object ``isNull isNotNull``; date methods ``getMonth getYear
  getDayOfMonth``.
* ``a[cond]`` is ``FnApply("filter", (a, Lambda(params=(), body=cond)), form="bracket")``.

Everything else is a dedicated node: :class:`Select`, :class:`Quantifier` (``exists``/``forall``),
:class:`Aggregate` (``sum X.v over X from ...``), :class:`Let`, :class:`Lambda`, :class:`Occurs`,
:class:`Chain`, :class:`ListLiteral`, :class:`ObjectLiteral`, :class:`TimeLiteral`,
:class:`RelativePeriod`.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

__all__ = [
    "COMPARISON_OPERATORS",
    "NO_SPAN",
    "TIME_UNITS",
    "Aggregate",
    "Chain",
    "ChainStep",
    "ContextRef",
    "Expr",
    "FieldLookup",
    "FnApply",
    "FnForm",
    "Lambda",
    "Let",
    "ListLiteral",
    "Literal",
    "LiteralType",
    "Node",
    "ObjectLiteral",
    "Occurs",
    "ParameterReference",
    "Quantifier",
    "Query",
    "RelativePeriod",
    "Select",
    "Span",
    "TimeLiteral",
    "TimeUnit",
    "TimeWindow",
    "VarDecl",
    "VarRef",
    "XEvent",
]

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

LiteralType = t.Literal["String", "Integer", "Double", "Boolean"]
"""``literalType`` of a scalar :class:`Literal`, capitalised as in Adobe's current pql/json."""

TimeUnit = t.Literal[
    "millisecond",
    "second",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "decade",
    "century",
    "millennium",
]
TIME_UNITS: tuple[TimeUnit, ...] = t.get_args(TimeUnit)

FnForm = t.Literal["infix", "prefix", "function", "method", "bracket"]
"""How a :class:`FnApply` was written: ``a = b`` (infix), ``not a``/``-a`` (prefix), ``f(a)``
(function), ``a.f()`` (method), ``a[c]`` (bracket; only for ``filter``)."""

ComparisonOperator = t.Literal["=", "!=", "<", "<=", ">", ">="]
COMPARISON_OPERATORS: frozenset[str] = frozenset(t.get_args(ComparisonOperator))


# ---------------------------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------------------------


class Span(t.NamedTuple):
    """A source range. ``line``/``column`` are 1-based and point at the first character;
    ``end_line``/``end_column`` point one past the last character (``end_column`` exclusive, as in
    Lark). ``start``/``end`` are 0-based character offsets into the source, ``end`` exclusive, so
    ``text[span.start:span.end]`` is the node's source. A named tuple rather than a frozen
    dataclass: the parser makes one per node, and a tuple is made several times faster."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def cover(self, other: Span) -> Span:
        """The smallest span containing both (``NO_SPAN`` is ignored)."""
        if other is NO_SPAN or not other.line:
            return self
        if self is NO_SPAN or not self.line:
            return other
        first = self if self.start <= other.start else other
        last = self if self.end >= other.end else other
        return Span(first.line, first.column, last.end_line, last.end_column, first.start, last.end)


NO_SPAN = Span(0, 0, 0, 0, 0, 0)
"""The span of a node that was not parsed from text (built from pql/json or by hand)."""


# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------


class Node:
    """Base class of every AST node (every node has a ``span``)."""

    __slots__ = ()
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Literal(Node):
    """A scalar constant. pql/json ``{"nodeType": "literal", "literalType": "String", "value":
    "US"}``. ``value`` is ``str`` for String, ``int`` for Integer, a finite ``float`` for Double,
    ``bool`` for Boolean. PQL has no null literal."""

    literal_type: LiteralType
    value: str | int | float | bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListLiteral(Node):
    """``[1, 4, 7]`` / ``["US", "CA"]``: items may be any expressions. pql/json: a ``literal`` of
    ``literalType: "List"`` when every item is a scalar literal, else ``{"nodeType": "list"}``."""

    items: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectLiteral(Node):
    """``{"count": G.count(), "sum": G.sum(price)}`` (computed-attribute examples): ordered
    ``(key, value)`` pairs; keys are unique."""

    entries: tuple[tuple[str, Expr], ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLiteral(Node):
    """``now`` (the evaluation instant), ``today``/``yesterday``/``tomorrow`` (UTC day
    intervals). Usable as an ``occurs`` anchor and as a value (``X.timestamp > now``)."""

    name: t.Literal["now", "today", "yesterday", "tomorrow"]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class RelativePeriod(Node):
    """``this month``, ``last week``, ``next year``: the whole calendar period containing now, the
    one before it, the one after it. Only valid as a time anchor (``occurs last month``,
    ``WHEN(last week)``)."""

    qualifier: t.Literal["this", "last", "next"]
    unit: TimeUnit
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterReference(Node):
    """``$n``: the n-th input parameter; ``$1`` is the profile. Also the root of every bare path
    written at the top level (``homeAddress`` is ``$1.homeAddress``)."""

    position: int = 1
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextRef(Node):
    """The current item of the ``levels_up``-th enclosing implicit scope: ``0`` is the element of
    the innermost bracket filter / per-element argument / chain step (the implicit root of a bare
    path there), ``1`` is ``^``, ``2`` is ``^^``. See the module docstring, "Scopes"."""

    levels_up: int = 0
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class XEvent(Node):
    """``xEvent``: the array of the profile's ExperienceEvents (one row per event in the
    sandbox's ``experience_events`` table). pql/json: ``fieldLookup "xEvent"`` on
    ``parameterReference 1``."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class VarRef(Node):
    """A bound variable: a ``select``/``exists``/``forall``/aggregate declaration, ``let``, an
    explicit lambda parameter, or a chain step label (the step's matched event)."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldLookup(Node):
    """``object.field_name``. On an array ``object`` this projects over the items."""

    object: Expr
    field_name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class FnApply(Node):
    """An operator, function or method application (``fnApply``); see the module docstring for
    the names. ``form`` is surface only (not compared): how it was written, so it prints back the
    same way; ``None`` (hand-built or from pql/json) means the usual form for ``name``: operators
    infix (``not`` and one-argument ``-`` prefix), ``filter`` bracket, catalogue methods (string,
    array, map, object, date methods) method, everything else function."""

    name: str
    args: tuple[Expr, ...]
    form: FnForm | None = field(default=None, compare=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Lambda(Node):
    """``(p1, p2) => body``. With ``params == ()`` it is an *implicit* lambda: its body is
    evaluated once per element of the array it is applied to, and the element is
    ``ContextRef(0)`` inside it (bracket filters, per-element method arguments). The root
    ``(Profile) => body`` form binds the profile to ``Profile``."""

    params: tuple[str, ...]
    body: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class VarDecl(Node):
    """``name from range [where condition]`` (``:`` is accepted for ``where``). ``range`` is an
    array expression evaluated where the declaration stands (it may use variables declared
    earlier in the same list: ``I from X.productListItems``); ``condition`` sees ``name`` and every
    earlier variable."""

    name: str
    range: Expr
    condition: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Select(Node):
    """``select V1 from A1 where c1, V2 from A2 where c2``: the array of tuples ``(V1, V2, ...)``
    with ``V1`` in ``A1`` satisfying ``c1``, ``V2`` in ``A2`` satisfying ``c2``, ... (a nested loop;
    later ranges and conditions see earlier variables). In a boolean position: true iff non-empty,
    i.e. ``EXISTS`` over the joined declarations."""

    decls: tuple[VarDecl, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Quantifier(Node):
    """``exists V1 from A1 where c1, V2 from A2 where c2`` is the same as the :class:`Select` in a
    boolean position. ``forall ...`` (our reading of Adobe's one example, inferred): every ``V1`` in
    ``A1`` satisfies ``c1`` and, for it, every ``V2`` in ``A2`` satisfies ``c2`` (nested universal;
    true for an empty array). A declaration without condition constrains nothing."""

    kind: t.Literal["exists", "forall"]
    decls: tuple[VarDecl, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Aggregate(Node):
    """``sum X.commerce.order.priceTotal over X from xEvent where ...`` (also ``average``,
    ``min``, ``max``): aggregates ``value`` over every tuple the declarations produce (as in
    :class:`Select`). ``value is None`` is ``sum X from integerArray where X > 0``: the last
    declared variable itself is aggregated. ``sum`` of nothing is 0; the others give null."""

    function: t.Literal["sum", "average", "min", "max"]
    value: Expr | None
    decls: tuple[VarDecl, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Let(Node):
    """``let name = value in body``: ``body`` with ``name`` bound to ``value`` (evaluated once)."""

    name: str
    value: Expr
    body: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeWindow(Node):
    """The part of ``occurs`` after the timestamp, also the content of a chain step's ``WHEN(...)``.
    Semantics in the module docstring ("Time"). Field use by ``kind``:

    * ``"relative"``: ``comparison amount unit direction anchor`` (``<= 30 days before now``)
    * ``"direction"``: ``direction anchor`` (``before today``, ``after date(2019, 4, 1)``)
    * ``"on"``: ``anchor`` (``on date(2017, 10, 1)``, ``yesterday``, ``last month``)
    * ``"between"``: ``anchor`` (the start) and ``end``
    """

    kind: t.Literal["relative", "direction", "on", "between"]
    anchor: Expr
    comparison: ComparisonOperator | None = None
    amount: int | None = None
    unit: TimeUnit | None = None
    direction: t.Literal["before", "after", "from"] | None = None
    end: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Occurs(Node):
    """``subject occurs window``: true iff the timestamp ``subject`` is non-null and lies in
    ``window``. On a projected array (``xEvent.timestamp occurs ...``) some element must."""

    subject: Expr
    window: TimeWindow
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainStep(Node):
    """``Label: WHAT(cond) [WHERE(cond)] [WHEN(window)] [COUNT(n)]``. ``what`` and ``where`` are
    evaluated per event with the event as ``ContextRef(0)`` (an implicit scope); ``when`` applies
    to the event's chain timestamp (its anchor may be a :class:`VarRef` to an earlier label);
    ``count`` (``COUNT(5)``) requires at least that many matching events, the next step following
    the last of them. ``where`` is an extra condition (``what and where``)."""

    label: str
    what: Expr
    where: Expr | None = None
    when: TimeWindow | None = None
    count: int | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Chain(Node):
    """``chain(xEvent, timestamp, [A: ..., B: ...])``: true iff there are events e1, e2, ... in
    ``source`` with strictly increasing ``timestamp`` such that event i satisfies step i.
    ``timestamp`` is a path evaluated on each event (rooted at ``ContextRef(0)``). Adobe's
    validation allows at most 6 steps."""

    source: Expr
    timestamp: Expr
    steps: tuple[ChainStep, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Expr = (
    Literal
    | ListLiteral
    | ObjectLiteral
    | TimeLiteral
    | RelativePeriod
    | ParameterReference
    | ContextRef
    | XEvent
    | VarRef
    | FieldLookup
    | FnApply
    | Lambda
    | Select
    | Quantifier
    | Aggregate
    | Let
    | Occurs
    | Chain
)
"""Any expression node (everything except :class:`VarDecl`, :class:`TimeWindow`,
:class:`ChainStep` and :class:`Query`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Query(Node):
    """A whole PQL expression (``pql/text``). ``body`` is the predicate evaluated per profile; the
    ``(Profile) => ...`` form is a :class:`Lambda` body."""

    body: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
