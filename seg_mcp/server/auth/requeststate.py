"""The `requestState` of the 2026-07-28 input-required round trip (how a destructive call's
confirmation travels): sealed with a key every replica shares, and refused with a message that
says what happened and what to do.

The MCP SDK seals `requestState` under a key of its own process unless told otherwise, so a
confirmation asked by one replica and answered through another fails. `shared_policy` derives
the key from the deployment's auth secrets (`SEG_MCP_AUTH_SECRET`, else the `auth-secret` key file
in `SEG_MCP_DATA_DIR`: the secrets the OAuth tokens are sealed with, under a label of their own),
and binds each state to the caller (`current_principal`) so one person's state is no use to
another. `explain_refusals` puts a middleware outside the SDK's boundary that turns its terse
"Invalid or expired requestState" into an actionable error (same code and data).
"""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp.shared.exceptions import MCPError

from seg_mcp.server.auth.sealing import load_secrets, request_state_keys
from seg_mcp.server.auth.settings import HttpAuthSettings
from seg_mcp.server.identity import current_principal

__all__ = ["REFUSED", "deployment_secrets", "explain_refusals", "shared_policy"]

#: How long the person has to answer a confirmation (the SDK's default).
TTL_SECONDS = 600.0

REFUSED = (
    "Invalid or expired requestState: this answer is not to a question this deployment asked "
    "this caller in the last 10 minutes (was it asked by a server with another auth secret?); "
    "nothing was changed. Call the tool again (without requestState or inputResponses) so the "
    "user is asked again. Operators: every replica must share one SEG_MCP_AUTH_SECRET (or one "
    "auth-secret file)."
)


def deployment_secrets(settings: HttpAuthSettings | None = None) -> list[str]:
    """The auth secrets of this deployment (the first seals), as the OAuth layer reads them."""
    settings = settings or HttpAuthSettings()
    value = settings.auth_secret.get_secret_value() if settings.auth_secret else None
    return load_secrets(value, settings.data_dir)


def _caller(ctx: Any) -> str | None:
    """The principal a state is bound to: the signed-in person or the named token; None for
    the unauthenticated local operator."""
    principal = current_principal.get()
    if principal is None or principal.kind == "local":
        return None
    return f"{principal.kind}:{principal.user_id or principal.token_name or ''}"


def shared_policy(secrets: list[str]) -> RequestStateSecurity:
    """Seal under keys derived from `secrets` (all open: rotation), bound to the caller."""
    keys = request_state_keys(list(dict.fromkeys(secrets)))
    return RequestStateSecurity(keys=keys, ttl=TTL_SECONDS, bind_principal=_caller)


class _Explain:
    """Outside the SDK's `RequestStateBoundary`: its refusal, reworded (code and data kept)."""

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        try:
            return await call_next(ctx)
        except MCPError as exc:
            if exc.data != {"reason": "invalid_request_state"}:
                raise
            raise MCPError(code=exc.code, message=REFUSED, data=exc.data) from None


def explain_refusals(server: MCPServer) -> None:
    """Insert the rewording middleware just outside the server's request-state boundary."""
    chain = server.middleware
    at = next(i for i, m in enumerate(chain) if isinstance(m, RequestStateBoundary))
    chain.insert(at, _Explain())
