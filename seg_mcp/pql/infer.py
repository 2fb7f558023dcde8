"""The inference pass behind the field checker and the analysis: one walk over the AST that
resolves each path in the scope where it stands and infers a coarse :class:`PType` for every
expression, collecting diagnostics and the field paths read (see ``fieldcheck.py``)."""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from seg_mcp.pql import ast as a
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.conditions import expect_condition
from seg_mcp.pql.diagnostics import Diagnostic, DiagnosticCode
from seg_mcp.pql.fndef import MANY, FunctionDef
from seg_mcp.pql.functions import DEFINITIONS
from seg_mcp.pql.ptypes import (
    ANY,
    BOOLEAN,
    KIND_WORDS,
    NUMBER,
    NUMERIC,
    OCCURS_HINT,
    SCALARS,
    STRING,
    TEMPORAL,
    TIMESTAMP,
    Kind,
    PType,
    array_of,
    field_table,
)
from seg_mcp.pql.typewords import subject, text_of
from seg_mcp.pql.unknownfield import last_name_span, report_unknown

__all__ = ["EVENT", "PROFILE", "Inference"]

PROFILE = PType("object", root="profile")
EVENT = PType("object", root="event")
XEVENTS = PType("array", item=EVENT, root="event")


class Inference:
    """Infers types, collects diagnostics and the field paths read, per root."""

    __slots__ = (
        "catalog",
        "diagnostics",
        "event_vars",
        "fields",
        "known",
        "notable",
        "scopes",
        "tables",
        "variables",
    )

    def __init__(self, catalog: FieldCatalog | None = None) -> None:
        self.catalog = catalog
        self.diagnostics: list[Diagnostic] = []
        self.fields: dict[tuple[str, str], None] = {}  # (root, path) in first-read order
        # applications, declarations, chains and xEvent, outer before inner (for the analysis)
        self.notable: list[a.Node] = []
        if catalog is None or catalog.is_empty():
            self.tables: dict[str, dict[str, PType]] = {"profile": {}, "event": {}}
        else:
            profile, events = field_table(catalog)
            self.tables = {"profile": profile, "event": events}
        self.known = {root: bool(table) for root, table in self.tables.items()}
        self.scopes: list[PType] = [PROFILE]
        self.variables: list[tuple[str, PType]] = []
        self.event_vars: list[str] = []

    # -- entry -------------------------------------------------------------------------------

    def run(self, query: a.Query) -> Inference:
        """Check ``query`` as an audience rule: its own type must be a condition."""
        body = query.body
        if isinstance(body, a.Lambda) and body.params:
            self.bind(body.params[0], PROFILE)
            for name in body.params[1:]:
                self.bind(name, ANY)
            body = body.body
        expect_condition(self, body, self.expr(body))
        return self

    def error(self, span: a.Span, message: str, code: DiagnosticCode, **kw: t.Any) -> None:
        self.diagnostics.append(Diagnostic.at(span, message, code=code, **kw))

    def warn(self, span: a.Span, message: str, code: DiagnosticCode, **kw: t.Any) -> None:
        self.error(span, message, code, severity="warning", **kw)

    @staticmethod
    def text(node: a.Node) -> str:
        """The expression's source-like text, for a message."""
        return text_of(node)

    @staticmethod
    def subject(node: a.Node, value: PType) -> str:
        """``"`person.name` is a string field (XDM string)"``, for a message."""
        return subject(node, value)

    def bind(self, name: str, value: PType) -> None:
        self.variables.append((name, value))
        if value.root == "event" and value.kind == "object" and not value.path:
            self.event_vars.append(name)

    def unbind(self, count: int) -> None:
        for _ in range(count):
            name, _ = self.variables.pop()
            if self.event_vars and self.event_vars[-1] == name:
                self.event_vars.pop()

    def lookup_var(self, name: str) -> PType:
        for bound, value in reversed(self.variables):
            if bound == name:
                return value
        return ANY

    # -- expressions -------------------------------------------------------------------------

    def expr(self, node: a.Node) -> PType:
        kind = type(node)
        if kind in _NOTABLE:
            self.notable.append(node)
        handler = _DISPATCH.get(kind)
        return handler(self, node) if handler else ANY

    def literal(self, node: a.Literal) -> PType:
        if node.literal_type == "String":
            return STRING
        if node.literal_type == "Boolean":
            return BOOLEAN
        return NUMBER

    def list_literal(self, node: a.ListLiteral) -> PType:
        kinds = {self.expr(item).kind for item in node.items}
        if len(kinds) == 1:
            return array_of(PType(kinds.pop()))
        return PType("array", item=ANY)

    def object_literal(self, node: a.ObjectLiteral) -> PType:
        for _, value in node.entries:
            self.expr(value)
        return PType("object")

    def time(self, node: a.Node) -> PType:
        return TIMESTAMP

    def parameter(self, node: a.ParameterReference) -> PType:
        return PROFILE if node.position == 1 else ANY

    def context(self, node: a.ContextRef) -> PType:
        index = len(self.scopes) - 1 - node.levels_up
        return self.scopes[index] if index >= 0 else ANY

    def xevent(self, node: a.XEvent) -> PType:
        return XEVENTS

    def var(self, node: a.VarRef) -> PType:
        return self.lookup_var(node.name)

    def field(self, node: a.FieldLookup) -> PType:
        chain: list[a.FieldLookup] = []
        base: a.Node = node
        while isinstance(base, a.FieldLookup):
            chain.append(base)
            base = base.object
        chain.reverse()
        current = self.expr(base)
        for index, step in enumerate(chain):
            current = self.step(current, step, chain, index, base)
            if current is ANY:
                break
        read = current.item if current.kind == "array" and current.item else current
        if read.root is not None and read.path:
            self.fields[(read.root, read.path)] = None
        return current

    def step(
        self,
        owner: PType,
        node: a.FieldLookup,
        chain: list[a.FieldLookup],
        index: int,
        base: a.Node,
    ) -> PType:
        """The type of ``owner.name`` (projecting over arrays, keying into maps)."""
        name = node.field_name
        if owner.kind == "array":
            item = self.step(owner.item or ANY, node, chain, index, base)
            return item if item is ANY else array_of(item)
        if owner.kind == "map":
            return owner.item or ANY  # m.key reads the value under a key
        root = owner.root
        if root is None:
            if owner.kind in SCALARS:
                self.error(
                    last_name_span(node),
                    f"`{text_of(node.object)}` is {owner.words()}; it has no field `{name}`",
                    "unknown-field",
                )
            return ANY
        path = f"{owner.path}.{name}" if owner.path else name
        if owner.kind in SCALARS:
            self.error(
                last_name_span(node),
                f"`{owner.path}` is {owner.words()} field; it has no field `{name}`",
                "unknown-field",
            )
            return ANY
        if not self.known[root]:
            return PType("any", root=root, path=path)
        found = self.tables[root].get(path)
        if found is not None:
            return found
        rest = ".".join(step.field_name for step in chain[index + 1 :])
        full = f"{path}.{rest}" if rest else path
        written = ".".join(step.field_name for step in chain)
        report_unknown(self, root, path, full, written, node, base)
        self.fields[(root, full)] = None
        return ANY

    # -- scopes ----------------------------------------------------------------------------

    def scoped(self, node: a.Node, element: PType, owner: PType = ANY) -> PType:
        """Type ``node`` evaluated per element: an implicit lambda opens an element scope, an
        explicit one binds its parameters (a map's ``(K, G)``: key and value)."""
        if not isinstance(node, a.Lambda):
            return self.expr(node)
        if not node.params:
            self.scopes.append(element)
            try:
                return self.expr(node.body)
            finally:
                self.scopes.pop()
        values = [STRING, owner.item or ANY] if owner.kind == "map" else [element]
        for i, name in enumerate(node.params):
            self.bind(name, values[i] if i < len(values) else ANY)
        try:
            return self.expr(node.body)
        finally:
            self.unbind(len(node.params))

    def lambda_(self, node: a.Lambda) -> PType:
        self.scoped(node, ANY)
        return ANY

    def decls(self, decls: tuple[a.VarDecl, ...]) -> None:
        """Bind each declaration's variable to the items of its range (the caller unbinds)."""
        for decl in decls:
            source = self.expr(decl.range)
            if source.kind in SCALARS:
                self.error(
                    decl.range.span,
                    f"`{decl.name} from {text_of(decl.range)}` needs an array to range over; "
                    f"`{text_of(decl.range)}` is {source.words()}",
                    "type-mismatch",
                )
            self.bind(decl.name, source.element)
            if decl.condition is not None:
                self.expr(decl.condition)

    def select(self, node: a.Select | a.Quantifier) -> PType:
        try:
            self.decls(node.decls)
        finally:
            self.unbind(len(node.decls))
        return BOOLEAN if isinstance(node, a.Quantifier) else PType("array", item=ANY)

    def aggregate(self, node: a.Aggregate) -> PType:
        try:
            self.decls(node.decls)
            if node.value is not None:
                value = self.expr(node.value)
                where = node.value
            else:
                value = self.lookup_var(node.decls[-1].name) if node.decls else ANY
                where = node.decls[-1].range if node.decls else node
        finally:
            self.unbind(len(node.decls))
        if node.function in ("sum", "average"):
            self.expect(value, NUMERIC, where, f"{node.function} ... over")
            return NUMBER
        return value.scalar

    def let(self, node: a.Let) -> PType:
        self.bind(node.name, self.expr(node.value))
        try:
            return self.expr(node.body)
        finally:
            self.unbind(1)

    # -- time ------------------------------------------------------------------------------

    def occurs(self, node: a.Occurs) -> PType:
        subject = self.expr(node.subject)
        self.expect(subject, TEMPORAL, node.subject, "occurs", hint=OCCURS_HINT)
        self.window(node.window)
        return BOOLEAN

    def window(self, window: a.TimeWindow) -> None:
        for anchor in (window.anchor, window.end):
            if isinstance(anchor, a.VarRef) and self.lookup_var(anchor.name) is not ANY:
                continue  # an earlier chain step (its event's time) or a bound variable
            if anchor is not None:
                self.expect(self.expr(anchor), TEMPORAL, anchor, "a time window's anchor")

    def chain(self, node: a.Chain) -> PType:
        element = self.expr(node.source).element
        self.scopes.append(element)
        try:
            stamp = self.expr(node.timestamp)
            self.expect(stamp, TEMPORAL, node.timestamp, "chain's ordering timestamp")
            for step in node.steps:
                self.expr(step.what)
                if step.where is not None:
                    self.expr(step.where)
                if step.when is not None:
                    self.window(step.when)
                self.bind(step.label, element)
        finally:
            self.scopes.pop()
            self.unbind(len(node.steps))
        return BOOLEAN

    # -- type expectations -----------------------------------------------------------------

    def expect(
        self,
        value: PType,
        wanted: frozenset[Kind],
        node: a.Node,
        what: str,
        hint: str | None = None,
    ) -> bool:
        """Report (and return False) when ``value`` (item-wise for an array) is known and not of
        one of the ``wanted`` kinds."""
        kind = value.scalar.kind
        if kind == "any" or kind in wanted:
            return True
        need = " or ".join(KIND_WORDS[k] for k in sorted(wanted))
        self.error(
            node.span,
            f"{what} needs {need}; {subject(node, value)}",
            "type-mismatch",
            hint=hint,
        )
        return False

    # -- functions -------------------------------------------------------------------------

    def apply(self, node: a.FnApply) -> PType:
        definition = DEFINITIONS.get(node.name)
        if definition is not None:
            self.arity(node, definition)
            return definition.types(self, node)
        for arg in node.args:
            self.expr(arg)
        return ANY

    def arity(self, node: a.FnApply, fn: FunctionDef) -> None:
        if fn.is_operator:
            return
        given = len(node.args) - (1 if fn.is_method else 0)
        if fn.is_method and not node.args:
            self.error(
                node.span,
                f"{node.name} is a method: call it on a value, as in {fn.usage}",
                "arity",
                hint=f"write {fn.usage}",
            )
        elif not fn.min_args <= given <= fn.max_args:
            self.error(
                node.span,
                f"{node.name} takes {_count(fn.min_args, fn.max_args)}, not {given}",
                "arity",
                hint=f"write {fn.usage}",
            )


def _count(low: int, high: int) -> str:
    def n(x: int) -> str:
        return f"{x} argument{'' if x == 1 else 's'}"

    if low == high:
        return n(low)
    if high >= MANY:
        return f"at least {n(low)}"
    return f"{low} or {n(high)}" if high == low + 1 else f"{low} to {n(high)}"


_NOTABLE = frozenset({a.FnApply, a.Select, a.Quantifier, a.Aggregate, a.Chain, a.XEvent})

_DISPATCH: dict[type, Callable[[Inference, t.Any], PType]] = {
    a.Literal: Inference.literal,
    a.ListLiteral: Inference.list_literal,
    a.ObjectLiteral: Inference.object_literal,
    a.TimeLiteral: Inference.time,
    a.RelativePeriod: Inference.time,
    a.ParameterReference: Inference.parameter,
    a.ContextRef: Inference.context,
    a.XEvent: Inference.xevent,
    a.VarRef: Inference.var,
    a.FieldLookup: Inference.field,
    a.FnApply: Inference.apply,
    a.Lambda: Inference.lambda_,
    a.Select: Inference.select,
    a.Quantifier: Inference.select,
    a.Aggregate: Inference.aggregate,
    a.Let: Inference.let,
    a.Occurs: Inference.occurs,
    a.Chain: Inference.chain,
}
