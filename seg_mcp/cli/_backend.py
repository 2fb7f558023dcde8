"""Which backend a CLI command talks to: Adobe, or the local sandbox served in-process.

`seg-mcp api` and `seg-mcp serve` both open their client here, so they resolve configuration and
transports the same way:

* Adobe credentials configured (`AEP_*` or `SEG_MCP_CONFIG`): the default HTTPS transport.
* None configured: `seg_mcp.sandbox.create_app()` behind `httpx2.ASGITransport`, at
  `http://seg-mcp.local` for both the platform and IMS, with the local credentials, so auth travels
  the same path as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import BackendConfig, load_config

__all__ = ["BackendUnavailableError", "load_local_app", "open_client"]


class BackendUnavailableError(RuntimeError):
    """The chosen backend cannot be started."""


def load_local_app() -> Any:
    """The local sandbox's ASGI app, or `BackendUnavailableError` if it is not built yet."""
    try:
        from seg_mcp.sandbox import create_app
    except ImportError:
        raise BackendUnavailableError(
            "the local sandbox is not available yet (seg_mcp.sandbox.create_app cannot be "
            "imported); configure Adobe credentials instead (AEP_CLIENT_ID, AEP_CLIENT_SECRET, "
            "AEP_ORG_ID, AEP_SANDBOXES, or SEG_MCP_CONFIG)"
        ) from None
    return create_app()


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    """Run a Starlette app's lifespan around in-process use (ASGITransport sends none)."""
    context = getattr(getattr(app, "router", None), "lifespan_context", None)
    if context is None:
        yield
        return
    async with context(app):
        yield


@asynccontextmanager
async def open_client(
    config: BackendConfig | None = None, *, retry: RetryPolicy | None = None
) -> AsyncIterator[AEPClient]:
    """An `AEPClient` for the configured backend, closed (and the local app shut down) on exit."""
    config = config or load_config()
    if config.kind == "local":
        app = load_local_app()
        async with _lifespan(app):
            transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
            async with config.create_client(transport=transport, retry=retry) as client:
                yield client
    else:
        async with config.create_client(retry=retry) as client:
            yield client
