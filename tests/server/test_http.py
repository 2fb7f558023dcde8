"""`seg-mcp serve --transport http` in a subprocess on a loopback port, driven by `mcp.Client`
over streamable HTTP (stateless), in both protocol eras; and the CLI's start-up refusals."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from seg_mcp.server import ALL_TOOLS, select

from .conftest import MODES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "SEG_"))}
    env.update(
        SEG_MCP_BACKEND="local",
        SEG_MCP_DATA_DIR=str(tmp_path / "data"),
        SEG_MCP_AUDIT_LOG=str(tmp_path / "audit.jsonl"),
        SEG_SANDBOX_DEFAULT_PROFILES="50",
        SEG_SANDBOX_JOB_STEP_SECONDS="0",
    )
    return env


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "seg_mcp", "serve", "--transport", "http", "--port", str(port)],
        env=env_for(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
        assert out == b"", "nothing but the transport may write to stdout"


@pytest.mark.parametrize("mode", MODES)
async def test_serve_over_http(http_server: str, mode: str):
    async with Client(http_server, mode=mode) as client:
        tools = (await client.list_tools()).tools
        context = await client.call_tool("get_context", {})
        checked = await client.call_tool("check_pql", {"pql": 'homeAddress.countryCode = "US"'})
    assert {t.name for t in tools} == {spec.name for spec in ALL_TOOLS}
    assert not context.is_error and context.structured_content is not None
    assert context.structured_content["backend"].startswith("local sandbox")
    assert checked.structured_content is not None and checked.structured_content["ok"] is True


def test_unknown_names_fail_at_start_with_the_valid_ones(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "seg_mcp", "serve", "--tools", "delete_everything"],
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: unknown tool 'delete_everything'; valid tools: ")
    assert "delete_resource" in result.stderr


def test_tools_command_prints_sizes(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "seg_mcp", "tools", "--read-only"],
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["context", "get_context"]
    assert lines[-1].startswith(f"{len(select(ALL_TOOLS, read_only=True))} tools: ")
    assert not any("save_" in line for line in lines)


async def test_serve_over_stdio(tmp_path: Path):
    from mcp import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "seg_mcp", "serve"], env=env_for(tmp_path)
    )
    async with Client(params) as client:
        result = await client.call_tool("find_fields", {"search": "loyalty tier"})
    assert result.structured_content is not None
    assert [f["path"] for f in result.structured_content["items"]] == ["loyalty.tier"]
