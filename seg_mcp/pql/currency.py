"""Amounts in several currencies: a warning when a query totals or compares a money field without
testing its currency.

A *money field* is a number whose object also has a ``currencyCode`` string (XDM's
``commerce.order.priceTotal`` beside ``commerce.order.currencyCode``,
``productListItems.priceTotal`` beside ``productListItems.currencyCode``). Summing, averaging
or comparing one mixes currencies unless the query reads the currency field somewhere (we do not
check that the test sits in the same event filter) or the catalog allows a single currency. A
warning, not an error: the query is valid, its figures may not mean what the author thinks.
"""

from __future__ import annotations

from collections.abc import Iterable

from seg_mcp.pql import ast as a
from seg_mcp.pql.catalog import FieldCatalog, FieldRoot
from seg_mcp.pql.diagnostics import Diagnostic
from seg_mcp.pql.traverse import children, field_path

__all__ = ["mixed_currencies"]

CURRENCY = "currencyCode"
_TOTALS = frozenset({"sum", "average"})
_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">=", "min", "max"})


def mixed_currencies(
    query: a.Query, catalog: FieldCatalog, read: Iterable[tuple[str, str]]
) -> list[Diagnostic]:
    """A warning at the first total or comparison of each money field ``query`` reads (``read``:
    the ``(root, path)`` pairs the field check resolved) whose currency it never reads."""
    paths = set(read)
    money: dict[tuple[str, ...], str] = {}  # path segments -> its currency field's path
    for root, path in paths:
        currency = _currency_of(catalog, root, path)
        if currency is not None and (root, currency) not in paths:
            money[tuple(path.split("."))] = currency
    if not money:
        return []
    found: list[Diagnostic] = []
    stack: list[tuple[a.Node, str | None]] = [(query, None)]
    while stack and money:
        node, use = stack.pop()
        if isinstance(node, a.FieldLookup) and use is not None:
            hit = _money_path(node, money)
            if hit is not None:
                found.append(_warning(node, ".".join(hit), money.pop(hit), use))
                continue
        use = _use_below(node, use)
        stack.extend((child, use) for child in reversed(list(children(node))))
    return found


def _money_path(node: a.FieldLookup, money: dict[tuple[str, ...], str]) -> tuple[str, ...] | None:
    """The money path ``node`` reads: its names end with the path, or (read from an array's item,
    ``productListItems[priceTotal > 20]``) the path ends with its names."""
    base, names = field_path(node)
    full = next((m for m in money if names[-len(m) :] == m), None)
    if full is not None or not isinstance(base, a.ContextRef | a.VarRef):
        return full
    return next((m for m in money if m[-len(names) :] == names), None)


def _currency_of(catalog: FieldCatalog, root: str, path: str) -> str | None:
    if root not in ("profile", "event"):
        return None
    field_root: FieldRoot = "profile" if root == "profile" else "event"
    info = catalog.get(field_root, path)
    if info is None or not info.is_numeric or info.is_map:
        return None
    parent, _, _ = path.rpartition(".")
    currency = f"{parent}.{CURRENCY}" if parent else CURRENCY
    code = catalog.get(field_root, currency)
    if code is None or code.xdm_type != "string" or len(code.enum or ()) == 1:
        return None
    return currency


def _use_below(node: a.Node, use: str | None) -> str | None:
    """What a money field below ``node`` would be used for: a total or a comparison."""
    if isinstance(node, a.Aggregate):
        return "total" if node.function in _TOTALS else "comparison"
    if isinstance(node, a.FnApply):
        if node.name in _TOTALS:
            return "total"
        if node.name in _COMPARISONS:
            return "comparison"
    return use


def _warning(node: a.FieldLookup, path: str, currency: str, use: str) -> Diagnostic:
    restrict = (
        f'add {currency} = "USD" inside the event filter, e.g. xEvent[{currency} = "USD" and ...]'
    )
    if use == "total":
        message = (
            f"this total of `{path}` mixes currencies: it adds amounts whatever their `{currency}`"
        )
    else:
        message = (
            f"`{path}` is compared whatever its currency: the query does not test `{currency}`, "
            "so 200 EUR counts as 200 USD"
        )
    return Diagnostic.at(
        node.span, message, severity="warning", code="mixed-currencies", hint=restrict
    )
