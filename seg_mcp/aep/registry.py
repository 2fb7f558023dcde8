"""The operation registry: operationId -> method, HTTP method, path template, parameters.

`seg-mcp api`, the spec coverage tests and the MCP server read this table; `invoke` calls any
operation by its operationId with wire-level names (`SEGMENT_ID`, `schema.name`) through the typed
method, so generic callers get exactly the behaviour of typed ones.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from seg_mcp.aep.client import AEPClient
from seg_mcp.aep.errors import InvalidParametersError, UnknownOperationError
from seg_mcp.aep.operation import Operation, Param

__all__ = ["REGISTRY", "OperationRegistry", "bind", "declared_operations", "invoke"]


Op = Operation[..., Any]


def declared_operations(client_class: type) -> tuple[Op, ...]:
    """Every `@operation` of `client_class`, family by family in base-class order, each family's
    in the order its module declares them."""
    found: dict[str, Op] = {}
    for cls in client_class.__mro__:
        for name, value in vars(cls).items():
            if isinstance(value, Operation) and name not in found:
                found[name] = value
    return tuple(found.values())


class OperationRegistry:
    def __init__(self, operations: tuple[Op, ...]) -> None:
        self._by_id: dict[str, Op] = {}
        for op in operations:
            if op.operation_id in self._by_id:
                raise ValueError(f"operationId {op.operation_id} registered twice")
            self._by_id[op.operation_id] = op

    def __iter__(self) -> Iterator[Op]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, operation_id: object) -> bool:
        return operation_id in self._by_id

    def __getitem__(self, operation_id: str) -> Op:
        return self._by_id[operation_id]

    @property
    def spec_operations(self) -> tuple[Op, ...]:
        """The Segmentation Service operations (those in Adobe's spec)."""
        return tuple(op for op in self if op.in_spec)

    def find(self, name: str) -> Op:
        """By operationId, case-insensitively, or by method name; else `UnknownOperationError`
        with the closest names."""
        if name in self._by_id:
            return self._by_id[name]
        lowered = name.lower()
        for op in self:
            if lowered in (op.operation_id.lower(), op.method):
                return op
        ids = list(self._by_id)
        close = difflib.get_close_matches(name, ids, n=3, cutoff=0.5)
        if not close:
            by_lower = {i.lower(): i for i in ids}
            close = [
                by_lower[c]
                for c in difflib.get_close_matches(lowered, list(by_lower), n=3, cutoff=0.4)
            ]
        if not close:
            close = [i for i in ids if lowered in i.lower()][:3]
        raise UnknownOperationError(name, close)


REGISTRY = OperationRegistry(declared_operations(AEPClient))


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


@cache
def _required_args(op: Op) -> frozenset[str]:
    signature = inspect.signature(getattr(AEPClient, op.method))
    return frozenset(
        name
        for name, p in signature.parameters.items()
        if p.default is inspect.Parameter.empty and name not in {"self", "body"}
    )


def _coerce(op: Op, param: Param, value: Any) -> Any:
    try:
        return _adapter(param.type).validate_python(value)
    except ValidationError as exc:
        raise InvalidParametersError(
            f"{op.operation_id}: query parameter {param.name}={value!r} is not a valid "
            f"{getattr(param.type, '__name__', param.type)}: {exc.errors()[0]['msg']}"
        ) from exc


def bind(
    op: Op,
    *,
    path: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments of `op`'s typed method from wire-level path and query parameters."""
    kwargs: dict[str, Any] = {}
    wanted = {name.lower(): name for name in op.path_params}
    wanted.update({op.path_arg(name).lower(): name for name in op.path_params})
    for key, value in (path or {}).items():
        name = wanted.get(key.lower())
        if name is None:
            takes = ", ".join(op.path_params) or "none"
            raise InvalidParametersError(
                f"{op.operation_id} has no path parameter {key!r} (it takes: {takes})",
                hint=f"path template: {op.path}",
            )
        kwargs[op.path_arg(name)] = str(value)
    missing = [n for n in op.path_params if op.path_arg(n) not in kwargs]
    if missing:
        raise InvalidParametersError(
            f"{op.operation_id} needs path parameter(s) {', '.join(missing)}",
            hint=f"path template: {op.path}; give " + " ".join(f"{n}=..." for n in missing),
        )
    for key, value in (query or {}).items():
        param = op.query_param(key)
        if param is None:
            takes = ", ".join(p.name for p in op.query) or "none"
            raise InvalidParametersError(
                f"{op.operation_id} has no query parameter {key!r} (it takes: {takes})"
            )
        kwargs[param.arg] = _coerce(op, param, value)
    absent = [p.name for p in op.query if p.arg in _required_args(op) and p.arg not in kwargs]
    if absent:
        raise InvalidParametersError(
            f"{op.operation_id} needs query parameter(s) {', '.join(absent)}"
        )
    return kwargs


async def invoke(
    client: AEPClient,
    operation_id: str,
    *,
    path: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    body: Any = None,
    sandbox: str | None = None,
) -> Any:
    """Call any registered operation by operationId through its typed method."""
    op = REGISTRY.find(operation_id)
    kwargs = bind(op, path=path, query=query)
    if op.body is None:
        if body is not None:
            raise InvalidParametersError(f"{op.operation_id} takes no request body")
    elif body is None and op.body_required:
        raise InvalidParametersError(
            f"{op.operation_id} needs a request body", hint="give the JSON body"
        )
    else:
        kwargs["body"] = body
    method = getattr(client, op.method)
    return await method(**kwargs, sandbox=sandbox)
