"""Every PQL function, method and operator seg-mcp knows, each declared once as a
:class:`~seg_mcp.pql.fndef.FunctionDef` in the module of its family:

* ``logic``: ``and or not if``, comparisons, ``in notIn``, ``isNull isNotNull``, ``inSegment``
* ``text``: string tests, ``matches``, ``regexGroup``, ``like``
* ``numbers``: ``+ - * / %``
* ``dates``: ``date``, ``current*``, ``get*``
* ``arrays``: set methods, ``includes``, ``distinct``, ``head``
* ``elements``: per-element methods (``filter map exists count sum ... groupBy``)
* ``maps``: ``get keys values mapEntry``

and ``invented`` (functions assistants invent, with what to write instead). This module indexes
them for the readers: the parser, printer, checker, explainer, analysis and SQL compiler.
"""

from __future__ import annotations

from seg_mcp.pql.fndef import FunctionDef
from seg_mcp.pql.functions import arrays, dates, elements, logic, maps, numbers, text
from seg_mcp.pql.functions.invented import INVENTED

__all__ = [
    "DEFINITIONS",
    "ELEMENT_ARGUMENT",
    "FUNCTIONS",
    "INVENTED",
    "METHOD_NAMES",
    "FunctionDef",
    "lookup",
]


def _index(*families: tuple[FunctionDef, ...]) -> dict[str, FunctionDef]:
    table: dict[str, FunctionDef] = {}
    for family in families:
        for definition in family:
            for name in (definition.name, *definition.aliases):
                if name in table:
                    raise ValueError(f"the PQL function {name} is declared twice")
                table[name] = definition
    return table


DEFINITIONS: dict[str, FunctionDef] = _index(
    logic.DEFS, text.DEFS, numbers.DEFS, dates.DEFS, arrays.DEFS, elements.DEFS, maps.DEFS
)
"""Every function, method and operator by name (and alias)."""

FUNCTIONS: dict[str, FunctionDef] = {
    name: fn for name, fn in DEFINITIONS.items() if not fn.is_operator
}
"""The functions and methods (what can be called by name: ``f(...)``, ``x.f(...)``)."""

METHOD_NAMES: frozenset[str] = frozenset(name for name, fn in FUNCTIONS.items() if fn.is_method)

ELEMENT_ARGUMENT: dict[str, int] = {
    name: fn.element for name, fn in DEFINITIONS.items() if fn.element is not None
}
"""Methods evaluated per element of their receiver: name -> index in ``FnApply.args`` of the
argument that is an implicit lambda (the receiver is index 0)."""


def lookup(name: str) -> FunctionDef | None:
    """The function or method called ``name`` (``None`` for an operator or an unknown name)."""
    return FUNCTIONS.get(name)
