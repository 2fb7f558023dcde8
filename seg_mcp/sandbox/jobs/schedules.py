"""Schedules (kind "schedule", reference §8): stored documents and what firing one does.

Rules as Adobe states them: a Quartz cron (UTC) that runs at most once a day; `state` inactive
until activated; one schedule per sandbox and type (the docs allow one per organization; the
local sandbox scopes that to the sandbox); `type` `batch_segmentation` (spec) or `export`
(docs). `properties.segments` lists definition ids (`["*"]`: all) and is required for
batch_segmentation. An export schedule's properties also carry the export to start:
`destination` (required) and `fields` (a local convention: Adobe does not document them).

Time: a schedule fires on *sandbox time*, `store.now(info)`: the sandbox's own clock setting,
else SEG_SANDBOX_NOW, else wall time (UTC). With a fixed clock, time stands still for schedules
too; moving the clock past a schedule's next fire time makes it fire once, however many fire
times were skipped (Quartz's "fire once now" misfire rule). The next fire time is kept under
`_local` and recomputed from the sandbox time whenever the schedule is activated or its cron
changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from seg_mcp.sandbox import definitions as defs
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.cron import CronError, parse_schedule
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import ApiError, bad_request
from seg_mcp.sandbox.jobs import exports, segment_jobs
from seg_mcp.sandbox.jobs.common import LOCAL
from seg_mcp.sandbox.jobs.context import JobContext
from seg_mcp.sandbox.jobs.projection import projection
from seg_mcp.sandbox.models import ExportJobIn, ScheduleIn, SchedulePatchOp
from seg_mcp.sandbox.store import SandboxInfo, now_ms

KIND: Final = "schedule"
DEFAULT_CRON = "0 0 0 * * ?"  # when the body has none (the docs: "system-generated")


def check_cron(text: str) -> None:
    try:
        parse_schedule(text)
    except CronError as exc:
        raise bad_request(str(exc), code=errors.VALIDATION) from None


def next_fire(doc: dict[str, Any], now: datetime) -> str | None:
    if doc["state"] != "active":
        return None
    at = parse_schedule(doc["schedule"]).next_after(now)
    return at.isoformat() if at else None


def _check_properties(cur: Cursor, jobs: JobContext, info: SandboxInfo, body: ScheduleIn) -> None:
    segments = body.properties.segments
    if body.type == "batch_segmentation" and not segments:
        raise bad_request(
            "properties.segments is required for a batch_segmentation schedule: definition ids, "
            'or ["*"] for all of them.',
            code=errors.VALIDATION,
        )
    if body.type == "export" and body.properties.destination is None:
        raise bad_request(
            "properties.destination (with datasetId) is required for an export schedule: it "
            "says where each run writes.",
            code=errors.VALIDATION,
        )
    if body.type == "export":
        projection(jobs.store.fields(info)[0], body.properties.fields)
    missing = [
        s
        for s in segments or ()
        if s != "*" and defs.get_definition(cur, jobs.store, info, s) is None
    ]
    if missing:
        raise bad_request(
            f"properties.segments: segment definition(s) {', '.join(missing)} not found in "
            f"sandbox {info.name}.",
            code=errors.VALIDATION,
        )


def create_in(cur: Cursor, jobs: JobContext, info: SandboxInfo, body: ScheduleIn) -> dict[str, Any]:
    schedule = body.schedule or DEFAULT_CRON
    check_cron(schedule)
    _check_properties(cur, jobs, info, body)
    for other in jobs.store.list(cur, info, KIND):
        if other["type"] == body.type:
            raise bad_request(
                f"Sandbox {info.name} already has a {body.type} schedule ({other['id']}); a "
                "sandbox has one per type. Change it with PATCH, or delete it first.",
                code=errors.VALIDATION,
            )
    now = now_ms()
    doc: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "imsOrgId": info.org,
        "sandbox": info.ref(),
        "name": body.name,
        "state": body.state,
        "type": body.type,
        "schedule": schedule,
        "properties": body.properties.model_dump(exclude_none=True),
        "createEpoch": now // 1000,
        "updateEpoch": now // 1000,
    }
    doc[LOCAL] = {"nextFireTime": next_fire(doc, jobs.store.now(info))}
    jobs.store.put(cur, info, KIND, doc["id"], doc)
    return doc


def patch_in(
    cur: Cursor, jobs: JobContext, info: SandboxInfo, sid: str, ops: list[SchedulePatchOp]
) -> bool:
    doc = jobs.store.get(cur, info, KIND, sid)
    if doc is None:
        return False
    for op in ops:
        if op.path == "/state":
            if op.value not in ("active", "inactive"):
                raise bad_request(
                    f"/state must be active or inactive, not {op.value!r}.",
                    code=errors.VALIDATION,
                )
            doc["state"] = op.value
        else:
            check_cron(op.value)
            doc["schedule"] = op.value
    doc["updateEpoch"] = now_ms() // 1000
    doc.setdefault(LOCAL, {})["nextFireTime"] = next_fire(doc, jobs.store.now(info))
    jobs.store.put(cur, info, KIND, sid, doc)
    return True


# -- firing ------------------------------------------------------------------------------------


def fire_in(
    cur: Cursor, jobs: JobContext, info: SandboxInfo, sid: str, now: datetime
) -> tuple[str, str] | None:
    """Inside a write: start the job of schedule `sid` if it is (still) due at `now`; record
    the run. Returns (job kind, job id) of the started job."""
    doc = jobs.store.get(cur, info, KIND, sid)
    local = (doc or {}).get(LOCAL) or {}
    due = local.get("nextFireTime")
    if doc is None or doc["state"] != "active" or not due or datetime.fromisoformat(due) > now:
        return None
    run_id = str(uuid.uuid4())
    started: tuple[str, str] | None = None
    local.update(lastFireTime=now.isoformat(), lastRunId=run_id, lastError=None)
    try:
        started = _start_job(cur, jobs, info, doc, run_id)
        local["lastJobId"] = started[1]
    except ApiError as exc:  # e.g. too many jobs in flight, or the definitions are gone
        local["lastError"] = str(exc)
    local["nextFireTime"] = next_fire(doc, now)
    doc[LOCAL] = local
    jobs.store.put(cur, info, KIND, sid, doc)
    return started


def _start_job(
    cur: Cursor, jobs: JobContext, info: SandboxInfo, doc: dict[str, Any], run_id: str
) -> tuple[str, str]:
    props = doc["properties"]
    rid = f"{doc['id']}-{now_ms()}"
    if doc["type"] == "batch_segmentation":
        job = segment_jobs.create_in(
            cur,
            jobs,
            info,
            list(props["segments"]),
            rid=rid,
            source="scheduler",
            properties={"scheduleId": doc["id"], "runId": run_id},
        )
        return segment_jobs.KIND, job["id"]
    segments = [s for s in props.get("segments") or () if s != "*"]
    body = ExportJobIn.model_validate(
        {
            "destination": props["destination"],
            "schema": {"name": "_xdm.context.profile"},
            "fields": props.get("fields"),
            "filter": {"segments": [{"segmentId": s} for s in segments]} if segments else None,
            "evaluationInfo": {"segmentation": True},
        }
    )
    export = exports.create_in(cur, jobs, info, body, rid=rid)
    return exports.KIND, str(export["id"])


def due(cur: Cursor, jobs: JobContext, info: SandboxInfo) -> list[tuple[str, datetime]]:
    """(schedule id, next fire time) of the active schedules of a sandbox."""
    out = []
    for doc in jobs.store.list(cur, info, KIND):
        at = ((doc.get(LOCAL) or {}).get("nextFireTime")) if doc["state"] == "active" else None
        if at:
            out.append((doc["id"], datetime.fromisoformat(at)))
    return out
