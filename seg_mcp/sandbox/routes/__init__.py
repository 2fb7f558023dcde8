"""The route modules the app mounts, in order.

Convention: each module exposes
`ROUTES: list[starlette.routing.Route]` whose paths are relative to the Segmentation base path
`/data/core/ups`, unless the module sets `PREFIX: str` (the ims and platform modules serve IMS,
Sandbox Management and the Schema Registry from the origin's root, `PREFIX = ""`). Handlers are
written with `seg_mcp.sandbox.http.endpoint`. A module listed here that does not exist yet
(another helper is writing it) is skipped.
"""

from __future__ import annotations

import importlib
from types import ModuleType

UPS_BASE = "/data/core/ups"

#: Every route module of the sandbox, mounted in this order.
MODULES: tuple[str, ...] = (
    "ims",
    "platform",
    "definitions",
    "audiences",
    "conversion",
    "search",
    "previews",
    "segment_jobs",
    "export_jobs",
    "schedules",
)


def load_modules() -> list[ModuleType]:
    """The route modules of `MODULES` that exist (a missing one is skipped, not an error)."""
    loaded = []
    for name in MODULES:
        qualified = f"{__name__}.{name}"
        try:
            loaded.append(importlib.import_module(qualified))
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise  # the module exists but one of its imports is missing: a real error
    return loaded
