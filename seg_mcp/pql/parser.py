"""pql/text -> AST: the Lark LALR parser (grammar in ``pql.lark``) and a top-down tree builder that
resolves names against the scopes in force (variables, implicit element scopes, ``^``).

Only :func:`lark_parser` and :func:`build` are used elsewhere: ``syntax.py`` turns Lark's errors
into diagnostics and recovers from them, and the public ``parse`` is in ``__init__.py``.

Spans are computed here from each node's first and last token instead of Lark's
``propagate_positions``, which doubles the cost of a parse; the grammar keeps the closing
brackets in the tree for that.
"""

from __future__ import annotations

import threading
import typing as t
from collections.abc import Callable
from importlib import resources

from lark import Lark, Token, Tree

from seg_mcp.pql import ast as a
from seg_mcp.pql.diagnostics import Diagnostic, DiagnosticCode
from seg_mcp.pql.functions import ELEMENT_ARGUMENT
from seg_mcp.pql.names import function_problem

__all__ = [
    "MISTAKE_TERMINALS",
    "build",
    "grammar_text",
    "lark_parser",
    "normalise_unit",
    "unescape",
]

_GRAMMAR = resources.files("seg_mcp.pql").joinpath("pql.lark").read_text(encoding="utf-8")
_lock = threading.Lock()
_parser: Lark | None = None


def grammar_text() -> str:
    return _GRAMMAR


MISTAKE_TERMINALS: tuple[str, ...] = ("EQEQ", "ANDAND", "OROR", "LTGT", "SQSTRING")
"""Terminals of ``pql.lark`` that no rule uses: mistakes, lexed whole so they can be named."""


class _KeepMistakes:
    """A no-op post-lexer whose only job is Lark's ``always_accept``: the contextual lexer then
    lexes the mistake terminals in every parser state (``a == 1`` gives one ``==`` token, not
    ``=`` and a stray ``=``)."""

    always_accept = MISTAKE_TERMINALS

    def process(self, stream: t.Iterator[Token]) -> t.Iterator[Token]:
        return stream


def lark_parser() -> Lark:
    """The shared LALR parser, built on first use (about 50 ms)."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                parser = Lark(
                    _GRAMMAR,
                    parser="lalr",
                    lexer="contextual",
                    postlex=_KeepMistakes(),
                    maybe_placeholders=False,
                )
                # Lark keeps some rule names as Tokens, a str subclass whose ``__eq__`` is
                # Python: every reduction looks its rule's name up in the parse table, and
                # plain strings make that lookup a C comparison (a parse is about 10% faster).
                for rule in parser.rules:
                    rule.origin.name = str(rule.origin.name)
                _parser = parser
    return _parser


# ---------------------------------------------------------------------------------------------
# Lexical helpers
# ---------------------------------------------------------------------------------------------

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def unescape(body: str) -> str:
    """The value of a string literal's body (without the quotes). JSON escapes are decoded;
    any other backslash pair is kept as written (``"\\w"`` stays a backslash and ``w``, the way
    regexes are usually written by mistake)."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and i + 6 <= n and _is_hex(body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append(ch)
            out.append(nxt)
            i += 2
    return "".join(out)


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)


_UNITS: dict[str, a.TimeUnit] = {}
for _unit in a.TIME_UNITS:
    _UNITS[_unit] = _unit
    _UNITS[_unit + "s"] = _unit
_UNITS["centuries"] = "century"
_UNITS["millennia"] = "millennium"
_UNITS.pop("centurys", None)
_UNITS.pop("millenniums", None)


def normalise_unit(word: str) -> a.TimeUnit:
    return _UNITS[word.lower()]


def _span(node: Tree | Token) -> a.Span:
    """From the first character of the node's first token to the end of its last token."""
    first = last = node
    while isinstance(first, Tree):
        first = first.children[0]
    while isinstance(last, Tree):
        last = last.children[-1]
    return a.Span(
        first.line or 0,
        first.column or 0,
        last.end_line or 0,
        last.end_column or 0,
        first.start_pos or 0,
        last.end_pos or 0,
    )


def _point(token: Token) -> a.Span:
    """A zero-width span where ``token`` starts (for implicit roots)."""
    line = token.line or 0
    column = token.column or 0
    start = token.start_pos or 0
    return a.Span(line, column, line, column, start, start)


# ---------------------------------------------------------------------------------------------
# Tree -> AST
# ---------------------------------------------------------------------------------------------


class _Builder:
    """Builds the AST top-down, so each name is resolved in the scope where it stands. Problems
    that parse but cannot mean anything (``^`` above the root, a function PQL does not have, a
    chain step clause given twice) are collected in ``problems`` and building goes on, so that
    all of them are reported together."""

    __slots__ = ("depth", "problems", "variables")

    def __init__(self) -> None:
        self.variables: list[str] = []
        self.depth = 0  # implicit scopes open
        self.problems: list[Diagnostic] = []

    def report(
        self,
        span: a.Span,
        message: str,
        hint: str | None = None,
        code: DiagnosticCode = "structure",
        suggestions: tuple[str, ...] = (),
    ) -> None:
        self.problems.append(
            Diagnostic.at(span, message, code=code, hint=hint, suggestions=suggestions)
        )

    def expr(self, node: Tree | Token) -> a.Expr:
        assert isinstance(node, Tree), node  # every primary is a named rule
        return _RULES[node.data](self, node)

    # -- leaves ----------------------------------------------------------------------------

    def name(self, node: Tree) -> a.Expr:
        token = node.children[0]
        assert isinstance(token, Token)
        text = str(token)
        span = _span(token)
        if text in self.variables:
            return a.VarRef(name=text, span=span)
        if text == "xEvent":
            return a.XEvent(span=span)
        if text in _NULL_WORDS:
            self.report(
                span,
                f"PQL has no `{text}`",
                "test for a missing value with `x.isNull()`, for a present one with "
                "`x.isNotNull()`",
            )
        root: a.Expr
        if self.depth:
            root = a.ContextRef(levels_up=0, span=_point(token))
        else:
            root = a.ParameterReference(position=1, span=_point(token))
        return a.FieldLookup(object=root, field_name=text, span=span)

    def string(self, node: Tree) -> a.Expr:
        token = str(node.children[0])
        return a.Literal(literal_type="String", value=unescape(token[1:-1]), span=_span(node))

    def int_(self, node: Tree) -> a.Expr:
        return a.Literal(literal_type="Integer", value=int(str(node.children[0])), span=_span(node))

    def double(self, node: Tree) -> a.Expr:
        return a.Literal(
            literal_type="Double", value=float(str(node.children[0])), span=_span(node)
        )

    def boolean(self, node: Tree) -> a.Expr:
        token = node.children[0]
        assert isinstance(token, Token)
        return a.Literal(literal_type="Boolean", value=token.type == "TRUE", span=_span(node))

    def param(self, node: Tree) -> a.Expr:
        token = node.children[0]
        position = int(str(token)[1:])
        if position < 1:
            self.report(_span(node), "parameters are numbered from $1", "write $1 for the profile")
            position = 1
        return a.ParameterReference(position=position, span=_span(node))

    def upref(self, node: Tree) -> a.Expr:
        token = node.children[0]
        levels = len(str(token))
        if levels > self.depth:
            where = (
                "outside any filter"
                if not self.depth
                else f"inside {self.depth} filter level{'s' if self.depth > 1 else ''}"
            )
            self.report(
                _span(node),
                f"`{'^' * levels}` climbs {levels} filter level{'s' if levels > 1 else ''} "
                f"but it stands {where}",
                "each ^ refers to the item of one enclosing filter `a[...]`; use fewer ^",
            )
        return a.ContextRef(levels_up=levels, span=_span(node))

    def time_literal(self, node: Tree) -> a.Expr:
        word = str(node.children[0])
        return a.TimeLiteral(name=word, span=_span(node))  # type: ignore[arg-type]

    def relative_period(self, node: Tree) -> a.Expr:
        qualifier, unit = node.children
        return a.RelativePeriod(
            qualifier=str(qualifier),  # type: ignore[arg-type]
            unit=normalise_unit(str(unit)),
            span=_span(node),
        )

    # -- composites ------------------------------------------------------------------------

    def paren(self, node: Tree) -> a.Expr:
        return self.expr(node.children[1])

    def _args(self, node: Tree | Token) -> list[a.Expr]:
        if isinstance(node, Token):  # the closing bracket: no arguments
            return []
        return [self.expr(child) for child in node.children]

    def list_(self, node: Tree) -> a.Expr:
        items = self._args(node.children[1])
        return a.ListLiteral(items=tuple(items), span=_span(node))

    def object_(self, node: Tree) -> a.Expr:
        entries: list[tuple[str, a.Expr]] = []
        seen: set[str] = set()
        for entry in node.children[1:-1]:
            assert isinstance(entry, Tree)
            key_token, value = entry.children
            key = unescape(str(key_token)[1:-1])
            if key in seen:
                self.report(_span(entry), f'the key "{key}" appears twice')
                continue
            seen.add(key)
            entries.append((key, self.expr(value)))
        return a.ObjectLiteral(entries=tuple(entries), span=_span(node))

    def _check_function(self, token: Token, method: bool) -> None:
        problem = function_problem(str(token), method)
        if problem is not None:
            message, hint, suggestions = problem
            self.report(_span(token), message, hint, "unknown-function", suggestions)

    def call(self, node: Tree) -> a.Expr:
        token = node.children[0]
        assert isinstance(token, Token)
        self._check_function(token, method=False)
        args = self._args(node.children[1])
        return a.FnApply(name=str(token), args=tuple(args), form="function", span=_span(node))

    def field(self, node: Tree) -> a.Expr:
        target, token = node.children
        return a.FieldLookup(object=self.expr(target), field_name=str(token), span=_span(node))

    def method(self, node: Tree) -> a.Expr:
        receiver = self.expr(node.children[0])
        token = node.children[1]
        assert isinstance(token, Token)
        self._check_function(token, method=True)
        name = str(token)
        raw = node.children[2]
        raw_args = raw.children if isinstance(raw, Tree) else []
        scoped = ELEMENT_ARGUMENT.get(name)
        args: list[a.Expr] = [receiver]
        for index, arg in enumerate(raw_args, start=1):
            if index == scoped and not (isinstance(arg, Tree) and arg.data == "lambda_expr"):
                args.append(self._implicit_lambda(arg))
            else:
                args.append(self.expr(arg))
        return a.FnApply(name=name, args=tuple(args), form="method", span=_span(node))

    def _implicit_lambda(self, raw: Tree | Token) -> a.Lambda:
        self.depth += 1
        try:
            body = self.expr(raw)
        finally:
            self.depth -= 1
        return a.Lambda(params=(), body=body, span=body.span)

    def bracket(self, node: Tree) -> a.Expr:
        source = self.expr(node.children[0])
        condition = self._implicit_lambda(node.children[1])
        return a.FnApply(name="filter", args=(source, condition), form="bracket", span=_span(node))

    def negate(self, node: Tree) -> a.Expr:
        operand = self.expr(node.children[1])
        span = _span(node)
        if (
            isinstance(operand, a.Literal)
            and operand.literal_type in ("Integer", "Double")
            and isinstance(operand.value, int | float)
            and not isinstance(operand.value, bool)
        ):
            return a.Literal(literal_type=operand.literal_type, value=-operand.value, span=span)
        return a.FnApply(name="-", args=(operand,), form="prefix", span=span)

    def arith(self, node: Tree) -> a.Expr:
        left, op, right = node.children
        return a.FnApply(
            name=str(op), args=(self.expr(left), self.expr(right)), form="infix", span=_span(node)
        )

    def compare(self, node: Tree) -> a.Expr:
        left, op, right = node.children
        assert isinstance(op, Tree)
        return a.FnApply(
            name=str(op.children[0]),
            args=(self.expr(left), self.expr(right)),
            form="infix",
            span=_span(node),
        )

    def infix_op(self, node: Tree) -> a.Expr:
        left, op, right = node.children
        assert isinstance(op, Token)
        return a.FnApply(
            name=_INFIX[op.type],
            args=(self.expr(left), self.expr(right)),
            form="infix",
            span=_span(node),
        )

    def not_op(self, node: Tree) -> a.Expr:
        return a.FnApply(
            name="not", args=(self.expr(node.children[1]),), form="prefix", span=_span(node)
        )

    def _nary(self, node: Tree, op: str) -> a.Expr:
        args: list[a.Expr] = []
        for child in node.children:
            if isinstance(child, Token):
                continue
            value = self.expr(child)
            if isinstance(value, a.FnApply) and value.name == op and value.form != "function":
                args.extend(value.args)
            else:
                args.append(value)
        return a.FnApply(name=op, args=tuple(args), form="infix", span=_span(node))

    def and_op(self, node: Tree) -> a.Expr:
        return self._nary(node, "and")

    def or_op(self, node: Tree) -> a.Expr:
        return self._nary(node, "or")

    def let_expr(self, node: Tree) -> a.Expr:
        _let, name, _eq, value, _in, body = node.children
        bound = self.expr(value)
        self.variables.append(str(name))
        try:
            result = self.expr(body)
        finally:
            self.variables.pop()
        return a.Let(name=str(name), value=bound, body=result, span=_span(node))

    def lambda_expr(self, node: Tree) -> a.Expr:
        names = [str(c) for c in node.children if isinstance(c, Token) and c.type == "NAME"]
        body_node = node.children[-1]
        if len(set(names)) != len(names):
            self.report(_span(node), "a lambda parameter is named twice")
        self.variables.extend(names)
        try:
            body = self.expr(body_node)
        finally:
            del self.variables[len(self.variables) - len(names) :]
        return a.Lambda(params=tuple(names), body=body, span=_span(node))

    # -- declarations ----------------------------------------------------------------------

    def _decls(self, node: Tree) -> tuple[a.VarDecl, ...]:
        """Convert declarations, leaving their variables bound (the caller unbinds)."""
        decls: list[a.VarDecl] = []
        for decl in node.children:
            assert isinstance(decl, Tree)
            name_token = decl.children[0]
            range_node = decl.children[2]
            range_expr = self.expr(range_node)
            self.variables.append(str(name_token))
            condition = self.expr(decl.children[4]) if len(decl.children) > 4 else None
            decls.append(
                a.VarDecl(
                    name=str(name_token), range=range_expr, condition=condition, span=_span(decl)
                )
            )
        return tuple(decls)

    def _unbind(self, count: int) -> None:
        del self.variables[len(self.variables) - count :]

    def select(self, node: Tree) -> a.Expr:
        decls = self._decls(node.children[1])  # type: ignore[arg-type]
        self._unbind(len(decls))
        return a.Select(decls=decls, span=_span(node))

    def quantifier(self, node: Tree) -> a.Expr:
        kind = str(node.children[0])
        decls = self._decls(node.children[1])  # type: ignore[arg-type]
        self._unbind(len(decls))
        return a.Quantifier(kind=kind, decls=decls, span=_span(node))  # type: ignore[arg-type]

    def aggregate(self, node: Tree) -> a.Expr:
        function = str(node.children[0])
        decls_node = node.children[-1]
        decls = self._decls(decls_node)  # type: ignore[arg-type]
        try:
            value = self.expr(node.children[1]) if len(node.children) == 4 else None
        finally:
            self._unbind(len(decls))
        return a.Aggregate(
            function=function,  # type: ignore[arg-type]
            value=value,
            decls=decls,
            span=_span(node),
        )

    # -- time ------------------------------------------------------------------------------

    def occurs(self, node: Tree) -> a.Expr:
        subject, _occurs, window = node.children
        assert isinstance(window, Tree)
        return a.Occurs(
            subject=self.expr(subject), window=self.time_window(window), span=_span(node)
        )

    def time_window(self, node: Tree) -> a.TimeWindow:
        kind = node.data
        children = node.children
        span = _span(node)
        if kind == "tw_relative":
            op, amount, unit, direction, anchor = children
            assert isinstance(op, Tree)
            return a.TimeWindow(
                kind="relative",
                comparison=str(op.children[0]),  # type: ignore[arg-type]
                amount=int(str(amount)),
                unit=normalise_unit(str(unit)),
                direction=str(direction),  # type: ignore[arg-type]
                anchor=self.expr(anchor),
                span=span,
            )
        if kind == "tw_direction":
            direction, anchor = children
            return a.TimeWindow(
                kind="direction",
                direction=str(direction),  # type: ignore[arg-type]
                anchor=self.expr(anchor),
                span=span,
            )
        if kind == "tw_between":
            _between, start, _and, end = children
            return a.TimeWindow(
                kind="between", anchor=self.expr(start), end=self.expr(end), span=span
            )
        anchor = children[-1]
        return a.TimeWindow(kind="on", anchor=self.expr(anchor), span=span)

    # -- chain -----------------------------------------------------------------------------

    def chain(self, node: Tree) -> a.Expr:
        children = [c for c in node.children if isinstance(c, Tree)]
        source = self.expr(children[0])
        self.depth += 1
        try:
            timestamp = self.expr(children[1])
        finally:
            self.depth -= 1
        steps: list[a.ChainStep] = []
        labels: list[str] = []
        try:
            for step_node in children[2:]:
                step = self.step(step_node, labels)
                steps.append(step)
                labels.append(step.label)
                self.variables.append(step.label)
        finally:
            self._unbind(len(labels))
        return a.Chain(source=source, timestamp=timestamp, steps=tuple(steps), span=_span(node))

    def step(self, node: Tree, labels: list[str]) -> a.ChainStep:
        label_token = node.children[0]
        label = str(label_token)
        if label in labels:
            self.report(
                _span(label_token),
                f"the chain step label {label} is used twice",
                "give every step its own label (A, B, C, ...)",
            )
        what_node = node.children[3]
        where: a.Expr | None = None
        when: a.TimeWindow | None = None
        count: int | None = None
        self.depth += 1
        try:
            what = self.expr(what_node)
            for clause in node.children[5:]:
                assert isinstance(clause, Tree)
                keyword = clause.children[0]
                seen = {"step_where": where, "step_when": when, "step_count": count}
                if seen[clause.data] is not None:
                    self.report(
                        _span(clause), f"{str(keyword).upper()}(...) is given twice in step {label}"
                    )
                elif clause.data == "step_where":
                    where = self.expr(clause.children[1])
                elif clause.data == "step_when":
                    window = clause.children[1]
                    assert isinstance(window, Tree)
                    when = self.time_window(window)
                else:
                    count = int(str(clause.children[1]))
                    if count < 1:
                        self.report(_span(clause.children[1]), "COUNT(n) needs n of at least 1")
        finally:
            self.depth -= 1
        return a.ChainStep(
            label=label, what=what, where=where, when=when, count=count, span=_span(node)
        )


_RULES: dict[str, Callable[[_Builder, Tree], a.Expr]] = {
    "name": _Builder.name,
    "string": _Builder.string,
    "int": _Builder.int_,
    "double": _Builder.double,
    "boolean": _Builder.boolean,
    "param": _Builder.param,
    "upref": _Builder.upref,
    "time_literal": _Builder.time_literal,
    "paren": _Builder.paren,
    "list": _Builder.list_,
    "object": _Builder.object_,
    "call": _Builder.call,
    "field": _Builder.field,
    "method": _Builder.method,
    "bracket": _Builder.bracket,
    "negate": _Builder.negate,
    "arith": _Builder.arith,
    "compare": _Builder.compare,
    "infix_op": _Builder.infix_op,
    "occurs": _Builder.occurs,
    "not_op": _Builder.not_op,
    "and_op": _Builder.and_op,
    "or_op": _Builder.or_op,
    "let_expr": _Builder.let_expr,
    "lambda_expr": _Builder.lambda_expr,
    "select": _Builder.select,
    "quantifier": _Builder.quantifier,
    "aggregate": _Builder.aggregate,
    "chain": _Builder.chain,
    "relative_period": _Builder.relative_period,
}
"""The builder of each named rule (a rule that ``?`` does not inline)."""

_INFIX = {"IN": "in", "NOTIN": "notIn", "LIKE": "like", "MATCHES": "matches"}
_NULL_WORDS = frozenset({"null", "NULL", "Null", "nil", "None"})


def build(tree: Tree) -> tuple[a.Query, list[Diagnostic]]:
    """The AST of a Lark parse tree produced by :func:`lark_parser`, and the problems found while
    building it (code ``structure`` or ``unknown-function``; empty when the query is sound)."""
    builder = _Builder()
    body = builder.expr(tree.children[0])
    return a.Query(body=body, span=_span(tree)), builder.problems
