"""The gateway's header checks, and what a verified access token tells them.

Tokens are issued and verified by the IMS (`seg_mcp.sandbox.ims`). The claims name the client and
the organization a token acts for (and for a user token, the person and their sandboxes); the
gateway checks compare them with `x-api-key` and `x-gw-ims-org-id` the way Adobe's gateway does
(reference §1.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.datastructures import Headers

from seg_mcp.sandbox.errors import content_type_error, gateway_error


@dataclass(frozen=True)
class TokenClaims:
    """What a valid access token says: the client, the organization, and for a user token the
    person, the sign-in session and the sandboxes that person may use."""

    client_id: str
    org_id: str
    expires_ms: int
    user_id: str | None = None
    sandboxes: tuple[str, ...] | None = None  # None: every sandbox of the organization
    sid: str | None = None
    token_id: str = ""
    scope: str = ""


class TokenVerifier(Protocol):
    def verify(self, token: str) -> TokenClaims | None: ...


@dataclass(frozen=True)
class Caller:
    client_id: str
    org_id: str
    user_id: str | None = None
    sandboxes: tuple[str, ...] | None = None  # None: every sandbox of the organization

    def may_use(self, sandbox: str) -> bool:
        return self.sandboxes is None or sandbox in self.sandboxes

    @property
    def actor(self) -> str:
        """Who acts: the person for a user token, else the technical account (client id)."""
        return self.user_id or self.client_id


def check_gateway(
    issuer: TokenVerifier, headers: Headers, method: str, *, json_body: bool
) -> Caller:
    """The header checks of Adobe's gateway, in its order; raises the gateway's error bodies.
    `json_body`: the operation takes a JSON body, so Content-Type must say JSON."""
    auth = headers.get("authorization")
    if not auth:
        raise gateway_error(403, "403010", "Oauth token is missing.")
    api_key = headers.get("x-api-key")
    if not api_key:
        raise gateway_error(403, "403000", "Api Key is required")
    scheme, _, token = auth.partition(" ")
    claims = issuer.verify(token.strip()) if scheme.lower() == "bearer" else None
    if claims is None:
        raise gateway_error(401, "401013", "Oauth token is not valid")
    if api_key != claims.client_id:
        raise gateway_error(403, "403003", "Api Key is invalid")
    org = headers.get("x-gw-ims-org-id")
    if not org:
        raise gateway_error(400, "400003", "Missing header")
    if org != claims.org_id:
        raise gateway_error(403, "403025", "Profile is not valid")
    if method in ("POST", "PUT", "PATCH") and json_body:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise content_type_error()
    return Caller(
        client_id=claims.client_id, org_id=org, user_id=claims.user_id, sandboxes=claims.sandboxes
    )
