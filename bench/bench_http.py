"""HTTP throughput of `seg-mcp serve --transport http`: concurrent MCP clients calling one tool.

    .venv/bin/python bench/bench_http.py [--clients 50] [--calls 2000] [--seconds 60]
                                         [--tool check_pql] [--args '{"pql": "..."}']

Starts `seg-mcp serve --transport http` on a free loopback port, on the local sandbox (a fresh data
directory with `--profiles` generated profiles, deleted after). Each of `--clients` clients is a
real `mcp.Client` over streamable HTTP with its own connection; together they make `--calls` tool
calls, or stop at `--seconds`, whichever comes first. Prints calls per second and the latency of a
call (median, p95, max) as the clients saw it, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from seg_mcp.cli.demo import local_server_env

DEFAULT_ARGS = {"pql": 'homeAddress.countryCode = "US" and person.birthYear <= currentYear() - 30'}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(data_dir: Path, port: int, profiles: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **local_server_env(data_dir, profiles)}
    command = [sys.executable, "-m", "seg_mcp", "serve", "--transport", "http"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    log = (data_dir / "server.log").open("wb")
    return subprocess.Popen(command, env=env, stdout=log, stderr=log)


def _wait_for_port(port: int, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"seg-mcp serve exited with code {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"seg-mcp serve did not listen on port {port} within {timeout:.0f} s")


async def _load(url: str, args: argparse.Namespace, arguments: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    remaining = args.calls
    deadline = time.perf_counter() + args.seconds

    async def client_loop() -> None:
        nonlocal remaining
        async with Client(url) as client:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                started = time.perf_counter()
                result = await client.call_tool(args.tool, arguments)
                latencies.append(time.perf_counter() - started)
                if result.is_error:
                    errors.append(" ".join(getattr(c, "text", "") for c in result.content))

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(args.clients):
            tg.start_soon(client_loop)
    return {"elapsed": time.perf_counter() - started, "latencies": latencies, "errors": errors}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000, help="total tool calls (default 2000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long")
    parser.add_argument("--tool", default="check_pql")
    parser.add_argument("--args", default=json.dumps(DEFAULT_ARGS), help="tool arguments (JSON)")
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()
    arguments = json.loads(args.args)

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="seg-mcp-bench-") as tmp:
        server = _start_server(Path(tmp), port, args.profiles)
        try:
            _wait_for_port(port, server)
            url = f"http://127.0.0.1:{port}/mcp"
            server_cpu_before = _cpu_seconds(server.pid)
            client_cpu_before = time.process_time()
            run = anyio.run(_load, url, args, arguments)
            client_cpu = time.process_time() - client_cpu_before
            server_cpu_after = _cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)

    lat = sorted(run["latencies"])
    calls = len(lat)
    print("bench_http: MCP tool calls over streamable HTTP to `seg-mcp serve --transport http`")
    print(
        f"  machine: {platform.platform()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}; server and clients on the same machine, loopback; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"  backend: local sandbox in-process, {args.profiles} profiles")
    print(f"  load: {args.clients} concurrent clients, tool {args.tool} {json.dumps(arguments)}")
    if not calls:
        print("  no call completed")
        return 1
    p95 = lat[min(calls - 1, int(0.95 * calls))]
    print(
        f"  {calls} calls in {run['elapsed']:.2f} s: {calls / run['elapsed']:.1f} calls/s; "
        f"latency median {_ms(statistics.median(lat))}, p95 {_ms(p95)}, max {_ms(lat[-1])}; "
        f"{len(run['errors'])} errors"
    )
    cpu = f"  CPU: clients {client_cpu:.1f} s ({client_cpu / calls * 1000:.1f} ms a call)"
    if server_cpu_before is not None and server_cpu_after is not None:
        used = server_cpu_after - server_cpu_before
        cpu += f", server {used:.1f} s ({used / calls * 1000:.1f} ms a call)"
    print(cpu + f", out of {os.cpu_count()} cpus x {run['elapsed']:.1f} s")
    if run["errors"]:
        print(f"  first error: {run['errors'][0][:300]}")
    return 0 if not run["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
