"""The AST builder's larger forms, as functions of the :class:`~seg_mcp.pql.builder.Builder`:
declarations (``select``, ``exists``/``forall``, ``sum ... over``), time (``occurs`` and its
window) and ``chain(...)`` with its steps."""

from __future__ import annotations

import typing as t

from lark import Token, Tree

from seg_mcp.pql import ast as a
from seg_mcp.pql.lexical import (
    AGGREGATES,
    COMPARISONS,
    DIRECTIONS,
    QUANTIFIERS,
    normalise_unit,
    span_of,
)

if t.TYPE_CHECKING:
    from seg_mcp.pql.builder import Builder

__all__ = ["aggregate", "chain", "declarations", "occurs", "quantifier", "select", "time_window"]

# -- declarations ----------------------------------------------------------------------


def declarations(builder: Builder, node: Tree | Token) -> tuple[a.VarDecl, ...]:
    """Convert declarations, leaving their variables bound (the caller unbinds)."""
    assert isinstance(node, Tree)
    decls: list[a.VarDecl] = []
    for decl in node.children:
        assert isinstance(decl, Tree)
        name_token = decl.children[0]
        range_node = decl.children[2]
        range_expr = builder.expr(range_node)
        builder.variables.append(str(name_token))
        condition = builder.expr(decl.children[4]) if len(decl.children) > 4 else None
        decls.append(
            a.VarDecl(
                name=str(name_token), range=range_expr, condition=condition, span=span_of(decl)
            )
        )
    return tuple(decls)


def select(builder: Builder, node: Tree) -> a.Expr:
    decls = declarations(builder, node.children[1])
    builder.unbind(len(decls))
    return a.Select(decls=decls, span=span_of(node))


def quantifier(builder: Builder, node: Tree) -> a.Expr:
    kind = QUANTIFIERS[str(node.children[0])]
    decls = declarations(builder, node.children[1])
    builder.unbind(len(decls))
    return a.Quantifier(kind=kind, decls=decls, span=span_of(node))


def aggregate(builder: Builder, node: Tree) -> a.Expr:
    function = AGGREGATES[str(node.children[0])]
    decls_node = node.children[-1]
    decls = declarations(builder, decls_node)
    try:
        value = builder.expr(node.children[1]) if len(node.children) == 4 else None
    finally:
        builder.unbind(len(decls))
    return a.Aggregate(
        function=function,
        value=value,
        decls=decls,
        span=span_of(node),
    )


# -- time ------------------------------------------------------------------------------


def occurs(builder: Builder, node: Tree) -> a.Expr:
    subject, _occurs, window = node.children
    assert isinstance(window, Tree)
    return a.Occurs(
        subject=builder.expr(subject), window=time_window(builder, window), span=span_of(node)
    )


def time_window(builder: Builder, node: Tree) -> a.TimeWindow:
    kind = node.data
    children = node.children
    span = span_of(node)
    if kind == "tw_relative":
        op, amount, unit, direction, anchor = children
        assert isinstance(op, Tree)
        return a.TimeWindow(
            kind="relative",
            comparison=COMPARISONS[str(op.children[0])],
            amount=int(str(amount)),
            unit=normalise_unit(str(unit)),
            direction=DIRECTIONS[str(direction)],
            anchor=builder.expr(anchor),
            span=span,
        )
    if kind == "tw_direction":
        direction, anchor = children
        return a.TimeWindow(
            kind="direction",
            direction=DIRECTIONS[str(direction)],
            anchor=builder.expr(anchor),
            span=span,
        )
    if kind == "tw_between":
        _between, start, _and, end = children
        return a.TimeWindow(
            kind="between", anchor=builder.expr(start), end=builder.expr(end), span=span
        )
    anchor = children[-1]
    return a.TimeWindow(kind="on", anchor=builder.expr(anchor), span=span)


# -- chain -----------------------------------------------------------------------------


def chain(builder: Builder, node: Tree) -> a.Expr:
    children = [c for c in node.children if isinstance(c, Tree)]
    source = builder.expr(children[0])
    builder.depth += 1
    try:
        timestamp = builder.expr(children[1])
    finally:
        builder.depth -= 1
    steps: list[a.ChainStep] = []
    labels: list[str] = []
    try:
        for step_node in children[2:]:
            built = step(builder, step_node, labels)
            steps.append(built)
            labels.append(built.label)
            builder.variables.append(built.label)
    finally:
        builder.unbind(len(labels))
    return a.Chain(source=source, timestamp=timestamp, steps=tuple(steps), span=span_of(node))


def step(builder: Builder, node: Tree, labels: list[str]) -> a.ChainStep:
    label_token = node.children[0]
    label = str(label_token)
    if label in labels:
        builder.report(
            span_of(label_token),
            f"the chain step label {label} is used twice",
            "give every step its own label (A, B, C, ...)",
        )
    what_node = node.children[3]
    where: a.Expr | None = None
    when: a.TimeWindow | None = None
    count: int | None = None
    builder.depth += 1
    try:
        what = builder.expr(what_node)
        for clause in node.children[5:]:
            assert isinstance(clause, Tree)
            keyword = clause.children[0]
            seen = {"step_where": where, "step_when": when, "step_count": count}
            if seen[clause.data] is not None:
                builder.report(
                    span_of(clause), f"{str(keyword).upper()}(...) is given twice in step {label}"
                )
            elif clause.data == "step_where":
                where = builder.expr(clause.children[1])
            elif clause.data == "step_when":
                window = clause.children[1]
                assert isinstance(window, Tree)
                when = time_window(builder, window)
            else:
                count = int(str(clause.children[1]))
                if count < 1:
                    builder.report(span_of(clause.children[1]), "COUNT(n) needs n of at least 1")
    finally:
        builder.depth -= 1
    return a.ChainStep(
        label=label, what=what, where=where, when=when, count=count, span=span_of(node)
    )
