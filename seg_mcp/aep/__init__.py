"""Everything that speaks HTTP to Adobe Experience Platform. Knows nothing about MCP or the sandbox.

Laid out like httpx: the client core (`base`), auth (`auth/`, one module per kind of token),
transports passed in by the caller, one exception tree (`errors`); then one module per endpoint
family (`endpoints/`) declaring each operation once as a typed `@operation` method
(`operation`), their models (`models/`), and the registry read off those declarations
(`registry`).
"""

from seg_mcp.aep.auth import (
    DEFAULT_SCOPES,
    AccessToken,
    IMSTokenProvider,
    StaticTokenProvider,
    TokenProvider,
    UserTokenProvider,
)
from seg_mcp.aep.base import DEFAULT_TIMEOUT
from seg_mcp.aep.client import AEPClient
from seg_mcp.aep.credentials import DEFAULT_PLATFORM_URL, Credential, SandboxScope
from seg_mcp.aep.endpoints.platform import EXPERIENCE_EVENT_CLASS, PROFILE_CLASS, union_schema_id
from seg_mcp.aep.errors import (
    AEPConnectionError,
    AEPError,
    AEPTimeoutError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientUsageError,
    ConflictError,
    ForbiddenError,
    InvalidParametersError,
    NotFoundError,
    Outcome,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    SandboxNotAllowedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnknownOperationError,
)
from seg_mcp.aep.operation import Operation, Param, Service
from seg_mcp.aep.registry import REGISTRY, OperationRegistry, invoke
from seg_mcp.aep.retry import RetryPolicy

__all__ = [
    "DEFAULT_PLATFORM_URL",
    "DEFAULT_SCOPES",
    "DEFAULT_TIMEOUT",
    "EXPERIENCE_EVENT_CLASS",
    "PROFILE_CLASS",
    "REGISTRY",
    "AEPClient",
    "AEPConnectionError",
    "AEPError",
    "AEPTimeoutError",
    "APIError",
    "AccessToken",
    "AuthenticationError",
    "BadRequestError",
    "ClientUsageError",
    "ConflictError",
    "Credential",
    "ForbiddenError",
    "IMSTokenProvider",
    "InvalidParametersError",
    "NotFoundError",
    "Operation",
    "OperationRegistry",
    "Outcome",
    "OutcomeUnknownError",
    "Param",
    "RateLimitError",
    "ResponseFormatError",
    "RetryPolicy",
    "SandboxNotAllowedError",
    "SandboxScope",
    "ServerError",
    "Service",
    "StaticTokenProvider",
    "TokenProvider",
    "TransportError",
    "UnauthorizedError",
    "UnknownOperationError",
    "UserTokenProvider",
    "invoke",
    "union_schema_id",
]
