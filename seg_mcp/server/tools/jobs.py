"""Toolset `jobs`: continue waiting on any job handle or list recent jobs; cancel a job."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from seg_mcp.aep import NotFoundError
from seg_mcp.aep.paging import link_href, link_query
from seg_mcp.server.runtime import DEFAULT_WAIT, Call
from seg_mcp.server.toolkit import (
    Confirmation,
    ConfirmPhrase,
    Refusal,
    Sandbox,
    ToolSpec,
    hints,
    tool,
)
from seg_mcp.server.tools import _jobs
from seg_mcp.server.tools._jobs import JobsOut
from seg_mcp.server.tools._params import Cursor, HandleText, Limit, Wait

TOOLS: list[ToolSpec] = []


Handles = Annotated[
    list[HandleText] | None,
    Field(min_length=1, max_length=20, description="Job handles."),
]


@tool(
    TOOLS,
    toolset="jobs",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=(
        "retrieveEstimate",
        "retrievePreview",
        "retrieveSegmentJob",
        "bulkGetSegmentJobs",
        "listSegmentJobs",
        "retrieveExportJob",
        "listExportJobs",
    ),
)
async def get_job(
    call: Call,
    handles: Handles = None,
    recent: Annotated[
        Literal["segment-job", "export-job"] | None, Field(description="List recent jobs.")
    ] = None,
    status: Annotated[
        str | None, Field(max_length=20, description="With recent: e.g. FAILED.")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    wait_seconds: Wait = DEFAULT_WAIT,
    sandbox: Sandbox = None,
) -> JobsOut:
    """Status of jobs by handle, waiting up to wait_seconds for them to finish; or list recent
    segment or export jobs."""
    client = call.client
    if handles:
        parsed = [_jobs.parse(h) for h in handles]
        segment_ids = [i for k, i in parsed if k == "segment-job"]
        if len(segment_ids) > 1 and len(segment_ids) == len(parsed):
            bulk = await client.bulk_get_segment_jobs(segment_ids, sandbox=sandbox)
            jobs = [_jobs.segment_job(j) for j in bulk.found().values()]
            missing = [_jobs.handle("segment-job", i) for i in bulk.missing()]
            if missing:
                raise Refusal(
                    f"no such job(s): {', '.join(missing)}",
                    hint="Check the handles: get_job recent='segment-job' lists recent jobs.",
                )
            return JobsOut(jobs=await _jobs.stamp(call, jobs))
        out = []
        for kind, job_id in parsed:
            if kind == "preview":
                out.append(await _jobs.wait_preview(call, job_id, wait_seconds, 10))
            elif kind == "segment-job":
                out.append(await _jobs.wait_segment_job(call, job_id, wait_seconds))
            else:
                out.append(await _jobs.wait_export_job(call, job_id, wait_seconds))
        return JobsOut(jobs=out)
    if recent is None:
        raise Refusal("give handles, or recent='segment-job' or 'export-job' to list jobs.")
    if recent == "segment-job":
        start = call.position(cursor, "start")
        listed = await client.list_segment_jobs(
            start=start, limit=limit, status=status, sort="creationTime:desc", sandbox=sandbox
        )
        jobs = [_jobs.segment_job(j) for j in listed.children]
        nxt: dict[str, object] | None = {"start": start + limit} if len(jobs) == limit else None
    else:
        page = await client.list_export_jobs(
            limit=limit,
            offset=call.page_params(cursor).get("offset"),
            status=status,
            sandbox=sandbox,
        )
        jobs = [_jobs.export_job(j) for j in page.records]
        linked = link_query(link_href(page.link.next if page.link else None), ["offset"])
        nxt = {"offset": linked.get("offset")} if linked is not None else None
    return JobsOut(jobs=await _jobs.stamp(call, jobs), **call.paging(nxt))


async def _confirm_cancel(call: Call, handle: str) -> Confirmation:
    kind, job_id = _jobs.parse(handle)
    job_id = _jobs.handle(kind, job_id).partition(":")[2]  # the short form the assistant saw
    words = kind.replace("-", " ")
    return Confirmation(
        phrase=f"cancel {words} {job_id}",
        question=f"Cancel {words} {job_id} in sandbox {call.sandbox}?",
    )


@tool(
    TOOLS,
    toolset="jobs",
    annotations=hints(read_only=False, destructive=True, idempotent=True, open_world=True),
    operations=(
        "deletePreview",
        "deleteSegmentJob",
        "cancelExportJob",
        "retrieveSegmentJob",
        "retrieveExportJob",
    ),
    confirm=_confirm_cancel,
)
async def cancel_job(
    call: Call,
    handle: Annotated[HandleText, Field(description="Job handle to cancel.")],
    confirm: ConfirmPhrase = None,
    sandbox: Sandbox = None,
) -> JobsOut:
    """Cancel a preview, segment job or export job. Asks the user to confirm."""
    client = call.client
    kind, job_id = _jobs.parse(handle)
    if kind == "preview":
        await call.write("deletePreview", job_id, client.delete_preview(job_id, sandbox=sandbox))
        job = _jobs.Job(handle=handle, kind=kind, id=job_id, status="CANCELLED", done=True)
    elif kind == "segment-job":
        await call.write(
            "deleteSegmentJob", job_id, client.delete_segment_job(job_id, sandbox=sandbox)
        )
        try:
            job = _jobs.segment_job(await client.retrieve_segment_job(job_id, sandbox=sandbox))
        except NotFoundError:
            job = _jobs.Job(handle=handle, kind=kind, id=job_id, status="DELETED", done=True)
    else:
        await call.write(
            "cancelExportJob", job_id, client.cancel_export_job(job_id, sandbox=sandbox)
        )
        try:
            job = _jobs.export_job(await client.retrieve_export_job(job_id, sandbox=sandbox))
        except NotFoundError:  # a finished export job is deleted rather than cancelled
            job = _jobs.Job(handle=handle, kind=kind, id=job_id, status="DELETED", done=True)
    return JobsOut(jobs=[job])
