"""`seg-mcp serve --transport http`: safe by default (exit 2 off loopback without an auth mode),
`--auth token` with hashed static tokens (sandboxes, read-only), Host/Origin checks with
`--auth none`, and the token helpers. Servers are real subprocesses over the in-process local
sandbox, driven by `mcp.Client`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from loopback import free_port
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from seg_mcp.cli import main
from seg_mcp.server.auth.statictokens import hash_token

from .authflow import Served

WRITER = "segmcp_writer-Tq7-distinctive"
READER = "segmcp_reader-Wd3-distinctive"


def local_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "SEG_"))}
    env.update(
        SEG_MCP_BACKEND="local",
        SEG_MCP_DATA_DIR=str(tmp_path / "data"),
        SEG_MCP_AUDIT_LOG=str(tmp_path / "data" / "audit.jsonl"),
        SEG_SANDBOX_DEFAULT_PROFILES="30",
        SEG_SANDBOX_JOB_STEP_SECONDS="0",
        **extra,
    )
    return env


def test_non_loopback_without_auth_exits_2_at_once_naming_the_options(tmp_path: Path):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "seg_mcp", "serve", "--transport", "http", "--host", "0.0.0.0"],
        env=local_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert time.monotonic() - started < 15
    for option in ("--auth oauth", "--auth token", "--allow-unauthenticated"):
        assert option in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--host", "0.0.0.0", "--auth", "none"], "--allow-unauthenticated"),
        (["--host", "0.0.0.0", "--auth", "token"], "--allowed-hosts"),
        (["--host", "0.0.0.0", "--allow-unauthenticated"], "--public-url"),
    ],
)
def test_other_unsafe_starts_are_refused(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
):
    assert main(["serve", "--transport", "http", *argv]) == 2
    assert needle in capsys.readouterr().err


def test_hash_token_and_new_token(monkeypatch: pytest.MonkeyPatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(WRITER + "\n"))
    assert main(["serve", "--hash-token"]) == 0
    assert capsys.readouterr().out.strip() == hash_token(WRITER)
    assert main(["serve", "--new-token", "nightly"]) == 0
    out = capsys.readouterr().out
    token = out.split("): ")[1].split()[0]
    assert f'sha256 = "{hash_token(token)}"' in out and "[tokens.nightly]" in out


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("tokens")
    tokens = {
        "writer": {"sha256": hash_token(WRITER), "sandboxes": ["dev"]},
        "reader": {"sha256": hash_token(READER), "sandboxes": ["dev", "prod"], "read_only": True},
    }
    env = local_env(tmp, SEG_MCP_TOKENS=json.dumps(tokens))
    server = Served(["--auth", "token"], env, free_port()).wait()
    try:
        yield server
    finally:
        server.stop()


def _client(url: str, token: str | None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = httpx2.AsyncClient(headers=headers, timeout=30)
    return Client(streamable_http_client(url, http_client=http))


def _text(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(getattr(c, "text", "") for c in result.content)


async def test_static_tokens_limit_sandboxes_and_writes(token_server: Served):
    pql = 'homeAddress.countryCode = "US"'
    async with _client(token_server.url, WRITER) as writer:
        saved = await writer.call_tool("save_segment_definition", {"name": "by-writer", "pql": pql})
        context = await writer.call_tool("get_context", {})
        on_prod = await writer.call_tool("find_segment_definitions", {"sandbox": "prod"})
    async with _client(token_server.url, READER) as reader:
        read = await reader.call_tool("find_segment_definitions", {"sandbox": "prod"})
        write = await reader.call_tool("save_segment_definition", {"name": "by-reader", "pql": pql})
    assert not saved.is_error, _text(saved)
    assert [s["name"] for s in context.structured_content["sandboxes"]] == ["dev"]
    assert on_prod.is_error and "may not use sandbox 'prod'" in _text(on_prod)
    assert not read.is_error, _text(read)
    assert write.is_error and "read-only" in _text(write)
    audit = (Path(token_server.log_path.parent) / "audit.jsonl").read_text()
    lines = [json.loads(line) for line in audit.splitlines()]
    assert {(x["who"].get("token_name"), x["outcome"]) for x in lines} >= {
        ("writer", "succeeded"),
        ("reader", "refused"),
    }
    for text in (audit, token_server.log(), _text(saved), _text(write)):
        assert WRITER not in text and READER not in text


async def test_wrong_or_missing_static_token_gets_401(token_server: Served):
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    async with httpx2.AsyncClient() as http:
        missing = await http.post(token_server.url, json=call)
        wrong = await http.post(
            token_server.url, json=call, headers={"Authorization": f"Bearer {WRITER}x"}
        )
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith('Bearer realm="seg-mcp"')


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("none")
    server = Served(["--allowed-hosts", "mcp.internal:8443"], local_env(tmp), free_port()).wait()
    try:
        yield server
    finally:
        server.stop()


async def test_auth_none_checks_host_and_origin(open_server: Served):
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}
    async with httpx2.AsyncClient() as http:
        ok = await http.post(open_server.url, json=call, headers=accept)
        named = await http.post(
            open_server.url, json=call, headers={**accept, "Host": "mcp.internal:8443"}
        )
        host = await http.post(open_server.url, json=call, headers={**accept, "Host": "evil.ex"})
        origin = await http.post(
            open_server.url, json=call, headers={**accept, "Origin": "http://evil.ex"}
        )
    assert ok.status_code == 200 and named.status_code == 200
    assert host.status_code == 421 and origin.status_code == 403
