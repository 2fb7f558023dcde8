"""Typing helpers shared by the function declarations (``seg_mcp/pql/functions/``): type every
argument, check that two compared values can meet, check a method's receiver. Messages name
expressions through the :class:`~seg_mcp.pql.infer.Inference` they are given."""

from __future__ import annotations

import difflib
import typing as t

from seg_mcp.pql import ast as a
from seg_mcp.pql.ptypes import ANY, PType

if t.TYPE_CHECKING:
    from seg_mcp.pql.infer import Inference

__all__ = [
    "LIKE_HINT",
    "STRING_METHOD_HINT",
    "arg_types",
    "check_enum",
    "check_pair",
    "receiver",
    "value_words",
]

LIKE_HINT = "like is for strings; for numbers compare with < > (e.g. person.birthYear > 1980)"
STRING_METHOD_HINT = "string methods work on strings; compare numbers with = < >"


def arg_types(inf: Inference, node: a.FnApply) -> list[PType]:
    return [inf.expr(arg) for arg in node.args]


def value_words(inf: Inference, node: a.Node, value: PType) -> str:
    if isinstance(node, a.Literal):
        if node.literal_type == "String":
            return f"the string {inf.text(node)}"
        kind = "boolean" if node.literal_type == "Boolean" else "number"
        return f"the {kind} {inf.text(node)}"
    return f"`{inf.text(node)}` ({value.words()})"


def _numeric_text(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def check_pair(
    inf: Inference,
    left: a.Node,
    lt: PType,
    right: a.Node,
    rt: PType,
    verb: str = "but is compared with",
) -> None:
    """Report when two compared values cannot be equal or ordered (projected arrays compare
    item-wise); allow what Adobe coerces (a timestamp with a string or a number, ``"true"`` with
    a boolean, a numeric string with a number: the last with a warning)."""
    x, y = lt.scalar, rt.scalar
    if x.kind == "any" or y.kind == "any":
        return
    if x.kind == y.kind:
        check_enum(inf, x, right)
        check_enum(inf, y, left)
        return
    pair = {x.kind, y.kind}
    if pair in ({"timestamp", "string"}, {"timestamp", "number"}):
        return
    field_side, field_type, other, other_type = left, x, right, y
    if x.info is None and y.info is not None:
        field_side, field_type, other, other_type = right, y, left, x
    literal = other if isinstance(other, a.Literal) else None
    if (
        pair == {"boolean", "string"}
        and literal is not None
        and other_type.kind == "string"
        and literal.value in ("true", "false")
    ):
        return
    if (
        field_type.kind == "number"
        and literal is not None
        and literal.literal_type == "String"
        and _numeric_text(literal.value)
    ):
        inf.warn(
            other.span,
            f"{inf.subject(field_side, field_type)}, {verb} the string {inf.text(other)}; "
            "Adobe converts it to a number",
            "type-mismatch",
            hint=f"write the number without quotes: {literal.value}",
        )
        return
    hint = None
    if field_type.info is None:
        pass
    elif field_type.kind == "string" and literal is not None and other_type.kind == "number":
        hint = f'write the value in double quotes: "{inf.text(literal)}"'
    elif field_type.kind == "number" and other_type.kind == "string":
        hint = "compare a number with a number, e.g. person.birthYear > 1980"
    inf.error(
        other.span if literal is not None else field_side.span,
        f"{inf.subject(field_side, field_type)}, {verb} {value_words(inf, other, other_type)}",
        "type-mismatch",
        hint=hint,
    )


def check_enum(inf: Inference, value: PType, other: a.Node) -> None:
    info = value.info
    if info is None or not info.enum or not isinstance(other, a.Literal):
        return
    if other.literal_type != "String" or other.value in info.enum:
        return
    close = tuple(difflib.get_close_matches(str(other.value), list(info.enum), n=3, cutoff=0.5))
    shown = ", ".join(f'"{v}"' for v in info.enum[:10])
    inf.warn(
        other.span,
        f"{inf.text(other)} is not one of the values `{info.path}` allows ({shown}"
        f"{', ...' if len(info.enum) > 10 else ''})",
        "type-mismatch",
        hint=f'did you mean "{close[0]}"?' if close else None,
        suggestions=tuple(f'"{v}"' for v in close),
    )


def receiver(inf: Inference, node: a.FnApply, wanted: frozenset[str]) -> PType:
    """Type the receiver and report one that is known and not of a wanted kind."""
    if not node.args:
        return ANY
    value = inf.expr(node.args[0])
    if value.kind != "any" and value.kind not in wanted:
        need = " or ".join(f"an {k}" if k[0] in "aeiou" else f"a {k}" for k in sorted(wanted))
        inf.error(
            node.args[0].span,
            f"{node.name} works on {need}; {inf.subject(node.args[0], value)}",
            "type-mismatch",
        )
        return ANY
    return value
