"""Size of every tool result of the `seg-mcp demo` workflow, as an assistant receives it.

    .venv/bin/python bench/result_sizes.py [--profiles 2000]

Runs the demo's own steps (`seg_mcp.cli.demo.workflow`: find fields, check, preview, save,
evaluate, export, schedule, search, deletes refused and confirmed) through `mcp.Client` against
the server over a local sandbox in-process (a temporary data directory, `--profiles` generated
profiles, as the demo generates them). For each call it counts the characters of the text content
(what most clients hand the model) and of the structured content (compact JSON), and prints each
call, the distribution (min, median, p90, max) of both and of their sum, and the tools/list size.
Issue 16's aim: a median result of at most 800 characters.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx2
from mcp import Client

from seg_mcp.aep import RetryPolicy
from seg_mcp.cli.demo import Demo, User, workflow
from seg_mcp.config import local_config
from seg_mcp.sandbox import SandboxSettings, create_app
from seg_mcp.server.app import build_server


@dataclass
class Size:
    tool: str
    text: int
    structured: int
    error: bool

    @property
    def total(self) -> int:
        return self.text + self.structured


@dataclass
class Recorder:
    """Wraps a connected `mcp.Client`: every call_tool is measured."""

    client: Any
    sizes: list[Size] = field(default_factory=list)
    #: The tools the server lists (filled by callers that need it).
    tools: set[str] = field(default_factory=set)

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        result = await self.client.call_tool(name, arguments)
        text = "\n".join(getattr(c, "text", "") for c in result.content)
        structured = result.structured_content
        self.sizes.append(
            Size(
                name,
                len(text),
                len(json.dumps(structured, separators=(",", ":"))) if structured else 0,
                bool(result.is_error),
            )
        )
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@asynccontextmanager
async def local_server(profiles: int, data_dir: Path) -> AsyncIterator[Any]:
    """`build_server` over a local sandbox app in-process, as `seg-mcp serve` builds it for the
    local backend (the sandbox's clock is wall time, as in the demo)."""
    settings = SandboxSettings(data_dir=data_dir, default_profiles=profiles, job_step_seconds=0)
    app = create_app(settings)
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    aep = local_config().create_client(transport=transport, retry=RetryPolicy(max_retries=0))
    try:
        async with aep:
            yield build_server(aep, local_config(), audit_log=data_dir / "audit.jsonl")
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


async def tools_list(tmp: Path) -> tuple[int, int | None]:
    """Characters of tools/list with every toolset and, when bpe-openai is installed (the test
    extra), its cl100k tokens."""
    server = build_server(None, local_config(), audit_log=tmp / "list.jsonl", toolsets=["all"])
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    text = json.dumps(
        {"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]}
    )
    try:
        import bpe_openai
    except ImportError:
        return len(text), None
    return len(text), len(bpe_openai.get_encoding("cl100k_base").encode(text))


def distribution(values: list[int]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (
        f"min {ordered[0]}, median {statistics.median(ordered):.0f}, p90 {p90}, max {ordered[-1]}"
    )


def report(sizes: list[Size], out: Any = sys.stdout) -> None:
    for s in sizes:
        mark = " (refused)" if s.error else ""
        print(f"  {s.tool:<26} text {s.text:>6}  structured {s.structured:>6}{mark}", file=out)
    for label, values in (
        ("text", [s.text for s in sizes]),
        ("structured", [s.structured for s in sizes]),
        ("text+structured", [s.total for s in sizes]),
    ):
        print(f"{label:>16} characters: {distribution(values)}", file=out)


async def _run(profiles: int) -> int:
    with tempfile.TemporaryDirectory(prefix="seg-mcp-bench-") as tmp:
        async with local_server(profiles, Path(tmp)) as server:
            demo = Demo(out=lambda _line: None)
            recorders: list[Recorder] = []

            @asynccontextmanager
            async def connect(user: User | None) -> AsyncIterator[Recorder]:
                async with Client(server, elicitation_callback=user) as client:
                    recorder = Recorder(client)
                    recorders.append(recorder)
                    yield recorder

            await workflow(demo, connect)
        chars, tokens = await tools_list(Path(tmp))
    sizes = [s for r in recorders for s in r.sizes]
    print(
        f"seg-mcp demo workflow, {len(sizes)} tool calls, local sandbox with {profiles} "
        f"profiles (in-process); {len(demo.failed)} steps not as expected, "
        f"{len(demo.skipped)} skipped"
    )
    report(sizes)
    print(f"tools/list (every toolset): {chars} characters, {tokens} cl100k tokens")
    return 0 if not demo.failed and not demo.skipped else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=2_000)
    args = parser.parse_args()
    return anyio.run(_run, args.profiles)


if __name__ == "__main__":
    sys.exit(main())
