"""kill -9 of `seg-mcp sandbox serve` during writes and jobs, restarted on the same data dir
(used by tests/faults/test_crash.py, one round, and bench/crash_restart.py, many).

A round: a segment job and an export job running, creates of a definition, an audience and a
schedule sent, and the process killed `delay` seconds later. `outcome` then starts the sandbox
again on the same database, waits until no job is in flight, and counts: every object there once
or not at all, every job ended (resumed and finished, or failed with a reason), none running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
from loopback import free_port

from .harness import UPS, WRITES, Direct, Target

STEP_SECONDS = 0.25  # 4 steps: a job runs ~1 s, so the kill lands while it runs
CREATES = [w for w in WRITES if w.kind in {"definition", "audience", "schedule"}]
PATHS = {
    "definition": "/segment/definitions",
    "audience": "/audiences",
    "schedule": "/config/schedules",
}
SERVE = [sys.executable, "-m", "seg_mcp", "sandbox", "serve"]
IN_FLIGHT = {"NEW", "QUEUED", "PROCESSING", "CANCELLING"}


@contextmanager
def serve(data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`seg-mcp sandbox serve` on a free port over `data_dir`, until it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "SEG_"))}
    env.update(
        SEG_SANDBOX_DEFAULT_PROFILES="40",
        SEG_SANDBOX_JOB_STEP_SECONDS=str(STEP_SECONDS),
        SEG_SANDBOX_NOW="2026-11-01T00:00:00Z",
        SEG_SANDBOX_SEED="7",
    )
    proc = subprocess.Popen(
        [*SERVE, "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
            try:
                if httpx2.get(url + "/ims/.well-known/openid-configuration", timeout=1).is_success:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(0.05)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(20)
        if proc.stderr:
            proc.stderr.close()


def _send(direct: Direct, path: str, body: object) -> None:
    with contextlib.suppress(httpx2.TransportError):  # the kill took the answer with it
        direct.http.post(UPS + path, headers=direct.headers, json=body, timeout=5)


def crash_round(proc: subprocess.Popen[bytes], url: str, round_: int, delay: float) -> None:
    """Start two jobs, send three creates, kill -9 the sandbox `delay` s after sending them."""
    direct = Direct(url)
    direct.clear_schedules()
    sid = direct.create_definition(f"crash-{round_}-segment")
    direct.request("POST", "/segment/jobs", json=[{"segmentId": sid}])
    export = WRITES[4].body(Target("", segment_id=sid, dataset=f"crash-{round_}"))
    direct.request(
        "POST", "/export/jobs", json={**export, "evaluationInfo": {"segmentation": True}}
    )
    time.sleep(STEP_SECONDS * 1.5)  # both jobs are PROCESSING
    senders = [
        threading.Thread(
            target=_send, args=(direct, PATHS[w.kind], w.body(Target(f"crash-{round_}-{w.kind}")))
        )
        for w in CREATES
    ]
    for t in senders:
        t.start()
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    for t in senders:
        t.join(10)
    direct.close()


@dataclass
class Outcome:
    jobs: dict[str, str]  # job id -> status, segment and export jobs
    creates: dict[str, int]  # "round/kind" -> objects stored

    @property
    def stuck(self) -> dict[str, str]:
        return {j: s for j, s in self.jobs.items() if s not in {"SUCCEEDED", "FAILED"}}

    def line(self, rounds: int, seconds: float) -> str:
        stored = sum(1 for n in self.creates.values() if n == 1)
        twice = sum(1 for n in self.creates.values() if n > 1)
        statuses = sorted(set(self.jobs.values()))
        return (
            f"crash restart: {rounds} kill -9 rounds in {seconds:.0f} s; jobs {len(self.jobs)}, "
            f"ended {len(self.jobs) - len(self.stuck)} ({', '.join(statuses)}), left running "
            f"{len(self.stuck)}; creates sent at the kill {len(self.creates)}: stored once "
            f"{stored}, absent {len(self.creates) - stored - twice}, twice or more {twice}"
        )


def outcome(data_dir: Path, rounds: int, settle: float = 15.0) -> Outcome:
    """Restart on `data_dir`, wait for the resumed jobs, count what the rounds left."""
    with serve(data_dir) as (_, url):
        direct = Direct(url)
        deadline = time.monotonic() + settle
        while True:
            jobs = direct.jobs_by_status()
            records = direct.request("GET", "/export/jobs", params={"limit": 1000})["records"]
            jobs.update({f"export-{j['id']}": j["status"] for j in records})
            if not IN_FLIGHT & set(jobs.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        creates = {
            f"{r}/{w.kind}": len(direct.ids(w.kind, Target(f"crash-{r}-{w.kind}")))
            for r in range(rounds)
            for w in CREATES
        }
        direct.close()
    return Outcome(jobs, creates)
