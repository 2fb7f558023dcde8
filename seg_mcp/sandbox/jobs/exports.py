"""Export jobs (kind "export_job", reference §7): audience members written to Parquet.

Where the data goes: `<data dir>/datasets/<datasetId>/<batchId>.parquet`, one file per batch
(one batch per job, or one per segment with `destination.segmentPerBatch`). A row is a profile:
`_id` and the requested `fields` (comma-separated dot paths, kept nested: `person.name.lastName`
gives a `person` STRUCT holding `name.lastName`; omitted: every profile field). Files are written
under a temporary name and renamed when the job succeeds, so a cancelled or failed job leaves
no partial file.

Which profiles: with `filter.segments`, the members of those segments in `segment_membership`
(a segment of another namespace, `segmentNs` AAM etc., must be an external audience of the
sandbox, whose members were never ingested here: it adds nobody)
(statuses `realized` + `existing` by default, optionally within `segmentQualificationTime`); a
segment must have been evaluated (a segment job) unless `evaluationInfo.segmentation` asks the
export to evaluate it first. Without segments: every profile (`emptyProfiles` adds the ids that
only have events).

What the sandbox cannot know, given a documented local meaning:
* `identities` in `fields` (Adobe's computed list of a profile's identities): the profile's
  `identityMap` as `[{id, namespace: {code}}]`; `identities.id` keeps the ids only.
* `filter.fromIngestTimestamp` (profiles ingested after a time): a profile's ingestion time is
  its record's last modification, `_repo.modifyDate`; profiles without one are kept.
* `additionalFields.eventList`: an `eventList` column holding each profile's events (ordered by
  time) with `_id`, `timestamp` and the event paths of `eventList.fields` (none known, as in
  Adobe's own example `"string"`: the whole event); an event's ingestion time is its
  `timestamp`, so `filter.fromIngestTimestamp` (inclusive) and `toIngestTimestamp` (exclusive)
  select events by time.

States: NEW → PROCESSING → SUCCEEDED | FAILED (Adobe's enum has no CANCELLED: a cancelled job is
FAILED with a "cancelled" error). DELETE cancels a job in flight and deletes a finished one.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Any, Final

from seg_mcp.sandbox import definitions as defs
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request
from seg_mcp.sandbox.jobs import segment_jobs
from seg_mcp.sandbox.jobs.common import (
    LOCAL,
    guarded,
    key,
    namespace_counts,
    time_metric,
    transition,
)
from seg_mcp.sandbox.jobs.context import JobContext
from seg_mcp.sandbox.jobs.projection import (
    event_list,
    event_list_sql,
    ingested_since,
    literal,
    profile_select,
)
from seg_mcp.sandbox.jobs.segmentation import evaluate_segment
from seg_mcp.sandbox.models import (
    PROFILE_SCHEMA_IDS,
    PROFILE_SCHEMA_NAME,
    ExportJobIn,
)
from seg_mcp.sandbox.settings import parse_clock
from seg_mcp.sandbox.store import SandboxInfo, now_ms

KIND: Final = "export_job"
NEW, PROCESSING, SUCCEEDED, FAILED = "NEW", "PROCESSING", "SUCCEEDED", "FAILED"
IN_FLIGHT = frozenset({NEW, PROCESSING})
DEFAULT_STATUSES = ("realized", "existing")
CANCELLED_CODE = "0100000010"


def dataset_dir(jobs: JobContext, dataset_id: str) -> Path:
    return jobs.settings.data_dir / "datasets" / dataset_id


# -- creation ----------------------------------------------------------------------------------


def _time(value: str | None, where: str) -> str | None:
    if value is None:
        return None
    try:
        parsed = parse_clock(value)
    except ValueError:
        raise bad_request(
            f"{where}: {value!r} is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z).",
            code=errors.VALIDATION,
        ) from None
    return parsed.isoformat() if parsed else None


def _evaluated(cur: Cursor, jobs: JobContext, info: SandboxInfo) -> set[str]:
    """Segments a segment job has evaluated: those of a succeeded job, and those with members
    (a finished job may have been deleted since)."""
    rows = cur.execute(
        f"SELECT DISTINCT segment_id FROM {info.table('segment_membership')}"
    ).fetchall()
    done: set[str] = {str(r[0]) for r in rows}
    for job in jobs.store.list(cur, info, segment_jobs.KIND):
        if job["status"] == segment_jobs.SUCCEEDED:
            done.update(s["segmentId"] for s in job["segments"])
    return done


def _external(cur: Cursor, jobs: JobContext, info: SandboxInfo, sid: str, ns: str) -> None:
    """400 unless the sandbox has an external audience `sid` (its id or audienceId) in
    namespace `ns` (any case): a segment of another namespace (AAM, ...) is one of those."""
    for doc in jobs.store.list(cur, info, defs.KIND):
        if str(doc.get("namespace", "")).lower() == ns.lower() and sid in (
            doc["id"],
            doc.get("audienceId"),
        ):
            return
    raise bad_request(
        f"filter.segments: no audience {sid} in namespace {ns} in sandbox {info.name}. Create "
        "it (POST /audiences) first, or use segmentNs ups with a segment definition id.",
        code=errors.VALIDATION,
    )


def create_in(
    cur: Cursor, jobs: JobContext, info: SandboxInfo, body: ExportJobIn, *, rid: str
) -> dict[str, Any]:
    """Validate and store a NEW export job (inside a write); the caller submits it."""
    if body.schema_.name not in PROFILE_SCHEMA_IDS:
        raise bad_request(
            f"schema.name {body.schema_.name} is not supported: the local sandbox exports "
            f"{PROFILE_SCHEMA_NAME} (XDM Individual Profile).",
            code=errors.VALIDATION,
        )
    flt = body.filter
    profile_root, event_root = jobs.store.fields(info)
    select = profile_select(profile_root, body.fields)
    events = body.additionalFields.eventList if body.additionalFields else None
    span = events.filter if events else None
    span_from = span.fromIngestTimestamp if span else None
    span_to = span.toIngestTimestamp if span else None
    segmentation = bool((body.evaluationInfo or {}).get("segmentation"))
    segments: list[dict[str, Any]] = []
    queries: dict[str, Any] = {}
    evaluated = _evaluated(cur, jobs, info)
    for item in (flt.segments if flt else None) or ():
        namespace = item.segmentNs or "ups"
        entry = {
            "segmentId": item.segmentId,
            "segmentNs": namespace,
            "status": list(item.status or DEFAULT_STATUSES),
        }
        if namespace.lower() != "ups":
            _external(cur, jobs, info, item.segmentId, namespace)
            segments.append(entry)  # its members were never ingested here: none to export
            continue
        definition = defs.get_definition(cur, jobs.store, info, item.segmentId)
        if definition is None:
            raise bad_request(
                f"filter.segments: segment definition {item.segmentId} not found in sandbox "
                f"{info.name}. List the definitions to find valid ids.",
                code=errors.VALIDATION,
            )
        if not segmentation and item.segmentId not in evaluated:
            raise bad_request(
                f"filter.segments: segment definition {item.segmentId} has not been evaluated "
                "yet, so it has no members to export. Run a segment job first (POST "
                '/segment/jobs), or set evaluationInfo {"segmentation": true}.',
                code=errors.VALIDATION,
            )
        queries[item.segmentId] = definition[defs.LOCAL]
        segments.append(entry)
    window = flt.segmentQualificationTime if flt else None
    start = _time(window.startTime if window else None, "segmentQualificationTime.startTime")
    end = _time(window.endTime if window else None, "segmentQualificationTime.endTime")
    per_segment = bool(body.destination.segmentPerBatch) and bool(segments)
    destination: dict[str, Any] = {
        "datasetId": body.destination.datasetId,
        "segmentPerBatch": bool(body.destination.segmentPerBatch),
    }
    if per_segment:
        destination["batches"] = [{**s, "batchId": uuid.uuid4().hex} for s in segments]
    else:
        destination["batchId"] = uuid.uuid4().hex
    jid = jobs.store.next_export_id(cur)
    now = now_ms()
    doc: dict[str, Any] = {
        "id": jid,
        "jobType": "BATCH",
        "destination": destination,
        "schema": {"name": PROFILE_SCHEMA_NAME},
        "imsOrgId": info.org,
        "status": NEW,
        "filter": flt.model_dump(exclude_none=True) if flt else {},
        "mergePolicy": {
            "id": (body.mergePolicy and body.mergePolicy.id) or defs.merge_policy_id(info),
            "version": (body.mergePolicy and body.mergePolicy.version) or 1,
        },
        "profileInstanceId": "ups",
        "metrics": {"totalTime": time_metric(now)},
        "computeGatewayJobId": {"exportJob": str(uuid.uuid4())},
        "creationTime": now,
        "updateTime": now,
        "requestId": rid,
        LOCAL: {
            "attempts": 0,
            "select": select,
            "segments": segments,
            "queries": queries if segmentation else {},
            "window": [start, end],
            "emptyProfiles": bool(flt and flt.emptyProfiles),
            "ingestedFrom": ingested_since(
                profile_root,
                _time(flt.fromIngestTimestamp if flt else None, "filter.fromIngestTimestamp"),
            ),
            "events": events
            and event_list(
                event_root,
                events.fields,
                _time(span_from, "eventList.filter.fromIngestTimestamp"),
                _time(span_to, "eventList.filter.toIngestTimestamp"),
            ),
        },
    }
    if body.fields:
        doc["fields"] = body.fields
    if body.additionalFields is not None:
        doc["additionalFields"] = body.additionalFields.model_dump(exclude_none=True)
    jobs.store.put(cur, info, KIND, str(jid), doc)
    return doc


def submit(jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    jobs.runner.submit(key(info, KIND, jid), lambda: run(jobs, info, jid))


def cancel(jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    """Stop the running job `jid`, if any (`cancel_in` has recorded it FAILED, cancelled)."""
    jobs.runner.cancel(key(info, KIND, jid))


# -- the job -----------------------------------------------------------------------------------


def _batches(doc: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(batchId, segments written into it)."""
    dest = doc["destination"]
    if "batches" in dest:
        return [(b["batchId"], [b]) for b in dest["batches"]]
    return [(dest["batchId"], doc[LOCAL]["segments"])]


def _paths(jobs: JobContext, doc: dict[str, Any], batch_id: str) -> tuple[Path, Path]:
    folder = dataset_dir(jobs, doc["destination"]["datasetId"])
    return folder / f"{batch_id}.parquet", folder / f".{batch_id}.parquet.tmp"


def _ids_sql(info: SandboxInfo, local: dict[str, Any], segments: list[dict[str, Any]]) -> str:
    if not local["segments"]:
        ids = f'SELECT "_id" FROM {info.table("profiles")}'
        if local["emptyProfiles"]:
            ids += f" UNION SELECT profile_id FROM {info.table('experience_events')}"
        return ids
    start, end = local["window"]
    parts = []
    for s in segments:
        cond = [f"segment_id = {literal(s['segmentId'])}"]
        cond.append("status IN (" + ", ".join(literal(x) for x in s["status"]) + ")")
        if start:
            cond.append(f"last_qualification_time >= TIMESTAMP {literal(start)}")
        if end:
            cond.append(f"last_qualification_time <= TIMESTAMP {literal(end)}")
        parts.append(
            f'SELECT profile_id AS "_id" FROM {info.table("segment_membership")} WHERE '
            + " AND ".join(cond)
        )
    return " UNION ".join(parts)


def write_batches(
    cur: Cursor, jobs: JobContext, info: SandboxInfo, doc: dict[str, Any]
) -> tuple[int, dict[str, int]]:
    """Write every batch to its temporary file; (profiles exported, per namespace)."""
    local = doc[LOCAL]
    join = "LEFT JOIN" if local["emptyProfiles"] else "JOIN"
    total, namespaces = 0, dict[str, int]()
    for batch_id, segments in _batches(doc):
        _, tmp = _paths(jobs, doc, batch_id)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        table = "job_export_" + uuid.uuid4().hex
        where = f" WHERE {local['ingestedFrom']}" if local.get("ingestedFrom") else ""
        cur.execute(
            f'CREATE TEMP TABLE "{table}" AS SELECT DISTINCT s."_id" FROM '
            f"({_ids_sql(info, local, segments)}) AS s {join} {info.table('profiles')} AS p "
            f'ON p."_id" = s."_id"{where}'
        )
        try:
            events = local.get("events")
            events = [event_list_sql(info.table("experience_events"), events)] if events else []
            columns = ", ".join(['s."_id" AS "_id"', *local["select"], *events])
            cur.execute(
                f'COPY (SELECT {columns} FROM "{table}" AS s LEFT JOIN '
                f'{info.table("profiles")} AS p ON p."_id" = s."_id" ORDER BY s."_id") '
                f"TO {literal(str(tmp))} (FORMAT parquet)"
            )
            row = cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            total += int(row[0]) if row else 0
            for ns, n in namespace_counts(cur, info, f'"{table}"').items():
                namespaces[ns] = namespaces.get(ns, 0) + n
        finally:
            cur.execute(f'DROP TABLE IF EXISTS "{table}"')
    return total, namespaces


def _start(doc: dict[str, Any]) -> bool:
    if doc["status"] not in IN_FLIGHT:
        return False
    doc["status"] = PROCESSING
    return True


def fail(message: str, code: str = "0100000003") -> Any:
    def change(doc: dict[str, Any]) -> bool:
        if doc["status"] not in IN_FLIGHT:
            return False
        doc["status"] = FAILED
        doc["errors"] = [{"code": code, "msg": message, "callStack": "local sandbox"}]
        start = doc["metrics"]["totalTime"].get("startTimeInMs", doc["creationTime"])
        doc["metrics"]["totalTime"] = time_metric(start, now_ms())
        return True

    return change


def _segmentation(cur: Cursor, jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    doc = jobs.store.get(cur, info, KIND, jid)
    if doc is None or doc["status"] != PROCESSING:
        return
    now = jobs.store.now(info)
    for sid, local in doc[LOCAL]["queries"].items():
        evaluate_segment(cur, info, sid, local, now)


def _finish(
    cur: Cursor,
    jobs: JobContext,
    info: SandboxInfo,
    jid: str,
    counts: tuple[int, dict[str, int]],
    started: int,
) -> bool:
    doc = jobs.store.get(cur, info, KIND, jid)
    if doc is None or doc["status"] != PROCESSING:
        return False
    for batch_id, _ in _batches(doc):
        final, tmp = _paths(jobs, doc, batch_id)
        tmp.replace(final)
    end = now_ms()
    metrics = doc["metrics"]
    metrics["totalTime"] = time_metric(metrics["totalTime"]["startTimeInMs"], end)
    metrics["profileExportTime"] = time_metric(started, end)
    metrics["aCPDatasetWriteTime"] = time_metric(started, end)
    metrics["totalExportedProfileCounter"] = counts[0]
    metrics["exportedProfileByNamespaceCounter"] = counts[1]
    doc["computeGatewayJobId"]["pushJob"] = str(uuid.uuid4())  # the dataset write
    doc["status"] = SUCCEEDED
    doc["updateTime"] = end
    jobs.store.put(cur, info, KIND, jid, doc)
    return True


def _cleanup(jobs: JobContext, doc: dict[str, Any]) -> None:
    for batch_id, _ in _batches(doc):
        with contextlib.suppress(OSError):
            _paths(jobs, doc, batch_id)[1].unlink()


async def run(jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    doc = await transition(jobs, info, KIND, jid, _start)
    if doc is None or doc["status"] != PROCESSING:
        return
    try:
        await guarded(jobs, info, KIND, jid, fail, lambda: _work(jobs, info, jid))
    finally:
        _cleanup(jobs, doc)


async def _work(jobs: JobContext, info: SandboxInfo, jid: str) -> None:
    doc = await _current(jobs, info, jid)
    if doc is None:
        return
    if doc[LOCAL]["queries"]:
        await jobs.store.db.awrite(_segmentation, jobs, info, jid)
    for _ in range(jobs.settings.job_steps):
        await jobs.pace()
        doc = await _current(jobs, info, jid)
        if doc is None or doc["status"] != PROCESSING:
            return  # cancelled or deleted meanwhile
    started = now_ms()
    counts = await jobs.store.db.aread(write_batches, jobs, info, doc)
    await jobs.store.db.awrite(_finish, jobs, info, jid, counts, started)


async def _current(jobs: JobContext, info: SandboxInfo, jid: str) -> dict[str, Any] | None:
    return await jobs.store.db.aread(lambda cur: jobs.store.get(cur, info, KIND, jid))


def cancel_in(cur: Cursor, jobs: JobContext, info: SandboxInfo, jid: str) -> str | None:
    """Inside a write: cancel job `jid` if in flight ("cancelled"), else delete it
    ("deleted"); None if there is no such job."""
    doc = jobs.store.get(cur, info, KIND, jid)
    if doc is None:
        return None
    if doc["status"] in IN_FLIGHT:
        change = fail("Export job cancelled on request (DELETE).", CANCELLED_CODE)
        change(doc)
        doc["updateTime"] = now_ms()
        jobs.store.put(cur, info, KIND, jid, doc)
        return "cancelled"
    jobs.store.delete(cur, info, KIND, jid)
    return "deleted"
