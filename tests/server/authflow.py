"""Real parts for the HTTP auth tests: the local sandbox (IMS + platform) on a loopback port,
`seg-mcp serve --transport http --auth …` subprocesses, and an `mcp.Client` with the SDK's OAuth
support whose redirect handler signs in through the sandbox's sign-in page over HTTP, as a person
without JavaScript would (GET the page, POST username/password, follow redirects)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
from loopback import serve
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from seg_mcp.sandbox import SandboxSettings, create_app

CLIENT_SECRET = "seg-mcp-local-secret"
AUTH_SECRET = "auth-secret-Zq81-distinctive"
REDIRECT = "http://127.0.0.1:45871/callback"


def wait_port(port: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    for _ in range(300):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@contextmanager
def local_sandbox(data_dir: Path, **overrides: Any) -> Iterator[str]:
    """The local sandbox (platform + IMS) served on loopback; yields its origin. `overrides`:
    SandboxSettings fields beside the small, fast defaults."""
    settings = SandboxSettings(
        **{
            "data_dir": data_dir,
            "default_profiles": 40,
            "now": datetime(2026, 11, 1),
            "job_step_seconds": 0,
            "seed": 7,
            **overrides,
        }
    )
    with serve(create_app(settings)) as url:
        yield url


def serve_env(sandbox_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "SEG_"))}
    env.update(
        AEP_PLATFORM_URL=sandbox_url,
        AEP_IMS_URL=sandbox_url,
        AEP_CLIENT_ID="seg-mcp-local",
        AEP_CLIENT_SECRET=CLIENT_SECRET,
        AEP_ORG_ID="seg-mcp-local@AdobeOrg",
        SEG_MCP_DATA_DIR=str(data_dir),
        SEG_MCP_AUDIT_LOG=str(data_dir / "audit.jsonl"),
    )
    env.update(extra)
    return env


class Served:
    """One `seg-mcp serve` subprocess; its stderr is kept (to check that no secret is logged)."""

    def __init__(self, args: list[str], env: dict[str, str], port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/mcp"
        self.log_path = Path(env["SEG_MCP_DATA_DIR"]) / f"serve-{port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "seg_mcp",
                "serve",
                "--transport",
                "http",
                "--port",
                str(port),
                *args,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )

    def wait(self) -> Served:
        for _ in range(400):
            if self.proc.poll() is not None:
                raise AssertionError(self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"seg-mcp serve did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.communicate(timeout=20)
        self._log.close()


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "script":
            self.scripts += 1


class Browser:
    """A person at a browser without JavaScript: follows redirects, fills the sign-in form."""

    def __init__(self, username: str, transport: httpx2.AsyncBaseTransport | None = None):
        self.username = username
        self.transport = transport
        self.result: AuthorizationCodeResult | None = None
        self.pages: list[str] = []

    async def redirect_handler(self, url: str) -> None:
        async with httpx2.AsyncClient(transport=self.transport, timeout=20) as http:
            response = await http.get(url)
            for _ in range(10):
                if response.status_code in (301, 302, 303, 307):
                    location = urljoin(str(response.url), response.headers["location"])
                    if location.startswith(REDIRECT):
                        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                        assert "code" in query, query
                        self.result = AuthorizationCodeResult(
                            code=query["code"], state=query.get("state"), iss=query.get("iss")
                        )
                        return
                    response = await http.get(location)
                    continue
                assert response.status_code == 200, response.text
                self.pages.append(response.text)
                form = _Form()
                form.feed(response.text)
                assert form.scripts == 0, "the sign-in must work without JavaScript"
                data = {**form.fields}
                if "username" in data:
                    data.update(username=self.username, password=f"{self.username}-local")
                target = urljoin(str(response.url), form.action)
                response = await http.post(target, data=data)
            raise AssertionError(f"the sign-in did not come back to the client: {response.text}")

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None
        self.token_history: list[OAuthToken] = []

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.token_history.append(tokens)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def oauth(
    url: str, browser: Browser, storage: MemoryStorage, auth_method: str | None = None
) -> OAuthClientProvider:
    """`auth_method`: the client's token_endpoint_auth_method ("none": a public client)."""
    extra = {"token_endpoint_auth_method": auth_method} if auth_method else {}
    return OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="seg-mcp tests",
            redirect_uris=[REDIRECT],  # type: ignore[list-item]
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            **extra,
        ),
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )


@asynccontextmanager
async def signed_in(
    url: str,
    username: str,
    *,
    storage: MemoryStorage | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    mode: str = "auto",
    auth_method: str | None = None,
) -> AsyncIterator[Client]:
    """An `mcp.Client` on `url` that signs in as `username` when the server asks."""
    browser = Browser(username, transport)
    provider = oauth(url, browser, storage or MemoryStorage(), auth_method)
    http = httpx2.AsyncClient(auth=provider, transport=transport, timeout=30)
    async with http, Client(streamable_http_client(url, http_client=http), mode=mode) as client:
        yield client


class Alternating(httpx2.AsyncBaseTransport):
    """A load balancer: each request goes to the next port in turn, with its Host unchanged."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.sent: list[int] = []
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.port not in self.ports:
            return await self._inner.handle_async_request(request)
        port = self.ports[len(self.sent) % len(self.ports)]
        self.sent.append(port)
        moved = httpx2.Request(
            request.method,
            request.url.copy_with(port=port),
            headers=request.headers,  # the Host header still names the public address
            content=await request.aread(),
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(moved)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def ims_user_token(sandbox_url: str, username: str) -> str:
    """`username`'s own IMS access token, signed in directly with the local native client (PKCE),
    to show what the platform itself allows that person."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    redirect = "http://127.0.0.1:45872/callback"
    params = {
        "client_id": "seg-mcp-local-native",
        "redirect_uri": redirect,
        "scope": "openid,AdobeID,read_organizations",
        "response_type": "code",
        "state": "s",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    async with httpx2.AsyncClient(base_url=sandbox_url) as http:
        page = await http.get("/ims/authorize/v2", params=params)
        form = _Form()
        form.feed(page.text)
        data = {**form.fields, "username": username, "password": f"{username}-local"}
        posted = await http.post(form.action, data=data)
        code = parse_qs(urlsplit(posted.headers["location"]).query)["code"][0]
        answer = await http.post(
            "/ims/token/v3",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": "seg-mcp-local-native",
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
        )
        return str(answer.json()["access_token"])


def gateway_headers(token: str, sandbox: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "x-api-key": "seg-mcp-local-native",
        "x-gw-ims-org-id": "seg-mcp-local@AdobeOrg",
        "x-sandbox-name": sandbox,
    }
