"""Field and type checking of a parsed query against a :class:`FieldCatalog`.

One pass over the AST infers a coarse :class:`~seg_mcp.pql.ptypes.PType` for every expression,
resolving each path in the scope where it stands (profile root, ``xEvent`` items, ``select``/
``exists``/``forall`` variables, bracket filters and their ``^``, per-element method arguments,
chain steps, ``let``, lambdas), and reports:

* ``unknown-field``: a path the catalog does not have, on the unknown segment, with the closest
  existing paths as suggestions (a root whose catalog is empty, or no catalog, is "no knowledge");
* ``event-context``: an event field read from the profile, or a profile field read from an event;
* ``type-mismatch``: comparisons, ``in`` lists, ``like``/``matches``, string methods, arithmetic,
  ``occurs``, ``sum``/``average``, date methods and array methods on values of the wrong type;
* ``arity``: a known function or method with the wrong number of arguments;
* warnings: a comparison of a value with itself, a string outside a field's enumeration, a
  number written as a string where Adobe will coerce it.

Functions PQL does not have are the parser's business (``unknown-function``); here their
arguments are still checked. The same pass records every field path it resolves (see
:class:`Inference`), which the analysis reuses.
"""

from __future__ import annotations

from seg_mcp.pql import ast as a
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.pql.infer import Inference

__all__ = ["check_fields"]


def check_fields(query: a.Query, catalog: FieldCatalog | None = None) -> list[Diagnostic]:
    """Semantic findings about ``query`` against ``catalog`` (``None`` or an empty catalog: no
    field knowledge, so only arity and type checks that need none). Never raises on a tree the
    parser or ``from_pql_json`` built."""
    return Inference(catalog).run(query).diagnostics
