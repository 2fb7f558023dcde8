"""Who is calling: `Principal` and the `current_principal` context variable.

The HTTP auth layer (`seg_mcp.server.auth`) sets `current_principal` for each request in every
auth mode (`oauth`: the signed-in person; `token`: the named static token; `none`/stdio: the local
operator or the technical account the server runs as). Audit attribution and confirmations read
it. It holds no secret: tokens stay in the auth layer.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

__all__ = ["Principal", "PrincipalKind", "current_principal", "describe_principal"]

#: user: a person signed in with Adobe IMS (oauth mode); token: a static bearer token (token
#: mode); technical: the server's own server-to-server credential; local: no auth (loopback/stdio).
PrincipalKind = Literal["user", "token", "technical", "local"]


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    #: IMS user id (`sub`, e.g. "ABC123@7eeb….e") for users; the client id for technical accounts.
    user_id: str | None = None
    email: str | None = None
    name: str | None = None
    #: The static token's name (token mode).
    token_name: str | None = None
    #: Sandboxes this caller may use (None: whatever the deployment allows).
    sandboxes: tuple[str, ...] | None = None
    read_only: bool = False
    #: The IMS org of the caller, when known.
    org_id: str | None = None

    def label(self) -> str:
        """A short human label for logs and audit lines, e.g. "user alice@example.com"."""
        if self.kind == "user":
            return f"user {self.email or self.user_id or '?'}"
        if self.kind == "token":
            return f"token {self.token_name or '?'}"
        if self.kind == "technical":
            return f"technical account {self.user_id or '?'}"
        return "local"


def describe_principal(principal: Principal | None) -> str:
    return principal.label() if principal is not None else "local"


#: The caller of the current request (None: not set, i.e. stdio/local use with no auth layer).
current_principal: ContextVar[Principal | None] = ContextVar(
    "seg_mcp_current_principal", default=None
)
