"""Shorter results (issue 16 item 6), through `mcp.Client` on the local sandbox: find_fields
names each field once, job handles are short and still work, and the median result of the
`seg-mcp demo` workflow stays at most 800 characters."""

from __future__ import annotations

import json
import statistics
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client
from mcp.server import MCPServer

from seg_mcp.cli.demo import Demo, User, workflow

US = 'homeAddress.countryCode = "US"'


async def test_find_fields_names_each_field_once(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        result = await client.call_tool("find_fields", {"under": "homeAddress"})
    text = result.content[0].text
    paths = [f["path"] for f in result.structured_content["items"]]
    assert len(paths) == 6
    named = [w.rstrip(":") for line in text.splitlines() for w in line.split() if "." in w]
    # each field on one line, `path (type): description`, and nowhere else
    assert [w for w in named if w.startswith("homeAddress")] == paths, text


async def test_job_handles_are_short_and_work(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        saved = await client.call_tool("save_segment_definition", {"name": "US", "pql": US})
        sid = saved.structured_content["definition"]["id"]
        run = await client.call_tool("run_segment_job", {"segment_ids": [sid]})
        export = await client.call_tool(
            "export_audience", {"segment_ids": [sid], "dataset_id": "d"}
        )
        preview = await client.call_tool("preview_audience", {"pql": US, "sample": 0})
        handles = [r.structured_content["jobs"][0]["handle"] for r in (run, export, preview)]
        again = await client.call_tool("get_job", {"handles": handles})
    segment, exported, previewed = handles
    assert len(segment) <= 40 and len(exported) <= 40
    # a preview id is two UUIDs (Adobe's is base64 of '0:app-<uuid>:<uuid>:0', 118 characters)
    assert len(previewed) <= 51
    jobs = again.structured_content["jobs"]
    assert [j["handle"] for j in jobs] == handles
    assert [j["status"] for j in jobs] == ["SUCCEEDED", "SUCCEEDED", "RESULT_READY"]
    assert jobs[0]["id"] == run.structured_content["jobs"][0]["id"]  # the platform's own id


async def test_the_demo_workflows_median_result_is_at_most_800_characters(
    make_server: Callable[..., MCPServer],
):
    sizes: list[int] = []

    class Measured:
        def __init__(self, client: Client) -> None:
            self.client = client

        async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
            result = await self.client.call_tool(name, arguments)
            text = "\n".join(getattr(c, "text", "") for c in result.content)
            structured = result.structured_content
            sizes.append(len(text) + (len(json.dumps(structured)) if structured else 0))
            return result

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

    @asynccontextmanager
    async def connect(user: User | None) -> AsyncIterator[Measured]:
        async with Client(make_server(), elicitation_callback=user) as client:
            yield Measured(client)

    demo = Demo(out=lambda _line: None)
    await workflow(demo, connect)
    assert demo.failed == [] and demo.skipped == []
    assert len(sizes) == demo.step >= 14
    assert statistics.median(sizes) <= 800, sorted(sizes)
