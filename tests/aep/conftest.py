from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .fake_adobe import FAKE_CLIENT_ID, FAKE_ORG, FAKE_SECRET, FakeAdobe, serve

_OWN_PREFIXES = ("AEP_", "SEG_MCP_", "SEG_SANDBOX_")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AEP_* / SEG_MCP_* / SEG_SANDBOX_* variable from the outer environment leaks in."""
    for name in list(os.environ):
        if name.startswith(_OWN_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def _fake_adobe_server() -> Iterator[FakeAdobe]:
    with serve(FakeAdobe()) as fake:
        yield fake


@pytest.fixture
def fake_adobe(_fake_adobe_server: FakeAdobe, monkeypatch: pytest.MonkeyPatch) -> FakeAdobe:
    """The loopback fake, fresh state, and AEP_* pointing at it (sandboxes dev and qa)."""
    fake = _fake_adobe_server
    fake.requests.clear()
    fake.token_requests.clear()
    fake.echo_secret_on_ims_error = False
    for name, value in {
        "AEP_CLIENT_ID": FAKE_CLIENT_ID,
        "AEP_CLIENT_SECRET": FAKE_SECRET,
        "AEP_ORG_ID": FAKE_ORG,
        "AEP_SANDBOXES": "dev,qa",
        "AEP_PLATFORM_URL": fake.url,
        "AEP_IMS_URL": fake.url,
    }.items():
        monkeypatch.setenv(name, value)
    return fake
