"""An export schedule through `mcp.Client` (issue 16 item 5): `save_schedule` with a dataset
makes one schedule that evaluates and exports; when the local sandbox's clock passes its fire
time, an export job of its segments to that dataset runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import anyio
from mcp import Client
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient
from seg_mcp.aep.models.export_jobs import ExportJob

US = 'homeAddress.countryCode = "US"'


async def _set_clock(aep: AEPClient, at: datetime) -> None:
    app = aep._http._transport.app  # type: ignore[attr-defined]  # the in-process sandbox
    service = app.state.service
    (info,) = [i for i in service.store.sandboxes() if i.name == "dev"]
    await service.store.db.awrite(service.store.set_clock, info, at)
    service.runner.wake_scheduler()


async def _exports(aep: AEPClient, dataset: str) -> list[ExportJob]:
    for _ in range(1000):
        jobs = [
            j
            for j in (await aep.list_export_jobs(limit=50)).records
            if j.destination and j.destination.dataset_id == dataset
        ]
        if jobs and all(j.status in ("SUCCEEDED", "FAILED") for j in jobs):
            return jobs
        await anyio.sleep(0.01)
    return jobs


async def test_a_schedule_with_a_dataset_evaluates_and_exports(
    make_server: Callable[..., MCPServer], aep: AEPClient
):
    async with Client(make_server()) as client:
        saved = await client.call_tool("save_segment_definition", {"name": "US", "pql": US})
        sid = saved.structured_content["definition"]["id"]
        made = await client.call_tool(
            "save_schedule",
            {
                "name": "US nightly export",
                "cron": "0 0 3 * * ?",
                "segment_ids": [sid],
                "dataset_id": "us-nightly",
                "state": "active",
            },
        )
        assert not made.is_error, made.content[0].text
        (item,) = made.structured_content["items"]
        assert (item["type"], item["dataset_id"], item["state"]) == (
            "export",
            "us-nightly",
            "active",
        )
        assert "export to dataset us-nightly" in made.content[0].text
        change = await client.call_tool(
            "save_schedule", {"id": item["id"], "dataset_id": "elsewhere"}
        )
        assert change.is_error and "delete the schedule" in change.content[0].text

        assert await _exports(aep, "us-nightly") == []  # the clock (01 Nov 00:00) is before 03:00
        await _set_clock(aep, datetime(2026, 11, 1, 3, 0, 0))
        (job,) = await _exports(aep, "us-nightly")
        recent = await client.call_tool("get_job", {"recent": "export-job"})
        sized = await client.call_tool("preview_audience", {"pql": US, "sample": 0})

    assert job.status == "SUCCEEDED", job.errors
    assert job.filter is not None and [s.segment_id for s in job.filter.segments or []] == [sid]
    size = sized.structured_content["jobs"][0]["size"]
    assert job.metrics is not None and job.metrics.total_exported_profile_counter == size > 0
    assert f"export-job:{job.id}" in recent.content[0].text
