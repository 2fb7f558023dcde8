"""pql/text parse tree -> AST: the :class:`Builder`, which builds top-down so each name is
resolved in the scope where it stands (variables, implicit element scopes, ``^``). Declarations,
time windows and chains are built in ``builder_forms.py``."""

from __future__ import annotations

from collections.abc import Callable

from lark import Token, Tree

from seg_mcp.pql import ast as a
from seg_mcp.pql import builder_forms as forms
from seg_mcp.pql.diagnostics import Diagnostic, DiagnosticCode
from seg_mcp.pql.functions import ELEMENT_ARGUMENT
from seg_mcp.pql.lexical import QUALIFIERS, TIME_WORDS, normalise_unit, point, span_of, unescape
from seg_mcp.pql.names import function_problem

__all__ = ["Builder", "build"]


class Builder:
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
        span = span_of(token)
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
            root = a.ContextRef(levels_up=0, span=point(token))
        else:
            root = a.ParameterReference(position=1, span=point(token))
        return a.FieldLookup(object=root, field_name=text, span=span)

    def string(self, node: Tree) -> a.Expr:
        token = str(node.children[0])
        return a.Literal(literal_type="String", value=unescape(token[1:-1]), span=span_of(node))

    def int_(self, node: Tree) -> a.Expr:
        return a.Literal(
            literal_type="Integer", value=int(str(node.children[0])), span=span_of(node)
        )

    def double(self, node: Tree) -> a.Expr:
        return a.Literal(
            literal_type="Double", value=float(str(node.children[0])), span=span_of(node)
        )

    def boolean(self, node: Tree) -> a.Expr:
        token = node.children[0]
        assert isinstance(token, Token)
        return a.Literal(literal_type="Boolean", value=token.type == "TRUE", span=span_of(node))

    def param(self, node: Tree) -> a.Expr:
        token = node.children[0]
        position = int(str(token)[1:])
        if position < 1:
            self.report(
                span_of(node), "parameters are numbered from $1", "write $1 for the profile"
            )
            position = 1
        return a.ParameterReference(position=position, span=span_of(node))

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
                span_of(node),
                f"`{'^' * levels}` climbs {levels} filter level{'s' if levels > 1 else ''} "
                f"but it stands {where}",
                "each ^ refers to the item of one enclosing filter `a[...]`; use fewer ^",
            )
        return a.ContextRef(levels_up=levels, span=span_of(node))

    def time_literal(self, node: Tree) -> a.Expr:
        return a.TimeLiteral(name=TIME_WORDS[str(node.children[0])], span=span_of(node))

    def relative_period(self, node: Tree) -> a.Expr:
        qualifier, unit = node.children
        return a.RelativePeriod(
            qualifier=QUALIFIERS[str(qualifier)],
            unit=normalise_unit(str(unit)),
            span=span_of(node),
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
        return a.ListLiteral(items=tuple(items), span=span_of(node))

    def object_(self, node: Tree) -> a.Expr:
        entries: list[tuple[str, a.Expr]] = []
        seen: set[str] = set()
        for entry in node.children[1:-1]:
            assert isinstance(entry, Tree)
            key_token, value = entry.children
            key = unescape(str(key_token)[1:-1])
            if key in seen:
                self.report(span_of(entry), f'the key "{key}" appears twice')
                continue
            seen.add(key)
            entries.append((key, self.expr(value)))
        return a.ObjectLiteral(entries=tuple(entries), span=span_of(node))

    def _check_function(self, token: Token, method: bool) -> None:
        problem = function_problem(str(token), method)
        if problem is not None:
            message, hint, suggestions = problem
            self.report(span_of(token), message, hint, "unknown-function", suggestions)

    def call(self, node: Tree) -> a.Expr:
        token = node.children[0]
        assert isinstance(token, Token)
        self._check_function(token, method=False)
        args = self._args(node.children[1])
        return a.FnApply(name=str(token), args=tuple(args), form="function", span=span_of(node))

    def field(self, node: Tree) -> a.Expr:
        target, token = node.children
        return a.FieldLookup(object=self.expr(target), field_name=str(token), span=span_of(node))

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
        return a.FnApply(name=name, args=tuple(args), form="method", span=span_of(node))

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
        return a.FnApply(
            name="filter", args=(source, condition), form="bracket", span=span_of(node)
        )

    def negate(self, node: Tree) -> a.Expr:
        operand = self.expr(node.children[1])
        span = span_of(node)
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
            name=str(op), args=(self.expr(left), self.expr(right)), form="infix", span=span_of(node)
        )

    def compare(self, node: Tree) -> a.Expr:
        left, op, right = node.children
        assert isinstance(op, Tree)
        return a.FnApply(
            name=str(op.children[0]),
            args=(self.expr(left), self.expr(right)),
            form="infix",
            span=span_of(node),
        )

    def infix_op(self, node: Tree) -> a.Expr:
        left, op, right = node.children
        assert isinstance(op, Token)
        return a.FnApply(
            name=_INFIX[op.type],
            args=(self.expr(left), self.expr(right)),
            form="infix",
            span=span_of(node),
        )

    def not_op(self, node: Tree) -> a.Expr:
        return a.FnApply(
            name="not", args=(self.expr(node.children[1]),), form="prefix", span=span_of(node)
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
        return a.FnApply(name=op, args=tuple(args), form="infix", span=span_of(node))

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
        return a.Let(name=str(name), value=bound, body=result, span=span_of(node))

    def lambda_expr(self, node: Tree) -> a.Expr:
        names = [str(c) for c in node.children if isinstance(c, Token) and c.type == "NAME"]
        body_node = node.children[-1]
        if len(set(names)) != len(names):
            self.report(span_of(node), "a lambda parameter is named twice")
        self.variables.extend(names)
        try:
            body = self.expr(body_node)
        finally:
            del self.variables[len(self.variables) - len(names) :]
        return a.Lambda(params=tuple(names), body=body, span=span_of(node))

    def unbind(self, count: int) -> None:
        """Forget the ``count`` variables bound last."""
        del self.variables[len(self.variables) - count :]


_RULES: dict[str, Callable[[Builder, Tree], a.Expr]] = {
    "name": Builder.name,
    "string": Builder.string,
    "int": Builder.int_,
    "double": Builder.double,
    "boolean": Builder.boolean,
    "param": Builder.param,
    "upref": Builder.upref,
    "time_literal": Builder.time_literal,
    "paren": Builder.paren,
    "list": Builder.list_,
    "object": Builder.object_,
    "call": Builder.call,
    "field": Builder.field,
    "method": Builder.method,
    "bracket": Builder.bracket,
    "negate": Builder.negate,
    "arith": Builder.arith,
    "compare": Builder.compare,
    "infix_op": Builder.infix_op,
    "occurs": forms.occurs,
    "not_op": Builder.not_op,
    "and_op": Builder.and_op,
    "or_op": Builder.or_op,
    "let_expr": Builder.let_expr,
    "lambda_expr": Builder.lambda_expr,
    "select": forms.select,
    "quantifier": forms.quantifier,
    "aggregate": forms.aggregate,
    "chain": forms.chain,
    "relative_period": Builder.relative_period,
}
"""The builder of each named rule (a rule that ``?`` does not inline)."""

_INFIX = {"IN": "in", "NOTIN": "notIn", "LIKE": "like", "MATCHES": "matches"}
_NULL_WORDS = frozenset({"null", "NULL", "Null", "nil", "None"})


def build(tree: Tree) -> tuple[a.Query, list[Diagnostic]]:
    """The AST of a Lark parse tree produced by :func:`lark_parser`, and the problems found while
    building it (code ``structure`` or ``unknown-function``; empty when the query is sound)."""
    builder = Builder()
    body = builder.expr(tree.children[0])
    return a.Query(body=body, span=span_of(tree)), builder.problems
