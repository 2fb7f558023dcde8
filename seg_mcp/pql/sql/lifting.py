"""Helpers every function's SQL uses: the arity check, and lifting a scalar predicate over an
array operand (``xEvent.eventType.startsWith("commerce")`` holds when some element does)."""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from seg_mcp.pql import ast as a
from seg_mcp.pql.sql.errors import cannot
from seg_mcp.pql.sql.values import Compiled, Relation, SqlValue, exists, merge

if t.TYPE_CHECKING:
    from seg_mcp.pql.sql.compiler import Compiler

__all__ = ["arity", "elements_if_list", "lift"]


def arity(node: a.FnApply, *counts: int) -> None:
    """Refuse an application with another number of arguments than ``counts``."""
    if len(node.args) not in counts:
        expected = " or ".join(str(n) for n in counts)
        raise cannot(f"{node.name} takes {expected} argument(s), got {len(node.args)}", node)


def lift(
    compiler: Compiler, operands: list[Compiled], build: Callable[[list[SqlValue]], SqlValue]
) -> SqlValue:
    """``build`` over scalar operands; array operands (events, projections) make it existential
    over their elements."""
    relations = [op for op in operands if isinstance(op, Relation)]
    result = build([op.elem if isinstance(op, Relation) else op for op in operands])
    if not relations:
        return result
    joined = relations[0]
    for relation in relations[1:]:
        joined = merge(joined, relation)
    return exists(joined.where(compiler.truth(result).sql))


def elements_if_list(compiler: Compiler, value: Compiled, node: a.Node) -> Compiled:
    """A SQL list becomes its elements (for existential predicates)."""
    if isinstance(value, SqlValue) and value.type.kind == "list":
        return compiler.to_rel(value, node)
    return value
