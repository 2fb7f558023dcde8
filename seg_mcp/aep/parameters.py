"""How an operation's stub declares its parameters, and reading them back.

Positional stub parameters fill the path template (`PathParam` when the name is not the argument
upper-cased), keyword-only ones are query parameters (`Query` for a description, another wire
name, `required`, aliases); `sandbox: SandboxName = None` ends every stub. `Param` is what the
registry and the CLI read about a query parameter.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic.alias_generators import to_camel

__all__ = [
    "Param",
    "PathParam",
    "Query",
    "SandboxName",
    "allows_none",
    "marker",
    "query_param",
]

#: The `sandbox=` keyword every operation takes: a sandbox name, or None for the default one.
SandboxName = str | None


@dataclass(frozen=True)
class Query:
    """Marks a keyword-only stub parameter as a query parameter: `Annotated[int | None, Query(..)]`.

    `name` is the wire name when it is not the argument in camelCase; `required` says the service
    requires it although the method fills in a default; `aliases` are other wire names accepted
    from callers of `registry.invoke` (spec/docs conflicts, reference §13).
    """

    description: str = ""
    name: str | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathParam:
    """Names the path template parameter a positional stub parameter fills, when it is not the
    argument upper-cased; `to_wire` rewrites the value first (e.g. a class id to its union id)."""

    name: str
    to_wire: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Param:
    """A query parameter: its wire name (the spec's), the Python keyword, its type."""

    name: str
    arg: str
    type: Any = str
    required: bool = False
    aliases: tuple[str, ...] = ()
    description: str = ""


M = TypeVar("M", Query, PathParam)


def marker(annotation: Any, kind: type[M]) -> M | None:
    if get_origin(annotation) is Annotated:
        for extra in annotation.__metadata__:
            if isinstance(extra, kind):
                return extra
    return None


def query_param(name: str, parameter: inspect.Parameter, annotation: Any) -> Param:
    declared = marker(annotation, Query) or Query()
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return Param(
        name=declared.name or to_camel(name),
        arg=name,
        type=_without_none(annotation),
        required=declared.required or parameter.default is inspect.Parameter.empty,
        aliases=declared.aliases,
        description=declared.description,
    )


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _without_none(tp: Any) -> Any:
    if not _is_union(tp):
        return tp
    rest = [a for a in get_args(tp) if a is not type(None)]
    return rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007


def allows_none(tp: Any) -> bool:
    if tp is None or tp is type(None):
        return True
    return _is_union(tp) and type(None) in get_args(tp)
