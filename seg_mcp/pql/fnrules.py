"""Typing rules of the operators, functions and methods (one function per family), used by the
inference pass in ``infer.py``: each types its arguments, reports what does not fit, and returns
the result type."""

from __future__ import annotations

import difflib
import typing as t
from collections.abc import Callable

from seg_mcp.pql import ast as a
from seg_mcp.pql.ptypes import (
    ANY,
    BOOLEAN,
    NUMBER,
    NUMERIC,
    SCALARS,
    STRING,
    STRINGS,
    TEMPORAL,
    TIMESTAMP,
    PType,
    array_of,
    subject,
    text_of,
)

if t.TYPE_CHECKING:
    from seg_mcp.pql.infer import Inference

__all__ = ["RULES"]

Rule = Callable[["Inference", a.FnApply], PType]

LIKE_HINT = "like is for strings; for numbers compare with < > (e.g. person.birthYear > 1980)"
STRING_METHOD_HINT = "string methods work on strings; compare numbers with = < >"


def _all(inf: Inference, node: a.FnApply) -> list[PType]:
    return [inf.expr(arg) for arg in node.args]


def _logical(inf: Inference, node: a.FnApply) -> PType:
    _all(inf, node)
    return BOOLEAN


def _value_words(node: a.Node, value: PType) -> str:
    if isinstance(node, a.Literal):
        if node.literal_type == "String":
            return f"the string {text_of(node)}"
        kind = "boolean" if node.literal_type == "Boolean" else "number"
        return f"the {kind} {text_of(node)}"
    return f"`{text_of(node)}` ({value.words()})"


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
        _check_enum(inf, x, right)
        _check_enum(inf, y, left)
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
            f"{subject(field_side, field_type)}, {verb} the string {text_of(other)}; "
            "Adobe converts it to a number",
            "type-mismatch",
            hint=f"write the number without quotes: {literal.value}",
        )
        return
    hint = None
    if field_type.info is None:
        pass
    elif field_type.kind == "string" and literal is not None and other_type.kind == "number":
        hint = f'write the value in double quotes: "{text_of(literal)}"'
    elif field_type.kind == "number" and other_type.kind == "string":
        hint = "compare a number with a number, e.g. person.birthYear > 1980"
    inf.error(
        other.span if literal is not None else field_side.span,
        f"{subject(field_side, field_type)}, {verb} {_value_words(other, other_type)}",
        "type-mismatch",
        hint=hint,
    )


def _check_enum(inf: Inference, value: PType, other: a.Node) -> None:
    info = value.info
    if info is None or not info.enum or not isinstance(other, a.Literal):
        return
    if other.literal_type != "String" or other.value in info.enum:
        return
    close = tuple(difflib.get_close_matches(str(other.value), list(info.enum), n=3, cutoff=0.5))
    shown = ", ".join(f'"{v}"' for v in info.enum[:10])
    inf.warn(
        other.span,
        f"{text_of(other)} is not one of the values `{info.path}` allows ({shown}"
        f"{', ...' if len(info.enum) > 10 else ''})",
        "type-mismatch",
        hint=f'did you mean "{close[0]}"?' if close else None,
        suggestions=tuple(f'"{v}"' for v in close),
    )


def _compare(inf: Inference, node: a.FnApply) -> PType:
    types = _all(inf, node)
    if len(node.args) != 2:
        return BOOLEAN
    left, right = node.args
    lt, rt = types
    if left == right and isinstance(left, a.FieldLookup):
        inf.warn(
            node.span,
            f"`{text_of(left)}` is compared with itself: "
            + ("true whenever it is set" if node.name in ("=", "<=", ">=") else "never true"),
            "structure",
            hint="compare it with another field or a value",
        )
    if node.name in ("<", "<=", ">", ">="):
        for side, value in ((left, lt), (right, rt)):
            kind = value.scalar.kind
            if kind in ("boolean", "object", "map"):
                inf.error(
                    side.span,
                    f"{node.name} orders numbers, strings and timestamps; {subject(side, value)}",
                    "type-mismatch",
                )
                return BOOLEAN
    check_pair(inf, left, lt, right, rt)
    return BOOLEAN


def _membership(inf: Inference, node: a.FnApply) -> PType:
    if len(node.args) != 2:
        _all(inf, node)
        return BOOLEAN
    left, right = node.args
    lt = inf.expr(left)
    if isinstance(right, a.ListLiteral):
        for item in right.items:
            check_pair(inf, left, lt, item, inf.expr(item), "but the list holds")
        return BOOLEAN
    rt = inf.expr(right)
    if rt.kind in SCALARS:
        inf.error(
            right.span,
            f"{node.name} needs a list or an array on its right; {subject(right, rt)}",
            "type-mismatch",
            hint=f"write a list: {text_of(left)} {node.name} [...], or compare with =",
        )
        return BOOLEAN
    check_pair(inf, left, lt, right, rt.element, "but is looked up in")
    return BOOLEAN


def _pattern(inf: Inference, node: a.FnApply) -> PType:
    types = _all(inf, node)
    if types:
        hint = LIKE_HINT if node.name == "like" else STRING_METHOD_HINT
        inf.expect(types[0], STRINGS, node.args[0], node.name, hint=hint)
    if len(types) > 1:
        inf.expect(types[1], STRINGS, node.args[1], f"{node.name}'s pattern")
    return BOOLEAN


def _arithmetic(inf: Inference, node: a.FnApply) -> PType:
    result = NUMBER
    for arg, value in zip(node.args, _all(inf, node), strict=True):
        kind = value.scalar.kind
        if kind == "timestamp":
            result = TIMESTAMP
        elif kind not in ("number", "any"):
            inf.error(
                arg.span,
                f"arithmetic ({node.name}) needs numbers; {subject(arg, value)}",
                "type-mismatch",
            )
    return result


def _string_method(inf: Inference, node: a.FnApply) -> PType:
    types = _all(inf, node)
    if not types:
        return BOOLEAN
    inf.expect(types[0], STRINGS, node.args[0], f"{node.name}", hint=STRING_METHOD_HINT)
    if len(types) > 1:
        inf.expect(types[1], STRINGS, node.args[1], f"{node.name}'s argument")
    if len(types) == 3:  # more arguments than that are an arity error already
        if node.name == "regexGroup":
            inf.expect(types[2], NUMERIC, node.args[2], "regexGroup's group number")
        else:
            inf.expect(types[2], frozenset({"boolean"}), node.args[2], "caseSensitive")
    return STRING if node.name == "regexGroup" else BOOLEAN


def _receiver(inf: Inference, node: a.FnApply, wanted: frozenset[str]) -> PType:
    """Type the receiver and report one that is known and not of a wanted kind."""
    if not node.args:
        return ANY
    value = inf.expr(node.args[0])
    if value.kind != "any" and value.kind not in wanted:
        need = " or ".join(f"an {k}" if k[0] in "aeiou" else f"a {k}" for k in sorted(wanted))
        inf.error(
            node.args[0].span,
            f"{node.name} works on {need}; {subject(node.args[0], value)}",
            "type-mismatch",
        )
        return ANY
    return value


_COLLECTIONS = frozenset({"array", "map"})


def _element_method(inf: Inference, node: a.FnApply) -> PType:
    owner = _receiver(inf, node, _COLLECTIONS)
    element = owner.element
    body: PType | None = None
    for index, arg in enumerate(node.args[1:], start=1):
        if index == 1:
            body = inf.scoped(arg, element, owner)
        elif node.name in ("topN", "bottomN"):
            inf.expect(inf.expr(arg), NUMERIC, arg, f"{node.name}'s count")
        else:
            inf.expr(arg)
    name = node.name
    if name in ("sum", "average"):
        arg = node.args[1] if body is not None else node.args[0]
        value = body if body is not None else element
        where = arg.body if isinstance(arg, a.Lambda) else arg
        inf.expect(value, NUMERIC, where, name)
        return NUMBER
    if name == "count":
        return NUMBER
    if name in ("min", "max"):
        return (body if body is not None else element).scalar
    if name == "exists":
        return BOOLEAN
    if name == "map":
        return array_of(body or ANY)
    if name == "groupBy":
        return PType("map", item=owner)
    return owner  # filter, topN, bottomN


def _array_method(inf: Inference, node: a.FnApply) -> PType:
    owner = _receiver(inf, node, frozenset({"array"}))
    others = [inf.expr(arg) for arg in node.args[1:]]
    if node.name == "head":
        return owner.element
    if node.name in ("distinct", "intersection"):
        return owner
    if node.name == "includes" and others:
        check_pair(inf, node.args[0], owner.element, node.args[1], others[0], "but is searched for")
    return BOOLEAN


def _map_method(inf: Inference, node: a.FnApply) -> PType:
    owner = _receiver(inf, node, frozenset({"map", "object"}))
    for arg in node.args[1:]:
        inf.expr(arg)
    if node.name == "keys":
        return array_of(STRING)
    value = owner.item if owner.kind == "map" and owner.item else owner
    if owner.kind == "object":
        value = ANY
    return value if node.name == "get" else array_of(value)


def _date_method(inf: Inference, node: a.FnApply) -> PType:
    types = _all(inf, node)
    if types:
        inf.expect(types[0], TEMPORAL, node.args[0], node.name)
    return NUMBER


def _is_null(inf: Inference, node: a.FnApply) -> PType:
    _all(inf, node)
    return BOOLEAN


def _if(inf: Inference, node: a.FnApply) -> PType:
    types = _all(inf, node)
    if len(types) == 3 and types[1].kind == types[2].kind:
        return PType(types[1].kind)
    return ANY


def _date(inf: Inference, node: a.FnApply) -> PType:
    for arg, value in zip(node.args, _all(inf, node), strict=True):
        inf.expect(value, NUMERIC, arg, "date(year, month, day)")
    return TIMESTAMP


def _in_segment(inf: Inference, node: a.FnApply) -> PType:
    types = _all(inf, node)
    if types:
        inf.expect(types[0], STRINGS, node.args[0], "inSegment", hint='inSegment("segment id")')
    return BOOLEAN


def _number(inf: Inference, node: a.FnApply) -> PType:
    _all(inf, node)
    return NUMBER


def _map_entry(inf: Inference, node: a.FnApply) -> PType:
    _all(inf, node)
    return PType("map")


RULES: dict[str, Rule] = {
    "and": _logical,
    "or": _logical,
    "not": _logical,
    "in": _membership,
    "notIn": _membership,
    "like": _pattern,
    "if": _if,
    "date": _date,
    "inSegment": _in_segment,
    "currentMonth": _number,
    "currentYear": _number,
    "currentDayOfMonth": _number,
    "mapEntry": _map_entry,
    "isNull": _is_null,
    "isNotNull": _is_null,
    "get": _map_method,
    "keys": _map_method,
    "values": _map_method,
}
RULES.update(dict.fromkeys(("=", "!=", "<", "<=", ">", ">="), _compare))
RULES.update(dict.fromkeys(("+", "-", "*", "/", "%"), _arithmetic))
RULES.update(
    dict.fromkeys(
        (
            "startsWith",
            "doesNotStartWith",
            "endsWith",
            "doesNotEndWith",
            "contains",
            "doesNotContain",
            "equals",
            "notEqualTo",
            "matches",
            "regexGroup",
        ),
        _string_method,
    )
)
RULES.update(dict.fromkeys(a.ELEMENT_SCOPED_ARGUMENT, _element_method))
RULES.update(
    dict.fromkeys(
        ("intersects", "intersection", "subsetOf", "supersetOf", "includes", "distinct", "head"),
        _array_method,
    )
)
RULES.update(dict.fromkeys(("getMonth", "getYear", "getDayOfMonth"), _date_method))
