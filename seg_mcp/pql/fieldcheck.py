"""Field and type checking of a parsed query against a :class:`FieldCatalog` (first version:
arity of known functions only; field and type checks follow)."""

from __future__ import annotations

from seg_mcp.pql import ast as a
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.pql.functions import FUNCTIONS

__all__ = ["check_fields"]


def check_fields(query: a.Query, catalog: FieldCatalog | None = None) -> list[Diagnostic]:
    """Semantic findings about ``query`` (never raises)."""
    found: list[Diagnostic] = []
    for node in a.walk(query):
        if isinstance(node, a.FnApply):
            fn = FUNCTIONS.get(node.name)
            if fn is None:
                continue
            given = len(node.args) - (1 if fn.is_method else 0)
            if not fn.min_args <= given <= fn.max_args:
                found.append(
                    Diagnostic.at(
                        node.span,
                        f"{node.name} takes {fn.min_args}..{fn.max_args} arguments, not {given}",
                        code="arity",
                        hint=f"write {fn.usage}",
                    )
                )
    return found
