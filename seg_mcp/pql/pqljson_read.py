"""pql/json -> AST (the reading half of ``pqljson.py``): :class:`Reader` checks every node and
says where a bad one is (:class:`PqlJsonError`, with a JSON path such as ``$.params[0]``)."""

from __future__ import annotations

import math
import re
import typing as t

from seg_mcp.pql import ast as a
from seg_mcp.pql.printer import canonical_form

__all__ = ["PqlJsonError", "Reader"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPERATOR_ARITY = {
    "=": 2, "!=": 2, "<": 2, "<=": 2, ">": 2, ">=": 2, "+": 2, "*": 2, "/": 2, "%": 2,
    "in": 2, "notIn": 2, "like": 2, "not": 1,
}  # fmt: skip


class PqlJsonError(ValueError):
    """pql/json that is not a valid expression tree; ``path`` locates the bad node
    (``$.params[0].object``)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{message} at {path}")
        self.message = message
        self.path = path


class Reader:
    """Reads one pql/json tree; each ``r_<nodeType>`` method reads that node type."""

    def expr(self, node: t.Any, path: str) -> a.Expr:
        if not isinstance(node, t.Mapping):
            raise PqlJsonError("expected a node (a JSON object with nodeType)", path)
        kind = node.get("nodeType")
        reader = getattr(self, f"r_{kind}", None) if isinstance(kind, str) else None
        if reader is None:
            raise PqlJsonError(f"unknown nodeType {kind!r}", path)
        return reader(node, path)

    @staticmethod
    def field(node: t.Mapping[str, t.Any], key: str, path: str, kind: type | tuple = str) -> t.Any:
        if key not in node:
            raise PqlJsonError(f"missing {key!r}", path)
        value = node[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PqlJsonError(f"{key!r} has the wrong type", f"{path}.{key}")
        return value

    def name(self, node: t.Mapping[str, t.Any], key: str, path: str) -> str:
        value = self.field(node, key, path)
        if not _IDENT.match(value):
            raise PqlJsonError(f"{value!r} is not a PQL name", f"{path}.{key}")
        return value

    # -- documented node types -------------------------------------------------------------

    def r_literal(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        literal_type = str(node.get("literalType", "")).lower()
        value = node.get("value")
        if literal_type == "xdmobject":
            return a.ParameterReference(position=1)
        if literal_type == "list":
            if not isinstance(value, list):
                raise PqlJsonError("a List literal needs a list value", f"{path}.value")
            items = tuple(self.scalar(v, f"{path}.value[{i}]") for i, v in enumerate(value))
            return a.ListLiteral(items=items)
        if literal_type in ("timestamp", "timereference") and value in (
            "now",
            "today",
            "yesterday",
            "tomorrow",
        ):
            return a.TimeLiteral(name=value)
        return self.typed_scalar(literal_type, value, path)

    def typed_scalar(self, literal_type: str, value: t.Any, path: str) -> a.Literal:
        try:
            if literal_type == "string":
                if not isinstance(value, str):
                    raise ValueError
                return a.Literal(literal_type="String", value=value)
            if literal_type in ("integer", "int", "long", "short", "byte"):
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                return a.Literal(literal_type="Integer", value=int(value))
            if literal_type in ("double", "number", "float", "decimal"):
                number = float(value)
                if isinstance(value, bool) or not math.isfinite(number):
                    raise ValueError
                return a.Literal(literal_type="Double", value=number)
            if literal_type == "boolean":
                if isinstance(value, str) and value.lower() in ("true", "false"):
                    value = value.lower() == "true"
                if not isinstance(value, bool):
                    raise ValueError
                return a.Literal(literal_type="Boolean", value=value)
        except (TypeError, ValueError):
            raise PqlJsonError(
                f"{value!r} is not a {literal_type} value", f"{path}.value"
            ) from None
        raise PqlJsonError(f"unknown literalType {literal_type!r}", f"{path}.literalType")

    def scalar(self, value: t.Any, path: str) -> a.Expr:
        if isinstance(value, bool):
            return a.Literal(literal_type="Boolean", value=value)
        if isinstance(value, int):
            return a.Literal(literal_type="Integer", value=value)
        if isinstance(value, float) and math.isfinite(value):
            return a.Literal(literal_type="Double", value=value)
        if isinstance(value, str):
            return a.Literal(literal_type="String", value=value)
        if isinstance(value, list):
            items = tuple(self.scalar(v, f"{path}[{i}]") for i, v in enumerate(value))
            return a.ListLiteral(items=items)
        raise PqlJsonError(f"{value!r} cannot be a list item", path)

    def r_fieldLookup(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        name = self.field(node, "fieldName", path)
        if not name:
            raise PqlJsonError("empty fieldName", f"{path}.fieldName")
        obj = self.expr(node.get("object"), f"{path}.object")
        if name == "xEvent" and isinstance(obj, a.ParameterReference) and obj.position == 1:
            return a.XEvent()
        return a.FieldLookup(object=obj, field_name=name)

    def r_parameterReference(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        position = self.field(node, "position", path, int)
        if position < 1:
            raise PqlJsonError("positions start at 1", f"{path}.position")
        return a.ParameterReference(position=position)

    def r_varRef(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        return a.VarRef(name=self.name(node, "varName", path))

    def r_fnApply(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        if "fnName" not in node and "function" in node:
            raise PqlJsonError(
                "applying an inline function (fnApply.function) is not supported", path
            )
        name = self.field(node, "fnName", path)
        raw = node.get("params", [])
        if not isinstance(raw, list):
            raise PqlJsonError("'params' must be a list", f"{path}.params")
        args = tuple(self.expr(p, f"{path}.params[{i}]") for i, p in enumerate(raw))
        expected = _OPERATOR_ARITY.get(name)
        if name == "-" and len(args) not in (1, 2):
            expected = 2
        if expected is not None and len(args) != expected:
            raise PqlJsonError(f"{name} takes {expected} params, got {len(args)}", path)
        if name in ("and", "or") and len(args) < 2:
            raise PqlJsonError(f"{name} takes at least 2 params", path)
        if name == "matches" and len(args) != 2:
            raise PqlJsonError("matches takes 2 params", path)
        if (
            not _IDENT.match(name)
            and expected is None
            and name not in ("-", "and", "or", "matches")
        ):
            raise PqlJsonError(f"{name!r} is not a function name", f"{path}.fnName")
        form = node.get("form")
        if form not in (None, "infix", "prefix", "function", "method", "bracket"):
            raise PqlJsonError(f"unknown form {form!r}", f"{path}.form")
        if form is not None and form != canonical_form(name, len(args)):
            return a.FnApply(name=name, args=args, form=form)
        return a.FnApply(name=name, args=args)

    def r_lambda(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        raw = node.get("params", [])
        if not isinstance(raw, list):
            raise PqlJsonError("'params' must be a list", f"{path}.params")
        names: list[str] = []
        for i, param in enumerate(raw):
            if isinstance(param, str):
                param = {"varName": param}
            if not isinstance(param, t.Mapping):
                raise PqlJsonError("a parameter is {'varName': name}", f"{path}.params[{i}]")
            names.append(self.name(param, "varName", f"{path}.params[{i}]"))
        body = self.expr(node.get("body"), f"{path}.body")
        return a.Lambda(params=tuple(names), body=body)

    r_fnCreate = r_lambda

    def decls(self, node: t.Mapping[str, t.Any], path: str) -> tuple[a.VarDecl, ...]:
        raw = node.get("variables")
        if not isinstance(raw, list) or not raw:
            raise PqlJsonError("'variables' must be a non-empty list", f"{path}.variables")
        out: list[a.VarDecl] = []
        for i, decl in enumerate(raw):
            where = f"{path}.variables[{i}]"
            if not isinstance(decl, t.Mapping) or decl.get("nodeType") != "varDecl":
                raise PqlJsonError("expected a varDecl node", where)
            condition = decl.get("condition")
            out.append(
                a.VarDecl(
                    name=self.name(decl, "varName", where),
                    range=self.expr(decl.get("range"), f"{where}.range"),
                    condition=None
                    if condition is None
                    else self.expr(condition, f"{where}.condition"),
                )
            )
        return tuple(out)

    def r_select(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        return a.Select(decls=self.decls(node, path))

    def r_exists(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        return a.Quantifier(kind="exists", decls=self.decls(node, path))

    def r_forall(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        return a.Quantifier(kind="forall", decls=self.decls(node, path))

    # -- emulated node types ---------------------------------------------------------------

    def r_list(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        raw = self.field(node, "items", path, list)
        return a.ListLiteral(
            items=tuple(self.expr(v, f"{path}.items[{i}]") for i, v in enumerate(raw))
        )

    def r_object(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        raw = self.field(node, "fields", path, dict)
        entries = tuple((str(k), self.expr(v, f"{path}.fields.{k}")) for k, v in raw.items())
        return a.ObjectLiteral(entries=entries)

    def r_contextRef(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        levels = self.field(node, "levelsUp", path, int)
        if levels < 0:
            raise PqlJsonError("levelsUp cannot be negative", f"{path}.levelsUp")
        return a.ContextRef(levels_up=levels)

    def r_timePeriod(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        qualifier = self.field(node, "qualifier", path)
        if qualifier not in ("this", "last", "next"):
            raise PqlJsonError("qualifier is this, last or next", f"{path}.qualifier")
        return a.RelativePeriod(qualifier=qualifier, unit=self.unit(node, path))

    def unit(self, node: t.Mapping[str, t.Any], path: str) -> a.TimeUnit:
        unit = self.field(node, "unit", path)
        if unit not in a.TIME_UNITS:
            raise PqlJsonError(f"unknown unit {unit!r}", f"{path}.unit")
        return t.cast(a.TimeUnit, unit)

    def r_aggregate(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        function = self.field(node, "function", path)
        if function not in ("sum", "average", "min", "max"):
            raise PqlJsonError("function is sum, average, min or max", f"{path}.function")
        value = node.get("value")
        return a.Aggregate(
            function=function,
            value=None if value is None else self.expr(value, f"{path}.value"),
            decls=self.decls(node, path),
        )

    def r_let(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        return a.Let(
            name=self.name(node, "varName", path),
            value=self.expr(node.get("value"), f"{path}.value"),
            body=self.expr(node.get("body"), f"{path}.body"),
        )

    def r_occurs(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        return a.Occurs(
            subject=self.expr(node.get("subject"), f"{path}.subject"),
            window=self.window(node.get("window"), f"{path}.window"),
        )

    def window(self, node: t.Any, path: str) -> a.TimeWindow:
        if not isinstance(node, t.Mapping) or node.get("nodeType") != "timeWindow":
            raise PqlJsonError("expected a timeWindow node", path)
        kind = node.get("kind")
        anchor = self.expr(node.get("anchor"), f"{path}.anchor")
        if kind == "on":
            return a.TimeWindow(kind="on", anchor=anchor)
        if kind == "between":
            return a.TimeWindow(
                kind="between", anchor=anchor, end=self.expr(node.get("end"), f"{path}.end")
            )
        direction = node.get("direction")
        if direction not in ("before", "after", "from"):
            raise PqlJsonError("direction is before, after or from", f"{path}.direction")
        if kind == "direction":
            return a.TimeWindow(kind="direction", direction=direction, anchor=anchor)
        if kind != "relative":
            raise PqlJsonError(f"unknown window kind {kind!r}", f"{path}.kind")
        comparison = node.get("comparison")
        if comparison not in a.COMPARISON_OPERATORS:
            raise PqlJsonError("comparison is =, !=, <, <=, > or >=", f"{path}.comparison")
        amount = self.field(node, "amount", path, int)
        if amount < 0:
            raise PqlJsonError("amount cannot be negative", f"{path}.amount")
        return a.TimeWindow(
            kind="relative",
            comparison=comparison,
            amount=amount,
            unit=self.unit(node, path),
            direction=direction,
            anchor=anchor,
        )

    def r_chain(self, node: t.Mapping[str, t.Any], path: str) -> a.Expr:
        raw = self.field(node, "steps", path, list)
        if not raw:
            raise PqlJsonError("a chain needs at least one step", f"{path}.steps")
        steps = []
        for i, step in enumerate(raw):
            where = f"{path}.steps[{i}]"
            if not isinstance(step, t.Mapping):
                raise PqlJsonError("expected a chainStep node", where)
            count = step.get("count")
            if count is not None and (
                not isinstance(count, int) or isinstance(count, bool) or count < 1
            ):
                raise PqlJsonError("count is a whole number of at least 1", f"{where}.count")
            steps.append(
                a.ChainStep(
                    label=self.name(step, "label", where),
                    what=self.expr(step.get("what"), f"{where}.what"),
                    where=None
                    if step.get("where") is None
                    else self.expr(step["where"], f"{where}.where"),
                    when=None
                    if step.get("when") is None
                    else self.window(step["when"], f"{where}.when"),
                    count=count,
                )
            )
        return a.Chain(
            source=self.expr(node.get("source"), f"{path}.source"),
            timestamp=self.expr(node.get("timestamp"), f"{path}.timestamp"),
            steps=tuple(steps),
        )
