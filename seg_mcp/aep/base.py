"""The client core: one request pipeline that every typed method goes through.

For each call: resolve the sandbox to its credential (or refuse it before any network I/O), render
the path, validate and serialise the body, then send with the standard headers

    Authorization: Bearer <token>      x-api-key: <client id>      x-gw-ims-org-id: <org>
    x-sandbox-name: <sandbox>          x-request-id: <fresh per attempt>
    Accept: application/json           Content-Type: application/json (with a body)

retrying per `RetryPolicy`, re-fetching the token once on a 401, and finally parsing the body into
the operation's model or raising an `APIError`.

Bodies are parsed tolerantly (models/common.py): a value that does not fit its field is kept as
sent, and a body that does not parse at all comes back as the operation's model holding it as sent;
either way nothing is lost, a warning is logged, added to `parse_warnings` when a caller collects
them, and `result.unparsed()` says which model and field.

A write (any operation but GET and the idempotent lookup/conversion POSTs) that was sent and got
no answer, or whose non-idempotent request a gateway answered with 502/504, raises
`OutcomeUnknownError` (errors.py: the failure contract) naming the request id that was sent.

The transport is the caller's: `httpx2.AsyncHTTPTransport` (the default) for Adobe,
`httpx2.ASGITransport(app)` for the in-process local sandbox, `httpx2.MockTransport` in tests.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from importlib import metadata
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import httpx2
from pydantic import ValidationError

from seg_mcp.aep import tolerant
from seg_mcp.aep.credentials import Credential, SandboxScope
from seg_mcp.aep.error_body import error_from_response
from seg_mcp.aep.errors import (
    AEPError,
    AEPTimeoutError,
    OutcomeUnknownError,
    ResponseFormatError,
    TransportError,
)
from seg_mcp.aep.models.common import AEPModel
from seg_mcp.aep.operation import Operation, describe_validation_error
from seg_mcp.aep.retry import RetryPolicy

__all__ = [
    "DEFAULT_TIMEOUT",
    "GATEWAY_STATUSES",
    "BaseAEPClient",
    "is_write",
    "last_request_id",
    "last_status",
    "parse_warnings",
]

logger = logging.getLogger("seg_mcp.aep")

DEFAULT_TIMEOUT = httpx2.Timeout(30.0, connect=10.0)

R = TypeVar("R")

#: The `x-request-id` of the latest request sent in the current context (task), so that callers
#: can quote it after a success too (audit trails); errors carry theirs in `AEPError.request_id`.
last_request_id: ContextVar[str | None] = ContextVar("seg_mcp_aep_last_request_id", default=None)
#: The HTTP status of the latest response received in the current context (None: no answer yet).
last_status: ContextVar[int | None] = ContextVar("seg_mcp_aep_last_status", default=None)
#: Set it to a list to collect, in the current context, a warning per response value that did not
#: parse and was kept as sent (None: warnings are only logged).
parse_warnings: ContextVar[list[str] | None] = ContextVar(
    "seg_mcp_aep_parse_warnings", default=None
)


#: Warnings logged for one answer's values that did not parse (the rest are counted).
MAX_WARNINGS = 5

#: Gateway answers that can follow a request the service carried out (a real 504 can).
GATEWAY_STATUSES = frozenset({502, 504})


def is_write(op: Operation[..., Any]) -> bool:
    """True when `op` changes something: not a GET, not an idempotent lookup/conversion POST."""
    return op.http_method != "GET" and not (op.http_method == "POST" and op.idempotent)


def _user_agent() -> str:
    try:
        return f"seg-mcp/{metadata.version('seg-mcp')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "seg-mcp"


def _as_sent(content: bytes) -> Any:
    """A body as JSON if it is JSON, else as text."""
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class BaseAEPClient:
    """Holds the HTTP client, the sandbox scope and the retry policy; sends operations."""

    def __init__(
        self,
        credentials: Sequence[Credential] | SandboxScope,
        *,
        default_sandbox: str | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        if isinstance(credentials, SandboxScope):
            if default_sandbox is not None:
                raise ValueError("pass default_sandbox to the SandboxScope, not to the client")
            self.scope = credentials
        else:
            self.scope = SandboxScope(credentials, default_sandbox)
        self.retry = retry or RetryPolicy()
        if http_client is not None:
            if transport is not None:
                raise ValueError("pass either transport or http_client, not both")
            self._http = http_client
            self._owns_http = False
        else:
            self._http = httpx2.AsyncClient(transport=transport, timeout=timeout)
            self._owns_http = True
        self._user_agent = _user_agent()

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(sandboxes={list(self.scope.allowed)!r}, "
            f"default_sandbox={self.scope.default_sandbox!r})"
        )

    # -- scope ---------------------------------------------------------------------------------

    @property
    def sandboxes(self) -> tuple[str, ...]:
        """Every sandbox this client may act in."""
        return self.scope.allowed

    @property
    def default_sandbox(self) -> str:
        return self.scope.default_sandbox

    def credential_for(self, sandbox: str | None = None) -> Credential:
        return self.scope.resolve(sandbox)[1]

    # -- the pipeline --------------------------------------------------------------------------

    async def _call(
        self,
        op: Operation[..., R],
        *,
        sandbox: str | None,
        path: Mapping[str, str],
        query: Mapping[str, Any],
        body: Any,
    ) -> R:
        """Send `op` (its typed method calls this) and parse the answer into its response type."""
        sandbox_name, credential = self.scope.resolve(sandbox)
        url = credential.platform_url + op.service.value + op.render_path(path)
        params = {k: _query_value(v) for k, v in query.items() if v is not None}
        content = op.encode_body(body)
        where = op.service.value + op.render_path(path)
        try:
            response = await self._send(op, credential, sandbox_name, url, params, content)
        except TransportError as exc:
            if exc.sent and is_write(op):
                raise self._unknown(op, where, last_request_id.get(), exc) from exc
            raise
        if response.status_code in GATEWAY_STATUSES and is_write(op) and not op.idempotent:
            await response.aread()
            gateway = self._api_error(response, credential)
            raise OutcomeUnknownError(
                operation_id=op.operation_id,
                method=op.http_method,
                path=where,
                request_id=gateway.request_id or response.request.headers.get("x-request-id"),
                cause=f"a gateway answered HTTP {response.status_code} ({gateway.message})",
                status=response.status_code,
                code=gateway.code,
            )
        return self._parse(op, response, credential)

    def _unknown(
        self, op: Operation[..., Any], where: str, request_id: str | None, exc: TransportError
    ) -> OutcomeUnknownError:
        if isinstance(exc, AEPTimeoutError):
            cause = "no answer came before the timeout"
        else:
            cause = "the connection closed before the answer"
        low = exc.__cause__
        detail = f"{type(low).__name__}: {low}".rstrip(": ") if low is not None else ""
        return OutcomeUnknownError(
            operation_id=op.operation_id,
            method=op.http_method,
            path=where,
            request_id=request_id,
            cause=f"{cause} ({self.redact(detail)})" if detail else cause,
        )

    async def _send(
        self,
        op: Operation[..., Any],
        credential: Credential,
        sandbox: str,
        url: str,
        params: dict[str, str],
        content: bytes | None,
    ) -> httpx2.Response:
        headers = {
            "Accept": op.accept,
            "User-Agent": self._user_agent,
            "x-api-key": credential.api_key,
            "x-gw-ims-org-id": credential.org_id,
            "x-sandbox-name": sandbox,
            **op.headers,
        }
        if content is not None:
            headers["Content-Type"] = "application/json"
        provider = credential.token_provider
        http = self._http

        async def send_once(token: str) -> httpx2.Response:
            headers["Authorization"] = f"Bearer {token}"
            headers["x-request-id"] = request_id = uuid.uuid4().hex
            last_request_id.set(request_id)
            request = http.build_request(
                op.http_method, url, params=params, content=content, headers=headers
            )
            response = await http.send(request)
            last_status.set(response.status_code)
            return response

        async def attempt() -> httpx2.Response:
            token = await provider.get_token(http)
            response = await send_once(token)
            if response.status_code == 401 and provider.invalidate(token):
                logger.info("%s: access token rejected (401); fetching a new one", op.operation_id)
                await response.aclose()
                response = await send_once(await provider.get_token(http))
            return response

        started = time.perf_counter()
        response = await self.retry.run(
            attempt, idempotent=bool(op.idempotent), target=f"{op.http_method} {url}"
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms (sandbox %s, request id %s)",
                op.http_method,
                response.request.url.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                sandbox,
                response.request.headers.get("x-request-id"),
            )
        return response

    def _parse(self, op: Operation[..., R], response: httpx2.Response, credential: Credential) -> R:
        if not response.is_success:
            raise self._api_error(response, credential)
        content = response.content
        if not content.strip() or op.response is type(None):
            if op.response_optional:
                return op.response_adapter.validate_python(None)
            model = op.response_model
            if model is not None and is_write(op):
                # A write's 2xx says it happened (reference §13.1: any 2xx, body optional); what
                # it made is not in the answer, and the warning says so.
                empty = model.as_unparsed({}, f"HTTP {response.status_code} came with no body")
                self._warn(op, response, str(empty.unparsed()[0]))
                return cast(R, empty)
            raise ResponseFormatError(
                f"{op.operation_id}: HTTP {response.status_code} came with an empty body",
                status=response.status_code,
                request_id=response.request.headers.get("x-request-id"),
            )
        try:
            result = tolerant.parse(op.response_adapter, content)
        except ValidationError as exc:
            request_id = response.headers.get("x-request-id") or response.request.headers.get(
                "x-request-id"
            )
            reason = self.redact(describe_validation_error(exc))
            model = op.response_model
            if model is None:
                raise ResponseFormatError(
                    f"{op.operation_id}: the HTTP {response.status_code} body does not parse: "
                    f"{reason}",
                    status=response.status_code,
                    request_id=request_id,
                    hint="the service answered in an unexpected shape; report it with the "
                    "request id",
                ) from None
            result = cast(R, model.as_unparsed(_as_sent(content), reason))
        if isinstance(result, AEPModel):
            problems = result.unparsed()
            for problem in problems[:MAX_WARNINGS]:
                self._warn(op, response, str(problem))
            if len(problems) > MAX_WARNINGS:
                self._warn(op, response, f"and {len(problems) - MAX_WARNINGS} more values")
        return result

    def _warn(self, op: Operation[..., Any], response: httpx2.Response, problem: str) -> None:
        request_id = response.request.headers.get("x-request-id")
        text = self.redact(
            f"{op.operation_id}: kept as sent, did not parse: {problem} (request id {request_id})"
        )
        logger.warning("%s", text)
        collected = parse_warnings.get()
        if collected is not None:
            collected.append(text)

    def _api_error(self, response: httpx2.Response, credential: Credential) -> AEPError:
        hint = None
        if response.status_code == 401 and not credential.token_provider.can_refresh:
            hint = (
                "the static access token was rejected (expired or for another org); get a new "
                "token or configure client credentials"
            )
        return error_from_response(response, redact=self.redact, now=time.time(), hint=hint)

    # -- secrets -------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """Replace every secret this client holds (client secrets, tokens) in `text`."""
        for credential in self.scope.credentials:
            for secret in credential.token_provider.secrets():
                if secret and secret in text:
                    text = text.replace(secret, "[redacted]")
        return text
