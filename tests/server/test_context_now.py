"""get_context says what PQL's `now` is in each sandbox (issue 16: assistants spent calls working
out which day "last 30 days" counts from): the local sandbox's own clock, as it is set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mcp import Client
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient


async def test_get_context_states_each_sandboxs_now(
    make_server: Callable[..., MCPServer], aep: AEPClient
):
    async with Client(make_server()) as client:
        before = await client.call_tool("get_context", {})
        service = aep._http._transport.app.state.service  # type: ignore[attr-defined]
        (dev,) = [i for i in service.store.sandboxes() if i.name == "dev"]
        await service.store.db.awrite(service.store.set_clock, dev, datetime(2026, 12, 24, 9))
        after = await client.call_tool("get_context", {})
    nows = {s["name"]: s["now"] for s in before.structured_content["sandboxes"]}
    assert nows == {"dev": "2026-11-01T00:00:00Z", "prod": "2026-11-01T00:00:00Z"}
    moved = {s["name"]: s["now"] for s in after.structured_content["sandboxes"]}
    assert moved == {"dev": "2026-12-24T09:00:00Z", "prod": "2026-11-01T00:00:00Z"}
    assert "sandbox dev (default): development, writes allowed" in after.content[0].text
    assert "now is 2026-12-24T09:00:00Z" in after.content[0].text
