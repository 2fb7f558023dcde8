"""A platform answer a model cannot read does not break a tool: the tool answers with what it
could read and a note saying what it could not (issue 15.3)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx2
from mcp import Client

from seg_mcp.aep import RetryPolicy
from seg_mcp.config import local_config
from seg_mcp.sandbox import create_app
from seg_mcp.sandbox.settings import DATABASE_FILE
from seg_mcp.server import build_server

from .conftest import settings

US = 'homeAddress.countryCode = "US"'


class Reshape(httpx2.AsyncBaseTransport):
    """The local sandbox, with the JSON answers of GETs to `path_end` changed by `change`."""

    def __init__(
        self, inner: httpx2.AsyncBaseTransport, path_end: str, change: Callable[[Any], Any]
    ) -> None:
        self.inner, self.path_end, self.change = inner, path_end, change

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET" or not request.url.path.endswith(self.path_end):
            return response
        await response.aread()
        body = self.change(json.loads(response.content))
        return httpx2.Response(response.status_code, json=body)


def _updated_as_words(body: dict[str, Any]) -> dict[str, Any]:
    for segment in body["segments"]:
        segment["updateTime"] = "yesterday"
    return body


async def test_a_value_of_another_shape_is_noted_not_fatal(template: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(template / DATABASE_FILE, data_dir / DATABASE_FILE)
    app = create_app(settings(data_dir))
    inner = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    transport = Reshape(inner, "/segment/definitions", _updated_as_words)
    aep = local_config().create_client(transport=transport, retry=RetryPolicy(max_retries=0))
    server = build_server(aep, local_config(), audit_log=tmp_path / "audit.jsonl")
    try:
        async with aep, Client(server) as client:
            saved = await client.call_tool("save_segment_definition", {"name": "us", "pql": US})
            assert not saved.is_error, saved.content[0].text
            assert not any("Note:" in c.text for c in saved.content if c.type == "text")
            listed = await client.call_tool("find_segment_definitions", {})
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)
    assert not listed.is_error, listed.content[0].text
    assert listed.structured_content is not None
    (item,) = listed.structured_content["items"]
    assert (item["pql"], item.get("updated")) == (US, None)
    note = listed.content[-1].text
    assert note.startswith("Note: part of the platform's answer was not in the shape")
    assert (
        "listSegmentDefinitions: kept as sent, did not parse: SegmentDefinition at "
        "segments[0].updateTime: Input should be a valid integer"
    ) in note
