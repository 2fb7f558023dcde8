"""The state behind one app: settings, the store, the IMS, field catalogs, the job runner.

Jobs see a narrow part of it, `jobs` (a `JobContext`: store, settings, runner, pace); on start
the service resumes the jobs a previous process left in flight and runs the scheduler loop.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.to_thread
from anyio.from_thread import start_blocking_portal

from seg_mcp.pql.catalog import FieldCatalog, catalog_from_xdm_schemas
from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.generate import generate_sandbox
from seg_mcp.sandbox.ims import Ims
from seg_mcp.sandbox.jobs import resume_jobs, scheduler_loop
from seg_mcp.sandbox.jobs.context import JobContext, Pace
from seg_mcp.sandbox.runner import JobRunner
from seg_mcp.sandbox.settings import SandboxSettings
from seg_mcp.sandbox.store import SandboxInfo, Store, open_store

log = logging.getLogger("seg_mcp.sandbox")

__all__ = ["Pace", "SandboxService"]


class SandboxService:
    def __init__(self, settings: SandboxSettings, *, pace: Pace | None = None) -> None:
        self.settings = settings
        self.runner = JobRunner()
        self._store: Store | None = None
        self._jobs: JobContext | None = None
        self._ims: Ims | None = None
        self._catalogs: dict[tuple[str, str], tuple[object, FieldCatalog]] = {}
        self._pace = pace
        self._start_lock = threading.Lock()
        self._portal_stack: contextlib.ExitStack | None = None
        self._lifespan = False

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        assert self._store is not None, "sandbox service not started"
        return self._store

    @property
    def ims(self) -> Ims:
        """The IMS: issues and verifies tokens, signs users in."""
        assert self._ims is not None, "sandbox service not started"
        return self._ims

    issuer = ims

    @property
    def jobs(self) -> JobContext:
        """What jobs use of the service: the store, settings, the runner and the pace."""
        assert self._jobs is not None, "sandbox service not started"
        return self._jobs

    def open(self) -> None:
        """Open the database (creating it and the default data on first start). Idempotent;
        blocking (run it in a worker thread)."""
        with self._start_lock:
            if self._store is not None:
                return
            store = open_store(self.settings)
            try:
                self._ims = Ims(self.settings, store.db)
            except BaseException:
                store.db.close()
                raise
            self._store = store
            watched = self._pace is not None or self.settings.job_step_seconds > 0
            self._jobs = JobContext(store, self.settings, self.runner, self.pace, watched)
            self._generate_defaults()

    def _generate_defaults(self) -> None:
        n = self.settings.default_profiles
        if n <= 0:
            return
        for info in self.store.sandboxes():
            if info.has_data:
                continue
            log.info("generating %d profiles for sandbox %s (first start)", n, info.name)
            self.store.db.write(self._generate_into, info, n)

    def _generate_into(self, cur: Any, info: SandboxInfo, n: int) -> None:
        generate_sandbox(cur, self.store, info, profiles=n, seed=self.settings.seed)

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Run the service for the lifetime of the app (Starlette lifespan). An exception raised
        by the code running inside propagates unchanged (not wrapped in an ExceptionGroup)."""
        await anyio.to_thread.run_sync(self.open)
        self._lifespan = True
        inner: BaseException | None = None
        try:
            async with anyio.create_task_group() as tg:
                await tg.start(self.runner.serve, lambda: scheduler_loop(self.jobs))
                await resume_jobs(self.jobs)
                try:
                    yield
                except BaseException as exc:
                    inner = exc
                finally:
                    tg.cancel_scope.cancel()
        finally:
            self._lifespan = False
            await anyio.to_thread.run_sync(self.close)
        if inner is not None:
            raise inner

    async def ensure_started(self) -> None:
        """Start without a lifespan (first request through an ASGI transport that sends none):
        open the store and run the job runner in a thread of its own."""
        if self._store is not None and (self.runner.running or self._lifespan):
            return
        await anyio.to_thread.run_sync(self._start_in_thread)

    def _start_in_thread(self) -> None:
        self.open()
        with self._start_lock:
            if self.runner.running or self._lifespan or self._portal_stack is not None:
                return
            stack = contextlib.ExitStack()
            portal = stack.enter_context(start_blocking_portal())
            self.runner.attach_portal(portal)
            portal.start_task_soon(self.runner.serve, lambda: scheduler_loop(self.jobs))
            # On close: cancel the runner (it sleeps forever), then leave the portal.
            stack.callback(portal.call, portal.stop, True)
            self._portal_stack = stack
        while not self.runner.running:
            threading.Event().wait(0.001)
        portal.call(resume_jobs, self.jobs)

    def close(self) -> None:
        with self._start_lock:
            stack, self._portal_stack = self._portal_stack, None
        if stack is not None:
            with contextlib.suppress(Exception):
                stack.close()
        if self._store is not None:
            self._store.db.close()
            self._store = None
            self._jobs = None

    async def pace(self) -> None:
        """Wait between two progress steps of a job."""
        if self._pace is not None:
            await self._pace()
        elif self.settings.job_step_seconds > 0:
            await anyio.sleep(self.settings.job_step_seconds)
        else:
            await anyio.lowlevel.checkpoint()

    # -- field catalogs -----------------------------------------------------------------------

    def union_schemas(self, info: SandboxInfo) -> tuple[dict[str, Any], dict[str, Any]]:
        profile, event = self.store.fields(info)
        return (
            xdm.union_schema(profile, xdm.PROFILE_CLASS_ID),
            xdm.union_schema(event, xdm.EVENT_CLASS_ID),
        )

    def catalog(self, info: SandboxInfo) -> FieldCatalog:
        """The PQL field catalog of a sandbox: what its Schema Registry routes serve."""
        fields = self.store.fields(info)
        key = (info.org, info.name)
        cached = self._catalogs.get(key)
        if cached is not None and cached[0] is fields:
            return cached[1]
        profile_js, event_js = self.union_schemas(info)
        catalog = catalog_from_xdm_schemas(profile_js, event_js)
        self._catalogs[key] = (fields, catalog)
        return catalog
