"""After a restart (a service closed mid-job, a new one opened on the same data directory), jobs
in flight are resumed to completion, or failed or cancelled with a reason: never left running."""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from seg_mcp.sandbox import SandboxSettings
from seg_mcp.sandbox.jobs import segment_jobs
from seg_mcp.sandbox.jobs.common import LOCAL, MAX_ATTEMPTS

from .conftest import PROFILE, Stepper, client_on, definition, sandbox_info, settle, sql

GOLD = 'loyalty.tier = "gold"'


async def test_jobs_in_flight_resume_after_a_restart(sandbox_settings: SandboxSettings) -> None:
    stepper = Stepper()
    try:
        async with client_on(sandbox_settings, pace=stepper) as (aep, app):
            d = await aep.create_segment_definition(definition("gold", GOLD))
            job = await aep.create_segment_job([d.id or ""])
            preview = await aep.create_preview({"predicateExpression": GOLD})
            export = await aep.create_export_job(
                {"destination": {"datasetId": "resumed"}, "schema": PROFILE}
            )
            await stepper.parked(3)
            assert (await aep.retrieve_segment_job(job.id or "")).status == "PROCESSING"
            await anyio.to_thread.run_sync(app.state.service.close)  # the process stops
    finally:
        stepper.close()

    async with client_on(sandbox_settings) as (aep, app):
        done = await settle(
            lambda: aep.retrieve_segment_job(job.id or ""), lambda j: j.status == "SUCCEEDED"
        )
        gold = sql(app, """SELECT count(*) FROM {profiles} WHERE "loyalty"."tier" = 'gold'""")
        assert done.metrics and done.metrics.segmented_profile_counter == {d.id: gold[0][0]}
        estimate = await settle(
            lambda: aep.retrieve_estimate(preview.preview_id or ""),
            lambda e: e.state == "RESULT_READY",
        )
        assert estimate.estimated_size == gold[0][0]
        exported = await settle(
            lambda: aep.retrieve_export_job(export.id or ""), lambda j: j.status == "SUCCEEDED"
        )
        assert exported.metrics and exported.metrics.total_exported_profile_counter == 300


async def test_jobs_that_cannot_go_on_end_with_a_reason(sandbox_settings: SandboxSettings) -> None:
    async with client_on(sandbox_settings) as (aep, app):
        d = await aep.create_segment_definition(definition("gold", GOLD))
        svc, info = app.state.service, sandbox_info(app)

        def stored(cur: Any, status: str, attempts: int) -> str:
            doc = segment_jobs.create_in(cur, svc, info, [d.id or ""], rid="r")
            doc["status"] = status
            doc[LOCAL]["attempts"] = attempts
            svc.store.put(cur, info, segment_jobs.KIND, doc["id"], doc)
            return str(doc["id"])

        # jobs as a process that stopped would have left them (not running here)
        crashing = await svc.store.db.awrite(stored, "PROCESSING", MAX_ATTEMPTS - 1)
        cancelling = await svc.store.db.awrite(stored, "CANCELLING", 0)
    async with client_on(sandbox_settings) as (aep, _):
        failed = await aep.retrieve_segment_job(crashing)
        assert failed.status == "FAILED"
        assert failed.errors and f"stopped {MAX_ATTEMPTS} times" in (failed.errors[0].msg or "")
        assert (await aep.retrieve_segment_job(cancelling)).status == "CANCELLED"
