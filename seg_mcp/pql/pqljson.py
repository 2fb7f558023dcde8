"""AST <-> ``pql/json``.

Output follows Adobe's current style for the documented node types: ``parameterReference`` as the
profile root, ``literal`` with a capitalised ``literalType``, ``fieldLookup``, ``varRef``,
``fnApply`` with ``fnName``/``params``, ``lambda``, ``varDecl``, ``select``. Node types Adobe does
not publish (``occurs``, ``timeWindow``, ``chain``, ``exists``/``forall``, ``aggregate``, ``let``,
``contextRef``, ``timePeriod``) are emulated, so they are only guaranteed to round-trip through
this module.

Input (read in ``pqljson_read.py``) also accepts the older style: ``literalType`` in lower case
(``"string"``, ``"integer"`` with the value as a string), the root ``{"nodeType": "literal",
"literalType": "XDMObject", "value": "profile"}``, ``fnCreate`` for lambdas, ``varName`` objects
as lambda parameters.
"""

from __future__ import annotations

import json
import typing as t

from seg_mcp.pql import ast as a
from seg_mcp.pql.pqljson_read import PqlJsonError, Reader
from seg_mcp.pql.printer import canonical_form

__all__ = ["PqlJsonError", "from_pql_json", "to_pql_json"]

Json = dict[str, t.Any]

# ---------------------------------------------------------------------------------------------
# AST -> JSON
# ---------------------------------------------------------------------------------------------


def to_pql_json(node: a.Node) -> Json:
    """The pql/json tree (a dict, ready for ``json.dumps``) of a Query or expression."""
    if isinstance(node, a.Query):
        node = node.body
    return _out(node)


def _out(node: a.Node) -> Json:
    if isinstance(node, a.Literal):
        return {"nodeType": "literal", "literalType": node.literal_type, "value": node.value}
    if isinstance(node, a.FieldLookup):
        return {
            "nodeType": "fieldLookup",
            "fieldName": node.field_name,
            "object": _out(node.object),
        }
    if isinstance(node, a.ParameterReference):
        return {"nodeType": "parameterReference", "position": node.position}
    if isinstance(node, a.FnApply):
        out: Json = {
            "nodeType": "fnApply",
            "fnName": node.name,
            "params": [_out(arg) for arg in node.args],
        }
        if node.form is not None and node.form != canonical_form(node.name, len(node.args)):
            out["form"] = node.form
        return out
    if isinstance(node, a.XEvent):
        return {
            "nodeType": "fieldLookup",
            "fieldName": "xEvent",
            "object": {"nodeType": "parameterReference", "position": 1},
        }
    if isinstance(node, a.VarRef):
        return {"nodeType": "varRef", "varName": node.name}
    if isinstance(node, a.ContextRef):
        return {"nodeType": "contextRef", "levelsUp": node.levels_up}
    if isinstance(node, a.ListLiteral):
        scalars = [item for item in node.items if isinstance(item, a.Literal)]
        if len(scalars) == len(node.items):
            values = [item.value for item in scalars]
            return {"nodeType": "literal", "literalType": "List", "value": values}
        return {"nodeType": "list", "items": [_out(item) for item in node.items]}
    if isinstance(node, a.ObjectLiteral):
        return {"nodeType": "object", "fields": {key: _out(value) for key, value in node.entries}}
    if isinstance(node, a.TimeLiteral):
        return {"nodeType": "literal", "literalType": "Timestamp", "value": node.name}
    if isinstance(node, a.RelativePeriod):
        return {"nodeType": "timePeriod", "qualifier": node.qualifier, "unit": node.unit}
    if isinstance(node, a.Lambda):
        return {
            "nodeType": "lambda",
            "params": [{"varName": name} for name in node.params],
            "body": _out(node.body),
        }
    if isinstance(node, a.Select):
        return {"nodeType": "select", "variables": [_decl(d) for d in node.decls]}
    if isinstance(node, a.Quantifier):
        return {"nodeType": node.kind, "variables": [_decl(d) for d in node.decls]}
    if isinstance(node, a.Aggregate):
        out = {"nodeType": "aggregate", "function": node.function}
        if node.value is not None:
            out["value"] = _out(node.value)
        out["variables"] = [_decl(d) for d in node.decls]
        return out
    if isinstance(node, a.Let):
        return {
            "nodeType": "let",
            "varName": node.name,
            "value": _out(node.value),
            "body": _out(node.body),
        }
    if isinstance(node, a.Occurs):
        return {"nodeType": "occurs", "subject": _out(node.subject), "window": _window(node.window)}
    if isinstance(node, a.Chain):
        return {
            "nodeType": "chain",
            "source": _out(node.source),
            "timestamp": _out(node.timestamp),
            "steps": [_step(step) for step in node.steps],
        }
    raise TypeError(f"{type(node).__name__} is not an expression node")


def _decl(decl: a.VarDecl) -> Json:
    out: Json = {"nodeType": "varDecl", "varName": decl.name, "range": _out(decl.range)}
    if decl.condition is not None:
        out["condition"] = _out(decl.condition)
    return out


def _window(window: a.TimeWindow) -> Json:
    out: Json = {"nodeType": "timeWindow", "kind": window.kind}
    if window.kind == "relative":
        out.update(comparison=window.comparison, amount=window.amount, unit=window.unit)
    if window.kind in ("relative", "direction"):
        out["direction"] = window.direction
    out["anchor"] = _out(window.anchor)
    if window.kind == "between" and window.end is not None:
        out["end"] = _out(window.end)
    return out


def _step(step: a.ChainStep) -> Json:
    out: Json = {"nodeType": "chainStep", "label": step.label, "what": _out(step.what)}
    if step.where is not None:
        out["where"] = _out(step.where)
    if step.when is not None:
        out["when"] = _window(step.when)
    if step.count is not None:
        out["count"] = step.count
    return out


# ---------------------------------------------------------------------------------------------
# JSON -> AST
# ---------------------------------------------------------------------------------------------


def from_pql_json(value: str | bytes | t.Mapping[str, t.Any]) -> a.Query:
    """The AST of a pql/json tree (a dict, or JSON text). Raises :class:`PqlJsonError`."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise PqlJsonError(f"not JSON ({exc})", "$") from None
    if isinstance(value, t.Mapping) and "nodeType" not in value and "value" in value:
        inner = value.get("value")  # an expression envelope {"type": "PQL", "format", "value"}
        if value.get("format") == "pql/json" or isinstance(inner, t.Mapping | str):
            return from_pql_json(t.cast(t.Mapping[str, t.Any], inner))
    return a.Query(body=Reader().expr(value, "$"))
