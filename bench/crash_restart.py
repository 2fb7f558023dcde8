"""kill -9 of the local sandbox during writes and jobs, restarted on the same data dir, many
times: does anything get lost, written twice, or left running?

    .venv/bin/python bench/crash_restart.py [--rounds 20]

Each round (tests/faults/crash.py) starts `seg-mcp sandbox serve` on one data dir, starts a
segment job and an export job, sends three creates (definition, audience, schedule) and kills the
process with SIGKILL a little later (0 to 40 ms, varied so some creates land and some do not).
At the end the sandbox starts once more, waits for the resumed jobs, and prints: jobs ended and
left running, creates stored once, absent, twice. tests/faults/test_crash.py runs one round in CI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.crash import crash_round, outcome, serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        for round_ in range(args.rounds):
            with serve(data_dir) as (proc, url):
                crash_round(proc, url, round_, delay=0.002 * (round_ % 21))
        after = outcome(data_dir, args.rounds, settle=30.0)
    print(after.line(args.rounds, time.monotonic() - started))
    if after.stuck:
        print(f"left running: {after.stuck}")
    twice = {k: n for k, n in after.creates.items() if n > 1}
    if twice:
        print(f"written twice: {twice}")
    return 1 if after.stuck or twice else 0


if __name__ == "__main__":
    raise SystemExit(main())
