"""`seg-mcp api` says which outcome a failed write had, and for an unknown one how to check:
the local sandbox served on loopback behind the fault proxy (tests/faults/proxy.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults.proxy import Fault, FaultProxy, Kind
from server.authflow import CLIENT_SECRET, local_sandbox

from seg_mcp.cli import main

BODY = {
    "name": "CLI",
    "expression": {"type": "PQL", "format": "pql/text", "value": "true"},
    "schema": {"name": "_xdm.context.profile"},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FaultProxy]]:
    data_dir: Path = tmp_path_factory.mktemp("cli-outcomes")
    with local_sandbox(data_dir) as url, FaultProxy(int(url.rsplit(":", 1)[1])) as proxy:
        yield url, proxy


@pytest.fixture
def proxy(served: tuple[str, FaultProxy], monkeypatch: pytest.MonkeyPatch) -> FaultProxy:
    url, proxy = served
    proxy.faults.clear()
    for name in ("SEG_MCP_CONFIG", "AEP_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AEP_PLATFORM_URL": f"http://127.0.0.1:{proxy.port}",
        "AEP_IMS_URL": url,
        "AEP_CLIENT_ID": "seg-mcp-local",
        "AEP_CLIENT_SECRET": CLIENT_SECRET,
        "AEP_ORG_ID": "seg-mcp-local@AdobeOrg",
        "AEP_SANDBOXES": "dev",
    }.items():
        monkeypatch.setenv(name, value)
    return proxy


def _names(capsys: pytest.CaptureFixture[str], name: str) -> list[str]:
    assert main(["api", "listSegmentDefinitions", "--query", "limit=100"]) == 0
    listed = json.loads(capsys.readouterr().out)["segments"]
    return [d["name"] for d in listed if d["name"] == name]


@pytest.mark.parametrize(("kind", "status"), [("lost", 0), ("gateway", 504)])
def test_an_unknown_create_says_so_and_how_to_check(
    proxy: FaultProxy, capsys: pytest.CaptureFixture[str], kind: Kind, status: int
) -> None:
    name = f"CLI {kind}"
    assert _names(capsys, name) == []
    proxy.faults.append(Fault(kind, path=r"/segment/definitions$", status=status or 502))
    code = main(["api", "createSegmentDefinition", "--body", json.dumps(BODY | {"name": name})])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(
        "error: createSegmentDefinition (POST /data/core/ups/segment/definitions)"
    )
    assert "  outcome: unknown: the request was sent and no answer came; the write may have " in err
    assert (
        "  hint: run `seg-mcp api listSegmentDefinitions --query sort=creationTime:desc` and look "
        f"for one named {name!r} before sending it again (a resend can duplicate it)" in err
    )
    assert "retry later" not in err
    assert "  request id: " in err
    assert _names(capsys, name) == [name]  # the sandbox did it once; nobody resent it


def test_an_answered_error_is_failed(proxy: FaultProxy, capsys: pytest.CaptureFixture[str]) -> None:
    proxy.faults.append(Fault("status", path=r"/segment/definitions$", status=503))
    assert main(["api", "createSegmentDefinition", "--body", json.dumps(BODY | {"name": "x"})]) == 1
    err = capsys.readouterr().err
    assert (
        "  outcome: failed: the platform answered with an error (below); it is temporary: " in err
    )
    assert "  status: 503" in err
