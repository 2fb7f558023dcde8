"""AST -> canonical pql/text.

Canonical means: keywords in lower case (chain step keywords upper case, as Adobe writes them),
single spaces around infix operators, ``, `` between arguments, the fewest parentheses that keep
the meaning, ``not (...)`` always parenthesised, bare paths for the profile and the current
element. Printing the parse of a printed text gives the same text back.
"""

from __future__ import annotations

import math
import re

from seg_mcp.pql import ast as a
from seg_mcp.pql.functions import ELEMENT_ARGUMENT, METHOD_NAMES

__all__ = ["PrintError", "canonical_form", "plural_unit", "to_pql_text"]


class PrintError(ValueError):
    """The tree has no pql/text form (only possible for trees built by hand or from pql/json)."""


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Words that are keywords where an expression starts: a profile field with such a name is
# printed as `$1.name`.
_START_KEYWORDS = frozenset(
    {
        "select",
        "exists",
        "forall",
        "let",
        "sum",
        "average",
        "min",
        "max",
        "true",
        "false",
        "now",
        "today",
        "yesterday",
        "tomorrow",
        "xEvent",
    }
)
_START_KEYWORDS_CI = frozenset({"not", "chain", "and", "or"})

# Binding strength; a child printed where a higher minimum is required gets parentheses.
_OPEN = 0  # let, lambda, select, exists/forall, aggregate (extend to the right)
_OR = 1
_AND = 2
_NOT = 3
_CMP = 4
_ADD = 5
_MUL = 6
_UNARY = 7
_POSTFIX = 8

_INFIX_LEVEL = {
    "or": _OR, "and": _AND,
    "=": _CMP, "!=": _CMP, "<": _CMP, "<=": _CMP, ">": _CMP, ">=": _CMP,
    "in": _CMP, "notIn": _CMP, "like": _CMP, "matches": _CMP,
    "+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "%": _MUL,
}  # fmt: skip


def canonical_form(name: str, nargs: int) -> a.FnForm:
    """How a function application is written when nothing says otherwise."""
    if name in ("not", "-") and nargs == 1:
        return "prefix"
    if name == "matches" and nargs == 2:
        return "method"
    if name in _INFIX_LEVEL and nargs >= 2:
        return "infix"
    if name == "filter" and nargs == 2:
        return "bracket"
    if name in METHOD_NAMES and nargs >= 1:
        return "method"
    return "function"


def _usable_form(node: a.FnApply) -> a.FnForm:
    n = len(node.args)
    form = node.form or canonical_form(node.name, n)
    if form == "infix" and not (
        node.name in _INFIX_LEVEL and (n == 2 or node.name in ("and", "or"))
    ):
        form = canonical_form(node.name, n)
    if form == "prefix" and not (node.name in ("not", "-") and n == 1):
        form = canonical_form(node.name, n)
    if form == "bracket" and not (node.name == "filter" and n == 2 and _is_implicit(node.args[1])):
        form = "method" if n >= 1 else "function"
    if form == "method" and n == 0:
        form = "function"
    return form


def _is_implicit(node: a.Node) -> bool:
    return isinstance(node, a.Lambda) and not node.params


def _string(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch in "\u2028\u2029\x85":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def plural_unit(unit: str, amount: int) -> str:
    if amount == 1:
        return unit
    return {"century": "centuries", "millennium": "millennia"}.get(unit, unit + "s")


class _Printer:
    __slots__ = ("depth", "variables")

    def __init__(self) -> None:
        self.depth = 0
        self.variables: list[str] = []

    def p(self, node: a.Node, need: int, tail: bool) -> str:
        """``node`` printed where binding strength ``need`` is required. ``tail`` is True when
        nothing that an open-ended construct (``select ... where c``) would swallow can follow."""
        level = _level(node)
        if level < need or (level == _OPEN and not tail):
            return f"({self.node(node, True)[0]})"
        return self.node(node, tail)[0]

    def node(self, node: a.Node, tail: bool) -> tuple[str, int]:
        method = getattr(self, "n_" + type(node).__name__, None)
        if method is None:
            raise PrintError(f"{type(node).__name__} cannot stand here")
        return method(node, tail)

    # -- leaves ----------------------------------------------------------------------------

    def n_Literal(self, node: a.Literal, tail: bool) -> tuple[str, int]:
        value = node.value
        if node.literal_type == "String":
            return _string(str(value)), _POSTFIX
        if node.literal_type == "Boolean":
            return ("true" if value else "false"), _POSTFIX
        if node.literal_type == "Integer":
            number = int(value)
            return str(number), (_UNARY if number < 0 else _POSTFIX)
        number_f = float(value)
        if not math.isfinite(number_f):
            raise PrintError(f"{number_f} has no pql/text form")
        text = repr(number_f)
        return text, (_UNARY if text.startswith("-") else _POSTFIX)

    def n_ListLiteral(self, node: a.ListLiteral, tail: bool) -> tuple[str, int]:
        return "[" + self.args(node.items) + "]", _POSTFIX

    def n_ObjectLiteral(self, node: a.ObjectLiteral, tail: bool) -> tuple[str, int]:
        n = len(node.entries)
        parts = [
            f"{_string(key)}: {self.p(value, _OPEN, i == n - 1)}"
            for i, (key, value) in enumerate(node.entries)
        ]
        return "{" + ", ".join(parts) + "}", _POSTFIX

    def n_TimeLiteral(self, node: a.TimeLiteral, tail: bool) -> tuple[str, int]:
        return node.name, _POSTFIX

    def n_RelativePeriod(self, node: a.RelativePeriod, tail: bool) -> tuple[str, int]:
        return f"{node.qualifier} {node.unit}", _POSTFIX

    def n_ParameterReference(self, node: a.ParameterReference, tail: bool) -> tuple[str, int]:
        return f"${node.position}", _POSTFIX

    def n_ContextRef(self, node: a.ContextRef, tail: bool) -> tuple[str, int]:
        if node.levels_up == 0:
            raise PrintError("the current element on its own has no pql/text form")
        return "^" * node.levels_up, _POSTFIX

    def n_XEvent(self, node: a.XEvent, tail: bool) -> tuple[str, int]:
        return "xEvent", _POSTFIX

    def n_VarRef(self, node: a.VarRef, tail: bool) -> tuple[str, int]:
        self.ident(node.name)
        return node.name, _POSTFIX

    def n_FieldLookup(self, node: a.FieldLookup, tail: bool) -> tuple[str, int]:
        name = self.ident(node.field_name)
        obj = node.object
        if isinstance(obj, a.ParameterReference) and obj.position == 1 and not self.depth:
            if not self.shadowed(name):
                return name, _POSTFIX
        elif isinstance(obj, a.ContextRef) and obj.levels_up == 0 and self.depth:
            if self.shadowed(name):
                raise PrintError(f"the element field {name} is hidden by a variable or keyword")
            return name, _POSTFIX
        return f"{self.p(obj, _POSTFIX, False)}.{name}", _POSTFIX

    def shadowed(self, name: str) -> bool:
        return (
            name in self.variables or name in _START_KEYWORDS or name.lower() in _START_KEYWORDS_CI
        )

    @staticmethod
    def ident(name: str) -> str:
        if not _IDENT.match(name):
            raise PrintError(f"{name!r} is not a name PQL can write")
        return name

    # -- applications ----------------------------------------------------------------------

    def args(self, items: tuple[a.Node, ...]) -> str:
        n = len(items)
        return ", ".join(self.p(item, _OPEN, i == n - 1) for i, item in enumerate(items))

    def n_FnApply(self, node: a.FnApply, tail: bool) -> tuple[str, int]:
        form = _usable_form(node)
        args = node.args
        name = node.name
        if form == "infix":
            level = _INFIX_LEVEL[name]
            if name in ("and", "or"):
                parts = [
                    self.p(arg, level + 1, tail and i == len(args) - 1)
                    for i, arg in enumerate(args)
                ]
                return f" {name} ".join(parts), level
            left_need = level if level >= _ADD else level + 1
            left = self.p(args[0], left_need, False)
            right = self.p(args[1], level + 1, tail)
            return f"{left} {name} {right}", level
        if form == "prefix":
            if name == "not":
                return f"not ({self.p(args[0], _OPEN, True)})", _NOT
            return f"-{self.p(args[0], _UNARY, tail)}", _UNARY
        if form == "bracket":
            source = self.p(args[0], _POSTFIX, False)
            lam = args[1]
            assert isinstance(lam, a.Lambda)
            return f"{source}[{self.scoped(lam.body)}]", _POSTFIX
        self.ident(name)
        if form == "method":
            receiver = self.p(args[0], _POSTFIX, False)
            return f"{receiver}.{name}({self.method_args(node)})", _POSTFIX
        return f"{name}({self.args(args)})", _POSTFIX

    def method_args(self, node: a.FnApply) -> str:
        rest = node.args[1:]
        scoped = ELEMENT_ARGUMENT.get(node.name)
        parts: list[str] = []
        for index, arg in enumerate(rest, start=1):
            last = index == len(rest)
            if _is_implicit(arg):
                if index != scoped:
                    raise PrintError(f"{node.name}() takes no per-element argument there")
                assert isinstance(arg, a.Lambda)
                parts.append(self.scoped(arg.body, last))
            else:
                parts.append(self.p(arg, _OPEN, last))
        return ", ".join(parts)

    def scoped(self, body: a.Node, tail: bool = True) -> str:
        self.depth += 1
        try:
            return self.p(body, _OPEN, tail)
        finally:
            self.depth -= 1

    def n_Lambda(self, node: a.Lambda, tail: bool) -> tuple[str, int]:
        if not node.params:
            raise PrintError("a per-element expression can only stand in a filter or method")
        for param in node.params:
            self.ident(param)
        self.variables.extend(node.params)
        try:
            body = self.p(node.body, _OPEN, tail)
        finally:
            del self.variables[len(self.variables) - len(node.params) :]
        return f"({', '.join(node.params)}) => {body}", _OPEN

    def n_Let(self, node: a.Let, tail: bool) -> tuple[str, int]:
        self.ident(node.name)
        value = self.p(node.value, _ADD, False)
        self.variables.append(node.name)
        try:
            body = self.p(node.body, _OPEN, tail)
        finally:
            self.variables.pop()
        return f"let {node.name} = {value} in {body}", _OPEN

    # -- declarations ----------------------------------------------------------------------

    def decls(self, decls: tuple[a.VarDecl, ...], tail: bool) -> str:
        parts: list[str] = []
        bound = 0
        try:
            for i, decl in enumerate(decls):
                self.ident(decl.name)
                text = f"{decl.name} from {self.p(decl.range, _POSTFIX, False)}"
                self.variables.append(decl.name)
                bound += 1
                if decl.condition is not None:
                    last = tail and i == len(decls) - 1
                    text += f" where {self.p(decl.condition, _OPEN, last)}"
                parts.append(text)
        finally:
            del self.variables[len(self.variables) - bound :]
        return ", ".join(parts)

    def n_Select(self, node: a.Select, tail: bool) -> tuple[str, int]:
        return f"select {self.decls(node.decls, tail)}", _OPEN

    def n_Quantifier(self, node: a.Quantifier, tail: bool) -> tuple[str, int]:
        return f"{node.kind} {self.decls(node.decls, tail)}", _OPEN

    def n_Aggregate(self, node: a.Aggregate, tail: bool) -> tuple[str, int]:
        if node.value is None:
            return f"{node.function} {self.decls(node.decls, tail)}", _OPEN
        names = [d.name for d in node.decls]
        self.variables.extend(names)
        try:
            value = self.p(node.value, _OPEN, False)
        finally:
            del self.variables[len(self.variables) - len(names) :]
        return f"{node.function} {value} over {self.decls(node.decls, tail)}", _OPEN

    # -- time ------------------------------------------------------------------------------

    def n_Occurs(self, node: a.Occurs, tail: bool) -> tuple[str, int]:
        subject = self.p(node.subject, _ADD, False)
        return f"{subject} occurs {self.window(node.window)}", _CMP

    def window(self, window: a.TimeWindow) -> str:
        anchor = self.anchor(window.anchor)
        if window.kind == "relative":
            amount = window.amount if window.amount is not None else 0
            unit = window.unit or "day"
            return (
                f"{window.comparison or '='} {amount} {plural_unit(unit, amount)} "
                f"{window.direction or 'before'} {anchor}"
            )
        if window.kind == "direction":
            return f"{window.direction or 'before'} {anchor}"
        if window.kind == "between":
            end = self.anchor(window.end) if window.end is not None else anchor
            return f"between {anchor} and {end}"
        if isinstance(window.anchor, a.TimeLiteral | a.RelativePeriod):
            return anchor
        return f"on {anchor}"

    def anchor(self, node: a.Node) -> str:
        if isinstance(node, a.RelativePeriod):
            return f"{node.qualifier} {node.unit}"
        return self.p(node, _POSTFIX, False)

    def n_Chain(self, node: a.Chain, tail: bool) -> tuple[str, int]:
        source = self.p(node.source, _POSTFIX, False)
        self.depth += 1
        try:
            timestamp = self.p(node.timestamp, _POSTFIX, False)
        finally:
            self.depth -= 1
        steps: list[str] = []
        labels = 0
        try:
            for step in node.steps:
                steps.append(self.step(step))
                self.variables.append(step.label)
                labels += 1
        finally:
            del self.variables[len(self.variables) - labels :]
        return f"chain({source}, {timestamp}, [{', '.join(steps)}])", _POSTFIX

    def step(self, step: a.ChainStep) -> str:
        self.ident(step.label)
        self.depth += 1
        try:
            text = f"{step.label}: WHAT({self.p(step.what, _OPEN, True)})"
            if step.where is not None:
                text += f" WHERE({self.p(step.where, _OPEN, True)})"
            if step.when is not None:
                text += f" WHEN({self.window(step.when)})"
        finally:
            self.depth -= 1
        if step.count is not None:
            text += f" COUNT({step.count})"
        return text

    def n_Query(self, node: a.Query, tail: bool) -> tuple[str, int]:
        return self.p(node.body, _OPEN, True), _POSTFIX


def _level(node: a.Node) -> int:
    if isinstance(node, a.Literal):
        value = node.value
        negative = not isinstance(value, bool | str) and value < 0
        if isinstance(value, float) and math.copysign(1.0, value) < 0:
            negative = True
        return _UNARY if negative else _POSTFIX
    if isinstance(node, a.FnApply):
        form = _usable_form(node)
        if form == "infix":
            return _INFIX_LEVEL[node.name]
        if form == "prefix":
            return _NOT if node.name == "not" else _UNARY
        return _POSTFIX
    if isinstance(node, a.Occurs):
        return _CMP
    if isinstance(node, a.Let | a.Lambda | a.Select | a.Quantifier | a.Aggregate):
        return _OPEN
    return _POSTFIX


def to_pql_text(node: a.Node) -> str:
    """Canonical pql/text of a :class:`~seg_mcp.pql.ast.Query` or any expression node.

    Raises :class:`PrintError` (a ``ValueError``) for a hand-built tree that has no text form
    (a bare current element, a name that is not an identifier, ...)."""
    printer = _Printer()
    if isinstance(node, a.Query):
        return printer.p(node.body, _OPEN, True)
    return printer.p(node, _OPEN, True)
