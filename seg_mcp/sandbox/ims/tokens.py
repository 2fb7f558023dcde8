"""The IMS's tokens: client authentication, the three grants of `/ims/token/v3`
(client_credentials, authorization_code with PKCE S256, refresh_token), access-token verification
for the gateway and userinfo, and revocation (which ends a user's whole sign-in session).

Every token is an RS256 JWT signed by `keys.Signer`. Access tokens carry IMS's payload: `id`,
`type: "access_token"`, `client_id`, `user_id` (user tokens), `org`, `as`, `created_at` and
`expires_in` (milliseconds, as strings), `scope`, and `sid` (the sign-in session, user tokens).
Refresh tokens have the same shape with `type: "refresh_token"`; ID tokens are OpenID Connect's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import uuid
from dataclasses import replace
from typing import Any

from seg_mcp.sandbox.auth import TokenClaims
from seg_mcp.sandbox.db import Database
from seg_mcp.sandbox.errors import ims_error
from seg_mcp.sandbox.ims.keys import Signer, load_or_create
from seg_mcp.sandbox.ims.sessions import CodeGrant, Session, SessionStore
from seg_mcp.sandbox.ims.users import Client, Directory, user_id
from seg_mcp.sandbox.settings import LocalUser, SandboxSettings
from seg_mcp.sandbox.store import SERVICE_SCHEMA

ISSUED_BY = "seg-mcp-local"  # the `as` claim (IMS names its region, e.g. "ims-na1")
PKCE_VERIFIER_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
SCOPES_SUPPORTED = [
    "openid",
    "AdobeID",
    "email",
    "profile",
    "offline_access",
    "session",
    "read_organizations",
    "additional_info.projectedProductContext",
]


def now_ms() -> int:
    return int(time.time() * 1000)


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a code verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def normalize_scope(scope: str | None) -> str:
    """IMS writes scopes comma-separated; OAuth clients often send them space-separated."""
    parts = re.split(r"[,\s]+", scope or "")
    return ",".join(dict.fromkeys(p for p in parts if p))


def invalid_grant(description: str) -> Exception:
    return ims_error(400, "invalid_grant", description)


class Ims:
    """Issues and verifies the tokens of one sandbox service (state: the signer in memory, the
    sessions in the database and mirrored in memory)."""

    def __init__(self, settings: SandboxSettings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.directory = Directory(settings)
        self.sessions = SessionStore(SERVICE_SCHEMA)
        self.signer: Signer = db.write(self._init)

    def _init(self, cur: Any) -> Signer:
        self.sessions.init(cur, now_ms())
        return load_or_create(cur, SERVICE_SCHEMA)

    def __repr__(self) -> str:
        return f"Ims(kid={self.signer.kid!r})"

    # -- clients ------------------------------------------------------------------------------

    def authenticate(self, client_id: str | None, secret: str | None) -> Client:
        """The client making a token-endpoint request; a confidential client must prove its
        secret, a public one must not need one."""
        if not client_id:
            raise ims_error(400, "invalid_request", "client_id parameter is missing")
        client = self.directory.client(client_id)
        if client is None:
            raise ims_error(400, "invalid_client", "invalid client_id parameter")
        if client.confidential:
            if not secret:
                raise ims_error(400, "invalid_request", "client_secret parameter is missing")
            if not client.secret_matches(secret):
                raise ims_error(401, "invalid_client", "invalid client_secret parameter")
        return client

    # -- client_credentials -------------------------------------------------------------------

    def client_credentials(self, client: Client, scope: str | None = None) -> dict[str, object]:
        """The `/ims/token/v3` answer for a client_credentials grant (an authenticated client)."""
        if not client.confidential:
            raise ims_error(
                400,
                "unauthorized_client",
                f"the client {client.client_id} is a public (native app) client: it signs users "
                "in with authorization_code and PKCE, it cannot use client_credentials",
            )
        ttl = self.settings.token_ttl_seconds
        token = self._access_token(client.client_id, client.org_id, ttl, normalize_scope(scope))
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl}

    def _access_token(
        self,
        client_id: str,
        org: str,
        ttl_seconds: int,
        scope: str,
        *,
        uid: str | None = None,
        sid: str | None = None,
        kind: str = "access_token",
        created: int | None = None,
    ) -> str:
        payload: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": kind,
            "client_id": client_id,
            "org": org,
            "as": ISSUED_BY,
            "created_at": str(created if created is not None else now_ms()),
            "expires_in": str(ttl_seconds * 1000),
            "scope": scope,
        }
        if uid is not None:
            payload["user_id"] = uid
            payload["sid"] = sid
        return self.signer.sign(payload)

    # -- verification -------------------------------------------------------------------------

    def _payload(self, token: str, kind: str) -> dict[str, Any] | None:
        payload = self.signer.decode(token)
        if payload is None or payload.get("type") != kind:
            return None
        try:
            expires = int(payload["created_at"]) + int(payload["expires_in"])
        except (KeyError, TypeError, ValueError):
            return None
        if expires <= now_ms() or self.directory.client(str(payload.get("client_id"))) is None:
            return None
        payload["_expires_ms"] = expires
        return payload

    def _live_user(self, payload: dict[str, Any]) -> tuple[LocalUser, Session] | None:
        user = self.directory.user_by_id(str(payload.get("user_id")))
        session = self.sessions.session(str(payload.get("sid")))
        if user is None or session is None or not session.alive(now_ms()):
            return None
        if session.user_id != user_id(user) or payload.get("org") != user.org_id:
            return None
        return user, session

    def verify(self, token: str) -> TokenClaims | None:
        """The claims of a valid access token (signed by this IMS, not expired, its client and
        user still configured, its session or token not revoked), else None."""
        payload = self._payload(token, "access_token")
        if payload is None:
            return None
        client_id, org = str(payload["client_id"]), str(payload.get("org"))
        claims = TokenClaims(
            client_id,
            org,
            expires_ms=int(payload["_expires_ms"]),
            token_id=str(payload.get("id")),
            scope=str(payload.get("scope") or ""),
        )
        if "user_id" not in payload:
            client = self.directory.client(client_id)
            if client is None or not client.confidential or client.org_id != org:
                return None
            if self.sessions.token_revoked(str(payload.get("id"))):
                return None
            return claims
        live = self._live_user(payload)
        if live is None:
            return None
        user, session = live
        return replace(
            claims, user_id=session.user_id, sandboxes=tuple(user.sandboxes), sid=session.sid
        )

    def user_of(self, claims: TokenClaims) -> LocalUser | None:
        return self.directory.user_by_id(claims.user_id) if claims.user_id else None

    # -- authorization_code -------------------------------------------------------------------

    async def issue_code(
        self,
        client: Client,
        redirect_uri: str,
        code_challenge: str,
        user: LocalUser,
        scope: str,
        nonce: str,
    ) -> str:
        code = "lc_" + secrets.token_urlsafe(32)
        grant = CodeGrant(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            user_id=user_id(user),
            scope=normalize_scope(scope),
            nonce=nonce,
            expires_ms=now_ms() + self.settings.code_ttl_seconds * 1000,
            used_sid=None,
        )
        await self.db.awrite(self.sessions.add_code, code, grant)
        return code

    def _redeem(
        self, cur: Any, client: Client, code: str, redirect_uri: str, verifier: str
    ) -> tuple[CodeGrant | None, Session | None, str]:
        """Inside one write: take the code and, if every check passes, start its session.
        Returns (grant, session, problem); a failed check still uses the code up."""
        sid = str(uuid.uuid4())
        grant = self.sessions.take_code(cur, code, sid)
        now = now_ms()
        if grant is None:
            return None, None, "the authorization code is not valid"
        if grant.used_sid is not None:
            revoked = self.sessions.revoke_session(cur, grant.used_sid, now)
            return (
                grant,
                revoked,
                ("the authorization code was already used; the session it started is revoked"),
            )
        if grant.client_id != client.client_id:
            return grant, None, "the authorization code was issued to another client"
        if grant.expires_ms <= now:
            return grant, None, "the authorization code has expired; sign in again"
        if grant.redirect_uri != redirect_uri:
            return grant, None, "redirect_uri does not match the one the code was issued for"
        if not PKCE_VERIFIER_RE.match(verifier) or not hmac.compare_digest(
            s256(verifier), grant.code_challenge
        ):
            return grant, None, "code_verifier does not match the code_challenge (PKCE S256)"
        user = self.directory.user_by_id(grant.user_id)
        if user is None:
            return grant, None, "the user of this authorization code no longer exists"
        session = Session(
            sid=sid,
            user_id=grant.user_id,
            client_id=client.client_id,
            org_id=user.org_id,
            scope=grant.scope,
            created_ms=now,
            expires_ms=now + self.settings.refresh_token_ttl_seconds * 1000,
        )
        return grant, self.sessions.add_session(cur, session), ""

    async def exchange_code(
        self, client: Client, code: str, redirect_uri: str, verifier: str, issuer: str
    ) -> dict[str, object]:
        grant, session, problem = await self.db.awrite(
            self._redeem, client, code, redirect_uri, verifier
        )
        if session is not None:
            self.sessions.remember(session)
        if problem or grant is None or session is None:
            raise invalid_grant(problem)
        user = self.directory.user_by_id(session.user_id)
        assert user is not None
        refresh = self._access_token(
            client.client_id,
            session.org_id,
            self.settings.refresh_token_ttl_seconds,
            session.scope,
            uid=session.user_id,
            sid=session.sid,
            kind="refresh_token",
            created=session.created_ms,
        )
        return self._user_answer(session, user, issuer, grant.nonce, refresh)

    def _user_answer(
        self, session: Session, user: LocalUser, issuer: str, nonce: str, refresh: str
    ) -> dict[str, object]:
        ttl = self.settings.user_token_ttl_seconds
        access = self._access_token(
            session.client_id, session.org_id, ttl, session.scope, uid=session.user_id,
            sid=session.sid,
        )  # fmt: skip
        now = int(time.time())
        id_claims: dict[str, Any] = {
            "iss": issuer,
            "sub": session.user_id,
            "aud": session.client_id,
            "iat": now,
            "exp": now + ttl,
            "auth_time": session.created_ms // 1000,
            "sid": session.sid,
            "type": "id_token",
            **self.profile(user),
        }
        if nonce:
            id_claims["nonce"] = nonce
        return {
            "access_token": access,
            "refresh_token": refresh,
            "id_token": self.signer.sign(id_claims),
            "token_type": "bearer",
            "expires_in": ttl,
        }

    # -- refresh_token ------------------------------------------------------------------------

    async def refresh(self, client: Client, token: str, issuer: str) -> dict[str, object]:
        payload = self._payload(token, "refresh_token")
        if payload is None:
            raise invalid_grant("the refresh token is not valid or has expired")
        if payload.get("client_id") != client.client_id:
            raise invalid_grant("the refresh token was issued to another client")
        live = self._live_user(payload)
        if live is None:
            raise invalid_grant(
                "the sign-in session of this refresh token has ended; sign in again"
            )
        user, session = live
        return self._user_answer(session, user, issuer, "", token)

    # -- revocation ---------------------------------------------------------------------------

    async def revoke(self, client: Client, token: str) -> None:
        """Revoke a token of `client` (RFC 7009): a user token ends its whole session; a
        client-credentials token is refused from now on. An unknown token is not an error."""
        payload = self.signer.decode(token)
        if payload is None or payload.get("type") not in ("access_token", "refresh_token"):
            return
        if payload.get("client_id") != client.client_id:
            raise ims_error(400, "unauthorized_client", "the token was issued to another client")
        if payload.get("sid"):
            session = await self.db.awrite(
                self.sessions.revoke_session, str(payload["sid"]), now_ms()
            )
            self.sessions.remember(session)
            return
        try:
            expires = int(payload["created_at"]) + int(payload["expires_in"])
        except (KeyError, TypeError, ValueError):
            return
        tid = await self.db.awrite(self.sessions.revoke_token, str(payload.get("id")), expires)
        self.sessions.remember(revoked_token=tid)

    # -- userinfo -----------------------------------------------------------------------------

    @staticmethod
    def profile(user: LocalUser) -> dict[str, Any]:
        return {
            "email": user.email,
            "email_verified": True,
            "name": f"{user.given_name} {user.family_name}".strip(),
            "given_name": user.given_name,
            "family_name": user.family_name,
        }

    def userinfo(self, claims: TokenClaims) -> dict[str, Any] | None:
        """`/ims/userinfo/v2` for a user token (`org` and `sandboxes` are local extras)."""
        user = self.user_of(claims)
        if user is None:
            return None
        return {
            "sub": claims.user_id,
            **self.profile(user),
            "account_type": "type1",
            "org": claims.org_id,
            "sandboxes": list(user.sandboxes),
        }
