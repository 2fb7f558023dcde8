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
from typing import TYPE_CHECKING

import anyio

from seg_mcp.sandbox.jobs import exports, schedules, segment_jobs
from seg_mcp.sandbox.store import SandboxInfo

if TYPE_CHECKING:
    from seg_mcp.sandbox.service import SandboxService

log = logging.getLogger("seg_mcp.sandbox.jobs")
TICK_SECONDS = 1.0
RELOAD_SECONDS = 60.0
Plan = list[tuple[SandboxInfo, str, datetime]]


async def _load(svc: SandboxService) -> Plan:
    plan: Plan = []
    for info in svc.store.sandboxes():
        for sid, at in await svc.store.db.aread(schedules.due, svc, info):
            plan.append((info, sid, at))
    return plan


async def fire_due(svc: SandboxService, plan: Plan) -> bool:
    """Start the jobs of the schedules of `plan` that are due; True if any fired."""
    fired = False
    for info, sid, at in plan:
        now = svc.store.now(info)
        if at > now:
            continue
        started = await svc.store.db.awrite(schedules.fire_in, svc, info, sid, now)
        fired = True
        if started is None:
            continue
        kind, oid = started
        log.info("schedule %s started %s %s in sandbox %s", sid, kind, oid, info.name)
        if kind == segment_jobs.KIND:
            segment_jobs.submit(svc, info, oid)
        else:
            exports.submit(svc, info, oid)
    return fired


async def scheduler_loop(svc: SandboxService) -> None:
    wake = anyio.Event()

    def waker() -> None:
        wake.set()

    svc.runner.set_scheduler_waker(waker)
    plan: Plan = []
    loaded_at = -math.inf
    while True:
        if wake.is_set() or anyio.current_time() - loaded_at >= RELOAD_SECONDS:
            wake = anyio.Event()
            try:
                plan = await _load(svc)
            except Exception:  # the store closing under us, a transient DuckDB error
                log.exception("scheduler could not read the schedules")
                plan = []
            loaded_at = anyio.current_time()
        try:
            if await fire_due(svc, plan):
                wake.set()  # reload the next fire times
                continue
        except Exception:
            log.exception("scheduler could not start a due schedule")
        with anyio.move_on_after(TICK_SECONDS if plan else RELOAD_SECONDS):
            await wake.wait()
