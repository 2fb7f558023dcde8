"""Comparing an answer with a documented one: every documented field present at the same place
with the same JSON type (maps keyed by id compared value by value), and the values a request
chose echoed where the documented answer echoes them."""

from __future__ import annotations

from typing import Any

#: Keys whose value is a map keyed by ids (or statuses, namespaces): compared value by value.
MAPS = {
    "results",
    "segmentedProfileCounter",
    "segmentedProfileByNamespaceCounter",
    "segmentedProfileByStatusCounter",
    "totalProfilesByMergePolicy",
    "endCustomerIds",
}
#: Maps whose values are maps again (namespace or status -> count).
NESTED_MAPS = {"segmentedProfileByNamespaceCounter", "segmentedProfileByStatusCounter"}
#: The main list of each list body: documented non-empty, it must not come back empty.
MAIN_LISTS = ("segments", "children", "records", "entities", "namespaces", "taxonomy", "results")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _pick(documented: list[Any], item: Any) -> Any:
    """The documented item to compare `item` with: the one of the same `type` if they differ."""
    if isinstance(item, dict):
        for candidate in documented:
            if isinstance(candidate, dict) and candidate.get("type") == item.get("type"):
                return candidate
    return documented[0]


def _depth(name: str) -> int:
    """How many levels of maps keyed by id the value of field `name` has."""
    return 2 if name in NESTED_MAPS else 1 if name in MAPS else 0


def shape_problems(
    documented: Any, actual: Any, where: str, absent: dict[str, str], maps: int = 0
) -> list[str]:
    """Where `actual` lacks a field of `documented` or has another JSON type. `maps`: how many
    levels of `documented` are maps keyed by id (each actual value is compared with one of the
    documented values)."""
    if documented is None or where in absent:
        return []
    if where.endswith(".code") and _kind(actual) in ("str", "number"):
        return []  # errors[].code: a number or a string (reference §2.3)
    if _kind(documented) != _kind(actual):
        return [f"{where or 'body'}: documented {_kind(documented)}, got {_kind(actual)}"]
    problems: list[str] = []
    if isinstance(documented, dict) and maps:
        values = list(documented.values())
        for item in actual.values() if values else ():
            problems += shape_problems(_pick(values, item), item, f"{where}{{}}", absent, maps - 1)
    elif isinstance(documented, dict):
        for name, value in documented.items():
            path = f"{where}.{name}" if where else name
            if name not in actual:
                if path not in absent and value is not None:
                    problems.append(f"{path}: missing")
                continue
            problems += shape_problems(value, actual[name], path, absent, _depth(name))
    elif isinstance(documented, list) and documented:
        if where in MAIN_LISTS and not actual:
            problems.append(f"{where}: documented items, got none")
        item_maps = _depth(where.rsplit(".", 1)[-1])  # preview results: maps keyed by entity id
        for item in actual:
            problems += shape_problems(
                _pick(documented, item), item, f"{where}[]", absent, item_maps
            )
    return problems


def echo_problems(request_body: Any, documented: Any, actual: Any) -> list[str]:
    """Top-level values the request chose that the documented answer echoes must come back."""
    if not isinstance(request_body, dict) or not isinstance(documented, dict):
        return []
    return [
        f"{name}: sent {value!r}, got {actual.get(name)!r}"
        for name, value in request_body.items()
        if isinstance(value, str | int | bool)
        and not name.endswith(("Time", "Epoch"))  # read-only, sent back as read
        and documented.get(name) == value
        and actual.get(name) != value
    ]
