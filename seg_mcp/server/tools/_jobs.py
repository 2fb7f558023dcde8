"""Job handles (`preview:<id>`, `segment-job:<id>`, `export-job:<id>`) and their status, shared
by the `evaluate` and `jobs` toolsets; and the recent job over the same segments (or export
target), found on the platform, that `run_segment_job` and `export_audience` return instead of
starting a duplicate (server/reconcile.py)."""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import SkipJsonSchema

from seg_mcp.aep.models.export_jobs import ExportJob, ExportJobStatus
from seg_mcp.aep.models.local import Sample
from seg_mcp.aep.models.previews import CreatePreviewRequest, Estimate, PreviewState
from seg_mcp.aep.models.segment_jobs import SegmentJob, SegmentJobStatus
from seg_mcp.server.output import Output, Text, clean
from seg_mcp.server.reconcile import made_since, quietly, recent
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Refusal

Kind = Literal["preview", "segment-job", "export-job"]
KINDS: tuple[Kind, ...] = ("preview", "segment-job", "export-job")


class Interval(BaseModel):
    """Where the true size lies with 95% confidence (an estimate's ±1.96 standard errors)."""

    low: int
    high: int


class Job(BaseModel):
    handle: str
    kind: Kind
    id: str
    status: str
    done: bool
    size_known: bool | None = None
    size: int | None = None
    members: list[str] | None = None
    profiles: dict[str, int] | None = None
    error: str | None = None
    #: The instant the job evaluated against (PQL's `now`), ISO 8601 UTC.
    evaluatedAt: str | None = None
    #: False: `size` is estimated from `sample`, within `interval`.
    exact: bool | None = None
    interval: Interval | None = None
    sample: Sample | None = None

    def measured(self) -> str:
        """How the size was measured, in a few words ("" when nothing is known yet)."""
        if self.exact is None:
            return ""
        words = ["exact" if self.exact else "estimate"]
        if self.interval is not None:
            words.append(f"95% {self.interval.low}-{self.interval.high}")
        if self.sample is not None:
            of = f" of {self.sample.of}" if self.sample.of is not None else ""
            words.append(f"sample {self.sample.size}{of}")
        if self.evaluatedAt:
            words.append(f"as of {self.evaluatedAt}")
        return ", ".join(words)


class JobsOut(Output):
    page_field = "jobs"
    jobs: list[Job]
    truncated: bool = False
    has_more: bool = False
    next_cursor: str | None = None
    #: Set when an existing job was returned instead of a new one (running, or found after a
    #: lost response).
    note: SkipJsonSchema[str | None] = None

    def text(self) -> str:
        t = Text()
        if self.note:
            t.line(self.note)
        for job in self.jobs:
            line = f"{job.handle}: {job.status}" + (" (done)" if job.done else " (running)")
            if job.size_known is not None:
                size = f"{job.size}" if job.size_known else "not known yet"
                line += f"; size {size}"
            if job.profiles:
                line += "; profiles " + ", ".join(f"{k}={v}" for k, v in job.profiles.items())
            if job.measured():
                line += f" ({job.measured()})"
            if job.error:
                line += f"; error: {job.error}"
            t.line(line)
        if any(not j.done for j in self.jobs):
            t.line("Not finished: call get_job with the handle to keep waiting.")
        if self.has_more and self.next_cursor:
            t.line(f"More: call again with cursor={self.next_cursor!r}.")
        if not self.jobs:
            t.line("No jobs.")
        return t.render()


#: A preview id as Adobe issues it: base64 of `0:app-<uuid>:<uuid>:0` (~110 characters).
_PREVIEW = re.compile(r"0:app-([0-9a-f-]{36}):([0-9a-f-]{36}):0")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str, size: int) -> bytes | None:
    if not re.fullmatch(r"[\w-]+", text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    return raw if len(raw) == size else None


def _uuid(text: str) -> uuid.UUID | None:
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    return value if str(value) == text else None


def _pack(kind: Kind, job_id: str) -> str:
    """The job id in fewer characters when it has a known shape (UUIDs as 22 base64url
    characters; a preview id's two UUIDs as 43), else as it is. `_unpack` reverses it."""
    if kind == "segment-job" and (u := _uuid(job_id)):
        return _b64(u.bytes)
    if kind == "preview":
        try:
            decoded = base64.b64decode(job_id, validate=True).decode()
        except ValueError:
            return job_id
        m = _PREVIEW.fullmatch(decoded)
        if m and (a := _uuid(m[1])) and (b := _uuid(m[2])):
            return _b64(a.bytes + b.bytes)
    return job_id


def _unpack(kind: Kind, text: str) -> str:
    if kind == "segment-job" and len(text) == 22 and (raw := _unb64(text, 16)):
        return str(uuid.UUID(bytes=raw))
    if kind == "preview" and len(text) == 43 and (raw := _unb64(text, 32)):
        a, b = uuid.UUID(bytes=raw[:16]), uuid.UUID(bytes=raw[16:])
        return base64.b64encode(f"0:app-{a}:{b}:0".encode()).decode()
    return text


def handle(kind: Kind, job_id: str | int | None) -> str:
    """`kind:<id>`, the id packed short (a segment job's 34 characters, a preview's 51 instead
    of 118); `parse` also takes the platform's own id after the kind."""
    return f"{kind}:{_pack(kind, str(job_id))}"


def parse(value: str) -> tuple[Kind, str]:
    """(kind, the platform's job id) of a handle."""
    prefix, _, job_id = value.partition(":")
    kind = next((k for k in KINDS if k == prefix), None)
    if kind is None or not job_id:
        raise Refusal(
            f"{value!r} is not a job handle; handles look like preview:<id>, segment-job:<id> "
            "or export-job:<id> (as preview_audience, run_segment_job and export_audience return)"
        )
    return kind, _unpack(kind, job_id)


def _errors(job: SegmentJob | ExportJob) -> str | None:
    return "; ".join(clean(e.msg) or "" for e in job.errors or ()) or None


def segment_job(job: SegmentJob) -> Job:
    status = job.status or "NEW"
    counts = (job.metrics.segmented_profile_counter if job.metrics else None) or None
    return Job(
        handle=handle("segment-job", job.id),
        kind="segment-job",
        id=str(job.id),
        status=status,
        done=status in SegmentJobStatus.TERMINAL,
        profiles={k: int(v) for k, v in counts.items()} if counts else None,
        error=_errors(job),
        **_counted(job, status == "SUCCEEDED"),
    )


def export_job(job: ExportJob) -> Job:
    status = job.status or "NEW"
    exported = job.metrics.total_exported_profile_counter if job.metrics else None
    return Job(
        handle=handle("export-job", job.id),
        kind="export-job",
        id=str(job.id),
        status=status,
        done=status in ExportJobStatus.TERMINAL,
        profiles={"exported": exported} if exported is not None else None,
        error=_errors(job),
        **_counted(job, status == "SUCCEEDED"),
    )


def _iso_ms(ms: float | None) -> str | None:
    if not ms:
        return None
    return (
        datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _counted(job: SegmentJob | ExportJob, succeeded: bool) -> dict[str, Any]:
    """A job counts every profile: exact, evaluated when it started."""
    total = job.metrics.total_time if job.metrics else None
    start = total.start_time_in_ms if total else None
    return {
        "evaluatedAt": _iso_ms(start or job.creation_time),
        "exact": True if succeeded else None,
    }


def _estimated(estimate: Estimate, size: int) -> dict[str, Any]:
    """Exact when every profile was read; else the sample read and the 95% interval."""
    read, total = estimate.profiles_read_so_far, estimate.total_rows
    error = float(estimate.standard_error or 0)
    if read is not None and total is not None and read >= total and error == 0:
        return {"exact": True}
    low = max(estimate.profiles_matched_so_far or 0, round(size - 1.96 * error))
    high = round(size + 1.96 * error) if total is None else min(total, round(size + 1.96 * error))
    return {
        "exact": False,
        "interval": Interval(low=low, high=high),
        "sample": Sample(size=read, of=total) if read is not None else None,
    }


async def fixed_clock(call: Call) -> str | None:
    """The local sandbox's evaluation clock when it is fixed (a set clock or SEG_SANDBOX_NOW),
    which its jobs and previews evaluate against instead of the wall clock; else None."""
    if call.runtime.config.kind != "local":
        return None
    clock = await call.client.local_clock(sandbox=call.sandbox)
    return clock.now if clock.fixed else None


async def stamp(call: Call, jobs: list[Job]) -> list[Job]:
    """`jobs` with the local sandbox's fixed clock as the instant they evaluated against."""
    if not any(j.evaluatedAt for j in jobs):
        return jobs
    now = await fixed_clock(call)
    if now is None:
        return jobs
    return [j.model_copy(update={"evaluatedAt": now}) if j.evaluatedAt else j for j in jobs]


async def start_preview(call: Call, pql: str) -> str:
    """Start a preview of `pql` (already checked); its previewId."""
    body = CreatePreviewRequest(predicate_expression=pql)
    started = await call.client.create_preview(body, sandbox=call.sandbox)
    if not started.preview_id:
        raise Refusal(
            "the platform started no preview (no previewId in its answer)",
            hint="Call the tool again; if it keeps failing, report it.",
        )
    return started.preview_id


async def preview(call: Call, preview_id: str, sample: int) -> Job:
    """Estimate and (once ready) a sample of members of a preview."""
    client, sandbox = call.client, call.sandbox
    estimate = await client.retrieve_estimate(preview_id, sandbox=sandbox)
    state = estimate.state or PreviewState.NEW
    done = state in PreviewState.TERMINAL
    known = state == PreviewState.RESULT_READY and estimate.estimated_size is not None
    members: list[str] | None = None
    if known and sample > 0:
        results = await client.retrieve_preview(preview_id, limit=sample, sandbox=sandbox)
        members = [e.entity_id for e in results.entities()][:sample]
    error = clean(estimate.error.description) if estimate.error else None
    return Job(
        handle=handle("preview", preview_id),
        kind="preview",
        id=preview_id,
        status=state,
        done=done,
        size_known=known,
        size=estimate.estimated_size if known else None,
        members=members,
        error=error or None,
        # Adobe's estimate does not say when it ran: the time it was read, seconds after
        **(
            {
                "evaluatedAt": _iso_ms(time.time() * 1000),
                **_estimated(estimate, estimate.estimated_size or 0),
            }
            if known
            else {}
        ),
    )


async def _wait(call: Call, what: str, fetch: Callable[[], Awaitable[Job]], wait: float) -> Job:
    """Fetch the job until it is done or `wait` seconds pass, reporting its status."""
    latest: list[Job] = []

    async def poll() -> tuple[bool, str]:
        job = await fetch()
        latest[:] = [job]
        return job.done, f"{what}: {job.status}"

    await call.wait(poll, wait)
    return (await stamp(call, latest))[0]


async def wait_segment_job(call: Call, job_id: str, wait: float) -> Job:
    async def fetch() -> Job:
        return segment_job(await call.client.retrieve_segment_job(job_id, sandbox=call.sandbox))

    return await _wait(call, f"segment job {job_id}", fetch, wait)


async def wait_export_job(call: Call, job_id: str, wait: float) -> Job:
    async def fetch() -> Job:
        return export_job(await call.client.retrieve_export_job(job_id, sandbox=call.sandbox))

    return await _wait(call, f"export job {job_id}", fetch, wait)


async def wait_preview(call: Call, preview_id: str, wait: float, sample: int) -> Job:
    return await _wait(
        call, f"preview {preview_id}", lambda: preview(call, preview_id, sample), wait
    )


def already_running(job: Job, created_ms: int | None) -> str:
    """What `run_segment_job` / `export_audience` say when they return a running job."""
    kind = "segment job" if job.kind == "segment-job" else "export job"
    when = (
        datetime.fromtimestamp(created_ms / 1000, UTC).isoformat(timespec="seconds")
        if created_ms
        else "moments ago"
    )
    return (
        f"An identical {kind} ({job.handle}, started {when}) is still running: returned it "
        "instead of starting a second one."
    )


def _job_segments(job: SegmentJob) -> set[str]:
    return {s.segment_id or (s.segment.id if s.segment else None) or "" for s in job.segments or ()}


def _wanted(
    created_ms: int | None, status: str, terminal: frozenset[str], since: float | None
) -> bool:
    """A job made since `since` (a write of unknown outcome), or else one started in the last
    RECENT_SECONDS and still running (an identical job in flight)."""
    if since is not None:
        return created_ms is not None and made_since(since, created_ms)
    return recent(created_ms, time.time()) and status not in terminal


async def segment_job_for(
    call: Call, segment_ids: Iterable[str], *, since: float | None = None
) -> SegmentJob | None:
    """The newest segment job over exactly `segment_ids`: made since `since` when given, else
    started in the last RECENT_SECONDS and still running; or None."""
    wanted = set(segment_ids)

    async def find() -> SegmentJob | None:
        listed = await call.client.list_segment_jobs(
            limit=50,
            sort="creationTime:desc",
            property_filter=f"segments~segmentId=={min(wanted)}",
            sandbox=call.sandbox,
        )
        for job in listed.children:
            status = job.status or "NEW"
            if _job_segments(job) == wanted and _wanted(
                job.creation_time, status, SegmentJobStatus.TERMINAL, since
            ):
                return job
        return None

    return await quietly("a segment job over the same segments", find)


def _export_target(job: ExportJob) -> tuple[str | None, set[str]]:
    segments = job.filter.segments or [] if job.filter else []
    return (job.destination.dataset_id if job.destination else None), {
        s.segment_id for s in segments
    }


async def export_job_for(
    call: Call, segment_ids: Iterable[str], dataset_id: str, *, since: float | None = None
) -> ExportJob | None:
    """The newest export job of exactly `segment_ids` to `dataset_id`: made since `since` when
    given, else started in the last RECENT_SECONDS and still running; or None."""
    wanted = (dataset_id, set(segment_ids))

    async def find() -> ExportJob | None:
        listed = await call.client.list_export_jobs(limit=50, sandbox=call.sandbox)
        for job in listed.records:
            status = job.status or "NEW"
            if _export_target(job) == wanted and _wanted(
                job.creation_time, status, ExportJobStatus.TERMINAL, since
            ):
                return job
        return None

    return await quietly(f"an export job of the same segments to {dataset_id}", find)
