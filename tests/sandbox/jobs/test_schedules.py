"""Schedules through the real aep client (CRUD, Quartz validation, JSON Patch) and the scheduler
loop starting jobs when the sandbox's clock passes a schedule's fire time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from seg_mcp.aep import AEPClient
from seg_mcp.aep.errors import BadRequestError, NotFoundError

from .conftest import definition, sandbox_info, settle

GOLD = 'loyalty.tier = "gold"'


def schedule(segments: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "name": "nightly",
        "type": "batch_segmentation",
        "properties": {"segments": segments},
        "schedule": "0 0 1 * * ?",
        **extra,
    }


async def set_clock(app: Starlette, at: datetime) -> None:
    svc = app.state.service
    info = sandbox_info(app)
    await svc.store.db.awrite(svc.store.set_clock, info, at)
    svc.runner.wake_scheduler()


async def test_create_get_list_patch_delete(aep: AEPClient) -> None:
    created = await aep.create_schedule(schedule(["*"]))
    assert created.id and created.state == "inactive" and created.schedule == "0 0 1 * * ?"
    assert created.properties is not None and created.properties.segments == ["*"]
    assert created.sandbox is not None and created.sandbox.sandbox_name == "dev"
    assert created.create_epoch and created.update_epoch
    assert (await aep.retrieve_schedule(created.id)).model_dump() == created.model_dump()
    listed = await aep.list_schedules()
    assert [s.id for s in listed.children] == [created.id]
    assert listed.page is not None and listed.page.total_count == 1

    assert (
        await aep.update_schedule(created.id, [{"op": "add", "path": "/state", "value": "active"}])
        is None
    )
    await aep.update_schedule(
        created.id, [{"op": "add", "path": "/schedule", "value": "0 30 13 * * ?"}]
    )
    patched = await aep.retrieve_schedule(created.id)
    assert patched.state == "active" and patched.schedule == "0 30 13 * * ?"

    assert await aep.delete_schedule(created.id) is None
    with pytest.raises(NotFoundError):
        await aep.retrieve_schedule(created.id)
    assert (await aep.list_schedules()).children == []


async def test_invalid_schedules_are_refused(raw: httpx2.AsyncClient, aep: AEPClient) -> None:
    cases: list[tuple[Any, str]] = [
        (schedule(["*"], schedule="0 0 1 * * *"), "put '?' in one of them"),
        (schedule(["*"], schedule="0 0 * * * ?"), "at most once a day"),
        (schedule(["*"], schedule="0 0 25 * * ?"), "Hour values must be between 0 and 23"),
        (schedule(["*"], schedule="0 0 1 * *"), "Unexpected end of expression"),
        (schedule([]), "properties.segments is required"),
        (schedule(["no-such-definition"]), "no-such-definition"),
        (schedule(["*"], type="streaming"), "type"),
        (schedule(["*"], state="paused"), "state"),
        (
            {"name": "x", "type": "export", "properties": {}, "schedule": "0 0 1 * * ?"},
            "destination",
        ),
    ]
    for body, expected in cases:
        response = await raw.post("/config/schedules", json=body)
        assert response.status_code == 400, body
        assert expected in response.json()["title"], response.json()["title"]
    assert (await raw.get("/config/schedules")).json()["_page"]["totalCount"] == 0

    first = await aep.create_schedule(schedule(["*"]))
    assert first.id
    with pytest.raises(BadRequestError) as info:
        await aep.create_schedule(schedule(["*"], name="another"))
    assert first.id in str(info.value)
    for ops, expected in [
        ([{"op": "replace", "path": "/state", "value": "active"}], "op"),
        ([{"op": "add", "path": "/name", "value": "x"}], "path"),
        ([{"op": "add", "path": "/schedule", "value": "0 0 1 * * * *"}], "Quartz"),
        ([{"op": "add", "path": "/state", "value": "on"}], "active or inactive"),
        ({"op": "add"}, "JSON Patch array"),
    ]:
        response = await raw.patch(f"/config/schedules/{first.id}", json=ops)
        assert response.status_code == 400, ops
        assert expected in response.json()["title"], response.json()["title"]
    assert (await aep.retrieve_schedule(first.id)).schedule == "0 0 1 * * ?"  # untouched
    missing = await raw.patch(
        "/config/schedules/nope", json=[{"op": "add", "path": "/state", "value": "active"}]
    )
    assert missing.status_code == 404


async def test_due_schedule_starts_a_segment_job_once_per_fire_time(
    aep: AEPClient, sandbox_app: Starlette
) -> None:
    d = await aep.create_segment_definition(definition("gold", GOLD))
    s = await aep.create_schedule(schedule([d.id or ""], state="active"))
    # the sandbox clock stands at 2026-11-01T00:00 (fixture): the first fire time is 01:00
    await set_clock(sandbox_app, datetime(2026, 11, 1, 0, 59, 59))
    await set_clock(sandbox_app, datetime(2026, 11, 1, 1, 0, 0))
    jobs = await settle(aep.list_segment_jobs, lambda page: len(page.children) == 1)
    job = jobs.children[0]
    assert job.source == "scheduler"
    assert job.properties is not None and job.properties["scheduleId"] == s.id
    assert [x.segment_id for x in job.segments or []] == [d.id]
    await settle(lambda: aep.retrieve_segment_job(job.id or ""), lambda j: j.status == "SUCCEEDED")

    # three fire times later: it fires once (Quartz's "fire once now"), not three times
    await set_clock(sandbox_app, datetime(2026, 11, 4, 2, 0, 0))
    jobs = await settle(aep.list_segment_jobs, lambda page: len(page.children) >= 2)
    assert len(jobs.children) == 2

    await aep.update_schedule(s.id or "", [{"op": "add", "path": "/state", "value": "inactive"}])
    await set_clock(sandbox_app, datetime(2026, 11, 9, 2, 0, 0))
    await aep.create_segment_job([d.id or ""])  # a marker: the scheduler had its chance
    jobs = await settle(aep.list_segment_jobs, lambda page: len(page.children) >= 3)
    assert [j.source for j in jobs.children] == ["api", "scheduler", "scheduler"]


async def test_export_schedule_starts_an_export_job(aep: AEPClient, sandbox_app: Starlette) -> None:
    d = await aep.create_segment_definition(definition("gold", GOLD))
    await aep.create_schedule(
        {
            "name": "nightly export",
            "type": "export",
            "properties": {
                "segments": [d.id],
                "destination": {"datasetId": "nightly"},
                "fields": "loyalty.tier",
            },
            "schedule": "0 0 3 * * ?",
            "state": "active",
        }
    )
    await set_clock(sandbox_app, datetime(2026, 11, 1, 3, 0, 0))
    exports = await settle(aep.list_export_jobs, lambda page: len(page.records) == 1)
    done = await settle(
        lambda: aep.retrieve_export_job(exports.records[0].id or ""),
        lambda j: j.status in ("SUCCEEDED", "FAILED"),
    )
    assert done.status == "SUCCEEDED", done.errors
    assert done.metrics is not None and (done.metrics.total_exported_profile_counter or 0) > 0
