"""A loopback HTTP proxy that injects faults between a client and the local sandbox.

`FaultProxy(upstream_port)` listens on 127.0.0.1 in a thread of its own (so subprocesses such as
`seg-mcp api` can use it too) and forwards HTTP/1.1 requests, one at a time on each client
connection (each on a fresh upstream connection); connections are served concurrently. A rule
(`Fault`) picks requests by method and path and says what happens to the next `times` of them:

- `status` (429 with Retry-After, 502, 503, 504) answered *instead of* forwarding: nothing
  reached the service;
- `gateway` (502 or 504) answered *after* forwarding: the service did the work, the client hears
  a gateway error, as behind Adobe's gateway;
- `reset_before`: the connection is closed after the request arrived, before forwarding;
- `lost`: forwarded, the service answered, and the connection is closed before the answer
  (a write that happened with its response lost);
- `slow`: forwarded, then the answer is held for `delay` seconds (past the client's timeout).

Everything happens on loopback; the proxy stops with the context manager.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["status", "gateway", "reset_before", "lost", "slow"]


@dataclass
class Fault:
    kind: Kind
    method: str = "POST"
    path: str = ".*"  # a regular expression searched in the request path
    status: int = 503
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.hits < self.times
            and method == self.method
            and re.search(self.path, path) is not None
        )


@dataclass
class Seen:
    method: str
    path: str
    fault: Kind | None


@dataclass
class FaultProxy:
    upstream_port: int
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    def __enter__(self) -> FaultProxy:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        self._thread = threading.Thread(
            target=lambda: (self._loop.run_until_complete(start()), self._loop.run_forever()),
            daemon=True,
        )
        self._thread.start()
        assert ready.wait(10), "the fault proxy did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    # -- one client connection ------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_message(reader)
                if request is None:
                    break
                head, body = request
                method, path = head.split(b" ", 2)[:2]
                if not await self._one(method.decode(), path.decode(), head, body, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _one(
        self, method: str, path: str, head: bytes, body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        """Serve one request; False when the connection must close."""
        fault = next((f for f in self.faults if f.matches(method, path)), None)
        self.seen.append(Seen(method, path, fault.kind if fault else None))
        if fault is not None:
            fault.hits += 1
        if fault is not None and fault.kind == "status":
            writer.write(_response(fault.status, fault.retry_after))
            await writer.drain()
            return True
        if fault is not None and fault.kind == "reset_before":
            return False
        try:
            answer = await self._forward(head, body)
        except (OSError, asyncio.IncompleteReadError, AssertionError):
            return False  # the service is gone or hung up: so does the proxy, to its client
        if fault is None:
            writer.write(answer)
        elif fault.kind == "gateway":
            writer.write(_response(fault.status, None))
        elif fault.kind == "lost":
            return False
        elif fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            writer.write(answer)
        await writer.drain()
        return True

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            head = re.sub(rb"(?im)^connection:.*\r\n", b"", head)
            writer.write(head.rstrip(b"\r\n") + b"\r\nConnection: close\r\n\r\n" + body)
            await writer.drain()
            message = await _read_message(reader)
            assert message is not None, "the sandbox closed without answering"
            answer_head, answer_body = message
            answer_head = re.sub(rb"(?im)^connection:.*\r\n", b"", answer_head)
            return answer_head.rstrip(b"\r\n") + b"\r\nConnection: keep-alive\r\n\r\n" + answer_body
        finally:
            writer.close()


def _response(status: int, retry_after: int | None) -> bytes:
    body = (
        b'{"type": "http://ns.adobe.com/aep/errors/gateway", "title": "injected fault", '
        b'"status": ' + str(status).encode() + b"}"
    )
    extra = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
    return (
        f"HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode() + body


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One HTTP/1.1 message (head, body) by Content-Length or chunked; None at a clean EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise
        return None
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if length:
        return head, await reader.readexactly(int(length[1]))
    if re.search(rb"(?im)^transfer-encoding:\s*chunked", head):
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        head = re.sub(rb"(?im)^transfer-encoding:.*\r\n", b"", head)
        head = head.rstrip(b"\r\n") + f"\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        return head, body
    return head, b""
