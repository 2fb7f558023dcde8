"""Tolerant parsing of responses: a value a model cannot read is kept as sent, never lost.

A body is parsed strictly first (the fast path, pydantic's JSON parser). Only when that fails are
the failing values cut out, field by field, and the rest parsed again; each cut value is then put
back, as sent, among the extra fields of the nearest model that holds it (so `to_wire()` gives it
back) with the reason, which `AEPModel.unparsed()` lists. A value inside a plain container field
(a list, a map of counters) takes its whole field with it, so a typed field never holds a value
of another type. What cannot be cut this way (a body that is not an object, a missing required
field of the top model) raises the first `ValidationError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from seg_mcp.aep.models.common import AEPModel

__all__ = ["parse"]

R = TypeVar("R")
Path = tuple[str | int, ...]

#: Rounds of cutting (a cut parent can reveal nothing new, so two are usually enough).
MAX_ROUNDS = 8


def parse(adapter: TypeAdapter[R], content: bytes) -> R:
    """`content` parsed by `adapter`, values that do not fit kept as sent (module docstring)."""
    try:
        return adapter.validate_json(content)
    except ValidationError as exc:
        first = exc
    try:
        data, sent = json.loads(content), json.loads(content)
    except ValueError:
        raise first from None
    cut: dict[Path, str] = {}
    for _ in range(MAX_ROUNDS):
        try:
            result = adapter.validate_python(data)
            break
        except ValidationError as exc:
            reasons: dict[Path, str] = {}
            for error in exc.errors():
                path = _field_path(data, error["loc"])
                if path is None:
                    raise first from None
                reasons.setdefault(path, error["msg"])
            paths = set(reasons)
            progress = False
            for path in sorted(paths, key=len, reverse=True):
                # A union's members fail at different depths: cut the deepest first, and a
                # shorter one only if it still fails in the next round.
                if any(p[: len(path)] == path and p != path for p in paths):
                    continue
                if _remove(data, path):
                    cut.setdefault(path, reasons[path])
                    progress = True
            if not progress:
                raise first from None
    else:
        raise first
    for path, reason in cut.items():
        if not _keep(result, sent, path, reason):
            raise first
    return result


def _field_path(data: Any, loc: Sequence[str | int]) -> Path | None:
    """The keys in `data` that lead to the failing value, up to its last object key (a list item
    takes its list along); union members' labels, absent from `data`, are skipped."""
    path: list[str | int] = []
    last_key = None
    here = data
    for part in loc:
        child = _child(here, part)
        if child is _ABSENT:
            continue  # a union member's label, or the missing field's own name
        here = child
        path.append(part)
        if isinstance(part, str):
            last_key = len(path)
    return None if last_key is None else tuple(path[:last_key])


_ABSENT = object()


def _child(here: Any, part: str | int) -> Any:
    """`here[part]` of JSON data (or of a parsed plain container), or `_ABSENT`."""
    if isinstance(here, dict) and isinstance(part, str) and part in here:
        return here[part]
    if isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
        return here[part]
    return _ABSENT


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _remove(data: Any, path: Path) -> bool:
    try:
        parent = _at(data, path[:-1])
    except (KeyError, IndexError, TypeError):
        return False  # a value above it was cut already
    if isinstance(parent, dict) and path[-1] in parent:
        del parent[path[-1]]
        return True
    return False


def _keep(result: Any, sent: Any, path: Path, reason: str) -> bool:
    """Put the cut value back, as sent, in the nearest model on its path."""
    owner: tuple[AEPModel, int] | None = None
    here = result
    for i, part in enumerate(path):
        if isinstance(here, AEPModel):
            owner = (here, i)
            name = _field_name(type(here), part)
            here = here.__dict__.get(name) if name else (here.model_extra or {}).get(str(part))
        else:
            here = _child(here, part)
            if here is _ABSENT:
                break
    if owner is None:
        return False
    model, i = owner
    key = str(path[i])
    name = _field_name(type(model), key)
    if name is not None and name in model.__pydantic_fields_set__:
        if type(model).model_fields[name].is_required():
            return False
        # The value sat deeper, in a plain container field: the whole field goes back as sent.
        model.__dict__[name] = type(model).model_fields[name].get_default(call_default_factory=True)
        model.__pydantic_fields_set__.discard(name)
    if model.__pydantic_extra__ is not None:
        model.__pydantic_extra__[key] = _at(sent, path[: i + 1])
    model._note_unparsed(key, reason)
    return True


def _field_name(cls: type[AEPModel], key: str | int) -> str | None:
    for name, info in cls.model_fields.items():
        if key in (info.alias, name):
            return name
    return None
