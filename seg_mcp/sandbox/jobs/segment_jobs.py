"""Segment jobs (kind "segment_job", reference §5): evaluate definitions, write memberships.

States: NEW → PROCESSING → SUCCEEDED | FAILED; a cancel turns NEW into CANCELLED at once and a
running job into CANCELLING, which the job turns into CANCELLED at its next step. The job
evaluates a snapshot of each definition's expression taken at creation, in dependency order
(a definition using another through inSegment() after it), and writes every membership in one
transaction at the end: a job that fails or is cancelled changes no membership.
"""

from __future__ import annotations

import graphlib
import uuid
from typing import Any, Final

from seg_mcp.sandbox import definitions as defs
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request, ups_error
from seg_mcp.sandbox.jobs.common import (
    LOCAL,
    guarded,
    key,
    time_metric,
    total_profiles,
    transition,
)
from seg_mcp.sandbox.jobs.context import JobContext
from seg_mcp.sandbox.jobs.segmentation import evaluate_segment
from seg_mcp.sandbox.models import PROFILE_SCHEMA_NAME
from seg_mcp.sandbox.store import SandboxInfo, now_ms

KIND: Final = "segment_job"
NEW, PROCESSING, SUCCEEDED, FAILED = "NEW", "PROCESSING", "SUCCEEDED", "FAILED"
CANCELLING, CANCELLED = "CANCELLING", "CANCELLED"
IN_FLIGHT = frozenset({NEW, "QUEUED", PROCESSING, CANCELLING})
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED})
#: Adobe's limit of definitions per on-demand job (reference §10); `*` evaluates them all.
MAX_SEGMENTS = 20


def definitions_for(
    cur: Cursor, jobs: JobContext, info: SandboxInfo, segment_ids: list[str]
) -> list[dict[str, Any]]:
    """The stored definitions a job evaluates (`["*"]`: all of the sandbox), in evaluation
    order; 400 naming any id this sandbox does not have."""
    if segment_ids == ["*"]:
        docs = [
            d for d in jobs.store.list(cur, info, defs.KIND) if d["type"] == "SegmentDefinition"
        ]
        if not docs:
            raise bad_request(
                f"Sandbox {info.name} has no segment definitions to evaluate; create one first.",
                code=errors.VALIDATION,
            )
    else:
        if "*" in segment_ids:
            raise bad_request(
                'segmentId "*" (every definition) cannot be combined with other ids.',
                code=errors.VALIDATION,
            )
        if len(segment_ids) > MAX_SEGMENTS:
            raise bad_request(
                f"A segment job evaluates at most {MAX_SEGMENTS} segment definitions "
                f'({len(segment_ids)} given); split them, or use segmentId "*" for all.',
                code=errors.VALIDATION,
            )
        found = {sid: defs.get_definition(cur, jobs.store, info, sid) for sid in segment_ids}
        missing = [sid for sid, doc in found.items() if doc is None]
        if missing:
            raise bad_request(
                f"Segment definition(s) {', '.join(missing)} not found in sandbox {info.name}. "
                "List the definitions (GET /segment/definitions) to find valid ids.",
                code=errors.VALIDATION,
            )
        docs = [d for d in found.values() if d is not None]
    return _dependency_order(docs)


def _dependency_order(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {d["id"]: d for d in docs}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for d in docs:
        sorter.add(d["id"], *[r for r in d.get("dependencies") or () if r in by_id])
    try:
        return [by_id[i] for i in sorter.static_order()]
    except graphlib.CycleError:
        return docs


def check_capacity(cur: Cursor, jobs: JobContext, info: SandboxInfo) -> None:
    busy = [d for d in jobs.store.list(cur, info, KIND) if d["status"] in IN_FLIGHT]
    limit = jobs.settings.max_jobs_in_flight
    if len(busy) >= limit:
        raise ups_error(
            429,
            f"There are too many segmentation jobs in processing at the moment ({len(busy)} of "
            f"{limit} in sandbox {info.name}). Try again once one finishes, or cancel one "
            f"(DELETE /segment/jobs/{busy[0]['id']}).",
            code=errors.TOO_MANY_JOBS,
        )


def create_in(
    cur: Cursor,
    jobs: JobContext,
    info: SandboxInfo,
    segment_ids: list[str],
    rid: str,
    *,
    source: str = "api",
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store a NEW job over `segment_ids` (inside a write); the caller submits it."""
    docs = definitions_for(cur, jobs, info, segment_ids)
    check_capacity(cur, jobs, info)
    jid = str(uuid.uuid4())
    now = now_ms()
    doc: dict[str, Any] = {
        "id": jid,
        "imsOrgId": info.org,
        "sandbox": info.ref(),
        "profileInstanceId": "ups",
        "source": source,
        "status": NEW,
        "batchId": str(uuid.uuid4()),
        "computeJobId": uuid.uuid4().int % 100_000,
        "computeGatewayJobId": str(uuid.uuid4()),
        "segments": [_segment_info(d) for d in docs],
        "metrics": _initial_metrics(cur, info, docs, now),
        "requestId": rid,
        "errors": [],
        "modelName": PROFILE_SCHEMA_NAME,
        "schema": {"name": PROFILE_SCHEMA_NAME},
        "properties": properties or {},
        "_links": {
            "cancel": {"href": f"/segment/jobs/{jid}", "method": "DELETE"},
            "checkStatus": {"href": f"/segment/jobs/{jid}", "method": "GET"},
        },
        "creationTime": now,
        "updateTime": now,
        "updateEpoch": now // 1000,
        LOCAL: {"queries": {d["id"]: d[defs.LOCAL] for d in docs}, "attempts": 0},
    }
    jobs.store.put(cur, info, KIND, jid, doc)
    return doc


def _initial_metrics(
    cur: Cursor, info: SandboxInfo, docs: list[dict[str, Any]], now: int
) -> dict[str, Any]:
    """The metrics of a job not run yet, with every key Adobe's create example shows: the
    profiles to segment are known, the counters are empty and no time has ended."""
    total = total_profiles(cur, info)
    merge_policy = docs[0]["mergePolicyId"] if docs else ""
    return {
        "totalTime": time_metric(now),
        "profileSegmentationTime": {},
        "totalProfiles": total,
        "totalProfilesByMergePolicy": {merge_policy: total},
        "segmentedProfileCounter": {},
        "segmentedProfileByNamespaceCounter": {},
        "segmentedProfileByStatusCounter": {},
    }


def _segment_info(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "segmentId": d["id"],
        "segment": {
            "id": d["id"],
            "version": 1,
            "expression": d["expression"],
            "mergePolicyId": d["mergePolicyId"],
            "mergePolicy": {"id": d["mergePolicyId"], "version": 1},
        },
    }


def submit(jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    jobs.runner.submit(key(info, KIND, jid), lambda: run(jobs, info, jid))


# -- the job -----------------------------------------------------------------------------------


def end(doc: dict[str, Any], status: str) -> None:
    doc["status"] = status
    start = doc["metrics"].get("totalTime", {}).get("startTimeInMs", doc["creationTime"])
    doc["metrics"]["totalTime"] = time_metric(start, now_ms())


def _start(doc: dict[str, Any]) -> bool:
    if doc["status"] == CANCELLING:
        end(doc, CANCELLED)
        return True
    if doc["status"] not in (NEW, "QUEUED", PROCESSING):
        return False
    doc["status"] = PROCESSING
    doc["metrics"]["profileSegmentationTime"] = time_metric(now_ms())
    return True


def _step(doc: dict[str, Any]) -> bool:
    if doc["status"] == CANCELLING:
        end(doc, CANCELLED)
        return True
    return False


def fail(message: str) -> Any:
    def change(doc: dict[str, Any]) -> bool:
        if doc["status"] in TERMINAL:
            return False
        end(doc, FAILED)
        doc["errors"] = [{"code": "0100000003", "msg": message, "callStack": "local sandbox"}]
        return True

    return change


def _finish(cur: Cursor, jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    doc = jobs.store.get(cur, info, KIND, jid)
    if doc is None or doc["status"] not in (PROCESSING, CANCELLING):
        return
    if doc["status"] == CANCELLING:
        end(doc, CANCELLED)
    else:
        now = jobs.store.now(info)
        results = {
            s["segmentId"]: evaluate_segment(
                cur, info, s["segmentId"], doc[LOCAL]["queries"][s["segmentId"]], now
            )
            for s in doc["segments"]
        }
        total = total_profiles(cur, info)
        metrics = doc["metrics"]
        finished = now_ms()
        seg_start = metrics["profileSegmentationTime"].get("startTimeInMs", finished)
        metrics["profileSegmentationTime"] = time_metric(seg_start, finished)
        merge_policy = doc["segments"][0]["segment"]["mergePolicyId"] if doc["segments"] else ""
        metrics["totalProfiles"] = total
        metrics["totalProfilesByMergePolicy"] = {merge_policy: total}
        metrics["segmentedProfileCounter"] = {k: r.members for k, r in results.items()}
        metrics["segmentedProfileByNamespaceCounter"] = {
            k: r.namespaces for k, r in results.items()
        }
        metrics["segmentedProfileByStatusCounter"] = {k: r.by_status() for k, r in results.items()}
        end(doc, SUCCEEDED)
    doc["updateTime"] = now_ms()
    doc["updateEpoch"] = doc["updateTime"] // 1000
    jobs.store.put(cur, info, KIND, jid, doc)


async def run(jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    doc = await transition(jobs, info, KIND, jid, _start)
    if doc is not None and doc["status"] == PROCESSING:
        await guarded(jobs, info, KIND, jid, fail, lambda: _work(jobs, info, jid))


async def _work(jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    for _ in range(jobs.settings.job_steps):
        await jobs.pace()
        doc = await transition(jobs, info, KIND, jid, _step)
        if doc is None or doc["status"] != PROCESSING:
            return
    await jobs.store.db.awrite(_finish, jobs, info, jid)


def cancel_in(cur: Cursor, jobs: JobContext, info: SandboxInfo, jid: str) -> bool:
    """Inside a write: Adobe's "cancel or delete". A job in flight is marked for cancelling
    (CANCELLED at once when it is not running); a finished one is deleted (its memberships
    stay). False if there is no such job."""
    doc = jobs.store.get(cur, info, KIND, jid)
    if doc is None:
        return False
    status = doc["status"]
    if status in (CANCELLING, CANCELLED):
        return True
    if status in TERMINAL:
        jobs.store.delete(cur, info, KIND, jid)
        return True
    if jobs.runner.is_running(key(info, KIND, jid)) and status != NEW:
        doc["status"] = CANCELLING
    else:
        end(doc, CANCELLED)
    doc["updateTime"] = now_ms()
    doc["updateEpoch"] = doc["updateTime"] // 1000
    jobs.store.put(cur, info, KIND, jid, doc)
    return True
