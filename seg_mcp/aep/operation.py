"""What one API operation is: HTTP method, path template, parameters, body and response types.

Every typed client method sends its request through an `Operation`, and the registry
(`seg_mcp.aep.registry`) lists the same objects, so the table the CLI, the tests and the MCP server
read cannot drift from what the methods do.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Union, get_args, get_origin
from urllib.parse import quote

from pydantic import TypeAdapter, ValidationError

from seg_mcp.aep.errors import InvalidParametersError

__all__ = ["Operation", "Param", "Service", "describe_validation_error"]

_PATH_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


class Service(StrEnum):
    """Base path of each platform service on the gateway."""

    SEGMENTATION = "/data/core/ups"
    SANDBOX_MANAGEMENT = "/data/foundation/sandbox-management"
    SCHEMA_REGISTRY = "/data/foundation/schemaregistry"


@dataclass(frozen=True)
class Param:
    """A query parameter: its wire name (the spec's), the Python keyword, its type."""

    name: str
    arg: str
    type: Any = str
    required: bool = False
    #: Other wire names accepted from callers of `registry.invoke` (spec/docs conflicts, §13).
    aliases: tuple[str, ...] = ()
    description: str = ""


def _allows_none(tp: Any) -> bool:
    if tp is None or tp is type(None):
        return True
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return type(None) in get_args(tp)
    return False


@dataclass(frozen=True, eq=False)
class Operation:
    operation_id: str
    http_method: str
    path: str
    method: str
    summary: str
    response: Any
    query: tuple[Param, ...] = ()
    #: Type of the request body (a model, a list of models, a union), or None for no body.
    body: Any = None
    body_required: bool = True
    #: Safe to send twice. Defaults: GET, DELETE, PUT yes; POST, PATCH no.
    idempotent: bool | None = None
    service: Service = Service.SEGMENTATION
    headers: Mapping[str, str] = field(default_factory=dict)
    accept: str = "application/json"
    #: Python keyword for each path parameter when it is not simply the lower-cased name.
    path_args: Mapping[str, str] = field(default_factory=dict)
    #: Name of the async iterator method that pages through this list, if any.
    paginator: str | None = None
    #: False for the two non-Segmentation calls (Sandbox Management, Schema Registry).
    in_spec: bool = True

    def __post_init__(self) -> None:
        if self.idempotent is None:
            object.__setattr__(self, "idempotent", self.http_method in {"GET", "DELETE", "PUT"})

    # -- parameters --------------------------------------------------------------------------

    @cached_property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAM.findall(self.path))

    def path_arg(self, name: str) -> str:
        return self.path_args.get(name, name.lower())

    def query_param(self, name: str) -> Param | None:
        for param in self.query:
            if name == param.name or name == param.arg or name in param.aliases:
                return param
        return None

    def render_path(self, values: Mapping[str, str]) -> str:
        missing = [name for name in self.path_params if not values.get(name)]
        if missing:
            raise InvalidParametersError(
                f"{self.operation_id} needs path parameter(s) {', '.join(missing)}",
                hint=f"path template: {self.path}",
            )
        return _PATH_PARAM.sub(lambda m: quote(str(values[m.group(1)]), safe=""), self.path)

    # -- body ----------------------------------------------------------------------------------

    @cached_property
    def body_adapter(self) -> TypeAdapter[Any] | None:
        return None if self.body is None else TypeAdapter(self.body)

    def encode_body(self, body: Any) -> bytes | None:
        """Validate `body` (a model, or plain JSON data) and serialise it for the wire."""
        adapter = self.body_adapter
        if adapter is None:
            if body is not None:
                raise InvalidParametersError(f"{self.operation_id} takes no request body")
            return None
        if body is None:
            if self.body_required:
                raise InvalidParametersError(f"{self.operation_id} needs a request body")
            return None
        try:
            # Model instances pass through without re-validation; plain JSON data is checked.
            body = adapter.validate_python(body)
        except ValidationError as exc:
            raise InvalidParametersError(
                f"{self.operation_id}: invalid request body: {describe_validation_error(exc)}"
            ) from exc
        data = adapter.dump_python(body, mode="json", by_alias=True, exclude_none=True)
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    # -- response ------------------------------------------------------------------------------

    @cached_property
    def response_adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.response)

    @cached_property
    def response_optional(self) -> bool:
        return _allows_none(self.response)

    def __repr__(self) -> str:
        return f"Operation({self.operation_id}: {self.http_method} {self.path})"


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "(body)"
        parts.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
