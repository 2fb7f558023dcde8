"""How the checker names an expression and its type in a message: ``text_of`` (the expression's
source-like text) and ``subject`` (``"`person.name` is a string field (XDM string)"``)."""

from __future__ import annotations

from seg_mcp.pql import ast as a
from seg_mcp.pql.printer import to_pql_text
from seg_mcp.pql.ptypes import PType
from seg_mcp.pql.traverse import field_path

__all__ = ["subject", "text_of"]


def subject(node: a.Node, value: PType) -> str:
    """``"`person.name` is a string field (XDM string)"``, ``"`"a"` is a string"``."""
    info = value.info
    if info is not None:
        return f"`{text_of(node)}` is {value.words()} field (XDM {info.describe_type()})"
    return f"`{text_of(node)}` is {value.words()}"


def text_of(node: a.Node) -> str:
    """The source-like text of an expression for a message. Paths rooted at the current element
    of a filter print as written (``SKU``, ``^.person.name``)."""
    try:
        return to_pql_text(node)
    except Exception:  # a fragment whose text depends on its scope (a bare element path)
        base, names = field_path(node)
        if isinstance(base, a.ContextRef):
            ups = "^" * base.levels_up
            return ".".join(([ups] if ups else []) + list(names)) or "the current item"
        return "this value"
