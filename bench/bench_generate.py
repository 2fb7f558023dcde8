"""Time to generate the local sandbox's synthetic dataset (profiles and their experience events).

    .venv/bin/python bench/bench_generate.py [--profiles 100000 1000000] [--repeat 3]

For each size: a fresh DuckDB database file in a temporary directory, the sandbox layout created,
then `seg_mcp.sandbox.generate.generate` (seed 42, about 10 events per profile, events in the
year before 2026-11-01) in one transaction, as `seg-mcp sandbox generate` does. Prints the best and
median wall time of `--repeat` runs, the CPU time (all threads; the figure to trust on a busy
machine), rows made, and the machine (target: 100k profiles under 5 s).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.db import Database
from seg_mcp.sandbox.generate import GenerateResult, generate

ANCHOR = datetime(2026, 11, 1)


def once(profiles: int, directory: Path) -> tuple[float, float, GenerateResult]:
    db = Database(directory / "bench.duckdb", threads=2, memory_limit="2GB")
    try:
        db.write(lambda cur: [cur.execute(ddl) for ddl in xdm.data_tables_ddl(None)])
        started, cpu = time.perf_counter(), time.process_time()
        result = db.write(
            lambda cur: generate(cur, "main", profiles=profiles, seed=42, anchor=ANCHOR)
        )
        return time.perf_counter() - started, time.process_time() - cpu, result
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(
        f"sandbox data generation, DuckDB threads=2, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({platform.machine()})"
    )
    for profiles in options.profiles:
        times, cpus = [], []
        for _ in range(options.repeat):
            with tempfile.TemporaryDirectory(prefix="seg-mcp-bench-") as tmp:
                seconds, cpu, result = once(profiles, Path(tmp))
            times.append(seconds)
            cpus.append(cpu)
        print(
            f"  {profiles:>9,} profiles, {result.events:>10,} events: wall best {min(times):.2f} s,"
            f" median {statistics.median(times):.2f} s; CPU (all threads) best {min(cpus):.2f} s"
            f" ({options.repeat} runs; load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
