"""The sandbox's route table: every route module the app mounts, under which prefix, in order.

Each route module exposes `ROUTES: list[starlette.routing.Route]`, paths relative to the prefix
`MOUNTS` gives it: the Segmentation base path `UPS_BASE` (`/data/core/ups`), or the origin's root
for IMS, Sandbox Management and the Schema Registry, which Adobe serves at other paths. Handlers
are written with `seg_mcp.sandbox.http.endpoint`. The modules are imported by name, so a renamed or
missing one fails at import time.
"""

from __future__ import annotations

from starlette.routing import Route

from seg_mcp.sandbox.http import UPS_BASE
from seg_mcp.sandbox.ims import routes as ims
from seg_mcp.sandbox.routes import (
    audiences,
    conversion,
    definitions,
    export_jobs,
    local,
    platform,
    previews,
    schedules,
    search,
    segment_jobs,
)

ROOT = ""

#: (path prefix, routes) of every route module of the sandbox, mounted in this order.
MOUNTS: tuple[tuple[str, list[Route]], ...] = (
    (ROOT, ims.ROUTES),
    (ROOT, platform.ROUTES),
    (ROOT, local.ROUTES),  # seg-mcp's own, not Adobe's API
    (UPS_BASE, definitions.ROUTES),
    (UPS_BASE, audiences.ROUTES),
    (UPS_BASE, conversion.ROUTES),
    (UPS_BASE, search.ROUTES),
    (UPS_BASE, previews.ROUTES),
    (UPS_BASE, segment_jobs.ROUTES),
    (UPS_BASE, export_jobs.ROUTES),
    (UPS_BASE, schedules.ROUTES),
)

__all__ = ["MOUNTS", "ROOT", "UPS_BASE"]
