"""Fixtures of the MCP server tests: the server over the local sandbox in-process.

* A small generated dataset (300 profiles a sandbox, generated once per session and copied),
  the clock fixed, jobs stepping without delay: as tests/sandbox/conftest.py does it.
* `aep`: the real `AEPClient` on the app; every operation it sends is recorded with the tool
  that sent it (`calls`), and each test ends by checking that every tool only called operations
  it declares.
* `make_server(**options)`: `build_server` over `aep` with the audit log in the test's tmp dir.
  Each test opens its own `mcp.Client(server, mode=...)` (a client entered in a fixture would be
  left in another task).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx2
import pytest
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import BackendConfig, local_config
from seg_mcp.sandbox import SandboxService, SandboxSettings, create_app
from seg_mcp.sandbox.settings import DATABASE_FILE
from seg_mcp.server import ALL_TOOLS, build_server
from seg_mcp.server.runtime import current_tool

NOW = datetime(2026, 11, 1)
MODES = ("auto", "legacy")


def settings(data_dir: Path) -> SandboxSettings:
    return SandboxSettings(
        data_dir=data_dir, default_profiles=300, now=NOW, job_step_seconds=0, seed=7
    )


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("server-sandbox")
    service = SandboxService(settings(data_dir))
    service.open()
    service.close()
    return data_dir


@pytest.fixture
def calls() -> list[tuple[str | None, str]]:
    return []


@pytest.fixture
async def aep(
    template: Path, tmp_path: Path, calls: list[tuple[str | None, str]]
) -> AsyncIterator[AEPClient]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(template / DATABASE_FILE, data_dir / DATABASE_FILE)
    app = create_app(settings(data_dir))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    client = local_config().create_client(transport=transport, retry=RetryPolicy(max_retries=0))
    send = client._call

    async def recording(op: Any, **kwargs: Any) -> Any:
        calls.append((current_tool.get(), op.operation_id))
        return await send(op, **kwargs)

    client._call = recording  # type: ignore[method-assign]
    try:
        async with client:
            yield client
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)
    declared = {s.name: set(s.operations) for s in ALL_TOOLS}
    undeclared = {
        (tool, op)
        for tool, op in calls
        if tool is not None and op in _spec_ops() and op not in declared[tool]
    }
    assert not undeclared, f"tools called operations they do not declare: {undeclared}"


def _spec_ops() -> set[str]:
    from seg_mcp.aep import REGISTRY

    return {op.operation_id for op in REGISTRY.spec_operations}


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"


@pytest.fixture
def make_server(aep: AEPClient, audit_path: Path) -> Callable[..., MCPServer]:
    def make(config: BackendConfig | None = None, **options: Any) -> MCPServer:
        return build_server(aep, config or local_config(), audit_log=audit_path, **options)

    return make


def audit_entries(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]
