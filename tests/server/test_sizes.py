"""Issue 16 items 2-4 through `mcp.Client` on the local sandbox (its clock fixed at
2026-11-01): every preview, estimate and job states when it evaluated and whether its size is
exact (else its interval and sample); a saved definition previewed by id, and listed with its
latest known size, without side effects; name filters on the find tools."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient
from seg_mcp.aep.models.common import Expression, SchemaRef
from seg_mcp.aep.models.segment_definitions import SegmentDefinitionInput
from seg_mcp.pql import parse, to_pql_json

CLOCK = "2026-11-01T00:00:00Z"  # tests/server/conftest.py NOW
US = 'homeAddress.countryCode = "US"'


async def ok(client: Client, name: str, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content, result.content[0].text


async def refused(client: Client, name: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(name, args)
    assert result.is_error
    return result.content[0].text


async def save(client: Client, name: str, pql: str = US) -> str:
    out, _ = await ok(client, "save_segment_definition", {"name": name, "pql": pql})
    return str(out["definition"]["id"])


async def test_preview_states_clock_and_exact_size(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        out, text = await ok(client, "preview_audience", {"pql": US, "sample": 0})
    (job,) = out["jobs"]
    assert job["size_known"] is True and job["done"] is True
    assert (job["evaluatedAt"], job["exact"]) == (CLOCK, True)
    assert "interval" not in job and "sample" not in job
    assert f"size {job['size']} (exact, as of {CLOCK})" in text


@pytest.fixture
def sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sampling threshold under the sandbox's 300 profiles (set before the sandbox starts):
    estimates read a sample, as Adobe's do past 1M profiles."""
    monkeypatch.setenv("SEG_SANDBOX_SAMPLE_THRESHOLD", "100")


async def test_sampled_estimate_states_interval_and_sample(
    sampling: None, make_server: Callable[..., MCPServer], aep: AEPClient
):
    async with Client(make_server()) as client:
        out, text = await ok(client, "preview_audience", {"pql": US, "sample": 0})
    (job,) = out["jobs"]
    estimate = await aep.retrieve_estimate(job["id"], sandbox="dev")
    read, total = estimate.profiles_read_so_far, estimate.total_rows
    assert read is not None and total == 300 and read < total
    assert job["exact"] is False and job["evaluatedAt"] == CLOCK
    assert job["sample"] == {"size": read, "of": 300}
    low, high = job["interval"]["low"], job["interval"]["high"]
    assert low <= job["size"] <= high and low < high
    assert f"(estimate, 95% {low}-{high}, sample {read} of 300, as of {CLOCK})" in text


async def test_segment_job_states_clock(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        sid = await save(client, "US job")
        out, text = await ok(client, "run_segment_job", {"segment_ids": [sid]})
        again, _ = await ok(client, "get_job", {"recent": "segment-job"})
    (job,) = out["jobs"]
    assert job["status"] == "SUCCEEDED"
    assert (job["evaluatedAt"], job["exact"]) == (CLOCK, True)
    assert f"(exact, as of {CLOCK})" in text
    assert again["jobs"][0]["evaluatedAt"] == CLOCK


async def test_preview_a_saved_definition_by_id(
    make_server: Callable[..., MCPServer], aep: AEPClient
):
    async with Client(make_server()) as client:
        sid = await save(client, "US by id")
        by_pql, _ = await ok(client, "preview_audience", {"pql": US, "sample": 3})
        by_id, _ = await ok(client, "preview_audience", {"definition_id": sid, "sample": 3})
        both = await refused(client, "preview_audience", {"pql": US, "definition_id": sid})
        neither = await refused(client, "preview_audience", {})
        unknown = await refused(client, "preview_audience", {"definition_id": "no-such-id"})
        as_json = await aep.create_segment_definition(
            SegmentDefinitionInput(
                name="US as pql/json",
                expression=Expression(format="pql/json", value=json.dumps(to_pql_json(parse(US)))),
                schema=SchemaRef(name="_xdm.context.profile"),
            ),
            sandbox="dev",
        )
        by_json, _ = await ok(
            client, "preview_audience", {"definition_id": as_json.id, "sample": 3}
        )
    assert by_id["jobs"][0]["size"] == by_pql["jobs"][0]["size"] > 0
    assert by_id["jobs"][0]["members"] == by_pql["jobs"][0]["members"]
    assert by_json["jobs"][0]["size"] == by_pql["jobs"][0]["size"]
    assert "give pql or definition_id (one of them)" in both
    assert "give pql or definition_id (one of them)" in neither
    assert "no-such-id" in unknown
    jobs = await aep.list_segment_jobs(sandbox="dev")
    assert jobs.children == []  # no segment job: membership untouched


async def test_definitions_listed_with_latest_size(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        us = await save(client, "Sized US")
        gb = await save(client, "Unsized GB", 'homeAddress.countryCode = "GB"')
        before, text_before = await ok(client, "find_segment_definitions", {})
        job, _ = await ok(client, "run_segment_job", {"segment_ids": [us]})
        preview, _ = await ok(client, "preview_audience", {"pql": US, "sample": 0})
        after, text_after = await ok(client, "find_segment_definitions", {})
        one, _ = await ok(client, "find_segment_definitions", {"ids": [us]})
    assert all("size" not in d for d in before["items"])
    assert "No size yet: preview_audience definition_id=<id>" in text_before
    sized = {d["id"]: d for d in after["items"]}
    counted = job["jobs"][0]["profiles"][us]
    assert counted == preview["jobs"][0]["size"]  # the job and a preview agree
    assert (sized[us]["size"], sized[us]["evaluatedAt"]) == (counted, CLOCK)
    assert sized[us]["size_from"] == job["jobs"][0]["handle"]
    assert "size" not in sized[gb]
    assert f"{us} [size {counted} at {CLOCK}]: Sized US" in text_after
    assert one["items"][0]["size"] == counted


async def test_name_filters(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        ids = {name: await save(client, name) for name in ("Gold buyers", "Silver", "GOLDEN")}
        first, _ = await ok(client, "find_segment_definitions", {"name": "gold", "limit": 1})
        rest, _ = await ok(
            client,
            "find_segment_definitions",
            {"name": "gold", "limit": 1, "cursor": first["next_cursor"]},
        )
        none, _ = await ok(client, "find_segment_definitions", {"name": "platinum"})
        for name in ("Gold audience", "Bronze audience"):
            await ok(client, "save_audience", {"name": name, "pql": US})
        audiences, _ = await ok(client, "find_audiences", {"name": "GOLD"})
        await ok(  # one evaluation schedule a sandbox
            client,
            "save_schedule",
            {"name": "Nightly gold", "cron": "0 0 1 * * ?", "segment_ids": [ids["Silver"]]},
        )
        schedules, _ = await ok(client, "find_schedules", {"name": "GOLD"})
        no_schedules, _ = await ok(client, "find_schedules", {"name": "silver"})
    # newest first
    assert [d["name"] for d in first["items"]] == ["GOLDEN"] and first["has_more"] is True
    assert [d["name"] for d in rest["items"]] == ["Gold buyers"] and rest["has_more"] is False
    assert none["items"] == [] and none["has_more"] is False
    # segment definitions are audiences too (Adobe lists both)
    assert sorted(a["name"] for a in audiences["items"]) == [
        "GOLDEN",
        "Gold audience",
        "Gold buyers",
    ]
    assert [s["name"] for s in schedules["items"]] == ["Nightly gold"]
    assert no_schedules["items"] == []
