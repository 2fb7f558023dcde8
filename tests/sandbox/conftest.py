"""Shared fixtures of the sandbox tests (also used by tests/sandbox/jobs/).

* `sandbox_settings`: a fresh data directory holding a small generated dataset (300 profiles per
  sandbox, generated once per test session and copied), the clock fixed at `SANDBOX_NOW`, jobs
  stepping without delay.
* `sandbox_app`: the in-process app, its lifespan running (job runner and scheduler started).
* `aep`: the real `AEPClient` talking to the app through `httpx2.ASGITransport` at
  http://seg-mcp.local with the local credentials (token from the app's IMS endpoint), default
  sandbox `dev`.
* `raw`: an `httpx2.AsyncClient` on the app with valid gateway headers for `dev`, for requests the
  typed client refuses to make (malformed JSON, missing headers, unknown fields).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import anyio.to_thread
import httpx2
import pytest
from starlette.applications import Starlette

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import LOCAL_BASE_URL, local_config
from seg_mcp.sandbox import SandboxService, SandboxSettings, create_app
from seg_mcp.sandbox.settings import DATABASE_FILE, DEFAULT_CLIENT_ID, DEFAULT_ORG_ID

SANDBOX_NOW = datetime(2026, 11, 1, 0, 0, 0)
PROFILES = 300
CLIENT_SECRET = "seg-mcp-local-secret"


def make_settings(data_dir: Path, **overrides: object) -> SandboxSettings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "default_profiles": PROFILES,
        "now": SANDBOX_NOW,
        "job_step_seconds": 0,
        "seed": 7,
    }
    values.update(overrides)
    return SandboxSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sandbox_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the generated dataset, built once per session."""
    data_dir = tmp_path_factory.mktemp("sandbox-template")
    service = SandboxService(make_settings(data_dir))
    service.open()
    service.close()
    return data_dir


@pytest.fixture
def sandbox_settings(sandbox_template: Path, tmp_path: Path) -> SandboxSettings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(sandbox_template / DATABASE_FILE, data_dir / DATABASE_FILE)
    return make_settings(data_dir)


@pytest.fixture
async def sandbox_app(sandbox_settings: SandboxSettings) -> AsyncIterator[Starlette]:
    """The app as `httpx2.ASGITransport` serves it: no lifespan; the service opens on the first
    request and runs its job runner in a thread of its own (closed at teardown)."""
    app = create_app(sandbox_settings)
    try:
        yield app
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


def asgi(app: Starlette) -> httpx2.ASGITransport:
    return httpx2.ASGITransport(app=app, raise_app_exceptions=False)


@pytest.fixture
async def aep(sandbox_app: Starlette) -> AsyncIterator[AEPClient]:
    """Built as `seg-mcp api` builds it for the local backend (config.local_config)."""
    client = local_config().create_client(
        transport=asgi(sandbox_app), retry=RetryPolicy(max_retries=0)
    )
    async with client:
        yield client


async def fetch_token(http: httpx2.AsyncClient) -> str:
    response = await http.post(
        "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "openid,AdobeID",
        },
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def gateway_headers(app: Starlette, sandbox: str = "dev") -> dict[str, str]:
    async with httpx2.AsyncClient(transport=asgi(app), base_url=LOCAL_BASE_URL) as http:
        token = await fetch_token(http)
    return {
        "Authorization": f"Bearer {token}",
        "x-api-key": DEFAULT_CLIENT_ID,
        "x-gw-ims-org-id": DEFAULT_ORG_ID,
        "x-sandbox-name": sandbox,
    }


@pytest.fixture
async def raw(sandbox_app: Starlette) -> AsyncIterator[httpx2.AsyncClient]:
    headers = await gateway_headers(sandbox_app)
    async with httpx2.AsyncClient(
        transport=asgi(sandbox_app),
        base_url=LOCAL_BASE_URL + "/data/core/ups",
        headers=headers,
    ) as http:
        yield http
