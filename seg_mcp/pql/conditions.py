"""What may stand where PQL needs a condition: an audience rule (the whole expression), the
operands of ``and``/``or``/``not`` and the test of ``if``.

A condition is a boolean, or something PQL reads as "there is one": an object (``homeAddress``,
``X.commerce.order``), events or array items narrowed by a condition (``select X from xEvent where
...``, ``xEvent[...]``, ``orders.filter(...)``) and arrays of objects. A number, a string, a
timestamp, a map, a list literal or an array of plain values is a *value*: valid PQL for a
computed attribute, but as an audience rule it would qualify everyone who has it. Unknown types
(no catalog) pass.
"""

from __future__ import annotations

import typing as t

from seg_mcp.pql import ast as a
from seg_mcp.pql.ptypes import PType

if t.TYPE_CHECKING:
    from seg_mcp.pql.infer import Inference

__all__ = ["RULE", "expect_condition"]

_VALUES = frozenset({"number", "string", "timestamp"})


RULE = "an audience rule must be a condition (true or false)"


def expect_condition(inf: Inference, node: a.Node, value: PType, need: str = RULE) -> None:
    """Report (an error) when ``node``, typed ``value``, is a value rather than a condition.
    ``need`` opens the message: :data:`RULE`, ``"`and` joins conditions (true or false)"``."""
    if _is_value(node, value):
        inf.error(
            node.span,
            f"{need}; {inf.subject(node, value)}",
            "not-a-condition",
            hint=_hint(inf.text(node), node, value),
        )


def _is_value(node: a.Node, value: PType) -> bool:
    while isinstance(node, a.Let):
        node = node.body
    kind = value.kind
    if kind in _VALUES or kind == "map":
        return True
    if kind != "array":
        return False
    if isinstance(node, a.ListLiteral):
        return True
    if isinstance(node, a.Select | a.XEvent) or (
        isinstance(node, a.FnApply) and node.name == "filter"
    ):
        return False
    return value.scalar.kind in _VALUES


def _hint(text: str, node: a.Node, value: PType) -> str:
    kind = value.kind
    if isinstance(node, a.Literal):
        return 'write a test, e.g. homeAddress.countryCode = "US"'
    if kind == "number":
        return f"add a comparison, e.g. {text} > 100"
    if kind == "string":
        if isinstance(node, a.FieldLookup):
            return f'add a comparison, e.g. {text} = "value", or test that it is set: ' + (
                f"{text}.isNotNull()"
            )
        return f'add a comparison, e.g. {text} = "value"'
    if kind == "timestamp":
        if isinstance(node, a.FnApply) and node.name == "date":
            return f"compare a date field with it, e.g. person.birthDate < {text}"
        return f"say when it lies, e.g. {text} occurs < 30 days before now"
    if kind == "map":
        return f"test whether it has an entry, e.g. {text}.keys().count() > 0"
    if isinstance(node, a.ListLiteral):
        return f"test a value against the list, e.g. person.birthMonth in {text}"
    return f"test whether it holds an item, e.g. {text}.count() > 0"
