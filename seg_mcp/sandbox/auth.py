"""IMS-style access tokens and the gateway's header checks.

Tokens are HS256 JWTs signed with a key kept in the database, so tokens stay valid across a
restart (as IMS tokens do) and nothing about them needs storing. The payload names the client and
the organization it acts for; the gateway checks compare them with `x-api-key` and
`x-gw-ims-org-id` the way Adobe's gateway does (reference §1.4).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass

from starlette.datastructures import Headers

from seg_mcp.sandbox.errors import content_type_error, gateway_error, ims_error
from seg_mcp.sandbox.settings import LocalCredential


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    org_id: str
    expires_ms: int


class TokenIssuer:
    def __init__(self, key: bytes, credentials: list[LocalCredential], ttl_seconds: int) -> None:
        self._key = key
        self._credentials = credentials
        self._ttl = ttl_seconds

    def credential(self, client_id: str) -> LocalCredential | None:
        for c in self._credentials:
            if c.client_id == client_id:
                return c
        return None

    def issue(self, client_id: str, client_secret: str) -> dict[str, object]:
        """The IMS `/ims/token/v3` answer for a client_credentials grant."""
        cred = self.credential(client_id)
        if cred is None:
            raise ims_error(400, "invalid_client", "invalid client_id parameter")
        expected = cred.client_secret.get_secret_value().encode()
        if not hmac.compare_digest(expected, client_secret.encode()):
            raise ims_error(401, "invalid_client", "invalid client_secret parameter")
        now = int(time.time() * 1000)
        header = {"alg": "HS256", "typ": "JWT", "kid": "seg-mcp-local"}
        payload = {
            "id": str(uuid.uuid4()),
            "type": "access_token",
            "client_id": cred.client_id,
            "org": cred.org_id,
            "as": "seg-mcp-local",
            "created_at": str(now),
            "expires_in": str(self._ttl * 1000),
            "nonce": secrets.token_hex(8),
        }
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return {
            "access_token": signing_input + "." + _b64(signature),
            "token_type": "bearer",
            "expires_in": self._ttl,
        }

    def verify(self, token: str) -> TokenClaims | None:
        try:
            head, body, sig = token.split(".")
            expected = hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(sig)):
                return None
            payload = json.loads(_unb64(body))
            expires = int(payload["created_at"]) + int(payload["expires_in"])
            claims = TokenClaims(str(payload["client_id"]), str(payload["org"]), expires)
        except (ValueError, KeyError, TypeError):
            return None
        if expires <= int(time.time() * 1000) or self.credential(claims.client_id) is None:
            return None
        return claims


@dataclass(frozen=True)
class Caller:
    client_id: str
    org_id: str


def check_gateway(issuer: TokenIssuer, headers: Headers, method: str, *, json_body: bool) -> Caller:
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
    return Caller(client_id=claims.client_id, org_id=org)
