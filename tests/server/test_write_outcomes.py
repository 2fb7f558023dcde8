"""Unknown outcomes are named and reconciled, never duplicated: each kind of write through a real
`mcp.Client` against the local sandbox, with the fault injected by a transport between the client
and the sandbox app (the response lost after the sandbox did the write, a gateway 504 after it,
a reset before it, a connection refused), then the sandbox's state and the audit log checked."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio.to_thread
import httpx2
import pytest
from mcp import Client
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import local_config
from seg_mcp.sandbox import SandboxSettings, create_app
from seg_mcp.sandbox.settings import DATABASE_FILE
from seg_mcp.server import build_server
from seg_mcp.server.reconcile import CLOCK_SKEW

from .conftest import NOW, audit_entries

US = 'homeAddress.countryCode = "US"'
Kind = Literal["lost", "gateway", "reset_before", "refused", "throttled"]


@dataclass
class Faults(httpx2.AsyncBaseTransport):
    """Forwards to the sandbox app; the next request matching a rule gets its fault instead."""

    inner: httpx2.AsyncBaseTransport
    rules: list[tuple[str, str, Kind]] = field(default_factory=list)

    def add(self, method: str, path: str, kind: Kind) -> None:
        self.rules.append((method, path, kind))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        for rule in self.rules:
            method, path, kind = rule
            if request.method == method and re.search(path, request.url.path):
                self.rules.remove(rule)
                break
        else:
            return await self.inner.handle_async_request(request)
        if kind == "refused":
            raise httpx2.ConnectError("connection refused", request=request)
        if kind == "reset_before":
            raise httpx2.RemoteProtocolError("peer closed the connection", request=request)
        if kind == "throttled":
            body = {"title": "Too Many Requests", "status": 429}
            return httpx2.Response(429, json=body, headers={"Retry-After": "7"})
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if kind == "lost":
            raise httpx2.ReadError("connection reset while reading the answer", request=request)
        return httpx2.Response(504, json={"title": "Gateway Timeout", "status": 504})


@dataclass
class World:
    aep: AEPClient
    faults: Faults
    audit: Path
    server: Callable[[], MCPServer]


def _world(template: Path, tmp_path: Path, step: float) -> tuple[World, Any]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(template / DATABASE_FILE, data / DATABASE_FILE)
    settings = SandboxSettings(
        data_dir=data, default_profiles=300, now=NOW, job_step_seconds=step, seed=7
    )
    app = create_app(settings)
    faults = Faults(httpx2.ASGITransport(app=app, raise_app_exceptions=False))
    client = local_config().create_client(transport=faults, retry=RetryPolicy(max_retries=0))
    audit = tmp_path / "audit.jsonl"

    def server() -> MCPServer:
        return build_server(client, local_config(), audit_log=audit)

    return World(client, faults, audit, server), app


@pytest.fixture
async def world(template: Path, tmp_path: Path) -> AsyncIterator[World]:
    w, app = _world(template, tmp_path, step=0)
    async with w.aep:
        yield w
    await anyio.to_thread.run_sync(app.state.service.close)


@pytest.fixture
async def slow_world(template: Path, tmp_path: Path) -> AsyncIterator[World]:
    """Jobs take seconds to finish: a job started now is still running at the next call."""
    w, app = _world(template, tmp_path, step=0.4)
    async with w.aep:
        yield w
    await anyio.to_thread.run_sync(app.state.service.close)


async def _define(aep: AEPClient, name: str) -> str:
    saved = await aep.create_segment_definition(
        {
            "name": name,
            "expression": {"type": "PQL", "format": "pql/text", "value": US},
            "schema": {"name": "_xdm.context.profile"},
        }
    )
    return str(saved.id)


def _last_audit(w: World) -> dict[str, Any]:
    return audit_entries(w.audit)[-1]


def _reconciled(w: World, operation: str) -> None:
    entry = _last_audit(w)
    assert (entry["operation"], entry["outcome"], entry["reconciled"]) == (
        operation,
        "succeeded",
        True,
    )
    assert len(entry["request_id"]) == 32 and "None" not in entry["detail"]


@pytest.mark.parametrize("kind", ["lost", "gateway"])
async def test_a_definition_whose_answer_was_lost_is_returned_not_duplicated(
    world: World, kind: Kind
) -> None:
    world.faults.add("POST", r"/segment/definitions$", kind)
    async with Client(world.server()) as client:
        out = await client.call_tool("save_segment_definition", {"name": "Lost US", "pql": US})
    assert not out.is_error, out.content[0].text
    text = out.content[0].text
    assert text.startswith("The response was lost (")
    assert "but the segment definition exists: returning it instead of writing it again." in text
    listed = await world.aep.list_segment_definitions(limit=100)
    named = [d for d in listed.segments if d.name == "Lost US"]
    assert [d.id for d in named] == [out.structured_content["definition"]["id"]]
    _reconciled(world, "createSegmentDefinition")


async def test_an_audience_and_a_schedule_are_reconciled_by_name(world: World) -> None:
    world.faults.add("POST", r"/audiences$", "lost")
    world.faults.add("POST", r"/config/schedules$", "gateway")
    async with Client(world.server()) as client:
        audience = await client.call_tool("save_audience", {"name": "Lost aud", "pql": US})
        schedule = await client.call_tool(
            "save_schedule", {"name": "Nightly", "cron": "0 0 1 * * ?", "segment_ids": ["*"]}
        )
    for out, noun in ((audience, "audience"), (schedule, "schedule")):
        assert not out.is_error, out.content[0].text
        assert f"but the {noun} exists" in out.content[0].text
    audiences = await world.aep.list_audiences(name="Lost aud")
    assert len([a for a in audiences.children if a.name == "Lost aud"]) == 1
    schedules = await world.aep.list_schedules(limit=100)
    assert [s.id for s in schedules.children if s.name == "Nightly"] == [
        schedule.structured_content["items"][0]["id"]
    ]
    entries = audit_entries(world.audit)
    assert [(e["operation"], e["outcome"], e.get("reconciled")) for e in entries] == [
        ("createAudience", "succeeded", True),
        ("createSchedule", "succeeded", True),
    ]
    assert entries[1]["status"] == 504


async def test_jobs_whose_answer_was_lost_are_found_by_their_segments(world: World) -> None:
    sid = await _define(world.aep, "Jobs")
    world.faults.add("POST", r"/segment/jobs$", "lost")
    world.faults.add("POST", r"/export/jobs$", "gateway")
    async with Client(world.server()) as client:
        run = await client.call_tool("run_segment_job", {"segment_ids": [sid]})
        export = await client.call_tool(
            "export_audience", {"segment_ids": [sid], "dataset_id": "ds-1"}
        )
    for out, noun in ((run, "segment job"), (export, "export job")):
        assert not out.is_error, out.content[0].text
        assert f"but the {noun} exists" in out.content[0].text
    jobs = await world.aep.list_segment_jobs(limit=50)
    assert [str(j.id) for j in jobs.children] == [run.structured_content["jobs"][0]["id"]]
    exports = await world.aep.list_export_jobs(limit=50)
    assert [str(j.id) for j in exports.records] == [export.structured_content["jobs"][0]["id"]]
    assert [e["outcome"] for e in audit_entries(world.audit)] == ["succeeded", "succeeded"]


async def test_an_unknown_outcome_not_found_says_how_to_check(world: World) -> None:
    world.faults.add("POST", r"/segment/definitions$", "reset_before")
    async with Client(world.server()) as client:
        out = await client.call_tool("save_segment_definition", {"name": "Ghost", "pql": US})
    assert out.is_error
    text = out.content[0].text
    assert text.startswith("save_segment_definition: outcome unknown in sandbox 'dev': ")
    assert "was sent but the connection closed before the answer" in text
    assert (
        "Next: the segment definition write may have happened (looked just now: not there yet, "
        "but it may still appear); look with find_segment_definitions (newest first) for one "
        "named 'Ghost' before retrying, and retry only if it is not there." in text
    )
    listed = await world.aep.list_segment_definitions(limit=100)
    assert [d for d in listed.segments if d.name == "Ghost"] == []
    entry = _last_audit(world)
    assert (entry["operation"], entry["outcome"]) == ("createSegmentDefinition", "unknown")
    assert entry["detail"].startswith("sent, no answer: createSegmentDefinition (POST ")
    assert len(entry["request_id"]) == 32 and "reconciled" not in entry


async def test_an_unknown_job_outcome_names_get_job(world: World) -> None:
    sid = await _define(world.aep, "Jobs")
    world.faults.add("POST", r"/segment/jobs$", "reset_before")
    async with Client(world.server()) as client:
        out = await client.call_tool("run_segment_job", {"segment_ids": [sid]})
    assert out.is_error
    assert (
        f"look with get_job recent='segment-job' for a job over segments {sid} started in the "
        "last few minutes before retrying" in out.content[0].text
    )


async def test_a_write_never_sent_is_safe_to_retry(world: World) -> None:
    world.faults.add("POST", r"/audiences$", "refused")
    async with Client(world.server()) as client:
        out = await client.call_tool("save_audience", {"name": "Nope", "pql": US})
    assert out.is_error
    text = out.content[0].text
    assert text.startswith("save_audience failed in sandbox 'dev', not sent: ")
    assert "nothing reached the platform, so nothing changed" in text
    assert "then it is safe to retry." in text
    entry = _last_audit(world)
    assert (entry["outcome"], entry["detail"][:10]) == ("failed", "not sent: ")


async def test_a_platform_refusal_is_failed_with_its_reason(world: World) -> None:
    async with Client(world.server()) as client:
        out = await client.call_tool("run_segment_job", {"segment_ids": ["no-such-segment"]})
    assert out.is_error
    assert re.match(
        r"run_segment_job failed in sandbox 'dev': Adobe Experience Platform answered HTTP 4\d\d",
        out.content[0].text,
    ), out.content[0].text
    assert "Next: " in out.content[0].text
    entry = _last_audit(world)
    assert entry["outcome"] == "failed" and entry["status"] >= 400
    assert entry["detail"].startswith(f"HTTP {entry['status']} ")


async def test_a_job_identical_to_a_running_one_is_not_started_again(slow_world: World) -> None:
    w = slow_world
    sid = await _define(w.aep, "Slow")
    async with Client(w.server()) as client:
        args = {"segment_ids": [sid], "wait_seconds": 0}
        first = await client.call_tool("run_segment_job", args)
        second = await client.call_tool("run_segment_job", args)
        waited = await client.call_tool("run_segment_job", {**args, "wait_seconds": 30})
        export_args = {"segment_ids": [sid], "dataset_id": "ds-1", "wait_seconds": 0}
        e1 = await client.call_tool("export_audience", export_args)
        e2 = await client.call_tool("export_audience", export_args)
        other = await client.call_tool("export_audience", {**export_args, "dataset_id": "ds-2"})
    job, again = first.structured_content["jobs"][0], second.structured_content["jobs"][0]
    assert again["id"] == job["id"] and again["done"] is False
    text = second.content[0].text
    assert text.startswith(f"An identical segment job ({job['handle']}, started ")
    assert "is still running: returned it instead of starting a second one." in text
    assert waited.structured_content["jobs"][0]["id"] == job["id"]
    assert waited.structured_content["jobs"][0]["status"] == "SUCCEEDED"
    assert e1.structured_content and e2.structured_content, e1.content[0].text
    assert e2.structured_content["jobs"][0]["id"] == e1.structured_content["jobs"][0]["id"]
    assert e2.content[0].text.startswith("An identical export job (export-job:")
    assert other.structured_content["jobs"][0]["id"] != e1.structured_content["jobs"][0]["id"]
    assert len((await w.aep.list_segment_jobs(limit=50)).children) == 1
    assert len((await w.aep.list_export_jobs(limit=50)).records) == 2
    entries = audit_entries(w.audit)
    assert [(e["operation"], e["outcome"]) for e in entries] == [
        ("createSegmentJob", "succeeded"),
        ("createExportJob", "succeeded"),
        ("createExportJob", "succeeded"),
    ]
    assert all(e["status"] in (200, 201) and len(e["request_id"]) == 32 for e in entries)


async def test_a_throttled_create_is_failed_and_safe_to_retry_later(world: World) -> None:
    world.faults.add("POST", r"/audiences$", "throttled")
    async with Client(world.server()) as client:
        out = await client.call_tool("save_audience", {"name": "Later", "pql": US})
        world.faults.add("POST", r"/preview$", "lost")
        preview = await client.call_tool("preview_audience", {"pql": US})
    text = out.content[0].text
    assert text.startswith(
        "save_audience failed in sandbox 'dev': Adobe Experience Platform answered HTTP 429"
    )
    assert text.endswith(
        "Next: the platform is rate limiting and did not do it; try again after 7 seconds."
    )
    entry = _last_audit(world)
    assert (entry["outcome"], entry["status"]) == ("failed", 429)
    assert preview.is_error
    assert preview.content[0].text.startswith("preview_audience: outcome unknown in sandbox 'dev'")
    assert preview.content[0].text.endswith("Next: it saves nothing, so it is safe to call again.")


async def test_an_older_object_of_the_same_name_or_segments_is_not_taken_for_the_lost_write(
    world: World,
) -> None:
    sid = await _define(world.aep, "Older")
    async with Client(world.server()) as client:
        done = await client.call_tool("run_segment_job", {"segment_ids": [sid]})
        assert done.structured_content["jobs"][0]["done"] is True
        await anyio.sleep(CLOCK_SKEW + 0.5)  # older than the clock skew allowed
        world.faults.add("POST", r"/segment/definitions$", "reset_before")
        world.faults.add("POST", r"/segment/jobs$", "reset_before")
        again = await client.call_tool("save_segment_definition", {"name": "Older", "pql": US})
        rerun = await client.call_tool("run_segment_job", {"segment_ids": [sid]})
    for out in (again, rerun):
        assert out.is_error and ": outcome unknown in sandbox 'dev'" in out.content[0].text
    assert [e["outcome"] for e in audit_entries(world.audit)][-2:] == ["unknown", "unknown"]
