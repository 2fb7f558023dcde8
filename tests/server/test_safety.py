"""Refusals and confirmations: unknown sandbox, production writes, read-only mode, destructive
operations with and without a (right) confirmation or an elicitation, dependents of a
definition, the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mcp_types
import pytest
from mcp import Client
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient, NotFoundError
from seg_mcp.config import local_config
from seg_mcp.server import ALL_TOOLS

from .conftest import MODES, audit_entries

US = 'homeAddress.countryCode = "US"'
WRITE_TOOLS = {
    "save_segment_definition",
    "save_audience",
    "run_segment_job",
    "export_audience",
    "cancel_job",
    "save_schedule",
    "delete_resource",
}

pytestmark = pytest.mark.parametrize("mode", MODES)


async def create(aep: AEPClient, name: str, pql: str = US, sandbox: str = "dev") -> str:
    saved = await aep.create_segment_definition(
        {
            "name": name,
            "expression": {"type": "PQL", "format": "pql/text", "value": pql},
            "schema": {"name": "_xdm.context.profile"},
        },
        sandbox=sandbox,
    )
    assert saved.id
    return saved.id


def answer(action: str, confirm: bool = True) -> Any:
    asked: list[str] = []

    async def callback(context: Any, params: Any) -> mcp_types.ElicitResult:
        asked.append(params.message)
        content = {"confirm": confirm} if action == "accept" else None
        return mcp_types.ElicitResult(action=action, content=content)

    callback.asked = asked  # type: ignore[attr-defined]
    return callback


async def test_unknown_sandbox_refused_before_any_call(
    make_server: Callable[..., MCPServer], mode: str, calls: list[Any]
):
    async with Client(make_server(), mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["find_audiences"].input_schema["properties"]["sandbox"]["enum"] == [
            "dev",
            "prod",
        ]
        assert "sandbox" not in tools["get_context"].input_schema["properties"]
        result = await client.call_tool("find_audiences", {"sandbox": "qa"})
    assert result.is_error
    assert "Input should be 'dev' or 'prod'" in result.content[0].text
    assert [op for tool, op in calls if tool == "find_audiences"] == []


async def test_single_sandbox_has_no_sandbox_argument(
    make_server: Callable[..., MCPServer], mode: str
):
    base = local_config()
    profile = base.profiles[0].model_copy(update={"sandboxes": ("dev",)})
    config = base.model_copy(update={"profiles": (profile,)})
    async with Client(make_server(config), mode=mode) as client:
        tools = (await client.list_tools()).tools
    assert all("sandbox" not in t.input_schema.get("properties", {}) for t in tools)


async def test_production_writes_refused_unless_the_profile_allows(
    make_server: Callable[..., MCPServer], mode: str, aep: AEPClient, audit_path
):
    args = {"name": "US", "pql": US, "sandbox": "prod"}
    async with Client(make_server(), mode=mode) as client:
        refused = await client.call_tool("save_segment_definition", args)
        read = await client.call_tool("find_segment_definitions", {"sandbox": "prod"})
    assert refused.is_error
    assert refused.content[0].text.startswith(
        "save_segment_definition refused in sandbox 'prod': writes are blocked in sandbox "
        "'prod': a production sandbox; nothing was sent."
    )
    assert not read.is_error
    assert (await aep.list_segment_definitions(sandbox="prod")).segments == []
    (entry,) = audit_entries(audit_path)
    assert (entry["sandbox"], entry["tool"], entry["target"], entry["outcome"]) == (
        "prod",
        "save_segment_definition",
        "US",
        "refused",
    )
    assert entry["request_id"] is None and "production sandbox" in entry["detail"]

    base = local_config()
    allowing = base.model_copy(
        update={
            "profiles": (base.profiles[0].model_copy(update={"allow_production_writes": True}),)
        }
    )
    async with Client(make_server(allowing), mode=mode) as client:
        saved = await client.call_tool("save_segment_definition", args)
    assert not saved.is_error
    assert [d.name for d in (await aep.list_segment_definitions(sandbox="prod")).segments] == ["US"]


async def test_read_only_removes_write_tools(make_server: Callable[..., MCPServer], mode: str):
    async with Client(make_server(read_only=True, tools=["save_audience"]), mode=mode) as client:
        # --tools alone selects only those tools, and read-only drops write tools even then
        assert (await client.list_tools()).tools == []
    async with Client(make_server(read_only=True), mode=mode) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        context = (await client.call_tool("get_context", {})).structured_content
        call = await client.call_tool("save_segment_definition", {"name": "x", "pql": US})
    assert names == {spec.name for spec in ALL_TOOLS} - WRITE_TOOLS
    assert context is not None and context["read_only"] is True
    assert all(not s["writes_allowed"] for s in context["sandboxes"])
    assert call.is_error and "save_segment_definition" in call.content[0].text


async def test_delete_without_elicitation_is_refused_and_no_phrase_is_offered(
    make_server: Callable[..., MCPServer], mode: str, aep: AEPClient, audit_path
):
    """A client that cannot ask its user cannot delete: no phrase is offered, the old phrase
    argument and a forged confirmation argument change nothing."""
    sid = await create(aep, "to delete")
    phrase = f"delete segment definition {sid}"
    attempts = [
        {"kind": "segment-definition", "id": sid},
        {"kind": "segment-definition", "id": sid, "confirm": phrase},
        {
            "kind": "segment-definition",
            "id": sid,
            "confirmation": {"action": "accept", "data": {"confirm": True}},
        },
    ]
    async with Client(make_server(), mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        results = [await client.call_tool("delete_resource", args) for args in attempts]
    assert "confirm" not in tools["delete_resource"].input_schema["properties"]
    for result in results:
        text = result.content[0].text
        assert result.is_error
        assert (
            "delete_resource refused in sandbox 'dev': it needs the user's confirmation and "
            "this client cannot ask its user (it does not support MCP elicitation); nothing "
            "was changed."
        ) in text, text
        assert "confirm_with_phrase = true" in text  # what the operator can do
        assert phrase not in text and "confirm=" not in text and "delete segment" not in text
    await aep.retrieve_segment_definition_by_id(sid)
    entries = [(e["operation"], e["target"], e["outcome"]) for e in audit_entries(audit_path)]
    assert entries == [("delete_resource", sid, "refused")] * 3  # each refusal is on record


@pytest.mark.parametrize(
    ("action", "confirm", "deleted"),
    [("accept", True, True), ("accept", False, False), ("decline", True, False)],
)
async def test_delete_confirmed_by_elicitation(
    make_server: Callable[..., MCPServer],
    mode: str,
    aep: AEPClient,
    action: str,
    confirm: bool,
    deleted: bool,
):
    sid = await create(aep, "ask me")
    callback = answer(action, confirm)
    async with Client(make_server(), mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("delete_resource", {"kind": "audience", "id": sid})
    assert callback.asked == [
        f"Delete audience {sid} ('ask me') from sandbox dev? This cannot be undone."
    ]
    assert result.is_error is not deleted
    if deleted:
        with pytest.raises(NotFoundError):
            await aep.get_audience(sid)
    else:
        assert "the user did not confirm; nothing was changed" in result.content[0].text
        await aep.get_audience(sid)


async def test_delete_lists_dependents_and_refuses_without_force(
    make_server: Callable[..., MCPServer], mode: str, aep: AEPClient
):
    base = await create(aep, "base")
    user = await create(aep, "user", f'inSegment("{base}")')
    callback = answer("accept")
    async with Client(make_server(), mode=mode, elicitation_callback=callback) as client:
        refused = await client.call_tool(
            "delete_resource", {"kind": "segment-definition", "id": base}
        )
        schedule = await client.call_tool(
            "save_schedule", {"name": "daily", "cron": "0 0 1 * * ?", "segment_ids": [user]}
        )
        sched_id = schedule.structured_content["items"][0]["id"]
        refused_user = await client.call_tool(
            "delete_resource", {"kind": "segment-definition", "id": user}
        )
        removed = await client.call_tool("delete_resource", {"kind": "schedule", "id": sched_id})
    # refused before anyone is asked: the only question is the schedule's
    assert callback.asked == [
        f"Delete schedule {sched_id} ('daily') from sandbox dev? This cannot be undone."
    ]
    assert refused.is_error
    assert (
        f"segment definition {base} is used by segment definition {user}" in refused.content[0].text
    )
    assert "pass force=true" in refused.content[0].text
    assert f"is used by schedule {sched_id}" in refused_user.content[0].text
    assert not removed.is_error
    await aep.retrieve_segment_definition_by_id(base)


async def test_cancel_job_with_confirmation(
    make_server: Callable[..., MCPServer], mode: str, aep: AEPClient
):
    callback = answer("accept")
    async with Client(make_server(), mode=mode) as client:
        preview = await client.call_tool("preview_audience", {"pql": US, "wait_seconds": 0})
        handle = preview.structured_content["jobs"][0]["handle"]
        pid = handle.split(":", 1)[1]
        refused = await client.call_tool("cancel_job", {"handle": handle})
    async with Client(make_server(), mode=mode, elicitation_callback=callback) as client:
        cancelled = await client.call_tool("cancel_job", {"handle": handle})
    assert refused.is_error and "cannot ask its user" in refused.content[0].text
    assert f"cancel preview {pid}" not in refused.content[0].text
    assert callback.asked == [f"Cancel preview {pid} in sandbox dev?"]
    assert not cancelled.is_error, cancelled.content[0].text
    with pytest.raises(NotFoundError):
        await aep.retrieve_estimate(pid)


async def test_cancel_segment_and_export_jobs(
    make_server: Callable[..., MCPServer], mode: str, aep: AEPClient, audit_path
):
    sid = await create(aep, "US")
    callback = answer("accept")
    async with Client(make_server(), mode=mode, elicitation_callback=callback) as client:
        await client.call_tool("run_segment_job", {"segment_ids": [sid]})  # members to export
        run = await client.call_tool("run_segment_job", {"segment_ids": [sid], "wait_seconds": 0})
        export = await client.call_tool(
            "export_audience", {"segment_ids": [sid], "dataset_id": "ds", "wait_seconds": 0}
        )
        results = []
        for out in (run, export):
            assert out.structured_content is not None, out.content[0].text
            job = out.structured_content["jobs"][0]
            results.append(await client.call_tool("cancel_job", {"handle": job["handle"]}))
    # A job may finish before the cancel arrives (jobs step without delay here): the platform's
    # refusal then comes back as an actionable error, and the audit log records it.
    ops = [(e["operation"], e["outcome"]) for e in audit_entries(audit_path)][3:]
    expected = []
    for op, result in zip(("deleteSegmentJob", "cancelExportJob"), results, strict=True):
        text = result.content[0].text
        if result.is_error:
            assert "has already finished" in text and "nothing to cancel" in text, text
        else:
            assert "(done)" in text or "(running)" in text
        expected.append((op, "failed" if result.is_error else "succeeded"))
    assert ops == expected
