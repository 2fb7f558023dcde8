"""Test doubles for faults the real service cannot produce on demand, and spec helpers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx2
from spec_contract import load_contract

from seg_mcp.aep import AEPClient, Credential, IMSTokenProvider, RetryPolicy, StaticTokenProvider

ORG = "TESTORG1234567890@AdobeOrg"
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "p8e-SECRET-client-secret-do-not-leak"
PLATFORM = "https://platform.example.test"
IMS = "https://ims.example.test"

Handler = Callable[[httpx2.Request], httpx2.Response | Awaitable[httpx2.Response]]


@dataclass
class Recorded:
    method: str
    path: str
    raw_path: bytes
    query: dict[str, str]
    headers: httpx2.Headers
    body: Any

    @classmethod
    def of(cls, request: httpx2.Request) -> Recorded:
        content = request.content
        body: Any = None
        if content:
            try:
                body = json.loads(content)
            except ValueError:
                body = content.decode()
        return cls(
            method=request.method,
            path=request.url.path,
            raw_path=request.url.raw_path.split(b"?")[0],
            query=dict(parse_qsl(request.url.query.decode(), keep_blank_values=True)),
            headers=request.headers,
            body=body,
        )


@dataclass
class FakeIMS:
    """Issues tok-1, tok-2, ... and counts token requests."""

    expires_in: float = 86399
    fail_with: tuple[int, dict[str, Any]] | None = None
    delay: float = 0.0
    forms: list[dict[str, str]] = field(default_factory=list)

    @property
    def fetches(self) -> int:
        return len(self.forms)

    async def handle(self, request: httpx2.Request) -> httpx2.Response:
        import anyio

        self.forms.append(dict(parse_qsl(request.content.decode())))
        if self.delay:
            await anyio.sleep(self.delay)
        if self.fail_with is not None:
            status, body = self.fail_with
            return httpx2.Response(status, json=body)
        return httpx2.Response(
            200,
            json={
                "access_token": f"tok-{self.fetches}",
                "token_type": "bearer",
                "expires_in": self.expires_in,
            },
        )


class Recorder:
    """A MockTransport handler: IMS at /ims/token/v3, everything else to `api` (recorded)."""

    def __init__(self, api: Handler | None = None, ims: FakeIMS | None = None) -> None:
        self.api = api or (lambda request: httpx2.Response(200, json={}))
        self.ims = ims or FakeIMS()
        self.requests: list[Recorded] = []

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/ims/token/v3":
            return await self.ims.handle(request)
        self.requests.append(Recorded.of(request))
        result = self.api(request)
        if not isinstance(result, httpx2.Response):
            result = await result
        return result

    @property
    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self)


class Sleeps:
    """An injected sleep that records delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def fast_retry(sleeps: Sleeps | None = None, **kwargs: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps or Sleeps(), random=lambda: 0.5, **kwargs)


def credential(
    sandboxes: Sequence[str] = ("dev",),
    *,
    provider: Any = None,
    name: str = "test",
    org: str = ORG,
    api_key: str = CLIENT_ID,
    platform_url: str = PLATFORM,
) -> Credential:
    return Credential(
        name=name,
        org_id=org,
        api_key=api_key,
        token_provider=provider or StaticTokenProvider("static-token"),
        sandboxes=tuple(sandboxes),
        platform_url=platform_url,
    )


def ims_provider(**kwargs: Any) -> IMSTokenProvider:
    kwargs.setdefault("retry", fast_retry())
    return IMSTokenProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, ims_url=IMS, **kwargs)


def client_for(
    recorder: Recorder,
    *,
    credentials: Sequence[Credential] | None = None,
    retry: RetryPolicy | None = None,
    default_sandbox: str | None = None,
) -> AEPClient:
    return AEPClient(
        credentials or [credential()],
        transport=recorder.transport,
        retry=retry or fast_retry(),
        default_sandbox=default_sandbox,
    )


def json_response(status: int, body: Any = None, **headers: str) -> httpx2.Response:
    if body is None:
        return httpx2.Response(status, headers=headers)
    return httpx2.Response(status, json=body, headers=headers)


def load_spec() -> dict[str, Any]:
    return load_contract()
