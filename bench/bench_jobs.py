"""Estimate and preview latency through the whole job path, on a generated local sandbox.

    .venv/bin/python bench/bench_jobs.py [--profiles 1000000] [--data-dir DIR] [--runs 3]

A data directory with one development sandbox of `--profiles` generated profiles (reused when
`--data-dir` already holds one of that size; otherwise generated, into a temporary directory
removed at the end unless `--data-dir` is given). Each query of bench_evaluate.QUERIES is sent as
`createPreview` by the real `AEPClient` to the in-process sandbox (httpx2's ASGI transport, the path
`seg-mcp api` and the server take with no Adobe credentials), and `retrieveEstimate` is polled until
RESULT_READY, with jobs unpaced (job_step_seconds=0). Each run first times the engine's own
`engine.count()` of the query on the same database (the baseline, as bench_evaluate measures it),
then the API, interleaved so both see the same machine load. Prints, per query, the median and min
of `--runs` times of each, whether the API median is within the target of issue 15 (1.5 x the
engine's median + 20 ms), the estimate, and the first `retrievePreview` page of 100 (its size and
median time, untimed in the API figure).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import anyio
import duckdb
import httpx2
from bench_evaluate import QUERIES, SHAPES, parse

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import local_config
from seg_mcp.pql import ast as a
from seg_mcp.sandbox import SandboxSettings, create_app, engine
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.service import SandboxService
from seg_mcp.sandbox.settings import DATABASE_FILE, SandboxSpec

NOW = datetime(2026, 11, 1)
#: The queries of bench_evaluate, and head() over events (issue 15: under 300 ms at 1M).
TIMED = {**QUERIES, "head of events": SHAPES["head of events"]}


def settings(data_dir: Path, profiles: int) -> SandboxSettings:
    return SandboxSettings(
        data_dir=data_dir,
        sandboxes=[SandboxSpec(name="dev", type="development", title="Dev", is_default=True)],
        default_profiles=profiles,
        now=NOW,
        job_step_seconds=0,
        seed=7,
    )


def profiles_in(data_dir: Path) -> int | None:
    path = data_dir / DATABASE_FILE
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'profiles'"
        ).fetchall()
        if len(rows) != 1:
            return None
        found = con.execute(f'SELECT count(*) FROM "{rows[0][0]}"."profiles"').fetchone()
        return int(found[0]) if found else None


async def ready(aep: AEPClient, text: str) -> tuple[float, int, int, float]:
    start = time.perf_counter()
    created = await aep.create_preview({"predicateExpression": text})
    pid = created.preview_id or ""
    while True:
        estimate = await aep.retrieve_estimate(pid)
        if estimate.state == "RESULT_READY":
            break
        if estimate.state not in ("NEW", "RUNNING"):
            raise SystemExit(f"preview {pid} ended {estimate.state}: {estimate.error}")
        await anyio.sleep(0.01)  # a poll is a request: polling faster competes for the 2 cores
    took = time.perf_counter() - start
    start = time.perf_counter()
    page = await aep.retrieve_preview(pid, limit=100)
    first_page = time.perf_counter() - start
    await aep.delete_preview(pid)
    return took, estimate.estimated_size or 0, len(page.results or []), first_page


def engine_time(service: SandboxService, query: a.Query) -> float:
    """Seconds of one engine.count() (compile + introspection + execution), as bench_evaluate."""
    store = service.store
    info = store.sandboxes()[0]
    now = store.now(info)

    def timed(cur: Cursor) -> float:
        start = time.perf_counter()
        engine.count(cur, info, query, now=now)
        return time.perf_counter() - start

    return store.db.read(timed)


def stats(times: list[float]) -> tuple[float, float]:
    return statistics.median(times) * 1000, min(times) * 1000


async def run(data_dir: Path, profiles: int, runs: int) -> None:
    app = create_app(settings(data_dir, profiles))
    client = local_config().create_client(
        transport=httpx2.ASGITransport(app=app), retry=RetryPolicy(max_retries=0)
    )
    try:
        async with client as aep:
            start = time.perf_counter()
            await aep.list_segment_definitions()  # opens the service (generates if needed)
            print(f"service start: {time.perf_counter() - start:.1f} s")
            service: SandboxService = app.state.service
            print(f"{'':16} {'engine median/min ms':>21} {'API median/min ms':>19}  target")
            for label, text in TIMED.items():
                query = parse(text)
                await anyio.to_thread.run_sync(engine_time, service, query)  # warm-up
                await ready(aep, text)
                api, own, pages = [], [], []
                for _ in range(runs):
                    own.append(await anyio.to_thread.run_sync(engine_time, service, query))
                    took, size, page_size, page_time = await ready(aep, text)
                    api.append(took)
                    pages.append(page_time)
                (e_med, e_min), (a_med, a_min) = stats(own), stats(api)
                target = 1.5 * e_med + 20
                verdict = "ok" if a_med <= target else "OVER"
                print(
                    f"{label:16} {e_med:9.1f} / {e_min:8.1f}  {a_med:8.1f} / {a_min:8.1f}  "
                    f"<= {target:6.1f} {verdict}  estimate={size:,} page={page_size} "
                    f"in {statistics.median(pages) * 1000:.1f} ms"
                )
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", type=int, default=1_000_000)
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="seg-bench-jobs-")
        data_dir = Path(tmp.name)
    else:
        data_dir = args.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
    have = profiles_in(data_dir)
    if have is not None and have != args.profiles:
        raise SystemExit(f"{data_dir} holds {have:,} profiles, not {args.profiles:,}")
    print(f"python {sys.version.split()[0]}, duckdb {duckdb.__version__}, {data_dir}")
    anyio.run(run, data_dir, args.profiles, args.runs)
    load = os.getloadavg()
    print(f"load average (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
