"""The browser-facing steps of `--auth oauth` on this server: the consent page and the IMS callback.

Plain HTML, redirects and forms; no JavaScript.

* `GET /oauth/consent?req=…` (only for clients whose redirect URI is not loopback): names the client
  and where it will receive access, with Continue / Deny buttons. The form carries the sealed
  request and a sealed nonce that must match a `SameSite=Lax` cookie set with the page, so another
  site cannot submit it for the person (the MCP "confused deputy" defence for a server with one
  static IMS client id). `POST` continues to IMS or returns `access_denied` to the client.
* `GET /oauth/callback?code=…&state=…`: IMS sends the person back here; the sealed `state` carries
  the pending request and the IMS PKCE verifier. The server exchanges the code and redirects the
  person to the MCP client's redirect URI with its own code, the client's `state` and `iss`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from html import escape
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from seg_mcp.server.auth.ims import IMSError
from seg_mcp.server.auth.provider import CONSENT_PATH, PENDING_TTL, SegOAuthProvider
from seg_mcp.server.auth.sealing import SealError

__all__ = ["OAuthPages"]

logger = logging.getLogger("seg_mcp.server.auth")

COOKIE = "seg_mcp_consent"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=_NO_STORE)


def _error_page(detail: str, status: int = 400) -> HTMLResponse:
    return _page(
        "seg-mcp sign-in failed",
        f"<p>{escape(detail)}</p><p>Start the sign-in again from your MCP client.</p>",
        status,
    )


def _to_client(pending: dict[str, Any], **params: str | None) -> RedirectResponse:
    url = construct_redirect_uri(pending["ru"], state=pending.get("st"), **params)
    return RedirectResponse(url, status_code=302, headers=_NO_STORE)


class OAuthPages:
    def __init__(self, provider: SegOAuthProvider) -> None:
        self.provider = provider
        self.sealer = provider.sealer

    # -- consent --------------------------------------------------------------------------------

    async def consent(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._consent_post(request)
        req = request.query_params.get("req", "")
        try:
            pending = self.sealer.open("cs", req)
        except SealError:
            return _error_page("This authorization request is invalid or has expired.")
        client = await self.provider.get_client(pending["cid"])
        if client is None:
            return _error_page("The application's registration is not valid here.")
        nonce = secrets.token_urlsafe(24)
        check = self.sealer.seal("ck", {"n": nonce, "r": _digest(req)}, ttl=PENDING_TTL)
        name = client.client_name or "An MCP application"
        where = urlsplit(pending["ru"]).netloc
        body = (
            f"<p><strong>{escape(name)}</strong> asks to use seg-mcp ({escape(pending['res'])}) "
            "as you, with your Adobe Experience Platform permissions.</p>"
            f"<p>It will receive access at <strong>{escape(where)}</strong>. Continue only if "
            "you started this sign-in from that application.</p>"
            f'<form method="post" action="{CONSENT_PATH}">'
            f'<input type="hidden" name="req" value="{escape(req)}">'
            f'<input type="hidden" name="check" value="{escape(check)}">'
            '<button type="submit" name="action" value="allow">Continue to Adobe sign-in</button> '
            '<button type="submit" name="action" value="deny">Deny</button></form>'
        )
        response = _page("Allow access to seg-mcp?", body)
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=int(PENDING_TTL),
            path=CONSENT_PATH,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    async def _consent_post(self, request: Request) -> Response:
        form = await request.form()
        req, check = str(form.get("req", "")), str(form.get("check", ""))
        try:
            pending = self.sealer.open("cs", req)
            expected = self.sealer.open("ck", check)
        except SealError:
            return _error_page("This authorization request is invalid or has expired.")
        cookie = request.cookies.get(COOKIE, "")
        if not (
            cookie
            and hmac.compare_digest(cookie, str(expected["n"]))
            and hmac.compare_digest(_digest(req), str(expected["r"]))
        ):
            return _error_page(
                "This confirmation did not come from the page seg-mcp showed you; nothing was "
                "authorized.",
                403,
            )
        if form.get("action") != "allow":
            return _to_client(pending, error="access_denied", error_description="denied")
        response = RedirectResponse(self.provider.ims_redirect(pending), 302, headers=_NO_STORE)
        response.delete_cookie(COOKIE, path=CONSENT_PATH)
        return response

    # -- IMS callback -----------------------------------------------------------------------------

    async def callback(self, request: Request) -> Response:
        q = request.query_params
        try:
            pending = self.sealer.open("st", q.get("state", ""))
        except SealError:
            return _error_page("This sign-in response is invalid or has expired.")
        if q.get("error") or not q.get("code"):
            logger.info("IMS sign-in ended without a code: %s", q.get("error", "no code"))
            return _to_client(
                pending,
                error="access_denied",
                error_description=f"Adobe sign-in: {q.get('error', 'no code')}",
            )
        try:
            code = await self.provider.complete(pending, q["code"])
        except IMSError as exc:
            logger.warning("IMS code exchange failed: %s", exc)
            return _to_client(pending, error="server_error", error_description=str(exc)[:200])
        return _to_client(pending, code=code, iss=pending["base"])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
