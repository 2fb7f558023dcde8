"""`create_app`: the local Segmentation Service as one Starlette ASGI app.

One origin serves IMS (`/ims/...`: sign-in and tokens), Sandbox Management, the Schema Registry's
union schemas and the Segmentation Service under `/data/core/ups` (the route table is
`routes.MOUNTS`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.http import error_response
from seg_mcp.sandbox.routes import MOUNTS
from seg_mcp.sandbox.service import Pace, SandboxService
from seg_mcp.sandbox.settings import SandboxSettings


def collect_routes() -> list[Route]:
    """Every route of the route table, with its prefix applied."""
    return [
        Route(
            prefix + route.path,
            route.endpoint,
            methods=sorted(route.methods or ()),
            name=route.name,
        )
        for prefix, routes in MOUNTS
        for route in routes
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (no route / no such method) in the service's error shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = errors.ups_error(
            405,
            f"{request.method} is not supported on {request.url.path}; allowed: {allowed}.",
            code=errors.METHOD_NOT_ALLOWED,
            headers=dict(exc.headers or {}),
        )
    else:
        error = errors.ups_error(
            exc.status_code,
            f"No resource at {request.url.path}. Check the path against the Segmentation "
            "Service API reference (the base path is /data/core/ups).",
            code=errors.ENTITY_NOT_FOUND if exc.status_code == 404 else errors.INTERNAL,
        )
    return error_response(error)


def create_app(
    settings: SandboxSettings | None = None,
    *,
    service: SandboxService | None = None,
    pace: Pace | None = None,
) -> Starlette:
    """The sandbox app. `settings` default: `SandboxSettings()` from the environment
    (SEG_MCP_DATA_DIR, SEG_SANDBOX_*). Opens its database on startup (lifespan) or on the first
    request when served without a lifespan (httpx2.ASGITransport)."""
    svc = service or SandboxService(settings or SandboxSettings(), pace=pace)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with svc.lifespan():
            yield

    app = Starlette(
        routes=collect_routes(),
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.service = svc
    return app
