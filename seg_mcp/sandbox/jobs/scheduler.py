"""The scheduler loop: while the sandbox serves, due active schedules start their jobs.

It keeps the next fire time of every active schedule in memory (reloaded when a schedule changes:
the schedule routes wake it through `runner.wake_scheduler()`, and every `RELOAD_SECONDS`), and
checks them against each sandbox's time (`store.now(info)`, see `jobs.schedules`) every
`TICK_SECONDS` while any schedule is active. Firing re-checks the schedule inside a write, so a
schedule changed meanwhile does not fire on stale information.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime

import anyio

from seg_mcp.sandbox.jobs import exports, schedules, segment_jobs
from seg_mcp.sandbox.jobs.context import JobContext
from seg_mcp.sandbox.store import SandboxInfo

log = logging.getLogger("seg_mcp.sandbox.jobs")
TICK_SECONDS = 1.0
RELOAD_SECONDS = 60.0
Plan = list[tuple[SandboxInfo, str, datetime]]


async def _load(jobs: JobContext) -> Plan:
    plan: Plan = []
    for info in jobs.store.sandboxes():
        for sid, at in await jobs.store.db.aread(schedules.due, jobs, info):
            plan.append((info, sid, at))
    return plan


async def fire_due(jobs: JobContext, plan: Plan) -> bool:
    """Start the jobs of the schedules of `plan` that are due; True if any fired."""
    fired = False
    for info, sid, at in plan:
        now = jobs.store.now(info)
        if at > now:
            continue
        started = await jobs.store.db.awrite(schedules.fire_in, jobs, info, sid, now)
        fired = True
        if started is None:
            continue
        kind, oid = started
        log.info("schedule %s started %s %s in sandbox %s", sid, kind, oid, info.name)
        if kind == segment_jobs.KIND:
            segment_jobs.submit(jobs, info, oid)
        else:
            exports.submit(jobs, info, oid)
    return fired


async def scheduler_loop(jobs: JobContext) -> None:
    wake = anyio.Event()

    def waker() -> None:
        wake.set()

    jobs.runner.set_scheduler_waker(waker)
    plan: Plan = []
    loaded_at = -math.inf
    while True:
        if wake.is_set() or anyio.current_time() - loaded_at >= RELOAD_SECONDS:
            wake = anyio.Event()
            try:
                plan = await _load(jobs)
            except Exception:  # the store closing under us, a transient DuckDB error
                log.exception("scheduler could not read the schedules")
                plan = []
            loaded_at = anyio.current_time()
        try:
            if await fire_due(jobs, plan):
                wake.set()  # reload the next fire times
                continue
        except Exception:
            log.exception("scheduler could not start a due schedule")
        with anyio.move_on_after(TICK_SECONDS if plan else RELOAD_SECONDS):
            await wake.wait()
