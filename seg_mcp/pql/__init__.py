"""The Profile Query Language toolkit: grammar, AST, diagnostics, pql/json, field check, explain.
Pure functions, no I/O; imports nothing else of seg_mcp.

    parse(text) -> Query               raises PqlSyntaxError (its .diagnostics say where and why)
    check(text, catalog=None)          -> CheckResult(ok, diagnostics, ast, analysis, explanation);
                                          never raises
    to_pql_json(query) -> dict         from_pql_json(obj) -> Query (raises PqlJsonError)
    to_pql_text(query) -> str          canonical text (raises PrintError for a hand-built tree
                                          that has no text form)
    explain(query) -> str              plain English, to confirm intent with a person

Modules: ``pql.lark`` (grammar), ``parser`` (Lark -> AST), ``syntax`` (syntax diagnostics and
error recovery), ``mistakes`` (what assistants write instead of PQL), ``terminals`` (the grammar
in words), ``names`` (functions PQL has or lacks), ``ast``, ``pqljson``, ``printer``,
``diagnostics`` (``Diagnostic``, ``render``), ``catalog`` (FieldCatalog), ``functions``,
``fieldcheck``, ``conditions`` (an audience rule must be true/false), ``currency`` (totals that
mix currencies), ``segmentrefs`` (``inSegment`` ids a sandbox lacks), ``analysis``, ``explain``,
``checker`` (``check``), ``sql`` (the SQL compiler).
"""

from __future__ import annotations

from seg_mcp.pql.ast import Query
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.checker import CheckResult, check
from seg_mcp.pql.diagnostics import Diagnostic, PqlSyntaxError, render
from seg_mcp.pql.explain import explain
from seg_mcp.pql.pqljson import PqlJsonError, from_pql_json, to_pql_json
from seg_mcp.pql.printer import PrintError, to_pql_text
from seg_mcp.pql.syntax import parse_text

__all__ = [
    "CheckResult",
    "Diagnostic",
    "FieldCatalog",
    "PqlJsonError",
    "PqlSyntaxError",
    "PrintError",
    "Query",
    "check",
    "explain",
    "from_pql_json",
    "parse",
    "render",
    "to_pql_json",
    "to_pql_text",
]


def parse(text: str) -> Query:
    """The AST of ``text`` (pql/text). Raises :class:`PqlSyntaxError` carrying every problem
    found: syntax errors, functions PQL does not have, constructs that cannot mean anything."""
    query, diagnostics, _parsed = parse_text(text)
    if query is None or any(d.is_error for d in diagnostics):
        raise PqlSyntaxError(diagnostics, text)
    return query
