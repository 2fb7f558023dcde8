"""The authorization server MCP clients talk to, with Adobe IMS behind it (`--auth oauth`).

Implements the MCP SDK's `OAuthAuthorizationServerProvider`; the SDK's handlers do the protocol
checks (client authentication, redirect URI match, PKCE S256, code expiry). Everything it issues
is sealed (`sealing.Sealer`), so nothing is stored and any replica serves any step:

* a registered client id carries the client's metadata; its secret is a MAC of the id;
* `/authorize` sends the person to IMS (`IMSSignIn.authorize_url`, PKCE, this server's own
  callback) with the pending request sealed into IMS's `state` (after a consent page when the
  client's redirect URI is not loopback: see `pages`);
* the callback (`pages`) exchanges IMS's code and issues the client an authorization code that
  carries the person's IMS tokens;
* access tokens (short-lived, audience = the resource the client asked for) carry the IMS access
  token; refresh tokens carry the IMS refresh token too, and refreshing checks the IMS session
  (or refreshes the IMS token) before issuing anything.

The MCP tokens are never IMS tokens (no passthrough): IMS tokens travel only sealed.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from contextvars import ContextVar
from typing import Any

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl, SecretStr

from seg_mcp.server.auth.ims import IMSError, IMSSignIn, IMSTokens
from seg_mcp.server.auth.sealing import Sealer, SealError
from seg_mcp.server.auth.sessions import SessionChecker
from seg_mcp.server.auth.settings import HttpAuthSettings, is_loopback

__all__ = ["CALLBACK_PATH", "CONSENT_PATH", "SegOAuthProvider", "request_base_url"]

logger = logging.getLogger("seg_mcp.server.auth")

CALLBACK_PATH = "/oauth/callback"
CONSENT_PATH = "/oauth/consent"
PENDING_TTL = 600.0

#: The base URL (scheme://host[:port]) of the request being served, set by the auth gate.
request_base_url: ContextVar[str] = ContextVar("seg_mcp_request_base_url", default="")

_CLIENT_KEYS = ("redirect_uris", "token_endpoint_auth_method", "grant_types", "response_types")


class SegAuthCode(AuthorizationCode):
    jti: str
    ims_access: SecretStr
    ims_refresh: SecretStr | None = None
    ims_expires_at: float


class SegRefreshToken(RefreshToken):
    ims_access: SecretStr
    ims_refresh: SecretStr | None = None
    ims_expires_at: float


class SegAccessToken(AccessToken):
    ims_access: SecretStr


def resource_url(base: str) -> str:
    return f"{base}/mcp"


def same_resource(a: str | None, b: str) -> bool:
    return bool(a) and (a or "").rstrip("/").lower() == b.rstrip("/").lower()


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _redirect_is_loopback(uri: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    return parts.scheme == "http" and is_loopback(parts.hostname or "")


class SegOAuthProvider:
    def __init__(
        self,
        sealer: Sealer,
        ims: IMSSignIn,
        sessions: SessionChecker,
        settings: HttpAuthSettings,
    ) -> None:
        self.sealer = sealer
        self.ims = ims
        self.sessions = sessions
        self.settings = settings
        #: jti -> expiry of authorization codes redeemed by this process (single use per process).
        self._used_codes: dict[str, float] = {}

    # -- clients (RFC 7591), self-contained --------------------------------------------------

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        for uri in client_info.redirect_uris or []:
            text = str(uri)
            if not (_redirect_is_loopback(text) or text.startswith("https://")):
                raise RegistrationError(
                    "invalid_redirect_uri",
                    f"redirect URI {text} is neither loopback http (http://127.0.0.1:<port>/...) "
                    "nor https",
                )
        record: dict[str, Any] = {
            k: [str(v) for v in value] if isinstance(value, list) else value
            for k in _CLIENT_KEYS
            if (value := getattr(client_info, k)) is not None
        }
        record.update(
            n=client_info.client_name, s=client_info.scope, i=client_info.client_id_issued_at
        )
        client_id = self.sealer.seal("ci", record)
        client_info.client_id = client_id
        if client_info.token_endpoint_auth_method != "none":
            client_info.client_secret = self.sealer.mac(client_id)
        logger.info("registered MCP client %r", client_info.client_name or "(unnamed)")

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        try:
            record = self.sealer.open("ci", client_id)
        except SealError:
            return None
        method = record.get("token_endpoint_auth_method")
        return OAuthClientInformationFull.model_validate(
            {
                **{k: record[k] for k in _CLIENT_KEYS if k in record},
                "client_name": record.get("n"),
                "scope": record.get("s"),
                "client_id": client_id,
                "client_id_issued_at": record.get("i"),
                "client_secret": None if method == "none" else self.sealer.mac(client_id),
                "client_secret_expires_at": None if method == "none" else 0,
            }
        )

    # -- authorization --------------------------------------------------------------------------

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        base = request_base_url.get()
        resource = resource_url(base)
        if params.resource is not None and not same_resource(params.resource, resource):
            raise AuthorizeError("invalid_target", f"this server issues tokens for {resource} only")
        pending = {
            "cid": client.client_id,
            "ru": str(params.redirect_uri),
            "rux": params.redirect_uri_provided_explicitly,
            "st": params.state,
            "cc": params.code_challenge,
            "sc": params.scopes or [],
            "res": resource,
            "base": base,
        }
        if _redirect_is_loopback(str(params.redirect_uri)):
            return self.ims_redirect(pending)
        # A client that receives codes elsewhere than on this machine: the person confirms it.
        return f"{base}{CONSENT_PATH}?req={self.sealer.seal('cs', pending, ttl=PENDING_TTL)}"

    def ims_redirect(self, pending: dict[str, Any]) -> str:
        verifier = secrets.token_urlsafe(48)
        callback = f"{pending['base']}{CALLBACK_PATH}"
        state = self.sealer.seal("st", {**pending, "v": verifier, "cb": callback}, PENDING_TTL)
        return self.ims.authorize_url(
            redirect_uri=callback, state=state, code_challenge=s256(verifier)
        )

    async def complete(self, pending: dict[str, Any], ims_code: str) -> str:
        """The IMS callback: exchange IMS's code, return the client's authorization code."""
        tokens = await self.ims.exchange_code(ims_code, pending["cb"], pending["v"])
        info = await self.ims.userinfo(tokens.access_token.get_secret_value())
        if info is None:
            raise IMSError("IMS did not accept the token it just issued (userinfo refused it)")
        payload = {
            "cid": pending["cid"],
            "ru": pending["ru"],
            "rux": pending["rux"],
            "cc": pending["cc"],
            "sc": pending["sc"],
            "res": pending["res"],
            "sub": str(info["sub"]),
            "jti": secrets.token_urlsafe(16),
            **_ims_fields(tokens),
        }
        return self.sealer.seal("ac", payload, ttl=self.settings.auth_code_ttl)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> SegAuthCode | None:
        try:
            p = self.sealer.open("ac", authorization_code)
        except SealError:
            return None
        if p["jti"] in self._used_codes:
            return None
        return SegAuthCode(
            code=authorization_code,
            scopes=p["sc"],
            expires_at=p["exp"],
            client_id=p["cid"],
            code_challenge=p["cc"],
            redirect_uri=AnyUrl(p["ru"]),
            redirect_uri_provided_explicitly=p["rux"],
            resource=p["res"],
            subject=p["sub"],
            jti=p["jti"],
            **_ims_opened(p),
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: SegAuthCode
    ) -> OAuthToken:
        now = time.time()
        self._used_codes = {k: v for k, v in self._used_codes.items() if v > now}
        if authorization_code.jti in self._used_codes:
            raise TokenError("invalid_grant", "authorization code was already used")
        self._used_codes[authorization_code.jti] = authorization_code.expires_at
        return await self._mint(
            client.client_id or "",
            authorization_code.subject or "",
            authorization_code.scopes,
            authorization_code.resource or "",
            IMSTokens(
                authorization_code.ims_access,
                authorization_code.ims_refresh,
                authorization_code.ims_expires_at,
            ),
        )

    # -- tokens ---------------------------------------------------------------------------------

    async def _mint(
        self, client_id: str, subject: str, scopes: list[str], resource: str, ims: IMSTokens
    ) -> OAuthToken:
        margin = self.settings.ims_refresh_margin
        if ims.expires_at - time.time() < margin and ims.refresh_token is not None:
            ims = await self._refresh_ims(ims)
        ttl = min(self.settings.access_token_ttl, ims.expires_at - time.time() - 30)
        if ttl < 1:
            raise TokenError("invalid_grant", "the Adobe sign-in has expired; sign in again")
        common = {"sub": subject, "cid": client_id, "sc": scopes, "aud": resource}
        access = self.sealer.seal(
            "at", {**common, "ia": ims.access_token.get_secret_value()}, ttl=ttl
        )
        refresh = None
        if ims.refresh_token is not None:
            refresh = self.sealer.seal(
                "rt", {**common, **_ims_fields(ims)}, ttl=self.settings.refresh_token_ttl
            )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=int(ttl),
            refresh_token=refresh,
            scope=" ".join(scopes) or None,
        )

    async def _refresh_ims(self, ims: IMSTokens) -> IMSTokens:
        assert ims.refresh_token is not None
        try:
            fresh = await self.ims.refresh(ims.refresh_token.get_secret_value())
        except IMSError as exc:
            if exc.status is not None and exc.status < 500:
                raise TokenError(
                    "invalid_grant", "the Adobe sign-in session has ended; sign in again"
                ) from None
            raise TokenError("invalid_grant", f"could not renew the Adobe sign-in: {exc}") from None
        if fresh.refresh_token is None:
            fresh = IMSTokens(fresh.access_token, ims.refresh_token, fresh.expires_at)
        return fresh

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> SegRefreshToken | None:
        try:
            p = self.sealer.open("rt", refresh_token)
        except SealError:
            return None
        return SegRefreshToken(
            token=refresh_token,
            client_id=p["cid"],
            scopes=p["sc"],
            expires_at=p["exp"],
            resource=p["aud"],
            subject=p["sub"],
            **_ims_opened(p),
        )

    async def exchange_refresh_token(
        self,
        client: OAuthClientInformationFull,
        refresh_token: SegRefreshToken,
        scopes: list[str],
    ) -> OAuthToken:
        ims = IMSTokens(
            refresh_token.ims_access, refresh_token.ims_refresh, refresh_token.ims_expires_at
        )
        if ims.expires_at - time.time() >= self.settings.ims_refresh_margin:
            # The IMS token is still good: make sure its session is (logout, revocation).
            try:
                alive = await self.sessions.principal(ims.access_token.get_secret_value())
            except IMSError as exc:
                raise TokenError(
                    "invalid_grant", f"could not check the Adobe sign-in: {exc}"
                ) from None
            if alive is None:
                raise TokenError(
                    "invalid_grant", "the Adobe sign-in session has ended; sign in again"
                )
        return await self._mint(
            client.client_id or "",
            refresh_token.subject or "",
            scopes,
            refresh_token.resource or "",
            ims,
        )

    async def load_access_token(self, token: str) -> SegAccessToken | None:
        try:
            p = self.sealer.open("at", token)
        except SealError:
            return None
        return SegAccessToken(
            token=token,
            client_id=p["cid"],
            scopes=p["sc"],
            expires_at=int(p["exp"]),
            resource=p["aud"],
            subject=p["sub"],
            ims_access=SecretStr(p["ia"]),
        )

    async def revoke_token(self, token: SegAccessToken | SegRefreshToken) -> None:
        """Ends the person's IMS session (IMS revokes the whole sign-in for a user token)."""
        value = token.ims_access
        if isinstance(token, SegRefreshToken) and token.ims_refresh is not None:
            value = token.ims_refresh
        try:
            await self.ims.revoke(value.get_secret_value())
        except IMSError as exc:
            logger.warning("revoking the Adobe sign-in failed: %s", exc)
        self.sessions.forget(token.ims_access.get_secret_value())
        logger.info("revoked the Adobe sign-in of %s", token.subject)

    async def exchange_identity_assertion(self, client: Any, params: Any) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "the JWT bearer grant is not supported")


def _ims_fields(tokens: IMSTokens) -> dict[str, Any]:
    """The person's IMS tokens as a sealed code or token carries them."""
    return {
        "ia": tokens.access_token.get_secret_value(),
        "ir": tokens.refresh_token.get_secret_value() if tokens.refresh_token else None,
        "ie": tokens.expires_at,
    }


def _ims_opened(p: dict[str, Any]) -> dict[str, Any]:
    """`_ims_fields` read back: the `ims_*` fields of `SegAuthCode` and `SegRefreshToken`."""
    return {
        "ims_access": SecretStr(p["ia"]),
        "ims_refresh": SecretStr(p["ir"]) if p.get("ir") else None,
        "ims_expires_at": p["ie"],
    }
