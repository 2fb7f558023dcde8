"""The route table that create_app mounts."""

from __future__ import annotations

from pathlib import Path

from seg_mcp.sandbox import routes
from seg_mcp.sandbox.app import collect_routes


def test_every_mounted_route_is_prefixed() -> None:
    paths = {r.path for r in collect_routes()}
    assert "/data/core/ups/segment/definitions/{SEGMENT_ID}" in paths
    assert "/data/core/ups/search/taxonomy" in paths
    assert "/ims/token/v3" in paths  # the IMS routes mount at the root
    assert "/data/foundation/sandbox-management/" in paths  # and so do the platform's
    # and seg-mcp's own, not Adobe's API, under a path of their own
    assert {p for p in paths if p.startswith("/seg-mcp/")} == {
        "/seg-mcp/local/field-values",
        "/seg-mcp/local/clock",
    }
    assert {p for p in paths if not p.startswith(("/data/", "/ims/", "/seg-mcp/local/"))} == set()


def test_every_route_module_is_mounted() -> None:
    """A route module added to the routes folder but not to the table fails here (a renamed one
    fails at import): no route is dropped silently."""
    mounted = {id(route) for _, table in routes.MOUNTS for route in table}
    for path in Path(routes.__file__).parent.glob("*.py"):
        if path.stem == "__init__":
            continue
        module = getattr(routes, path.stem, None)
        assert module is not None, f"routes/{path.name} is not imported by routes.MOUNTS"
        unmounted = [r.path for r in module.ROUTES if id(r) not in mounted]
        assert unmounted == [], f"routes/{path.name}: {unmounted} not in routes.MOUNTS"
