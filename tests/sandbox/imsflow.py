"""The client side of the local IMS's sign-in, as a test drives it over HTTP: PKCE values, the
sign-in page's form read with the standard HTML parser, the code from the redirect, the token
exchange. Used by test_ims.py and test_ims_browser.py."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

NATIVE = "seg-mcp-local-native"
REDIRECT = "http://127.0.0.1:8765/callback"
LOCAL_ORG = "seg-mcp-local@AdobeOrg"
OTHER_ORG = "seg-mcp-other@AdobeOrg"


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge), computed here independently of the sandbox's code."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


@dataclass
class Form:
    method: str = ""
    action: str = ""
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    buttons: int = 0
    scripts: int = 0
    external: list[str] = field(default_factory=list)

    def values(self) -> dict[str, str]:
        return {n: a.get("value", "") for n, a in self.inputs.items()}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form = Form()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form.method, self.form.action = a.get("method", ""), a.get("action", "")
        elif tag == "input" and "name" in a:
            self.form.inputs[a["name"]] = a
        elif tag == "button":
            self.form.buttons += 1
        elif tag == "script":
            self.form.scripts += 1
        for attr in ("src", "href"):
            if a.get(attr):
                self.form.external.append(a[attr])


def parse_form(html: str) -> Form:
    parser = _FormParser()
    parser.feed(html)
    return parser.form


def authorize_params(
    challenge: str | None,
    *,
    client_id: str = NATIVE,
    redirect_uri: str = REDIRECT,
    state: str = "state-123",
    **extra: str,
) -> dict[str, str]:
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid,AdobeID,read_organizations",
        "response_type": "code",
        "state": state,
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return params


async def submit(
    http: httpx2.AsyncClient, params: dict[str, str], username: str, password: str
) -> httpx2.Response:
    """Open the sign-in page, fill the form as a browser would, post it (no redirect followed)."""
    page = await http.get("/ims/authorize/v2", params=params)
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    assert form.method.lower() == "post"
    return await http.post(
        form.action, data={**form.values(), "username": username, "password": password}
    )


def redirect_query(response: httpx2.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def exchange(
    http: httpx2.AsyncClient,
    code: str,
    verifier: str | None,
    *,
    client_id: str = NATIVE,
    redirect_uri: str = REDIRECT,
    **extra: str,
) -> httpx2.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        **extra,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return await http.post("/ims/token/v3", data=form)


async def sign_in(
    http: httpx2.AsyncClient, username: str, *, client_id: str = NATIVE, **extra: str
) -> dict[str, Any]:
    """The whole flow for a test user (password `<name>-local`): the token endpoint's answer."""
    verifier, challenge = pkce()
    response = await submit(
        http, authorize_params(challenge, client_id=client_id), username, f"{username}-local"
    )
    query = redirect_query(response)
    assert query["state"] == "state-123"
    answer = await exchange(http, query["code"], verifier, client_id=client_id, **extra)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def gateway(
    token: str, sandbox: str = "dev", *, client_id: str = NATIVE, org: str = LOCAL_ORG
) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "x-api-key": client_id,
        "x-gw-ims-org-id": org,
        "x-sandbox-name": sandbox,
    }
