"""``inSegment("id")`` references a sandbox does not have: a warning on each id's text (the
caller knows which ids exist: the sandbox's segment definitions and audiences). An unknown id is
valid PQL that qualifies nobody, so it is a warning, not an error."""

from __future__ import annotations

from collections.abc import Collection

from seg_mcp.pql import ast as a
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.pql.traverse import walk

__all__ = ["unknown_segments"]


def unknown_segments(query: a.Query, known: Collection[str]) -> list[Diagnostic]:
    """A warning on every ``inSegment("id")`` of ``query`` whose id is not in ``known``."""
    found: list[Diagnostic] = []
    for node in walk(query):
        if not (isinstance(node, a.FnApply) and node.name == "inSegment" and node.args):
            continue
        arg = node.args[0]
        if not isinstance(arg, a.Literal) or not isinstance(arg.value, str):
            continue
        if arg.value in known:
            continue
        found.append(
            Diagnostic.at(
                arg.span,
                f'the sandbox has no segment definition or audience with id "{arg.value}": '
                "this inSegment qualifies nobody",
                severity="warning",
                code="unknown-segment",
                hint="inSegment takes the id of a segment definition or audience, not its name",
            )
        )
    return found
