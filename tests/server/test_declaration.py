"""A tool's own declaration shows every argument the model sees: the wire schema's properties
are the handler's parameters (the `sandbox` enum and the `confirm` phrase included, where the
deployment shows them), and a destructive tool cannot forget its `confirm` argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from seg_mcp.config import BackendConfig, local_config
from seg_mcp.server import ALL_TOOLS, build_server
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Confirmation, ToolSpec, hints, tool
from seg_mcp.server.tools.delete import Deleted

from .test_confirm import with_phrase


async def wire_arguments(config: BackendConfig, tmp_path: Path) -> dict[str, set[str]]:
    server = build_server(None, config, audit_log=tmp_path / "audit.jsonl")
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    return {t.name: set(t.input_schema.get("properties", {})) for t in tools}


async def test_the_wire_arguments_are_the_handlers_parameters(tmp_path: Path):
    declared = {s.name: {p.name for p in s.parameters} for s in ALL_TOOLS}
    assert await wire_arguments(with_phrase(), tmp_path) == declared
    one_sandbox = local_config().model_copy(update={"default_sandbox": "dev"})
    profile = one_sandbox.profiles[0].model_copy(update={"sandboxes": ("dev",)})
    one_sandbox = one_sandbox.model_copy(update={"profiles": (profile,)})
    plain = await wire_arguments(one_sandbox, tmp_path)
    assert plain == {name: names - {"sandbox", "confirm"} for name, names in declared.items()}


def test_a_confirmed_tool_declares_its_confirm_argument():
    registry: list[ToolSpec] = []

    async def ask(call: Call, id: str) -> Confirmation:
        raise AssertionError("not called")

    with pytest.raises(TypeError, match="confirm: ConfirmPhrase = None"):

        @tool(
            registry,
            toolset="delete",
            annotations=hints(read_only=False, destructive=True, idempotent=True, open_world=True),
            operations=(),
            confirm=ask,
        )
        async def forget_it(call: Call, id: str) -> Deleted:
            """Deletes without a confirm argument."""
            return Deleted(deleted=id)

    assert registry == []
