"""Who may sign in and with which client: the test users and the IMS clients of the settings,
their IMS-like user ids, password and client-secret checks, and the redirect URIs a client may
use (every loopback http URI, plus the client's configured patterns)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from ipaddress import ip_address
from urllib.parse import urlsplit

from seg_mcp.sandbox.settings import LocalUser, SandboxSettings


def user_id(user: LocalUser) -> str:
    """A stable IMS-like user id, `<24 hex>@<hex>.e`, derived from the org and the name."""
    person = hashlib.sha256(f"{user.org_id}/{user.name}".encode()).hexdigest()[:24].upper()
    org = hashlib.sha256(user.org_id.encode()).hexdigest()[:8]
    return f"{person}@{org}.e"


@dataclass(frozen=True)
class Client:
    """An IMS client: confidential (a secret; client_credentials and authorization_code) or
    public (the native app: PKCE alone; authorization_code and refresh_token)."""

    client_id: str
    org_id: str
    secret: bytes | None = field(default=None, repr=False)
    redirect_uri_patterns: tuple[str, ...] = ()

    @property
    def confidential(self) -> bool:
        return self.secret is not None

    def secret_matches(self, given: str) -> bool:
        return self.secret is not None and hmac.compare_digest(self.secret, given.encode())

    def allows_redirect(self, uri: str) -> bool:
        return is_loopback_http(uri) or any(fnmatchcase(uri, p) for p in self.redirect_uri_patterns)


def is_loopback_http(uri: str) -> bool:
    """`http://127.0.0.1:<port>/<path>`, `http://localhost…` or `http://[::1]…` (any port, any
    path; no user info, no fragment), as IMS allows for native apps and local development."""
    try:
        parts = urlsplit(uri)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return False
    if parts.scheme != "http" or parts.fragment or "@" in parts.netloc or port == 0:
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class Directory:
    """The users and clients of one settings object."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.users = list(settings.users)
        self._by_name = {u.name: u for u in self.users}
        self._by_id = {user_id(u): u for u in self.users}
        patterns = tuple(settings.redirect_uri_patterns)
        clients = [
            Client(
                client_id=c.client_id,
                org_id=c.org_id,
                secret=c.client_secret.get_secret_value().encode(),
                redirect_uri_patterns=(
                    (*patterns, *c.redirect_uri_patterns)
                    if c.client_id == settings.client_id
                    else tuple(c.redirect_uri_patterns)
                ),
            )
            for c in settings.credentials()
        ]
        clients.append(
            Client(
                client_id=settings.native_client_id,
                org_id=settings.org_id,
                redirect_uri_patterns=patterns,
            )
        )
        self._clients: dict[str, Client] = {}
        for c in clients:
            self._clients.setdefault(c.client_id, c)

    def client(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def user_by_id(self, uid: str) -> LocalUser | None:
        return self._by_id.get(uid)

    def sign_in(self, name: str, password: str) -> LocalUser | None:
        """The user whose name and password these are, or None (same work either way)."""
        user = self._by_name.get(name.strip())
        expected = user.password.get_secret_value() if user else "\0never-a-password"
        ok = hmac.compare_digest(expected.encode(), password.encode())
        return user if ok and user is not None else None
