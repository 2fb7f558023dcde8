"""Attribution: every audit line says who did it (the signed-in person, the static token, the
technical account or "local"), where, the request ids and the outcome; a caller limited to some
sandboxes or to reading is held to it; no secret reaches an audit line; the audit log can go to
stdout, except on the stdio transport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.server import MCPServer
from pydantic import SecretStr

from seg_mcp.aep import AEPClient, NotFoundError
from seg_mcp.config import ConfigError, local_config
from seg_mcp.server import build_server
from seg_mcp.server.identity import Principal, current_principal

from .conftest import MODES, audit_entries
from .test_safety import US, answer, create

ALICE = Principal(
    kind="user",
    user_id="A1B2C3D4E5@AdobeID",
    email="alice@example.com",
    name="Alice Example",
    org_id="seg-mcp-local@AdobeOrg",
)
SECRET = "s3cr3t-ZQX-8841-do-not-log"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl"


@pytest.fixture
def principal(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set `current_principal` as the HTTP auth layer does, before the client starts."""
    token = current_principal.set(request.param)
    try:
        yield
    finally:
        current_principal.reset(token)


@pytest.mark.parametrize("principal", [ALICE], indirect=True)
@pytest.mark.parametrize("mode", MODES)
async def test_each_write_names_the_person(
    make_server: Callable[..., MCPServer], mode: str, aep: AEPClient, audit_path: Path, principal
):
    kept = await create(aep, "kept")
    async with Client(make_server(), mode=mode, elicitation_callback=answer("accept")) as client:
        saved = await client.call_tool("save_segment_definition", {"name": "US", "pql": US})
        sid = saved.structured_content["definition"]["id"]
        deleted = await client.call_tool("delete_resource", {"kind": "audience", "id": sid})
    async with Client(make_server(), mode=mode, elicitation_callback=answer("decline")) as client:
        declined = await client.call_tool("delete_resource", {"kind": "audience", "id": kept})
    assert not saved.is_error and not deleted.is_error and declined.is_error
    with pytest.raises(NotFoundError):
        await aep.get_audience(sid)
    await aep.get_audience(kept)
    entries = audit_entries(audit_path)
    who = {
        "kind": "user",
        "user_id": "A1B2C3D4E5@AdobeID",
        "email": "alice@example.com",
        "name": "Alice Example",
        "org_id": "seg-mcp-local@AdobeOrg",
    }
    assert [e["who"] for e in entries] == [who] * 3
    assert [(e["sandbox"], e["operation"], e["target"], e["outcome"]) for e in entries] == [
        ("dev", "createSegmentDefinition", "US", "succeeded"),
        ("dev", "deleteAudience", sid, "succeeded"),
        ("dev", "delete_resource", kept, "declined"),
    ]
    assert entries[1]["confirmed_by"] == "elicitation"
    assert all(e["mcp_request_id"] for e in entries)
    assert entries[0]["request_id"] and entries[1]["request_id"]  # the platform's request id
    assert entries[2]["request_id"] is None  # nothing was sent


TOKEN = Principal(kind="token", token_name="nightly-export", sandboxes=("dev",), read_only=True)


@pytest.mark.parametrize("principal", [TOKEN], indirect=True)
async def test_a_token_limited_to_reading_one_sandbox(
    make_server: Callable[..., MCPServer], aep: AEPClient, audit_path: Path, principal
):
    async with Client(make_server()) as client:
        read = await client.call_tool("find_segment_definitions", {})
        other = await client.call_tool("find_segment_definitions", {"sandbox": "prod"})
        write = await client.call_tool("save_segment_definition", {"name": "US", "pql": US})
    assert not read.is_error
    assert other.is_error and "token nightly-export may not use sandbox 'prod'" in (
        other.content[0].text
    )
    assert write.is_error and "token nightly-export is read-only" in write.content[0].text
    assert (await aep.list_segment_definitions()).segments == []
    (entry,) = audit_entries(audit_path)
    assert entry["who"] == {"kind": "token", "token_name": "nightly-export"}
    assert (entry["operation"], entry["outcome"]) == ("save_segment_definition", "refused")


@pytest.mark.parametrize("principal", [None, Principal(kind="local")], indirect=True)
async def test_without_a_signed_in_caller_the_backend_credential_is_named(
    make_server: Callable[..., MCPServer], audit_path: Path, principal
):
    adobe = local_config().model_copy(update={"kind": "adobe"})
    for config in (local_config(), adobe):
        async with Client(make_server(config)) as client:
            await client.call_tool("save_segment_definition", {"name": "US", "pql": US})
    local, technical = (e["who"] for e in audit_entries(audit_path))
    assert local == {"kind": "local"}
    assert technical == {
        "kind": "technical",
        "client_id": "seg-mcp-local",
        "name": "local",
        "org_id": "seg-mcp-local@AdobeOrg",
    }


@pytest.mark.parametrize("principal", [ALICE], indirect=True)
async def test_no_secret_in_an_audit_line(
    make_server: Callable[..., MCPServer], audit_path: Path, principal
):
    base = local_config()
    profile = base.profiles[0].model_copy(update={"client_secret": SecretStr(SECRET)})
    config = base.model_copy(update={"profiles": (profile,)})
    names = [f"pasted {SECRET}", f"jwt {JWT}", "header Bearer abc.def-ghi"]
    async with Client(make_server(config)) as client:
        for name in names:
            await client.call_tool("save_segment_definition", {"name": name, "pql": US})
            await client.call_tool(
                "save_segment_definition", {"name": name, "pql": US, "sandbox": "prod"}
            )
    text = audit_path.read_text()
    assert len(text.splitlines()) == 6
    for leaked in (SECRET, JWT, "eyJ", "abc.def-ghi"):
        assert leaked not in text
    targets = [e["target"] for e in audit_entries(audit_path)]
    assert targets[::2] == ["pasted [redacted]", "jwt [redacted]", "header [redacted]"]


@pytest.mark.parametrize("principal", [ALICE], indirect=True)
async def test_audit_lines_on_stdout(aep: AEPClient, capsys: pytest.CaptureFixture[str], principal):
    server = build_server(aep, local_config(), audit_log=Path("-"), transport="http")
    async with Client(server) as client:
        await client.call_tool("save_segment_definition", {"name": "US", "pql": US})
    (line,) = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert (entry["who"]["email"], entry["operation"], entry["outcome"]) == (
        "alice@example.com",
        "createSegmentDefinition",
        "succeeded",
    )


@pytest.mark.parametrize("destination", ["-", "stdout"])
async def test_stdout_audit_is_refused_on_stdio(aep: AEPClient, destination: str):
    message = "on --transport stdio stdout carries the MCP protocol"
    with pytest.raises(ConfigError, match=message):
        build_server(aep, local_config(), audit_log=Path(destination), transport="stdio")
    server = build_server(aep, local_config(), audit_log=Path(destination))
    with pytest.raises(ConfigError, match=message):
        await server.run_stdio_async()
