"""The route-module registry that create_app mounts."""

from __future__ import annotations

import pytest

from seg_mcp.sandbox import routes
from seg_mcp.sandbox.app import collect_routes


def test_every_mounted_route_is_prefixed() -> None:
    paths = {r.path for r in collect_routes()}  # type: ignore[attr-defined]
    assert "/data/core/ups/segment/definitions/{SEGMENT_ID}" in paths
    assert "/data/core/ups/search/taxonomy" in paths
    assert "/ims/token/v3" in paths  # the platform module mounts at the root
    assert {p for p in paths if not p.startswith(("/data/", "/ims/"))} == set()


def test_missing_modules_are_skipped_but_broken_ones_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "MODULES", ("definitions", "not_written_yet"))
    assert [m.__name__.rsplit(".", 1)[-1] for m in routes.load_modules()] == ["definitions"]

    def import_module(name: str) -> object:
        raise ModuleNotFoundError(f"No module named {'pyarrow'!r}", name="pyarrow")

    monkeypatch.setattr(routes.importlib, "import_module", import_module)
    monkeypatch.setattr(routes, "MODULES", ("export_jobs",))
    with pytest.raises(ModuleNotFoundError, match="pyarrow"):
        routes.load_modules()  # the module exists; its dependency is missing: a real error
