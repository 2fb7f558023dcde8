"""One exception tree for everything `seg_mcp.aep` raises.

```
AEPError                        status, code, message, request_id, retryable, hint
├── ClientUsageError            the caller asked for something impossible; nothing was sent
│   ├── SandboxNotAllowedError  sandbox outside every credential profile (lists the allowed ones)
│   ├── UnknownOperationError   operationId not in the registry (suggests the closest names)
│   └── InvalidParametersError  missing path parameter, unknown query parameter, invalid body
├── TransportError              no HTTP response: connection failed, timed out, protocol broke
│   ├── AEPConnectionError      the request never left (safe to resend, even a create)
│   └── AEPTimeoutError
├── AuthenticationError         no usable access token (IMS refused, static token rejected)
├── APIError                    the platform answered with a non-2xx status
│   ├── BadRequestError 400 · UnauthorizedError 401 · ForbiddenError 403 · NotFoundError 404
│   ├── ConflictError 409/422 · RateLimitError 429 (retry_after) · ServerError 5xx
└── ResponseFormatError         a 2xx whose body is not what the operation returns
```

Every message says what went wrong, where, and what to do next. None carries a secret: text that
comes from the wire is passed through the client's redactor before it reaches an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict, Unpack

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
    "RateLimitError",
    "ResponseFormatError",
    "SandboxNotAllowedError",
    "ServerError",
    "TransportError",
    "UnauthorizedError",
    "UnknownOperationError",
    "api_error_class",
]


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

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view, for CLI output and MCP tool errors."""
        return {
            "error": type(self).__name__,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "retryable": self.retryable,
            "hint": self.hint,
        }


class ClientUsageError(AEPError):
    """The caller asked for something the client refuses before sending anything."""


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


class AEPConnectionError(TransportError):
    pass


class AEPTimeoutError(TransportError):
    pass


class AuthenticationError(AEPError):
    """No usable access token: IMS refused the client credentials or a static token was rejected."""


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
