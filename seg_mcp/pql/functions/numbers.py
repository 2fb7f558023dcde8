"""Arithmetic: ``+ - * / %`` (``-`` with one argument negates), declared once (typing, SQL,
wording). Division by zero is null."""

from __future__ import annotations

import typing as t

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.fndef import FunctionDef
from seg_mcp.pql.ptypes import NUMBER, TIMESTAMP, PType
from seg_mcp.pql.sql.lifting import arity
from seg_mcp.pql.sql.types import DOUBLE, INTEGER
from seg_mcp.pql.sql.values import Compiled, SqlValue, call
from seg_mcp.pql.typerules import arg_types

if t.TYPE_CHECKING:
    from seg_mcp.pql.explain import Words
    from seg_mcp.pql.infer import Inference
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["DEFS"]

_SQL: dict[str, type[exp.Binary]] = {
    "+": exp.Add,
    "-": exp.Sub,
    "*": exp.Mul,
    "/": exp.Div,
    "%": exp.Mod,
}


def _arithmetic_type(inf: Inference, node: a.FnApply) -> PType:
    result = NUMBER
    for arg, value in zip(node.args, arg_types(inf, node), strict=True):
        kind = value.scalar.kind
        if kind == "timestamp":
            result = TIMESTAMP
        elif kind not in ("number", "any"):
            inf.error(
                arg.span,
                f"arithmetic ({node.name}) needs numbers; {inf.subject(arg, value)}",
                "type-mismatch",
            )
    return result


def _arithmetic_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    if node.name == "-" and len(node.args) == 1:
        operand = compiler.numeric(compiler.val(node.args[0], scope), node.args[0])
        return SqlValue(exp.Neg(this=exp.Paren(this=operand.sql)), operand.type)
    arity(node, 2)
    left, right = (compiler.numeric(compiler.val(arg, scope), arg) for arg in node.args)
    divisor = right.sql
    if node.name in ("/", "%"):
        divisor = call("nullif", divisor, exp.Literal.number(0))  # division by zero is null
    sql = _SQL[node.name](this=exp.Paren(this=left.sql), expression=exp.Paren(this=divisor))
    integral = left.type.kind == right.type.kind == "integer" and node.name != "/"
    return SqlValue(sql, INTEGER if integral else DOUBLE)


def _arithmetic_words(words: Words, node: a.FnApply) -> str | None:
    if len(node.args) != 2:
        return None
    return f"{words.value(node.args[0])} {node.name} {words.value(node.args[1])}"


DEFS: tuple[FunctionDef, ...] = tuple(
    FunctionDef(
        name=name,
        returns="number",
        types=_arithmetic_type,
        sql=_arithmetic_sql,
        value_words=_arithmetic_words,
    )
    for name in _SQL
)
