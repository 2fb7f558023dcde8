"""kill -9 of the local sandbox during writes and jobs, restarted on the same data dir: each
object there once or not at all, no job left running (one round here; bench/crash_restart.py
runs many)."""

from __future__ import annotations

import time
from pathlib import Path

from .crash import crash_round, outcome, serve


def test_kill_9_during_writes_and_jobs(tmp_path: Path) -> None:
    started = time.monotonic()
    with serve(tmp_path) as (proc, url):
        crash_round(proc, url, 0, delay=0.01)
    after = outcome(tmp_path, rounds=1)
    print("\n" + after.line(1, time.monotonic() - started))
    assert len(after.jobs) == 2
    assert not after.stuck, f"jobs left in flight after kill -9 and a restart: {after.stuck}"
    assert all(n <= 1 for n in after.creates.values()), after.creates
