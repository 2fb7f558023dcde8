"""One API operation, declared once: the typed client method *is* its declaration.

An endpoint family writes each operation as a method stub under `@operation(...)`:

    @operation("getAudience", "GET", "/audiences/{AUDIENCE_ID}", summary="Retrieve an audience")
    async def get_audience(self, audience_id: str, *, sandbox: SandboxName = None) -> Audience:
        raise NotImplementedError  # never runs: the declaration sends the request

The stub's signature is the request and its return annotation the response model: mypy checks every
call against them and the response is parsed into exactly that type. Positional parameters fill
the path template (`audience_id` -> `{AUDIENCE_ID}`, or `Annotated[str, PathParam(...)]`),
keyword-only ones are query parameters (wire name in camelCase, or `Annotated[..., Query(...)]`),
`body` is the request body (its wire model given as `body=`), `sandbox` picks the sandbox.

`@operation` turns the stub into an `Operation[P, R]`: a descriptor that yields, on a client,
the bound method `(P) -> Coroutine[R]`, and on the class the unbound function (so `inspect` sees
the stub's signature). The registry (`seg_mcp.aep.registry`) collects these same objects from the
client class, so the table the CLI, the tests and the MCP server read is the methods themselves.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import types
from collections.abc import Callable, Coroutine, Mapping
from enum import StrEnum
from functools import cached_property
from typing import (
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
    get_args,
    get_type_hints,
    overload,
)
from urllib.parse import quote

from pydantic import TypeAdapter, ValidationError

from seg_mcp.aep.errors import InvalidParametersError
from seg_mcp.aep.models.common import AEPModel
from seg_mcp.aep.parameters import (
    Param,
    PathParam,
    Query,
    SandboxName,
    allows_none,
    marker,
    query_param,
)

__all__ = [
    "Operation",
    "Param",
    "PathParam",
    "Query",
    "SandboxName",
    "Service",
    "describe_validation_error",
    "operation",
]

P = ParamSpec("P")
R = TypeVar("R")

_PATH_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


class Service(StrEnum):
    """Base path of each platform service on the gateway."""

    SEGMENTATION = "/data/core/ups"
    SANDBOX_MANAGEMENT = "/data/foundation/sandbox-management"
    SCHEMA_REGISTRY = "/data/foundation/schemaregistry"
    AUDIENCE_INGESTION = "/data/core/ais"
    #: seg-mcp's own endpoints, served by the local sandbox only (not Adobe's).
    LOCAL_SANDBOX = "/seg-mcp/local"


class Sender(Protocol):
    """What an `Operation` needs of the client it is bound to (`BaseAEPClient` is one)."""

    async def _call(
        self,
        op: Operation[..., R],
        *,
        sandbox: str | None,
        path: Mapping[str, str],
        query: Mapping[str, Any],
        body: Any,
    ) -> R: ...


Stub = Callable[Concatenate[Any, P], Coroutine[Any, Any, R]]


def operation(
    operation_id: str,
    http_method: str,
    path: str,
    *,
    summary: str,
    body: Any = None,
    idempotent: bool | None = None,
    service: Service = Service.SEGMENTATION,
    headers: Mapping[str, str] | None = None,
    accept: str = "application/json",
    paginator: str | None = None,
    in_spec: bool = True,
) -> Callable[[Stub[P, R]], Operation[P, R]]:
    """Declare the decorated method stub as an API operation (see the module docstring).

    `body` is the request body's wire type (a model, `list[Model]`, a union); `idempotent`
    defaults to yes for GET, DELETE and PUT; `paginator` names the iterator that pages through
    this list; `in_spec` is False for operations Adobe documents outside the Segmentation spec.
    """

    def declare(stub: Stub[P, R]) -> Operation[P, R]:
        return Operation(
            stub,
            operation_id=operation_id,
            http_method=http_method,
            path=path,
            summary=summary,
            body=body,
            idempotent=idempotent,
            service=service,
            headers=headers or {},
            accept=accept,
            paginator=paginator,
            in_spec=in_spec,
        )

    return declare


class Operation(Generic[P, R]):
    """An API operation: HTTP method, path template, parameters, body and response types, and
    the typed client method that sends it."""

    def __init__(
        self,
        stub: Stub[P, R],
        *,
        operation_id: str,
        http_method: str,
        path: str,
        summary: str,
        body: Any,
        idempotent: bool | None,
        service: Service,
        headers: Mapping[str, str],
        accept: str,
        paginator: str | None,
        in_spec: bool,
    ) -> None:
        self.operation_id = operation_id
        self.http_method = http_method
        self.path = path
        self.method = stub.__name__
        self.summary = summary
        self.body = body
        if idempotent is None:
            idempotent = http_method in {"GET", "DELETE", "PUT"}
        self.idempotent = idempotent
        self.service = service
        self.headers = headers
        self.accept = accept
        self.paginator = paginator
        self.in_spec = in_spec
        self._signature = inspect.signature(stub)
        hints = get_type_hints(stub, include_extras=True)
        self.response: Any = hints.get("return")
        self._path_values: dict[str, tuple[str, Callable[[str], str] | None]] = {}
        query: list[Param] = []
        self.body_required = True
        for name, parameter in self._signature.parameters.items():
            if name in {"self", "sandbox"}:
                continue
            if name == "body":
                self.body_required = parameter.default is inspect.Parameter.empty
            elif parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
                in_path = marker(hints[name], PathParam) or PathParam(name.upper())
                self._path_values[in_path.name] = (name, in_path.to_wire)
            elif parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                query.append(query_param(name, parameter, hints[name]))
        self.query = tuple(query)
        self._check_stub()
        parameters = list(self._signature.parameters.values())[1:]  # without self
        self._names = {p.name for p in parameters}
        self._positional = tuple(
            p.name for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        self._defaults = {p.name: p.default for p in parameters if p.default is not p.empty}

        async def call(client: Sender, /, *args: P.args, **kwargs: P.kwargs) -> R:
            values = self._arguments(client, args, kwargs)
            return await client._call(
                self,
                sandbox=values["sandbox"],
                path={
                    wire: to_wire(values[arg]) if to_wire else str(values[arg])
                    for wire, (arg, to_wire) in self._path_values.items()
                },
                query={p.name: values[p.arg] for p in self.query},
                body=values.get("body"),
            )

        functools.update_wrapper(call, stub)
        self.function: Callable[Concatenate[Sender, P], Coroutine[Any, Any, R]] = call

    def _arguments(
        self, client: Sender, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """The call's arguments by name, defaults filled in (a fast path for well-formed calls;
        anything else goes through `Signature.bind`, which raises the usual TypeError)."""
        given = dict(zip(self._positional, args, strict=False))
        if len(args) <= len(self._positional) and not given.keys() & kwargs.keys():
            values = {**self._defaults, **given, **kwargs}
            if values.keys() == self._names:
                return values
        bound = self._signature.bind(client, *args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    def _check_stub(self) -> None:
        where = f"{self.method} ({self.operation_id})"
        if set(self._path_values) != set(self.path_params):
            raise TypeError(
                f"{where}: positional parameters fill {sorted(self._path_values)}, "
                f"the path {self.path} has {sorted(self.path_params)}"
            )
        if ("body" in self._signature.parameters) is (self.body is None):
            raise TypeError(f"{where}: a `body` parameter goes with `body=` in @operation")
        sandbox = self._signature.parameters.get("sandbox")
        if sandbox is None or sandbox.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{where}: the stub needs a keyword-only `sandbox: SandboxName = None`")

    # -- the descriptor: `client.method` is the bound, typed call ----------------------------

    @overload
    def __get__(
        self, client: None, owner: type[Any]
    ) -> Callable[Concatenate[Sender, P], Coroutine[Any, Any, R]]: ...

    @overload
    def __get__(self, client: Sender, owner: type[Any]) -> Callable[P, Coroutine[Any, Any, R]]: ...

    def __get__(self, client: Sender | None, owner: type[Any]) -> Callable[..., Any]:
        if client is None:
            return self.function
        return cast(Callable[P, Coroutine[Any, Any, R]], types.MethodType(self.function, client))

    # -- parameters --------------------------------------------------------------------------

    @cached_property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAM.findall(self.path))

    @cached_property
    def path_args(self) -> Mapping[str, str]:
        """Python keyword of each path parameter."""
        return {wire: arg for wire, (arg, _) in self._path_values.items()}

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
        # Quoting keeps `/` inside a segment, but `.` and `..` would still be resolved as
        # relative steps and send the request to another resource.
        dots = [name for name in self.path_params if str(values[name]) in (".", "..")]
        if dots:
            raise InvalidParametersError(
                f"{self.operation_id}: path parameter(s) {', '.join(dots)} cannot be '.' or '..'",
                hint="pass the id the platform issued",
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
    def response_adapter(self) -> TypeAdapter[R]:
        adapter: TypeAdapter[R] = TypeAdapter(self.response)
        return adapter

    @cached_property
    def response_optional(self) -> bool:
        return allows_none(self.response)

    @cached_property
    def response_model(self) -> type[AEPModel] | None:
        """The model the response parses into (`Model` or `Model | None`), if it is one whose
        every field may be absent: a body that does not parse comes back as that model holding the
        body as sent (a model with required fields could not be read without them)."""
        tp = self.response
        if allows_none(tp):
            rest = [a for a in get_args(tp) if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else None
        if not (isinstance(tp, type) and issubclass(tp, AEPModel)):
            return None
        return None if any(f.is_required() for f in tp.model_fields.values()) else tp

    def __repr__(self) -> str:
        return f"Operation({self.operation_id}: {self.http_method} {self.path})"


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        # Without the union members' labels (`list[Model]`, `function-wrap[_tolerate()]`):
        # no key of a body spells itself with brackets.
        loc = [p for p in error["loc"] if not (isinstance(p, str) and "[" in p)]
        where = ".".join(str(p) for p in loc) or "(body)"
        parts.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
