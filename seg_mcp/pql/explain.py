"""A plain-English rendering of a query (first version: canonical text)."""

from __future__ import annotations

from seg_mcp.pql import ast as a
from seg_mcp.pql.printer import to_pql_text

__all__ = ["explain"]


def explain(query: a.Query) -> str:
    return f"People for whom {to_pql_text(query.body)}"
