"""Signing a person in with Adobe IMS: authorization code + PKCE (S256) through the system browser
and a loopback redirect, as `gh auth login` does (RFC 8252, "OAuth 2.0 for Native Apps").

1. A one-shot HTTP listener on `127.0.0.1`, a random port, path `/callback`.
2. The browser opens `{ims}/ims/authorize/v2?client_id&redirect_uri&scope&response_type=code&state
   &code_challenge&code_challenge_method=S256`; the URL is printed too, for a headless machine.
3. IMS redirects to the listener with `code` and `state`; a wrong `state` is answered 400 and
   ignored (a stray request can neither end nor hijack the sign-in).
4. `POST {ims}/ims/token/v3` `grant_type=authorization_code` with the `code_verifier` (+ the client
   secret of an OAuth Web App credential; a Native App has none) → access + refresh token.
5. `GET {ims}/ims/userinfo/v2` says who; Sandbox Management lists the person's sandboxes.

`revoke` ends a sign-in at IMS (`POST /ims/revoke`). Tokens are `SecretStr`; IMS error texts are
redacted before they reach a message.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx2
from pydantic import SecretStr

from seg_mcp.signin.store import SignInError

__all__ = [
    "DEFAULT_USER_SCOPES",
    "IMS",
    "PKCE",
    "LoopbackReceiver",
    "Tokens",
]

#: Scopes a user sign-in asks for: AEP's, who the person is, and a refresh token.
DEFAULT_USER_SCOPES: tuple[str, ...] = (
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info.projectedProductContext",
    "profile",
    "email",
    "offline_access",
)

CALLBACK_PATH = "/callback"


@dataclass(frozen=True)
class PKCE:
    """RFC 7636: a random verifier and its S256 challenge."""

    verifier: SecretStr
    challenge: str
    method: str = "S256"

    @classmethod
    def new(cls) -> PKCE:
        verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return cls(SecretStr(verifier), challenge)


@dataclass(frozen=True)
class Tokens:
    """An IMS token answer."""

    access_token: SecretStr
    refresh_token: SecretStr | None
    expires_in: float

    def __repr__(self) -> str:
        return f"Tokens(access_token=SecretStr('**********'), expires_in={self.expires_in:.0f})"


# -- the loopback listener ---------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>seg-mcp sign-in</title></head>
<body style="font-family: sans-serif; margin: 3em;"><h1>{title}</h1><p>{text}</p></body></html>
"""


@dataclass
class _Outcome:
    done: threading.Event = field(default_factory=threading.Event)
    code: SecretStr | None = None
    error: str | None = None
    ignored: int = 0


class LoopbackReceiver:
    """`with LoopbackReceiver(state) as rx:` listens on 127.0.0.1 (random port) for IMS's
    redirect; `await rx.wait(timeout)` returns the authorization code."""

    def __init__(self, state: str, *, on_ignored: Callable[[str], None] | None = None) -> None:
        self._state = state
        self._outcome = _Outcome()
        self._on_ignored = on_ignored
        self._server: http.server.HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def redirect_uri(self) -> str:
        assert self._server is not None, "not listening"
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def __enter__(self) -> LoopbackReceiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            server_version = "seg-mcp"
            sys_version = ""

            def do_GET(self) -> None:
                status, title, text = receiver._handle(self.path)
                body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line carries the authorization code: never log it

        self._server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _handle(self, raw_path: str) -> tuple[int, str, str]:
        parts = urlsplit(raw_path)
        if parts.path != CALLBACK_PATH:
            return 404, "Not found", "This is seg-mcp's sign-in listener; nothing lives here."
        outcome = self._outcome
        if outcome.done.is_set():
            return 200, "Already done", "This sign-in is finished. You can close this tab."
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if not secrets.compare_digest(query.get("state", ""), self._state):
            outcome.ignored += 1
            if self._on_ignored is not None:
                self._on_ignored("ignored a sign-in response whose state does not match")
            return (
                400,
                "Not this sign-in",
                "This response does not belong to the sign-in seg-mcp is waiting for "
                "(its state does not match). Start again with `seg-mcp login`.",
            )
        if "error" in query:
            description = query.get("error_description") or query["error"]
            outcome.error = f"{query['error']}: {description}"[:300]
            outcome.done.set()
            return 400, "Sign-in failed", f"{outcome.error}. You can close this tab."
        code = query.get("code", "")
        if not code:
            outcome.error = "IMS redirected back without an authorization code"
            outcome.done.set()
            return 400, "Sign-in failed", outcome.error + ". You can close this tab."
        outcome.code = SecretStr(code)
        outcome.done.set()
        return (
            200,
            "Signed in to seg-mcp",
            "You can close this tab and return to the terminal.",
        )

    async def wait(self, timeout: float) -> SecretStr:
        """The authorization code, once the browser comes back (polled so Ctrl-C works)."""
        with anyio.move_on_after(timeout):
            while not self._outcome.done.is_set():
                await anyio.sleep(0.05)
        outcome = self._outcome
        if not outcome.done.is_set():
            raise SignInError(
                f"no sign-in came back within {timeout:.0f} s: run `seg-mcp login` again and "
                "finish signing in in the browser"
            )
        if outcome.code is None:
            raise SignInError(f"IMS refused the sign-in ({outcome.error})")
        return outcome.code


# -- IMS ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IMS:
    """The IMS endpoints a user sign-in needs, for one client id."""

    ims_url: str
    client_id: str
    client_secret: SecretStr | None = None

    def __repr__(self) -> str:
        secret = "None" if self.client_secret is None else "SecretStr('**********')"
        return (
            f"IMS(ims_url={self.ims_url!r}, client_id={self.client_id!r}, client_secret={secret})"
        )

    def url(self, path: str) -> str:
        return self.ims_url.rstrip("/") + path

    def authorize_url(
        self, *, redirect_uri: str, scopes: tuple[str, ...], state: str, pkce: PKCE
    ) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": ",".join(scopes),
            "response_type": "code",
            "state": state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
        }
        return self.url("/ims/authorize/v2") + "?" + urlencode(query)

    def _client_form(self) -> dict[str, str]:
        form = {"client_id": self.client_id}
        if self.client_secret is not None:
            form["client_secret"] = self.client_secret.get_secret_value()
        return form

    async def exchange(
        self, http: httpx2.AsyncClient, *, code: SecretStr, pkce: PKCE, redirect_uri: str
    ) -> Tokens:
        form = {
            "grant_type": "authorization_code",
            "code": code.get_secret_value(),
            "code_verifier": pkce.verifier.get_secret_value(),
            "redirect_uri": redirect_uri,
            **self._client_form(),
        }
        hidden = [code.get_secret_value(), pkce.verifier.get_secret_value()]
        response = await self._send(http, "POST", "/ims/token/v3", hidden, data=form)
        payload = _json(response)
        access = payload.get("access_token")
        if not isinstance(access, str) or not access:
            raise SignInError(f"IMS at {self.ims_url} answered without an access token")
        refresh = payload.get("refresh_token")
        try:
            expires_in = float(payload.get("expires_in", 86399))
        except (TypeError, ValueError):
            expires_in = 86399.0
        return Tokens(
            SecretStr(access),
            SecretStr(refresh) if isinstance(refresh, str) and refresh else None,
            expires_in,
        )

    async def userinfo(self, http: httpx2.AsyncClient, access_token: SecretStr) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {access_token.get_secret_value()}"}
        response = await self._send(
            http, "GET", "/ims/userinfo/v2", [access_token.get_secret_value()], headers=headers
        )
        return _json(response)

    async def revoke(self, http: httpx2.AsyncClient, token: SecretStr, hint: str) -> None:
        form = {"token": token.get_secret_value(), "token_type_hint": hint, **self._client_form()}
        await self._send(http, "POST", "/ims/revoke", [token.get_secret_value()], data=form)

    async def _send(
        self,
        http: httpx2.AsyncClient,
        method: str,
        path: str,
        hidden: list[str],
        **kwargs: Any,
    ) -> httpx2.Response:
        url = self.url(path)
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        try:
            response = await http.request(method, url, headers=headers, **kwargs)
        except httpx2.TransportError as exc:
            raise SignInError(
                f"cannot reach IMS at {url} ({type(exc).__name__}): check AEP_IMS_URL and the "
                "network"
            ) from None
        if response.is_success:
            return response
        if self.client_secret is not None:
            hidden = [*hidden, self.client_secret.get_secret_value()]
        raise SignInError(f"IMS refused {method} {path}: {_describe(response, hidden)}")


async def list_sandboxes(
    http: httpx2.AsyncClient,
    *,
    platform_url: str,
    client_id: str,
    org_id: str,
    access_token: SecretStr,
) -> list[str]:
    """The sandboxes Sandbox Management lists for the person (their token, the org)."""
    from seg_mcp.aep.models.platform import SandboxList

    url = platform_url.rstrip("/") + "/data/foundation/sandbox-management/sandboxes"
    headers = {
        "Accept": "application/json",
        "Authorization": f"Bearer {access_token.get_secret_value()}",
        "x-api-key": client_id,
        "x-gw-ims-org-id": org_id,
    }
    names: list[str] = []
    offset, limit = 0, 50
    for _ in range(100):
        try:
            response = await http.get(
                url, params={"limit": limit, "offset": offset}, headers=headers
            )
        except httpx2.TransportError as exc:
            raise SignInError(
                f"cannot reach the platform at {url} ({type(exc).__name__}): check AEP_PLATFORM_URL"
            ) from None
        if not response.is_success:
            hidden = [access_token.get_secret_value()]
            raise SignInError(
                f"Sandbox Management refused to list sandboxes: {_describe(response, hidden)}"
            )
        page = SandboxList.model_validate_json(response.content)
        names += [s.name for s in page.sandboxes]
        if len(page.sandboxes) < limit:
            break
        offset += limit
    return names


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise SignInError(
            f"{str(response.request.url).split('?')[0]} answered {response.status_code} "
            "without a JSON object: check AEP_IMS_URL points at Adobe IMS"
        )
    return payload


def _describe(response: httpx2.Response, hidden: list[str]) -> str:
    """`<status> <error>: <description>` from an IMS or gateway error body, secrets removed."""
    text = ""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        code = payload.get("error") or payload.get("error_code") or payload.get("type") or ""
        detail = (
            payload.get("error_description")
            or payload.get("message")
            or payload.get("detail")
            or payload.get("title")
            or ""
        )
        text = f"{code}: {detail}" if code and detail else str(code or detail)
    text = (text or response.text[:200] or response.reason_phrase).strip()
    for secret in hidden:
        if secret:
            text = text.replace(secret, "[redacted]")
    return f"{response.status_code} {text}"
