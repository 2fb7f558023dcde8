"""One exception tree for everything `seg_mcp.aep` raises.

```
AEPError                        status, code, message, request_id, retryable, hint, outcome
├── ClientUsageError            the caller asked for something impossible; nothing was sent
│   ├── SandboxNotAllowedError  sandbox outside every credential profile (lists the allowed ones)
│   ├── UnknownOperationError   operationId not in the registry (suggests the closest names)
│   └── InvalidParametersError  missing path parameter, unknown query parameter, invalid body
├── TransportError              no HTTP response: connection failed, timed out, protocol broke
│   ├── AEPConnectionError      the request never left (safe to resend, even a create)
│   └── AEPTimeoutError
├── OutcomeUnknownError         a write went out and no answer came back (timeout, reset, lost
│                               response), or a gateway 502/504 answered a non-idempotent write:
│                               the write may have happened; look before sending it again
├── AuthenticationError         no usable access token (IMS refused, static token rejected)
├── APIError                    the platform answered with a non-2xx status
│   ├── BadRequestError 400 · UnauthorizedError 401 · ForbiddenError 403 · NotFoundError 404
│   ├── ConflictError 409/422 · RateLimitError 429 (retry_after) · ServerError 5xx
└── ResponseFormatError         a 2xx whose body is not what the operation returns
```

Every failure is one of three outcomes (`AEPError.outcome`, the typed failure contract):

* ``"not_sent"`` — the request never left this process (connect refused, DNS, no token, a
  client-side refusal): nothing happened on the platform; sending it again is safe.
* ``"failed"`` — the platform answered with an error (`APIError`), or a read got no answer: the
  write did not happen (or there was none); the platform's reason says what to change.
* ``"unknown"`` — `OutcomeUnknownError`: a write was sent and no answer came, or a gateway 502/504
  answered a non-idempotent write. It may have happened: look for the object before retrying.

The client never resends a non-idempotent write once any byte of it may have left (retry.py).

Every message says what went wrong, where, and what to do next. None carries a secret: text that
comes from the wire is passed through the client's redactor before it reaches an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict, Unpack

__all__ = [
    "AEPConnectionError",
    "AEPError",
    "AEPTimeoutError",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientUsageError",
    "ConflictError",
    "ForbiddenError",
    "InvalidParametersError",
    "NotFoundError",
    "Outcome",
    "OutcomeUnknownError",
    "RateLimitError",
    "ResponseFormatError",
    "SandboxNotAllowedError",
    "ServerError",
    "TransportError",
    "UnauthorizedError",
    "UnknownOperationError",
    "api_error_class",
]


#: What happened to a failed call: see the module docstring.
Outcome = Literal["not_sent", "failed", "unknown"]


class ErrorDetails(TypedDict, total=False):
    """The keyword arguments of `AEPError` besides the message."""

    status: int | None
    code: str | None
    request_id: str | None
    retryable: bool
    hint: str | None


class AEPError(Exception):
    """Base class: carries HTTP status, Adobe error code, message, request id, retryability."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retryable = retryable
        self.hint = hint

    def __str__(self) -> str:
        head = []
        if self.status is not None:
            head.append(f"HTTP {self.status}")
        if self.code:
            head.append(self.code)
        text = f"{' '.join(head)}: {self.message}" if head else self.message
        if self.request_id:
            text += f" (request id {self.request_id})"
        if self.hint:
            text += f". {self.hint}"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"code={self.code!r}, request_id={self.request_id!r}, retryable={self.retryable!r})"
        )

    @property
    def outcome(self) -> Outcome:
        """`"failed"` here: the platform answered with an error (see the module docstring)."""
        return "failed"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view, for CLI output and MCP tool errors."""
        return {
            "error": type(self).__name__,
            "outcome": self.outcome,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "retryable": self.retryable,
            "hint": self.hint,
        }


class ClientUsageError(AEPError):
    """The caller asked for something the client refuses before sending anything."""

    @property
    def outcome(self) -> Outcome:
        return "not_sent"


class SandboxNotAllowedError(ClientUsageError):
    def __init__(self, sandbox: str, allowed: Sequence[str]) -> None:
        self.sandbox = sandbox
        self.allowed = tuple(allowed)
        listed = ", ".join(self.allowed) if self.allowed else "(none configured)"
        super().__init__(
            f"sandbox {sandbox!r} is not allowed by any credential profile; allowed sandboxes: "
            f"{listed}",
            hint="use one of the allowed sandboxes, or add it to a profile's sandboxes "
            "(AEP_SANDBOXES or the SEG_MCP_CONFIG file)",
        )


class UnknownOperationError(ClientUsageError):
    def __init__(self, operation_id: str, suggestions: Sequence[str]) -> None:
        self.operation_id = operation_id
        self.suggestions = tuple(suggestions)
        hint = (
            f"did you mean {', '.join(self.suggestions)}?"
            if self.suggestions
            else "run `seg-mcp api --list` to see every operationId"
        )
        super().__init__(f"unknown operationId {operation_id!r}", hint=hint)


class InvalidParametersError(ClientUsageError):
    """Missing path parameters, unknown query parameters or a body the operation cannot take."""


class TransportError(AEPError):
    """No HTTP response arrived."""

    def __init__(self, message: str, *, sent: bool, **details: Unpack[ErrorDetails]) -> None:
        super().__init__(message, **details)
        #: False when the failure happened before the request left this process.
        self.sent = sent

    @property
    def outcome(self) -> Outcome:
        # A *write* sent without an answer is raised as OutcomeUnknownError instead; what is left
        # with sent=True is a read (or a token request), which changed nothing.
        return "failed" if self.sent else "not_sent"


class AEPConnectionError(TransportError):
    pass


class AEPTimeoutError(TransportError):
    pass


class OutcomeUnknownError(AEPError):
    """A write went out and no answer came back, or a gateway 502/504 answered a non-idempotent
    write: it may have happened. Look for the object before sending it again.

    `operation_id`, `method` and `path` (without host) name the write; `request_id` is the
    `x-request-id` that was sent; `status` is the gateway's 502/504 when one answered, else None;
    `cause` says what happened in a few words ("timed out", "connection closed", "gateway 504").
    """

    def __init__(
        self,
        *,
        operation_id: str,
        method: str,
        path: str,
        request_id: str | None,
        cause: str,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.operation_id = operation_id
        self.method = method
        self.path = path
        self.cause = cause
        self.sent = True
        super().__init__(
            f"{operation_id} ({method} {path}) was sent but {cause}: the outcome is unknown, "
            "the write may have happened",
            status=status,
            code=code,
            request_id=request_id,
            retryable=False,
            hint="look for the object before sending the request again (a blind retry can "
            "create a duplicate)",
        )

    @property
    def outcome(self) -> Outcome:
        return "unknown"

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
        }


class AuthenticationError(AEPError):
    """No usable access token: IMS refused the client credentials or a static token was rejected."""

    @property
    def outcome(self) -> Outcome:
        return "not_sent"  # the platform request never left: there was no token to send


class APIError(AEPError):
    """The platform answered with a non-2xx status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        hint: str | None = None,
        body: object = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status=status, code=code, request_id=request_id, retryable=retryable, hint=hint
        )
        #: The decoded error body (dict) or its text, already redacted.
        self.body = body
        #: Seconds the service asked us to wait (Retry-After), when it said so.
        self.retry_after = retry_after


class BadRequestError(APIError):
    pass


class UnauthorizedError(APIError):
    pass


class ForbiddenError(APIError):
    pass


class NotFoundError(APIError):
    pass


class ConflictError(APIError):
    pass


class RateLimitError(APIError):
    pass


class ServerError(APIError):
    pass


class ResponseFormatError(AEPError):
    """A 2xx response whose body does not parse as what the operation returns."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: ConflictError,
    429: RateLimitError,
}


def api_error_class(status: int) -> type[APIError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return APIError
