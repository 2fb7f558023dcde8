"""Background work: jobs progress on their own, without anyone polling.

The runner owns a task group. Normally it lives in the app's lifespan (same event loop as the
request handlers); when the app is served without a lifespan (httpx2's ASGITransport does not send
lifespan events) the service starts it in a thread of its own through an anyio blocking portal.
`submit` and `cancel` work from either place.

Each job runs as one task under a cancel scope keyed by (sandbox schema, kind, id); cancelling a
job cancels its scope, and the job's own code records the final state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from anyio.abc import TaskGroup, TaskStatus
from anyio.from_thread import BlockingPortal

log = logging.getLogger("seg_mcp.sandbox.jobs")
JobKey = tuple[str, str, str]


class JobRunner:
    def __init__(self) -> None:
        self._tg: TaskGroup | None = None
        self._portal: BlockingPortal | None = None
        self._thread: int | None = None
        self._scopes: dict[JobKey, anyio.CancelScope] = {}
        self._wake_scheduler: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        return self._tg is not None

    async def serve(
        self,
        background: Callable[[], Awaitable[None]] | None = None,
        *,
        task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Run until cancelled: own the task group, run `background` (the scheduler) in it."""
        async with anyio.create_task_group() as tg:
            self._tg = tg
            self._thread = threading.get_ident()
            if background is not None:
                tg.start_soon(_awaited, background)
            task_status.started()
            try:
                await anyio.sleep_forever()
            finally:
                self._tg = None
                tg.cancel_scope.cancel()

    def attach_portal(self, portal: BlockingPortal) -> None:
        self._portal = portal

    def _in_loop(self) -> bool:
        return threading.get_ident() == self._thread

    def _call_in_loop(self, fn: Callable[..., Any], *args: Any) -> bool:
        if self._in_loop():
            fn(*args)
        elif self._portal is not None:
            self._portal.start_task_soon(_as_async(fn), *args)
        else:
            log.warning("job runner is not running; %s dropped", getattr(fn, "__name__", fn))
            return False
        return True

    def submit(self, key: JobKey, job: Callable[[], Awaitable[None]]) -> threading.Event:
        """Start `job` in the background under a cancel scope known by `key`. The event is set
        when it ends (or is not started: already running, runner stopped); any thread may wait
        on it."""
        ended = threading.Event()
        if not self._call_in_loop(self._start, key, job, ended):
            ended.set()
        return ended

    def _start(
        self, key: JobKey, job: Callable[[], Awaitable[None]], ended: threading.Event
    ) -> None:
        if self._tg is None:
            log.warning("job runner stopped; job %s not started", key)
            ended.set()
            return
        if key in self._scopes:
            ended.set()
            return  # already running
        self._tg.start_soon(self._run_job, key, job, ended)

    async def _run_job(
        self, key: JobKey, job: Callable[[], Awaitable[None]], ended: threading.Event
    ) -> None:
        with anyio.CancelScope() as scope:
            self._scopes[key] = scope
            try:
                await job()
            except Exception:
                log.exception("background job %s failed", key)
            finally:
                self._scopes.pop(key, None)
                ended.set()

    def cancel(self, key: JobKey) -> None:
        """Cancel the job known by `key` if it is running (the job records its final state)."""
        self._call_in_loop(self._cancel, key)

    def _cancel(self, key: JobKey) -> None:
        scope = self._scopes.get(key)
        if scope is not None:
            scope.cancel()

    def is_running(self, key: JobKey) -> bool:
        return key in self._scopes

    def set_scheduler_waker(self, wake: Callable[[], None]) -> None:
        self._wake_scheduler = wake

    def wake_scheduler(self) -> None:
        if self._wake_scheduler is not None:
            self._call_in_loop(self._wake_scheduler)


async def _awaited(fn: Callable[[], Awaitable[None]]) -> None:
    await fn()


def _as_async(fn: Callable[..., Any]) -> Callable[..., Awaitable[None]]:
    async def call(*args: Any) -> None:
        fn(*args)

    return call
