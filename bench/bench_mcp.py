"""Overhead of an MCP tool call over the same `AEPClient` call without MCP, in one process.

    .venv/bin/python bench/bench_mcp.py [--iterations 2000] [--warmup 200] [--profiles 1000]

One local sandbox app in-process (a temporary data directory, `--profiles` generated profiles)
behind `httpx2.ASGITransport`; one `AEPClient` on it (as `seg-mcp serve` builds it for the local
backend); one segment definition saved first. Three ways to read that definition, alternating
call by call so that machine noise hits all alike:

* direct: `AEPClient.retrieve_segment_definition_by_id(id)`;
* mcp: `mcp.Client(server)` in memory (2026-07-28, the SDK's direct in-process dispatch) calling
  `find_segment_definitions(ids=[id])`, which makes that same client call and shapes the result
  (structured output, text, untrusted-text fencing, size budget);
* mcp legacy: the same through `Client(server, mode="legacy")` (2025-11-25: initialize, JSON-RPC
  messages over in-memory streams).

Prints the median and p95 of each and the difference of the medians to direct. Log records below
WARNING are dropped during the run (they would print one line per request on both sides).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx2
from mcp import Client

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import local_config
from seg_mcp.sandbox import SandboxSettings, create_app
from seg_mcp.server.app import build_server

SANDBOX = "dev"


async def _save_definition(aep: AEPClient) -> str:
    saved = await aep.create_segment_definition(
        {
            "name": "bench: US gold members",
            "expression": {
                "type": "PQL",
                "format": "pql/text",
                "value": 'homeAddress.countryCode = "US" and loyalty.tier = "gold"',
            },
            "schema": {"name": "_xdm.context.profile"},
        },
        sandbox=SANDBOX,
    )
    assert saved.id is not None
    return saved.id


def _tool_call(client: Client, arguments: dict[str, Any]) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        result = await client.call_tool("find_segment_definitions", arguments)
        if result.is_error:
            raise SystemExit(f"the tool failed: {result.content}")

    return call


async def _measure(
    ways: dict[str, Callable[[], Awaitable[None]]], iterations: int, warmup: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in ways}
    for i in range(warmup + iterations):
        for name, way in ways.items():
            started = time.perf_counter()
            await way()
            if i >= warmup:
                times[name].append(time.perf_counter() - started)
    return times


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, list[float]]:
    settings = SandboxSettings(data_dir=data_dir, default_profiles=args.profiles, seed=7)
    app = create_app(settings)
    config = local_config()
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with config.create_client(
            transport=transport, retry=RetryPolicy(max_retries=0)
        ) as aep:
            segment_id = await _save_definition(aep)
            server = build_server(aep, config, audit_log=data_dir / "audit.jsonl")
            # MCPServer turns on INFO logging (one line per HTTP request from httpx2): measure
            # the calls, not the console.
            logging.disable(logging.INFO)
            arguments = {"ids": [segment_id], "sandbox": SANDBOX}

            async def direct() -> None:
                await aep.retrieve_segment_definition_by_id(segment_id, sandbox=SANDBOX)

            async with (
                Client(server) as modern,
                Client(server, mode="legacy") as legacy,
            ):
                ways = {
                    "direct AEPClient call": direct,
                    f"mcp in memory ({modern.protocol_version})": _tool_call(modern, arguments),
                    f"mcp legacy ({legacy.protocol_version})": _tool_call(legacy, arguments),
                }
                return await _measure(ways, args.iterations, args.warmup)
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profiles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seg-mcp-bench-") as tmp:
        times = anyio.run(run, args, Path(tmp))

    print("bench_mcp: reading one segment definition, with and without MCP, one process")
    print(
        f"  machine: {platform.platform()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"  backend: local sandbox in-process (httpx2.ASGITransport), {args.profiles} profiles; "
        f"{args.iterations} calls each after {args.warmup} warm-up calls, alternating"
    )
    base = statistics.median(next(iter(times.values())))
    for name, samples in times.items():
        ordered = sorted(samples)
        median = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        extra = "" if median == base else f"; +{_ms(median - base)} ({median / base:.2f}x)"
        print(f"  {name:<32} median {_ms(median)}, p95 {_ms(p95)}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
