"""Sign-in sessions, authorization codes and revoked token ids, in the database.

Tables in the service schema (`seg_service`):

* `ims_sessions`: one row per sign-in session (`sid`): who, with which client, until when, and
  whether it was revoked. Every access and refresh token of a user names its `sid`; revoking the
  session refuses them all, also after a restart. Loaded into memory at start (the gateway checks
  it on every request); the memory copy changes only after the database commits.
* `ims_codes`: authorization codes by the SHA-256 of the code (the code itself is never stored),
  with the request they answer (client, redirect URI, PKCE challenge, user, scope, nonce) and the
  session that exchanging it started (a second exchange revokes that session).
* `ims_revoked_tokens`: ids of revoked client-credentials access tokens (they have no session).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.db import Cursor


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    sid: str
    user_id: str
    client_id: str
    org_id: str
    scope: str
    created_ms: int
    expires_ms: int
    revoked: bool = False

    def alive(self, now_ms: int) -> bool:
        return not self.revoked and now_ms < self.expires_ms


@dataclass(frozen=True)
class CodeGrant:
    """What an authorization code was issued for."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    user_id: str
    scope: str
    nonce: str
    expires_ms: int
    used_sid: str | None


class SessionStore:
    def __init__(self, schema: str) -> None:
        q = xdm.quote_ident(schema)
        self._sessions_t = f"{q}.ims_sessions"
        self._codes_t = f"{q}.ims_codes"
        self._revoked_t = f"{q}.ims_revoked_tokens"
        self._sessions: dict[str, Session] = {}
        self._revoked_tokens: set[str] = set()
        self._lock = threading.Lock()

    # -- bootstrap (inside a write) -----------------------------------------------------------

    def init(self, cur: Cursor, now_ms: int) -> None:
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {self._sessions_t} (
                sid VARCHAR PRIMARY KEY, user_id VARCHAR, client_id VARCHAR, org VARCHAR,
                scope VARCHAR, created_ms BIGINT, expires_ms BIGINT, revoked_ms BIGINT)"""
        )
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {self._codes_t} (
                code_hash VARCHAR PRIMARY KEY, client_id VARCHAR, redirect_uri VARCHAR,
                code_challenge VARCHAR, user_id VARCHAR, scope VARCHAR, nonce VARCHAR,
                expires_ms BIGINT, used_sid VARCHAR)"""
        )
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {self._revoked_t} (
                token_id VARCHAR PRIMARY KEY, expires_ms BIGINT)"""
        )
        # Forget what can no longer matter: expired codes, sessions and revoked tokens.
        cur.execute(f"DELETE FROM {self._codes_t} WHERE expires_ms < ?", [now_ms - 86_400_000])
        cur.execute(f"DELETE FROM {self._sessions_t} WHERE expires_ms < ?", [now_ms])
        cur.execute(f"DELETE FROM {self._revoked_t} WHERE expires_ms < ?", [now_ms])
        rows = cur.execute(
            f"""SELECT sid, user_id, client_id, org, scope, created_ms, expires_ms,
                       revoked_ms IS NOT NULL FROM {self._sessions_t}"""
        ).fetchall()
        revoked = cur.execute(f"SELECT token_id FROM {self._revoked_t}").fetchall()
        with self._lock:
            self._sessions = {r[0]: Session(*r) for r in rows}
            self._revoked_tokens = {r[0] for r in revoked}

    # -- reads (memory) -----------------------------------------------------------------------

    def session(self, sid: str) -> Session | None:
        return self._sessions.get(sid)

    def token_revoked(self, token_id: str) -> bool:
        return token_id in self._revoked_tokens

    # -- codes (inside a write) ---------------------------------------------------------------

    def add_code(self, cur: Cursor, code: str, grant: CodeGrant) -> None:
        cur.execute(
            f"INSERT INTO {self._codes_t} VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                code_hash(code),
                grant.client_id,
                grant.redirect_uri,
                grant.code_challenge,
                grant.user_id,
                grant.scope,
                grant.nonce,
                grant.expires_ms,
            ],
        )

    def take_code(self, cur: Cursor, code: str, sid: str) -> CodeGrant | None:
        """The grant of `code` as it was before this call, marking it used by session `sid`
        (single use: a later call sees `used_sid`)."""
        row = cur.execute(
            f"""SELECT client_id, redirect_uri, code_challenge, user_id, scope, nonce,
                       expires_ms, used_sid FROM {self._codes_t} WHERE code_hash = ?""",
            [code_hash(code)],
        ).fetchone()
        if row is None:
            return None
        if row[7] is None:
            cur.execute(
                f"UPDATE {self._codes_t} SET used_sid = ? WHERE code_hash = ?",
                [sid, code_hash(code)],
            )
        return CodeGrant(*row)

    # -- sessions (inside a write; then `remember` once committed) ----------------------------

    def add_session(self, cur: Cursor, session: Session) -> Session:
        cur.execute(
            f"INSERT INTO {self._sessions_t} VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                session.sid,
                session.user_id,
                session.client_id,
                session.org_id,
                session.scope,
                session.created_ms,
                session.expires_ms,
            ],
        )
        return session

    def revoke_session(self, cur: Cursor, sid: str, now_ms: int) -> Session | None:
        rows = cur.execute(
            f"""UPDATE {self._sessions_t} SET revoked_ms = coalesce(revoked_ms, ?)
                WHERE sid = ? RETURNING sid, user_id, client_id, org, scope, created_ms,
                expires_ms""",
            [now_ms, sid],
        ).fetchall()
        if not rows:
            return None
        r = rows[0]
        return Session(r[0], r[1], r[2], r[3], r[4], r[5], r[6], revoked=True)

    def revoke_token(self, cur: Cursor, token_id: str, expires_ms: int) -> str:
        cur.execute(
            f"INSERT INTO {self._revoked_t} VALUES (?, ?) ON CONFLICT DO NOTHING",
            [token_id, expires_ms],
        )
        return token_id

    def remember(self, session: Session | None = None, revoked_token: str | None = None) -> None:
        with self._lock:
            if session is not None:
                self._sessions[session.sid] = session
            if revoked_token is not None:
                self._revoked_tokens.add(revoked_token)
