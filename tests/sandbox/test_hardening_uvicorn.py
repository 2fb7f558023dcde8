"""The body limit where the transport matters: the sandbox under uvicorn on 127.0.0.1, a client
on a plain socket that declares a 20 MB body and sends none of it. The 413 comes back at once (the
app does not wait for the body), closes the connection (so uvicorn does not read the body to find
the next request), and the app consumed no byte of it (counted at the ASGI boundary).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from loopback import serve

from seg_mcp.sandbox import SandboxService, SandboxSettings, create_app
from seg_mcp.sandbox.settings import DEFAULT_CLIENT_ID, DEFAULT_ORG_ID

from .conftest import CLIENT_SECRET

MB = 1024 * 1024


@dataclass
class Served:
    """The origin of the served sandbox, and the body bytes its app received, by path."""

    origin: str
    port: int
    consumed: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def served(sandbox_settings: SandboxSettings) -> Iterator[Served]:
    service = SandboxService(sandbox_settings)
    app = create_app(service=service)
    consumed: dict[str, int] = {}

    async def counting(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def counted() -> dict[str, Any]:
            message: dict[str, Any] = await receive()
            path = scope.get("path", "")
            consumed[path] = consumed.get(path, 0) + len(message.get("body", b""))
            return message

        await app(scope, counted, send)

    try:
        with serve(counting) as origin:
            yield Served(origin, int(origin.rsplit(":", 1)[1]), consumed)
    finally:
        service.close()


def request_head(served: Served, path: str, **headers: str) -> bytes:
    token = httpx2.post(
        served.origin + "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "openid,AdobeID",
        },
    ).json()["access_token"]
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{served.port}",
        f"Authorization: Bearer {token}",
        f"x-api-key: {DEFAULT_CLIENT_ID}",
        f"x-gw-ims-org-id: {DEFAULT_ORG_ID}",
        "x-sandbox-name: dev",
        "Content-Type: application/json",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_until_closed(conn: socket.socket) -> bytes:
    received = b""
    while chunk := conn.recv(65536):
        received += chunk
    return received


def test_a_declared_20_mb_body_is_answered_413_before_any_byte_is_sent(served: Served) -> None:
    path = "/data/core/ups/segment/definitions"
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as conn:
        conn.sendall(request_head(served, path, Content_Length=str(20 * MB)))
        # The server answers and closes with the body still unsent: reading to the end of the
        # stream returns (a server waiting for the body would time out here).
        answer = read_until_closed(conn)
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    assert status_line == "HTTP/1.1 413 Request Entity Too Large"
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    assert headers["connection"] == "close"
    error = json.loads(body)
    assert error["status"] == 413
    assert error["type"] == "https://ns.adobe.com/aep/errors/UPAPI-113413-413"
    assert error["title"].startswith(
        f"The request body of POST {path} is 20971520 bytes; at most 4194304 bytes are accepted."
    )
    assert served.consumed.get(path, 0) == 0
