"""Request plumbing shared by every route: gateway checks, sandbox resolution, JSON bodies,
pydantic validation into Adobe-shaped 400s, paging arguments, and the error boundary."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.auth import Caller, check_gateway
from seg_mcp.sandbox.bodies import read_json
from seg_mcp.sandbox.errors import ApiError, bad_request, gateway_error, ups_error
from seg_mcp.sandbox.jobs.context import JobContext
from seg_mcp.sandbox.service import SandboxService
from seg_mcp.sandbox.store import SandboxInfo, Store

log = logging.getLogger("seg_mcp.sandbox")
#: The Segmentation Service's base path, under which most routes are mounted.
UPS_BASE = "/data/core/ups"
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Handler = Callable[["Ctx"], Awaitable[Response]]
BodyKind = Literal["none", "json"]


@dataclass
class Ctx:
    request: Request
    svc: SandboxService
    caller: Caller
    rid: str
    sandbox_info: SandboxInfo | None = None
    body: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def sandbox(self) -> SandboxInfo:
        assert self.sandbox_info is not None
        return self.sandbox_info

    @property
    def base_url(self) -> str:
        return str(self.request.base_url).rstrip("/")

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    @property
    def store(self) -> Store:
        return self.svc.store

    @property
    def jobs(self) -> JobContext:
        """What the jobs a route starts, cancels or creates use (see `jobs.context`)."""
        return self.svc.jobs

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(cursor, *args)` on a cursor of its own in a worker thread."""
        return await self.svc.store.db.aread(fn, *args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(cursor, *args)` in one transaction (all or nothing) in a worker thread."""
        return await self.svc.store.db.awrite(fn, *args)

    def url(self, path: str) -> str:
        """An absolute URL on this origin for a Segmentation path (`/segment/jobs/ID`)."""
        return f"{self.base_url}{UPS_BASE}{path}"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def empty(status: int = 204) -> Response:
    return Response(status_code=status)


def error_response(exc: ApiError) -> Response:
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "body"


def validation_messages(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    messages = []
    for err in exc.errors(include_url=False):
        where = _loc(err["loc"])
        if err["type"] == "extra_forbidden":
            messages.append(f"{where}: unrecognized field; remove it (see the API reference).")
        elif err["type"] == "missing":
            messages.append(f"{where}: a value is required.")
        else:
            messages.append(f"{where}: {err['msg']}.")
    return messages


def parse_model(model: type[M], data: Any, *, what: str = "request body") -> M:
    """Validate `data` into `model`, or raise a 400 listing every problem with its path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        messages = validation_messages(exc, model)
        raise bad_request(
            f"The {what} is invalid: " + " ".join(messages),
            messages,
            code=errors.BAD_JSON,
        ) from exc


def int_param(ctx: Ctx, name: str, default: int, *, low: int = 0, high: int | None = None) -> int:
    raw = ctx.query(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"Query parameter {name}={raw!r} is not an integer.") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(f"Query parameter {name}={value} must be {bound}.")
    return value


def sort_param(
    ctx: Ctx, default_field: str, default_dir: str, allowed: tuple[str, ...]
) -> tuple[str, str]:
    raw = ctx.query("sort")
    if not raw:
        return default_field, default_dir
    name, _, direction = raw.partition(":")
    direction = (direction or "asc").lower()
    if name not in allowed or direction not in ("asc", "desc"):
        raise bad_request(
            f"Query parameter sort={raw!r} is invalid: use <field>:asc or <field>:desc with "
            f"field one of {', '.join(allowed)}."
        )
    return name, direction


def sort_docs(docs: list[dict[str, Any]], field_name: str, direction: str) -> list[dict[str, Any]]:
    def key(d: dict[str, Any]) -> tuple[int, Any]:
        value = d.get(field_name)
        if value is None:
            return (1, "")
        return (0, value.lower() if isinstance(value, str) else value)

    present = [d for d in docs if d.get(field_name) is not None]
    missing = [d for d in docs if d.get(field_name) is None]
    present.sort(key=key, reverse=direction == "desc")
    return present + missing


def endpoint(*, sandbox: bool = True, body: BodyKind = "none") -> Callable[[Handler], Any]:
    """Wrap a handler: gateway checks, sandbox resolution, JSON body, and the error boundary
    (an unexpected exception becomes a 500 in the service's shape, never a traceback)."""

    def decorate(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            rid = request.headers.get("x-request-id") or errors.request_id()
            try:
                svc: SandboxService = request.app.state.service
                await svc.ensure_started()
                caller = check_gateway(
                    svc.ims, request.headers, request.method, json_body=body == "json"
                )
                ctx = Ctx(request=request, svc=svc, caller=caller, rid=rid)
                if sandbox:
                    ctx.sandbox_info = resolve_sandbox(svc, request, caller)
                if body != "none":
                    ctx.body = await read_json(request, svc.settings.max_body_bytes)
                response = await fn(ctx)
            except ApiError as exc:
                if "requestId" in exc.body:
                    exc.body["requestId"] = rid
                response = error_response(exc)
            except Exception:
                log.exception("unexpected error in %s %s", request.method, request.url.path)
                response = error_response(
                    ups_error(
                        500,
                        "The local sandbox failed unexpectedly while handling this request; "
                        "see the sandbox log for details.",
                        code=errors.INTERNAL,
                        rid=rid,
                    )
                )
            response.headers.setdefault("x-request-id", rid)
            return response

        handle.__name__ = fn.__name__
        handle.__doc__ = fn.__doc__
        return handle

    return decorate


def resolve_sandbox(svc: SandboxService, request: Request, caller: Caller) -> SandboxInfo:
    """The sandbox of `x-sandbox-name`, if it exists in the caller's organization and the caller
    may use it (a signed-in person: only their sandboxes); else 403, naming the usable ones."""
    name = request.headers.get("x-sandbox-name")
    if not name:
        raise gateway_error(400, "400003", "Missing header: x-sandbox-name")
    info = svc.store.sandbox(caller.org_id, name)
    if info is None or not caller.may_use(name):
        usable = [s.name for s in svc.store.sandboxes(caller.org_id) if caller.may_use(s.name)]
        hint = " Sandbox names are all lowercase." if name.lower() != name else ""
        who = f" to user {caller.user_id}" if caller.user_id else ""
        raise ups_error(
            403,
            f"Sandbox '{name}' does not exist in organization {caller.org_id} or is not "
            f"accessible{who}.{hint} Available sandboxes: {', '.join(usable) or 'none'}.",
            code=errors.UNKNOWN_SANDBOX,
        )
    return info
