"""The ASGI gate in front of the MCP endpoint: Host/Origin checks, sign-in routes, bearer checks.

For every request, whatever the auth mode: the Host header must be one the deployment answers
for (421 otherwise) and a browser Origin one it allows (403). Then:

* OAuth routes (`--auth oauth`): RFC 9728 protected-resource metadata and RFC 8414 authorization
  server metadata, built from the URL the client used (`SEG_MCP_PUBLIC_URL`, else scheme + Host),
  so `resource` is that URL + `/mcp` and `authorization_servers` = [issuer] = that URL; then the
  SDK's `/authorize`, `/token`, `/register`, `/revoke` and this package's consent and callback.
* `/mcp`: a request without a valid bearer token gets 401 with
  `WWW-Authenticate: Bearer resource_metadata="…"` (oauth) before anything runs. A valid one sets
  `current_principal` (and, for oauth, the caller's IMS token) for the request. `--auth none`
  sets a `local` principal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from mcp.server.auth.routes import build_metadata, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from pydantic import AnyHttpUrl, SecretStr
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from seg_mcp.server.auth.ims import IMSError
from seg_mcp.server.auth.pages import OAuthPages
from seg_mcp.server.auth.provider import (
    CALLBACK_PATH,
    CONSENT_PATH,
    SegOAuthProvider,
    request_base_url,
    resource_url,
    same_resource,
)
from seg_mcp.server.auth.sealing import SealError
from seg_mcp.server.auth.sessions import caller_ims_token
from seg_mcp.server.auth.settings import HostPolicy
from seg_mcp.server.auth.statictokens import StaticTokens
from seg_mcp.server.identity import Principal, current_principal

__all__ = ["AuthGate", "AuthMode"]

logger = logging.getLogger("seg_mcp.server.auth")

AuthMode = Literal["oauth", "token", "none"]
PRM_PATH = "/.well-known/oauth-protected-resource"
AS_METADATA_PATH = "/.well-known/oauth-authorization-server"
MCP_PATH = "/mcp"


#: Liveness probe (the Dockerfile's HEALTHCHECK).
HEALTH_PATH = "/healthz"


class _Denied(Exception):
    def __init__(self, description: str | None, status: int = 401) -> None:
        self.description = description
        self.status = status


def _bearer(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class AuthGate:
    def __init__(
        self,
        inner: ASGIApp,
        *,
        mode: AuthMode,
        hosts: HostPolicy,
        public_url: str | None = None,
        provider: SegOAuthProvider | None = None,
        tokens: StaticTokens | None = None,
        anonymous: Principal | None = None,
    ) -> None:
        self.inner = inner
        self.mode = mode
        self.hosts = hosts
        self.public_url = public_url.rstrip("/") if public_url else None
        self.provider = provider
        self.tokens = tokens
        #: The principal of `--auth none` (None: let the runtime name the technical account).
        self.anonymous = anonymous
        self.router: ASGIApp | None = self._oauth_router(provider) if provider else None

    # -- OAuth routes -------------------------------------------------------------------------

    def _oauth_router(self, provider: SegOAuthProvider) -> ASGIApp:
        pages = OAuthPages(provider)
        sdk_routes = create_auth_routes(
            provider,
            issuer_url=AnyHttpUrl("http://127.0.0.1"),  # its metadata route is shadowed below
            client_registration_options=ClientRegistrationOptions(enabled=True),
            revocation_options=RevocationOptions(enabled=True),
        )
        routes = [
            Route(PRM_PATH + MCP_PATH, self._resource_metadata, methods=["GET", "OPTIONS"]),
            Route(PRM_PATH, self._resource_metadata, methods=["GET", "OPTIONS"]),
            Route(AS_METADATA_PATH, self._server_metadata, methods=["GET", "OPTIONS"]),
            Route(CONSENT_PATH, pages.consent, methods=["GET", "POST"]),
            Route(CALLBACK_PATH, pages.callback, methods=["GET"]),
            *sdk_routes,
        ]
        return Starlette(routes=routes)

    async def _resource_metadata(self, request: Request) -> Response:
        base = request_base_url.get()
        return JSONResponse(
            {
                "resource": resource_url(base),
                "authorization_servers": [base],
                "bearer_methods_supported": ["header"],
                "resource_name": "seg-mcp (Adobe Experience Platform segmentation)",
            },
            headers={"Access-Control-Allow-Origin": "*"},
        )

    async def _server_metadata(self, request: Request) -> Response:
        base = request_base_url.get()
        metadata = build_metadata(
            AnyHttpUrl(base),
            None,
            ClientRegistrationOptions(enabled=True),
            RevocationOptions(enabled=True),
        ).model_dump(mode="json", exclude_none=True)
        metadata["issuer"] = base
        metadata["authorization_response_iss_parameter_supported"] = True
        # Public clients (no secret; PKCE is required of every client) register and sign in too.
        metadata["token_endpoint_auth_methods_supported"] = [
            "client_secret_post",
            "client_secret_basic",
            "none",
        ]
        return JSONResponse(metadata, headers={"Access-Control-Allow-Origin": "*"})

    # -- ASGI -----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.inner(scope, receive, send)
            return
        if scope["type"] == "http" and scope.get("path") == HEALTH_PATH:
            # Liveness for container health checks and load balancers: answered for any Host
            # (a check from inside the container says 127.0.0.1), and it tells nothing.
            await _plain(200, "ok")(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        if not self.hosts.host_allowed(host):
            logger.warning("refused a request for Host %r (allowed: %s)", host, self.hosts.hosts)
            await _plain(421, "Invalid Host header: this server does not answer for it")(
                scope, receive, send
            )
            return
        if not self.hosts.origin_allowed(headers.get("origin")):
            logger.warning("refused a request from Origin %r", headers.get("origin"))
            await _plain(403, "Invalid Origin header: requests from it are not allowed")(
                scope, receive, send
            )
            return
        base = self.public_url or f"{scope.get('scheme', 'http')}://{host}"
        reset = request_base_url.set(base)
        try:
            path: str = scope.get("path", "")
            if self.router is not None and _is_oauth_path(path):
                await self.router(scope, receive, send)
            elif path == MCP_PATH or path.startswith(MCP_PATH + "/"):
                await self._guarded(scope, receive, send, headers, base)
            else:
                await self.inner(scope, receive, send)
        finally:
            request_base_url.reset(reset)

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, headers: Headers, base: str
    ) -> None:
        ims_token: str | None = None
        try:
            principal, ims_token = await self._authenticate(_bearer(headers), base)
        except _Denied as denied:
            await self._deny(denied, base)(scope, receive, send)
            return
        p_reset = current_principal.set(principal)
        t_reset = caller_ims_token.set(SecretStr(ims_token) if ims_token else None)
        try:
            await self.inner(scope, receive, send)
        finally:
            caller_ims_token.reset(t_reset)
            current_principal.reset(p_reset)

    async def _authenticate(
        self, token: str | None, base: str
    ) -> tuple[Principal | None, str | None]:
        if self.mode == "none":
            return self.anonymous, None
        if token is None:
            raise _Denied(None)
        if self.mode == "token":
            assert self.tokens is not None
            principal = self.tokens.principal(token)
            if principal is None:
                raise _Denied("the bearer token is not one this server accepts")
            return principal, None
        assert self.provider is not None
        try:
            claims = self.provider.sealer.open("at", token)
        except SealError:
            raise _Denied("the access token is invalid or expired") from None
        if not same_resource(claims.get("aud"), resource_url(base)):
            raise _Denied(f"the access token was issued for another resource, not {base}/mcp")
        try:
            principal = await self.provider.sessions.principal(claims["ia"])
        except IMSError as exc:
            logger.warning("could not check an Adobe sign-in with IMS: %s", exc)
            raise _Denied("Adobe IMS could not be reached to check the sign-in", 503) from None
        if principal is None or principal.user_id != claims.get("sub"):
            raise _Denied("the Adobe sign-in session behind this token has ended; sign in again")
        return principal, str(claims["ia"])

    def _deny(self, denied: _Denied, base: str) -> Response:
        if denied.status != 401:
            return JSONResponse(
                {"error": "temporarily_unavailable", "error_description": denied.description},
                status_code=denied.status,
            )
        parts = []
        if denied.description:
            parts += ['error="invalid_token"', f'error_description="{denied.description}"']
        if self.mode == "oauth":
            parts.append(f'resource_metadata="{base}{PRM_PATH}{MCP_PATH}"')
        else:
            parts.insert(0, 'realm="seg-mcp"')
        body: dict[str, Any] = {
            "error": "invalid_token",
            "error_description": denied.description or "authentication required",
        }
        return Response(
            json.dumps(body),
            status_code=401,
            media_type="application/json",
            headers={"WWW-Authenticate": "Bearer " + ", ".join(parts)},
        )


def _is_oauth_path(path: str) -> bool:
    return path.startswith("/.well-known/") or path in (
        "/authorize",
        "/token",
        "/register",
        "/revoke",
        CONSENT_PATH,
        CALLBACK_PATH,
    )


def _plain(status: int, text: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    return Response(text, status_code=status, media_type="text/plain")
