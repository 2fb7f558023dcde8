"""Confirmation no model can forge: a destructive call is confirmed by the person through
elicitation, live (2025-11-25) or as the 2026-07-28 input-required round trip; an answer that did
not come back with the server's sealed state is not taken; the phrase fallback exists only where
a profile turns it on, and the phrase never appears in anything the model reads."""

from __future__ import annotations

import json
from collections.abc import Callable

import mcp_types
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError

from seg_mcp.aep import AEPClient, NotFoundError
from seg_mcp.config import BackendConfig, local_config
from seg_mcp.server.identity import Principal, current_principal

from .conftest import MODES, audit_entries
from .test_safety import answer, create


def with_phrase(dev: bool = True, prod: bool = False) -> BackendConfig:
    """The local config split into a dev profile and a prod profile (production writes
    allowed), each with its own confirm_with_phrase."""
    base = local_config()
    local = base.profiles[0]
    profiles = (
        local.model_copy(update={"name": "d", "sandboxes": ("dev",), "confirm_with_phrase": dev}),
        local.model_copy(
            update={
                "name": "p",
                "sandboxes": ("prod",),
                "confirm_with_phrase": prod,
                "allow_production_writes": True,
            }
        ),
    )
    return base.model_copy(update={"profiles": profiles})


def texts(*results: mcp_types.CallToolResult) -> str:
    return "\n".join(
        json.dumps(r.model_dump(mode="json", by_alias=True, exclude_none=True)) for r in results
    )


async def test_the_model_never_reads_a_phrase_or_its_shape(make_server: Callable[..., MCPServer]):
    for config, has_confirm in ((local_config(), False), (with_phrase(), True)):
        async with Client(make_server(config)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
        listing = json.dumps([t.model_dump(mode="json", by_alias=True) for t in tools.values()])
        assert "exact phrase" not in listing and "'delete <" not in listing
        assert "'cancel <" not in listing
        for name in ("delete_resource", "cancel_job"):
            props = tools[name].input_schema["properties"]
            assert ("confirm" in props) is has_confirm
            assert "Asks the user to confirm" in (tools[name].description or "")
        if has_confirm:
            described = tools["delete_resource"].input_schema["properties"]["confirm"]
            assert described["description"].startswith("Only if this client cannot ask its user")


async def test_input_required_round_trip(
    make_server: Callable[..., MCPServer], aep: AEPClient, audit_path
):
    """2026-07-28: the question travels in an InputRequiredResult; the tool runs only when the
    client retries with the person's answer and the server's sealed request_state."""
    sid = await create(aep, "round trip")
    args = {"kind": "audience", "id": sid}
    callback = answer("accept")
    async with Client(make_server(), mode="auto", elicitation_callback=callback) as client:
        assert client.protocol_version == "2026-07-28"
        first = await client.session.call_tool("delete_resource", args, allow_input_required=True)
        assert isinstance(first, mcp_types.InputRequiredResult)
        assert first.input_requests is not None and first.request_state
        ((key, request),) = first.input_requests.items()
        assert isinstance(request, mcp_types.ElicitRequest)
        question = f"Delete audience {sid} ('round trip') from sandbox dev? This cannot be undone."
        assert request.params.message == question
        await aep.get_audience(sid)  # asked, not yet deleted
        yes = {key: mcp_types.ElicitResult(action="accept", content={"confirm": True})}
        # An answer that comes back without the server's sealed state is not taken.
        unsealed = await client.session.call_tool(
            "delete_resource", args, input_responses=yes, allow_input_required=True
        )
        await aep.get_audience(sid)
        # The SDK's own driver: the person is asked and accepts.
        done = await client.call_tool("delete_resource", args)
    assert isinstance(unsealed, mcp_types.InputRequiredResult)  # asked again, nothing done
    assert callback.asked == [question]
    assert not done.is_error, done.content[0].text
    with pytest.raises(NotFoundError):
        await aep.get_audience(sid)
    (entry,) = audit_entries(audit_path)
    assert (entry["operation"], entry["outcome"], entry["confirmed_by"]) == (
        "deleteAudience",
        "succeeded",
        "elicitation",
    )


async def test_a_forged_request_state_is_rejected(
    make_server: Callable[..., MCPServer], aep: AEPClient
):
    sid = await create(aep, "forged")
    args = {"kind": "audience", "id": sid}
    async with Client(make_server(), mode="auto", elicitation_callback=answer("accept")) as client:
        first = await client.session.call_tool("delete_resource", args, allow_input_required=True)
        assert isinstance(first, mcp_types.InputRequiredResult) and first.input_requests
        key = next(iter(first.input_requests))
        yes = {key: mcp_types.ElicitResult(action="accept", content={"confirm": True})}
        forged = json.dumps(
            {"v": 3, "outcomes": {key: {"action": "accept", "data": {"confirm": True}}}}
        )
        with pytest.raises(MCPError, match="Invalid or expired requestState"):
            await client.session.call_tool(
                "delete_resource", args, input_responses=yes, request_state=forged
            )
    await aep.get_audience(sid)


@pytest.mark.parametrize("mode", MODES)
async def test_phrase_fallback_where_a_profile_turns_it_on(
    make_server: Callable[..., MCPServer], mode: str, aep: AEPClient, audit_path
):
    dev_id = await create(aep, "dev one")
    other = await create(aep, "other")
    prod_id = await create(aep, "prod one", sandbox="prod")
    right = f"delete segment definition {dev_id}"
    async with Client(make_server(with_phrase()), mode=mode) as client:
        asked = await client.call_tool(
            "delete_resource", {"kind": "segment-definition", "id": dev_id}
        )
        wrong = await client.call_tool(
            "delete_resource",
            {"kind": "segment-definition", "id": dev_id, "confirm": f"delete segment {other}"},
        )
        near = await client.call_tool(  # another target's phrase does not do
            "delete_resource",
            {
                "kind": "segment-definition",
                "id": dev_id,
                "confirm": f"delete segment definition {other}",
            },
        )
        kept = await aep.retrieve_segment_definition_by_id(dev_id)
        deleted = await client.call_tool(
            "delete_resource",
            {
                "kind": "segment-definition",
                "id": dev_id,
                "confirm": f"  Delete segment definition {dev_id}",
            },
        )
        # prod's profile keeps the fallback off: the right phrase there changes nothing
        prod = await client.call_tool(
            "delete_resource",
            {
                "kind": "segment-definition",
                "id": prod_id,
                "sandbox": "prod",
                "confirm": f"delete segment definition {prod_id}",
            },
        )
    assert kept.id == dev_id
    assert (
        asked.is_error and "Ask the user to type the confirmation phrase" in asked.content[0].text
    )
    for refused in (wrong, near):
        assert refused.is_error
        assert "the confirmation phrase does not match this action" in refused.content[0].text
    assert not deleted.is_error, deleted.content[0].text
    with pytest.raises(NotFoundError):
        await aep.retrieve_segment_definition_by_id(dev_id)
    await aep.retrieve_segment_definition_by_id(other)
    assert prod.is_error and "cannot ask its user" in prod.content[0].text
    await aep.retrieve_segment_definition_by_id(prod_id, sandbox="prod")
    seen = texts(asked, wrong, near, deleted, prod)
    assert right not in seen and f"delete segment definition {prod_id}" not in seen
    assert "confirm=" not in seen
    entries = [(e["outcome"], e.get("confirmed_by")) for e in audit_entries(audit_path)]
    assert entries == [("refused", None)] * 3 + [("succeeded", "phrase"), ("refused", None)]


async def test_with_elicitation_the_person_decides_even_with_the_phrase(
    make_server: Callable[..., MCPServer], aep: AEPClient
):
    sid = await create(aep, "keep me")
    callback = answer("decline")
    async with Client(make_server(with_phrase()), elicitation_callback=callback) as client:
        result = await client.call_tool(
            "delete_resource",
            {
                "kind": "segment-definition",
                "id": sid,
                "confirm": f"delete segment definition {sid}",
            },
        )
    assert len(callback.asked) == 1
    assert result.is_error and "the user did not confirm" in result.content[0].text
    await aep.retrieve_segment_definition_by_id(sid)


async def _ask(server: MCPServer, args: dict[str, str]) -> mcp_types.InputRequiredResult:
    """The first round: the server asks its question and seals its state."""
    async with Client(server, mode="auto", elicitation_callback=answer("accept")) as client:
        first = await client.session.call_tool("delete_resource", args, allow_input_required=True)
    assert isinstance(first, mcp_types.InputRequiredResult) and first.input_requests
    assert first.request_state
    return first


async def _answer_yes(
    server: MCPServer, args: dict[str, str], first: mcp_types.InputRequiredResult
) -> mcp_types.CallToolResult | mcp_types.InputRequiredResult | MCPError:
    """The retry with the person's yes and the sealed state, landing on `server` (an error
    answer is returned, not raised)."""
    assert first.input_requests
    yes: mcp_types.InputResponses = {
        key: mcp_types.ElicitResult(action="accept", content={"confirm": True})
        for key in first.input_requests
    }
    callback = answer("accept")
    result: mcp_types.CallToolResult | mcp_types.InputRequiredResult | MCPError
    async with Client(server, mode="auto", elicitation_callback=callback) as client:
        try:
            result = await client.session.call_tool(
                "delete_resource",
                args,
                input_responses=yes,
                request_state=first.request_state,
                allow_input_required=True,
            )
        except MCPError as exc:
            result = exc
    assert callback.asked == []  # answered, not asked again
    return result


async def test_replicas_sharing_the_auth_secret_complete_each_others_confirmations(
    make_server: Callable[..., MCPServer],
    aep: AEPClient,
    audit_path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
):
    """Over HTTP the sealed requestState is keyed by the deployment's auth secret: a question
    asked by one replica is answered through another (SEG_MCP_AUTH_SECRET, or one auth-secret
    file); a server with another secret refuses the answer, says what to do, changes nothing."""
    monkeypatch.setenv("SEG_MCP_DATA_DIR", str(tmp_path / "replicas"))
    monkeypatch.setenv("SEG_MCP_AUTH_SECRET", "replica-secret-7f3a9c1e")
    one, two = make_server(transport="http"), make_server(transport="http")
    monkeypatch.setenv("SEG_MCP_AUTH_SECRET", "another-deployment-5d2b8e40")
    stranger = make_server(transport="http")
    monkeypatch.delenv("SEG_MCP_AUTH_SECRET")
    three, four = make_server(transport="http"), make_server(transport="http")

    sid = await create(aep, "asked on one")
    args = {"kind": "audience", "id": sid}
    first = await _ask(one, args)
    refused = await _answer_yes(stranger, args, first)
    assert isinstance(refused, MCPError)
    assert refused.message.startswith("Invalid or expired requestState: ")
    assert "asked by a server with another auth secret" in refused.message
    assert "Call the tool again" in refused.message and "SEG_MCP_AUTH_SECRET" in refused.message
    assert refused.data == {"reason": "invalid_request_state"}
    await aep.get_audience(sid)  # nothing changed
    done = await _answer_yes(two, args, first)
    assert isinstance(done, mcp_types.CallToolResult) and not done.is_error, done
    with pytest.raises(NotFoundError):
        await aep.get_audience(sid)

    # Without SEG_MCP_AUTH_SECRET the replicas share the key file in their data directory.
    assert (tmp_path / "replicas" / "auth-secret").exists()
    sid = await create(aep, "asked on three")
    args = {"kind": "audience", "id": sid}
    done = await _answer_yes(four, args, await _ask(three, args))
    assert isinstance(done, mcp_types.CallToolResult) and not done.is_error, done
    with pytest.raises(NotFoundError):
        await aep.get_audience(sid)
    entries = [
        (e["operation"], e["outcome"], e.get("confirmed_by")) for e in audit_entries(audit_path)
    ]
    assert entries == [("deleteAudience", "succeeded", "elicitation")] * 2


async def test_a_rotated_secret_still_opens_and_a_per_process_key_does_not(
    make_server: Callable[..., MCPServer], aep: AEPClient
):
    """Rotation: a server sealing with a new secret still opens what the old one sealed. Without
    shared secrets (stdio) each server has its own key: another one refuses the answer."""
    sid = await create(aep, "rotation")
    args = {"kind": "audience", "id": sid}
    first = await _ask(make_server(request_state_secrets=["old-secret-1c9e4b"]), args)
    refused = await _answer_yes(make_server(), args, first)
    assert isinstance(refused, MCPError) and "another auth secret" in refused.message
    rotated = make_server(request_state_secrets=["new-secret-8a0d2f", "old-secret-1c9e4b"])
    done = await _answer_yes(rotated, args, first)
    assert isinstance(done, mcp_types.CallToolResult) and not done.is_error, done
    with pytest.raises(NotFoundError):
        await aep.get_audience(sid)


async def test_a_confirmation_is_answered_only_by_whoever_was_asked(
    make_server: Callable[..., MCPServer], aep: AEPClient
):
    """The sealed state is bound to the caller: the question put to token 'alice' cannot be
    answered with another caller's credentials, even on a replica with the same secret."""
    sid = await create(aep, "alice's")
    args = {"kind": "audience", "id": sid}
    secrets = ["replica-secret-7f3a9c1e"]
    alice = current_principal.set(Principal(kind="token", token_name="alice"))
    try:
        first = await _ask(make_server(request_state_secrets=secrets), args)
        bob = current_principal.set(Principal(kind="token", token_name="bob"))
        try:
            refused = await _answer_yes(make_server(request_state_secrets=secrets), args, first)
        finally:
            current_principal.reset(bob)
        await aep.get_audience(sid)
        done = await _answer_yes(make_server(request_state_secrets=secrets), args, first)
    finally:
        current_principal.reset(alice)
    assert isinstance(refused, MCPError) and refused.message.startswith("Invalid or expired")
    assert isinstance(done, mcp_types.CallToolResult) and not done.is_error, done
    with pytest.raises(NotFoundError):
        await aep.get_audience(sid)
