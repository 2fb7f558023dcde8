"""Walking the AST (:mod:`seg_mcp.pql.ast`): the children of a node, every node below one, and a
field path flattened (``homeAddress.countryCode``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

from seg_mcp.pql.ast import FieldLookup, Node, ObjectLiteral

__all__ = ["children", "field_path", "walk"]
# ---------------------------------------------------------------------------------------------

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.name not in ("span", "form"))
        _CHILD_FIELDS[cls] = names
    return names


def children(node: Node) -> Iterator[Node]:
    """The direct child nodes of ``node``, in source order."""
    if isinstance(node, ObjectLiteral):
        for _, value in node.entries:
            yield value
        return
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield item


def walk(node: Node) -> Iterator[Node]:
    """``node`` and all its descendants, depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def field_path(expr: Node) -> tuple[Node, tuple[str, ...]]:
    """Flatten nested :class:`FieldLookup` nodes: ``homeAddress.countryCode`` gives
    ``(ParameterReference(position=1), ("homeAddress", "countryCode"))``; a non-lookup gives
    ``(expr, ())``."""
    names: list[str] = []
    while isinstance(expr, FieldLookup):
        names.append(expr.field_name)
        expr = expr.object
    names.reverse()
    return expr, tuple(names)
