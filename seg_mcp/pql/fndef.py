"""What seg-mcp knows about one PQL function, declared once (:class:`FunctionDef`), the way
sqlglot declares a function once: its name, how it is written, its signature and typing rule, its
SQL, its plain-English wording and what it means for streaming/edge evaluation.

The declarations themselves are in ``seg_mcp/pql/functions/`` (one module per family); the
readers are the parser (names, per-element arguments), the printer (method or function), the
checker (``infer.py``: arity, types), the explainer, the analysis and the SQL compiler.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from dataclasses import dataclass

from seg_mcp.pql import ast as a
from seg_mcp.pql.ptypes import Kind, PType

if t.TYPE_CHECKING:
    from seg_mcp.pql.explain import Words
    from seg_mcp.pql.infer import Inference
    from seg_mcp.pql.sql.compiler import Compiler, Scope
    from seg_mcp.pql.sql.values import Relation, SqlValue

__all__ = ["MANY", "FunctionDef", "SqlRule", "TypeRule", "WordsRule"]

TypeRule = Callable[["Inference", a.FnApply], PType]
"""Types the arguments (reporting what does not fit) and returns the result type."""
SqlRule = Callable[["Compiler", a.FnApply, "Scope"], "SqlValue | Relation"]
"""Compiles an application to SQL (raises ``UnsupportedQuery`` for what it cannot evaluate)."""
WordsRule = Callable[["Words", a.FnApply], "str | None"]
"""Plain English for an application, or ``None`` to fall back on the generic wording."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionDef:
    """One PQL function, method or operator.

    * ``usage`` is how it is written (in messages); empty for an operator, which has its own
      syntax and no arity check. ``receiver`` is the kind a method is called on (``None`` for a
      function); ``params`` are the argument kinds after the receiver, the last ``optional`` of
      them may be left out; ``returns`` is the result kind (``"same"``: the receiver's type,
      ``"item"``: the receiver's item type). ``variadic``: the first parameter may be repeated
      (``s.equals("VT", "VA", "WA"[, caseSensitive])``).
    * ``element`` is the index in ``FnApply.args`` of the argument evaluated per element of the
      receiver (an implicit lambda: ``xEvent.sum(commerce.order.priceTotal)``).
    * ``types`` is the typing rule, ``sql`` the compilation (``None``: not supported yet).
    * ``phrase`` words it in explanations ("starts with"); ``value_words``, ``predicate_words``
      and ``clause_words`` word it as a value ("the number of events"), after its subject ("is
      one of ...") and as a whole relative clause ("who are in the audience ...").
    * For the analysis (Adobe's streaming/edge rules): ``ignore_year`` (a month or day without
      the year), ``aggregates`` (reads several elements of its receiver: several events),
      ``one_event`` (on ``xEvent``, stands for a single event), ``segment_reference``
      (``inSegment``: its first argument is a segment id).
    * ``connective`` marks ``and``/``or``/``not``, which every reader treats as the structure
      of a condition rather than as a value.
    """

    name: str
    types: TypeRule
    sql: SqlRule | None
    usage: str = ""
    aliases: tuple[str, ...] = ()
    receiver: Kind | None = None
    params: tuple[Kind, ...] = ()
    optional: int = 0
    variadic: bool = False
    returns: Kind | t.Literal["same", "item"] = "any"
    element: int | None = None
    phrase: str = ""
    value_words: WordsRule | None = None
    predicate_words: WordsRule | None = None
    clause_words: WordsRule | None = None
    ignore_year: bool = False
    aggregates: bool = False
    one_event: bool = False
    segment_reference: bool = False
    connective: bool = False

    @property
    def is_operator(self) -> bool:
        return not self.usage

    @property
    def is_method(self) -> bool:
        return self.receiver is not None

    @property
    def min_args(self) -> int:
        return len(self.params) - self.optional

    @property
    def max_args(self) -> int:
        return MANY if self.variadic else len(self.params)


MANY = 10_000
"""``max_args`` of a variadic function: as many arguments as anyone writes."""
