"""What a tool call works with: `Runtime` (one per server: client, config, guard, audit log,
field catalogs) and `Call` (one per tool call: the caller, the sandbox, progress, audited writes,
cursors).

`Runtime.config` and `Runtime.guard` are per caller: for a principal limited to some sandboxes
(a signed-in person: the deployment's sandboxes intersected with theirs; a static token: its
own), `config` lists only those (its default is theirs too), and a signed-in person gets a guard
of their own (sandbox types read with their token, cached for them). The deployment's are
`deployment` and `deployment_guard`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from mcp.server.mcpserver import Context

from seg_mcp.aep import (
    EXPERIENCE_EVENT_CLASS,
    PROFILE_CLASS,
    AEPClient,
    AEPError,
    OutcomeUnknownError,
    SandboxNotAllowedError,
)
from seg_mcp.aep.base import last_request_id, last_status
from seg_mcp.config import BackendConfig
from seg_mcp.pql.catalog import FieldCatalog, catalog_from_xdm_schemas
from seg_mcp.server.failures import first_failure, unexpected
from seg_mcp.server.identity import Principal, current_principal
from seg_mcp.server.outcomes import (
    audit_detail,
    audit_outcome,
    describe_platform_error,
    how_to_check,
)
from seg_mcp.server.output import decode_cursor, encode_cursor
from seg_mcp.server.safety import AuditLog, SandboxGuard
from seg_mcp.server.toolkit import Refusal, ToolSpec

__all__ = ["DEFAULT_WAIT", "MAX_WAIT", "Call", "Runtime", "current_tool", "describe_error"]

T = TypeVar("T")
DEFAULT_WAIT = 20.0
MAX_WAIT = 60.0
CATALOG_TTL_SECONDS = 600.0
#: How long a caller's view (narrowed config, own guard) is reused, and how many are kept.
VIEW_TTL_SECONDS = 300.0
_MAX_VIEWS = 512

#: The tool whose call is running (for logs, and for tests that check declared operations).
current_tool: ContextVar[str | None] = ContextVar("seg_mcp_current_tool", default=None)


def narrow(config: BackendConfig, allowed: tuple[str, ...]) -> BackendConfig:
    """`config` with only the sandboxes in `allowed` (profiles left with none are dropped); the
    default sandbox stays if allowed, else the first allowed one."""
    profiles = tuple(
        p.model_copy(update={"sandboxes": tuple(s for s in p.sandboxes if s in allowed)})
        for p in config.profiles
    )
    profiles = tuple(p for p in profiles if p.sandboxes)
    kept = [s for p in profiles for s in p.sandboxes]
    default = config.default_sandbox if config.default_sandbox in kept else None
    return config.model_copy(
        update={
            "profiles": profiles,
            "default_sandbox": default or (kept or [config.default_sandbox])[0],
        }
    )


@dataclass
class _View:
    expires: float
    config: BackendConfig
    guard: SandboxGuard | None


@dataclass
class Runtime:
    client: AEPClient | None
    deployment: BackendConfig
    deployment_guard: SandboxGuard
    audit: AuditLog
    read_only: bool = False
    toolsets: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    _catalogs: dict[str, tuple[float, FieldCatalog]] = field(default_factory=dict)
    _views: dict[tuple[object, ...], _View] = field(default_factory=dict)

    def _view(self) -> _View | None:
        principal = current_principal.get()
        if principal is None or principal.sandboxes is None:
            return None
        key = (principal.kind, principal.user_id, principal.token_name, principal.sandboxes)
        now = time.monotonic()
        view = self._views.get(key)
        if view is None or view.expires <= now:
            if len(self._views) >= _MAX_VIEWS:
                self._views.clear()
            config = narrow(self.deployment, principal.sandboxes)
            own = principal.kind == "user"  # platform calls carry their token: their own guard
            guard = SandboxGuard(self.client, config, self.read_only) if own else None
            view = self._views[key] = _View(now + VIEW_TTL_SECONDS, config, guard)
        return view

    @property
    def config(self) -> BackendConfig:
        """The configuration as the current caller sees it (only their sandboxes)."""
        view = self._view()
        return self.deployment if view is None else view.config

    @property
    def guard(self) -> SandboxGuard:
        view = self._view()
        return view.guard if view is not None and view.guard is not None else self.deployment_guard

    @property
    def aep(self) -> AEPClient:
        if self.client is None:
            raise Refusal(
                "no backend is connected to this server instance",
                hint="Start it with `seg-mcp serve` to call tools.",
            )
        return self.client

    def principal(self, sandbox: str) -> Principal:
        """Who is calling: the auth layer's `current_principal`; without one (or with the
        unauthenticated "local" one) the credential the server acts with: the local operator on
        the local sandbox, the signed-in person of a user profile, else the technical account
        (the profile's client id)."""
        principal = current_principal.get()
        if principal is not None and principal.kind != "local":
            return principal
        if self.config.kind == "local":
            return Principal(kind="local")
        profile = self.config.profile_for(sandbox)
        person = profile.user.sign_in if profile.user else None
        if person is not None:  # a user profile: the person who ran `seg-mcp login`
            return Principal(
                kind="user",
                user_id=person.user_id,
                email=person.email,
                name=person.name,
                org_id=person.org_id or profile.org_id,
            )
        return Principal(
            kind="technical", user_id=profile.client_id, name=profile.name, org_id=profile.org_id
        )

    async def catalog(self, sandbox: str) -> FieldCatalog:
        """The sandbox's profile and event fields (cached for CATALOG_TTL_SECONDS)."""
        if sandbox not in self.config.sandboxes:
            raise SandboxNotAllowedError(sandbox, self.config.sandboxes)
        cached = self._catalogs.get(sandbox)
        if cached and time.monotonic() - cached[0] < CATALOG_TTL_SECONDS:
            return cached[1]
        catalog = await fetch_catalog(self.aep, sandbox)
        self._catalogs[sandbox] = (time.monotonic(), catalog)
        return catalog


async def fetch_catalog(aep: AEPClient, sandbox: str) -> FieldCatalog:
    """A sandbox's profile and event fields from its two union schemas, fetched together."""
    schemas: dict[str, Any] = {}

    async def fetch(key: str, class_id: str) -> None:
        schemas[key] = await aep.get_union_schema(class_id, sandbox=sandbox)

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(fetch, "profile", PROFILE_CLASS)
            tg.start_soon(fetch, "event", EXPERIENCE_EVENT_CLASS)
    except ExceptionGroup as group:  # both fail alike (a refused credential): say it once
        raise first_failure(group) from None
    return catalog_from_xdm_schemas(schemas["profile"], schemas["event"])


@dataclass
class Call:
    runtime: Runtime
    spec: ToolSpec
    ctx: Context[Any, Any] | None
    sandbox: str
    #: How a destructive call was confirmed ("elicitation" or "phrase"), for the audit log.
    confirmed_by: str | None = None
    #: Set by `write` when an unknown outcome was reconciled: what the tool tells the assistant.
    reconciled: str | None = None
    _progress: float = 0.0

    @property
    def client(self) -> AEPClient:
        return self.runtime.aep

    @property
    def mcp_request_id(self) -> str | None:
        """The JSON-RPC id of the tools/call (None outside a request)."""
        try:
            return self.ctx.request_id if self.ctx is not None else None
        except ValueError:
            return None

    async def progress(self, message: str, total: float | None = None) -> None:
        """One MCP progress notification (the value always increases)."""
        self._progress += 1
        if self.ctx is not None:
            await self.ctx.report_progress(self._progress, total, message)

    async def write(
        self,
        operation: str,
        target: str,
        action: Awaitable[T],
        *,
        find: Callable[[float], Awaitable[T | None]] | None = None,
        noun: str = "object",
    ) -> T:
        """Run one write, recording its outcome in the audit log (succeeded, failed, unknown,
        refused). When the outcome is unknown (sent, no answer), `find(sent_at)` looks on the
        platform for what the write would have made since it was sent (epoch seconds): found, it
        is returned as the result (`reconciled` says so, the audit line too); not found, the
        error says how to check before retrying."""
        sent_at = time.time()
        token = last_request_id.set(None)
        status_token = last_status.set(None)
        try:
            result = await action
        except OutcomeUnknownError as exc:
            found = await find(sent_at) if find is not None else None
            if found is None:
                looked = (
                    " (looked just now: not there yet, but it may still appear)" if find else ""
                )
                exc.hint = (
                    f"the {noun} write may have happened{looked}; look with "
                    f"{how_to_check(operation, target)} before retrying, and retry only if it "
                    "is not there"
                )
                await self.audit(
                    operation, target, "unknown", exc.request_id, audit_detail(exc), exc.status
                )
                raise
            self.reconciled = (
                f"The response was lost ({exc.cause}), but the {noun} exists: returning it "
                "instead of writing it again."
            )
            await self.audit(
                operation,
                target,
                "succeeded",
                exc.request_id,
                f"reconciled after an unknown outcome: {exc.message}",
                exc.status,
                reconciled=True,
            )
            return found
        except AEPError as exc:
            await self.audit(
                operation,
                target,
                audit_outcome(exc),
                exc.request_id or last_request_id.get(),
                audit_detail(exc),
                exc.status,
            )
            raise
        finally:
            request_id, status = last_request_id.get(), last_status.get()
            last_request_id.reset(token)
            last_status.reset(status_token)
        await self.audit(operation, target, "succeeded", request_id, None, status)
        return result

    async def audit(
        self,
        operation: str,
        target: str,
        outcome: str,
        request_id: str | None = None,
        detail: str | None = None,
        status: int | None = None,
        *,
        reconciled: bool = False,
    ) -> None:
        await self.runtime.audit.write(
            principal=self.runtime.principal(self.sandbox),
            mcp_request_id=self.mcp_request_id,
            confirmed_by=self.confirmed_by,
            sandbox=self.sandbox,
            tool=self.spec.name,
            operation=operation,
            target=target,
            request_id=request_id,
            outcome=outcome,
            detail=detail,
            status=status,
            reconciled=reconciled,
        )

    def cursor(self, params: dict[str, object]) -> str:
        return encode_cursor(self.spec.name, self.sandbox, params)

    def page_params(self, cursor: str | None) -> dict[str, Any]:
        """The page parameters of a cursor this tool issued for this sandbox; any other cursor
        (another tool's, another sandbox's, or one made up: values that are not a page position)
        is refused, saying to start again without it."""
        if cursor is None:
            return {}
        try:
            params = decode_cursor(cursor, self.spec.name, self.sandbox)
        except ValueError as exc:
            raise Refusal(str(exc)) from None
        if not all(_page_value(v) for v in params.values()):
            raise self._foreign(cursor)
        return params

    def _foreign(self, cursor: str) -> Refusal:
        return Refusal(
            f"cursor {cursor[:40]!r} is not one {self.spec.name} issued for sandbox "
            f"{self.sandbox}; call again without cursor to start from the first page"
        )

    def position(self, cursor: str | None, key: str) -> int:
        """Where a page starts: `key` of the cursor (0 without one)."""
        value = self.page_params(cursor).get(key, 0)
        if cursor is not None and isinstance(value, str) and not value.isdecimal():
            raise self._foreign(cursor)
        return int(value)

    def paging(self, nxt: Mapping[str, object] | None) -> dict[str, Any]:
        """A page's `has_more` and `next_cursor`, from the cursor parameters of the next page
        (None: this page is the last)."""
        if nxt is None:
            return {"has_more": False, "next_cursor": None}
        return {"has_more": True, "next_cursor": self.cursor(dict(nxt))}

    async def wait(
        self,
        poll: Callable[[], Awaitable[tuple[bool, str]]],
        wait_seconds: float,
    ) -> bool:
        """Poll until `poll` says done or `wait_seconds` pass, reporting progress each time.
        True when done."""
        deadline = time.monotonic() + min(max(wait_seconds, 0.0), MAX_WAIT)
        interval = 0.1
        while True:
            done, status = await poll()
            await self.progress(status)
            if done or time.monotonic() >= deadline:
                return done
            await anyio.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(interval * 2, 2.0)


def describe_error(exc: Exception, tool: str, sandbox: str | None) -> str:
    """What went wrong, where, and what to do next."""
    where = f" in sandbox {sandbox!r}" if sandbox else ""
    if isinstance(exc, Refusal):
        return f"{tool} refused{where}: {exc}"
    if isinstance(exc, AEPError):
        nxt = _NEXT.get(exc.status or 0, "check the arguments and try again")
        return describe_platform_error(exc, tool, where, nxt)
    return unexpected(tool, sandbox, writes=False)


#: The largest page position a cursor holds (platform offsets are far smaller).
_MAX_POSITION = 10**9


def _page_value(value: object) -> bool:
    """Whether `value` is a page position this server puts in cursors: a non-negative integer
    (possibly as digits), or the platform's opaque offset token."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= _MAX_POSITION
    if isinstance(value, str):
        return (
            0 < len(value) <= 200
            and all(c.isascii() and (c.isalnum() or c in "_-.:") for c in value)
            and (not value.isdecimal() or int(value) <= _MAX_POSITION)
        )
    return False


_NEXT = {
    400: "fix the request as the message says",
    401: "the credential was rejected; check the configured credentials",
    403: "the credential lacks permission for this sandbox or operation",
    404: "the id does not exist in this sandbox; find it first with a find_* tool",
    409: "it conflicts with an existing object; change the name or update that object",
    422: "it conflicts with an existing object; change the name or update that object",
    429: "the platform is rate limiting; wait and retry",
}
