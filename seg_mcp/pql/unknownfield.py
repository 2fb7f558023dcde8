"""What the checker says about a field path the catalog does not have: a field of the other root
read in the wrong context (an event field read from the profile, or the reverse), or an unknown
field with the closest names the catalog has."""

from __future__ import annotations

import typing as t

from seg_mcp.pql import ast as a
from seg_mcp.pql.catalog import FieldRoot

if t.TYPE_CHECKING:
    from seg_mcp.pql.infer import Inference

__all__ = ["last_name_span", "report_unknown"]


def last_name_span(node: a.FieldLookup) -> a.Span:
    """The span of the last name of a lookup (``countryCod`` in ``homeAddress.countryCod``)."""
    s = node.span
    if not s.line or s.end - s.start < len(node.field_name):
        return s
    n = len(node.field_name)
    return a.Span(s.end_line, max(1, s.end_column - n), s.end_line, s.end_column, s.end - n, s.end)


def report_unknown(
    inf: Inference,
    root: FieldRoot,
    path: str,
    full: str,
    written: str,
    node: a.FieldLookup,
    base: a.Node,
) -> None:
    """Report an unknown path: as a field of the other root read in the wrong context when
    that root has it (as written from its base, or from the root), else with suggestions."""
    other: FieldRoot = "event" if root == "profile" else "profile"
    span = last_name_span(node)
    table = inf.tables[other]
    if table.get(written) is not None and not isinstance(base, a.VarRef | a.XEvent):
        full = written
    if table.get(full) is not None or ("." not in path and table.get(path) is not None):
        if root == "profile":
            var = inf.event_vars[-1] if inf.event_vars else "X"
            inf.error(
                span,
                f"`{full}` is an event field (ExperienceEvent), but here it is read from "
                "the profile",
                "event-context",
                hint=f"events are reached through xEvent: select {var} from xEvent where "
                f"{var}.{full} ..., or xEvent[{full} ...]"
                if not inf.event_vars
                else f"read it from the event: {var}.{full}",
            )
        else:
            depth = len(inf.scopes) - 1
            way = f"{'^' * depth}.{full}" if depth and not isinstance(base, a.VarRef) else full
            inf.error(
                span,
                f"`{full}` is a profile field, but here it is read from an event",
                "event-context",
                hint=f"read it from the profile: {way}",
            )
        return
    where = "profile" if root == "profile" else "event"
    suggestions = tuple(inf.catalog.suggest(root, full) if inf.catalog else ())
    message = f"unknown {where} field `{full}`"
    if "." in path:
        parent = path.rpartition(".")[0]
        message += f": `{parent}` has no field `{node.field_name}`"
    inf.error(
        span,
        message,
        "unknown-field",
        hint=f"did you mean {' or '.join(suggestions)}?" if suggestions else None,
        suggestions=suggestions,
    )
