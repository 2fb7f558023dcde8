"""Fixtures of the job tests.

* `paced`: an `AEPClient` (`paced.aep`) on a sandbox whose jobs take one step only when the
  test says so (`await paced.stepper.parked(n)`: n jobs wait at their next step;
  `paced.stepper.release()`: they take it), so intermediate states are observed exactly,
  without sleeping.
* `settle(poll, done)`: poll until `done(result)` for jobs that run freely (no pace); a bounded
  number of tries guards against a hang, it does not measure time.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import duckdb
import pytest
from starlette.applications import Starlette

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import local_config
from seg_mcp.sandbox import SandboxSettings, create_app
from seg_mcp.sandbox.store import SandboxInfo

from ..conftest import asgi

T = TypeVar("T")
PROFILE = {"name": "_xdm.context.profile"}


class Stepper:
    """A job pace that waits for the test (thread-safe: jobs run in the runner's thread)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.waiting = 0
        self._generation = 0
        self._closed = False

    async def __call__(self) -> None:
        await anyio.to_thread.run_sync(self._park, abandon_on_cancel=True)

    def _park(self) -> None:
        with self._cond:
            generation = self._generation
            self.waiting += 1
            self._cond.notify_all()
            while self._generation == generation and not self._closed:
                self._cond.wait()

    async def parked(self, n: int = 1) -> None:
        def wait() -> None:
            with self._cond:
                if not self._cond.wait_for(lambda: self.waiting >= n, timeout=60):
                    raise AssertionError(f"{n} job(s) never reached their next step")

        await anyio.to_thread.run_sync(wait)

    def release(self) -> None:
        with self._cond:
            self.waiting = 0
            self._generation += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@pytest.fixture
def stepper() -> Stepper:
    return Stepper()


@dataclass
class Paced:
    aep: AEPClient
    app: Starlette
    stepper: Stepper


@pytest.fixture
async def paced(sandbox_settings: SandboxSettings, stepper: Stepper) -> AsyncIterator[Paced]:
    app = create_app(sandbox_settings, pace=stepper)
    client = local_config().create_client(transport=asgi(app), retry=RetryPolicy(max_retries=0))
    try:
        async with client:
            yield Paced(client, app, stepper)
    finally:
        stepper.close()
        await anyio.to_thread.run_sync(app.state.service.close)


async def settle(poll: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    for _ in range(2000):
        result = await poll()
        if done(result):
            return result
        await anyio.sleep(0.005)
    raise AssertionError(f"never settled: {result!r}")


def definition(name: str, pql: str) -> dict[str, Any]:
    return {
        "name": name,
        "expression": {"type": "PQL", "format": "pql/text", "value": pql},
        "schema": PROFILE,
    }


def sandbox_info(app: Starlette, name: str = "dev") -> SandboxInfo:
    svc = app.state.service
    info = svc.store.sandbox("seg-mcp-local@AdobeOrg", name)
    assert info is not None
    return info


def sql(app: Starlette, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """An independent answer straight from the sandbox's tables ({profiles}, {membership})."""
    svc = app.state.service
    info = sandbox_info(app)
    text = query.format(
        profiles=info.table("profiles"), membership=info.table("segment_membership")
    )

    def run(cur: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
        return cur.execute(text, list(params)).fetchall()

    return svc.store.db.read(run)  # type: ignore[no-any-return]


@asynccontextmanager
async def client_on(
    settings: SandboxSettings, **app_kw: Any
) -> AsyncIterator[tuple[AEPClient, Starlette]]:
    """An `AEPClient` on a fresh app over `settings`, and the app (closed on exit)."""
    app = create_app(settings, **app_kw)
    client = local_config().create_client(transport=asgi(app), retry=RetryPolicy(max_retries=0))
    try:
        async with client:
            yield client, app
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)
