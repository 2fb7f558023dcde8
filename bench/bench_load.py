"""Time to load JSON lines into a sandbox (`seg-mcp sandbox load`), good files and a bad one.

    .venv/bin/python bench/bench_load.py [--profiles 100000]

Writes the generated dataset (`--profiles` profiles, about 10 events each) as two JSON-lines files
in a temporary directory, then loads them with `seg_mcp.sandbox.load.load` into a fresh data
directory (`--replace`): the fast pass (DuckDB `read_json`). Then loads the same files with one bad
line appended to the events: the exact pass (Python) that names the line. Prints file sizes, rows,
wall and CPU times (all threads), with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.generate import generate
from seg_mcp.sandbox.load import LoadError, load
from seg_mcp.sandbox.settings import SandboxSettings
from seg_mcp.sandbox.store import open_store


def write_files(profiles: int, directory: Path) -> tuple[Path, Path]:
    con = duckdb.connect()
    for ddl in xdm.data_tables_ddl(None):
        con.execute(ddl)
    generate(con, "main", profiles=profiles, seed=42, anchor=datetime(2026, 11, 1))
    people, events = directory / "profiles.jsonl", directory / "events.jsonl"
    con.execute(f"COPY profiles TO '{people}' (FORMAT json)")
    con.execute(
        f"COPY (SELECT * EXCLUDE (profile_id), profile_id AS profileId FROM experience_events) "
        f"TO '{events}' (FORMAT json)"
    )
    con.close()
    return people, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    options = parser.parse_args()
    print(
        f"seg-mcp sandbox load, DuckDB threads=2, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({platform.machine()})"
    )
    with tempfile.TemporaryDirectory(prefix="seg-mcp-bench-") as tmp:
        people, events = write_files(options.profiles, Path(tmp))
        mib = (people.stat().st_size + events.stat().st_size) / 2**20
        store = open_store(SandboxSettings(data_dir=Path(tmp) / "data", default_profiles=0))
        try:
            info = store.sandbox(store.settings.org_id, "dev")
            assert info is not None
            started, cpu = time.perf_counter(), time.process_time()
            result = load(store, info, profiles=people, events=events, replace=True)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"  good files ({mib:.0f} MiB): {result.profiles:,} profiles and "
                f"{result.events:,} events loaded in {seconds:.2f} s (CPU {cpu:.2f} s, "
                f"load average {os.getloadavg()[0]:.1f})"
            )
            with events.open("a") as out:
                out.write('{"_id": "bad", "profileId": "p0000000", "timestamp": "soon"}\n')
            started, cpu = time.perf_counter(), time.process_time()
            try:
                load(store, info, profiles=people, events=events, replace=True)
            except LoadError as exc:
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                print(
                    f"  one bad line: refused in {seconds:.2f} s (CPU {cpu:.2f} s): {exc.errors[0]}"
                )
        finally:
            store.db.close()


if __name__ == "__main__":
    main()
