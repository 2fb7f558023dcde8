"""Which function and method names PQL has, and what to tell an author who used another one.

The parser calls :func:`function_problem` for every ``f(...)`` and ``x.f(...)`` it builds (the
``unknown-function`` diagnostic); the catalogue itself, with the functions assistants invent, is
``functions.py``.
"""

from __future__ import annotations

import difflib

from seg_mcp.pql.functions import FUNCTIONS, INVENTED, METHOD_NAMES

__all__ = ["function_problem"]

_PLAIN_FUNCTIONS = frozenset(fn.name for fn in FUNCTIONS.values() if not fn.is_method)
_INVENTED_FOLDED = {name.lower(): text for name, text in INVENTED.items()}

Problem = tuple[str, str | None, tuple[str, ...]]
"""``(message, hint, suggestions)`` for a diagnostic."""


def function_problem(name: str, method: bool) -> Problem | None:
    """What is wrong with calling ``name`` as a method (``x.name(...)``) or as a function
    (``name(...)``), or ``None`` when PQL has it in that form."""
    fn = FUNCTIONS.get(name)
    if fn is not None and fn.is_method == method:
        return None
    invented = INVENTED.get(name) or _INVENTED_FOLDED.get(name.lower())
    if fn is not None:
        if method:
            return f"`{name}` is a function, not a method", invented or f"write {fn.usage}", ()
        return (
            f"`{name}` is a method, not a function",
            invented or f"call it on what it applies to: {fn.usage}",
            (),
        )
    kind = "method" if method else "function"
    message = f"PQL has no {kind} `{name}`"
    if invented:
        return message, invented, ()
    candidates = METHOD_NAMES if method else _PLAIN_FUNCTIONS
    folded = {candidate.lower(): candidate for candidate in candidates}
    if name.lower() in folded:
        close = [folded[name.lower()]]
    else:
        close = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.6)
    if close:
        return message, f"did you mean `{close[0]}`?", tuple(close)
    if method:
        return (
            message,
            "PQL's methods are the string, array, map, object and date methods of its catalogue "
            "(startsWith, contains, count, sum, isNull, getMonth, ...)",
            (),
        )
    return message, "PQL's functions are " + ", ".join(sorted(_PLAIN_FUNCTIONS)), ()
