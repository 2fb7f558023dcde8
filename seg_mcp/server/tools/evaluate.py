"""Toolset `evaluate`: size and preview a query, evaluate definitions now, export an audience.
Each starts a platform job, waits a bounded time with progress, and returns the result or the
handle to continue with `get_job`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from seg_mcp.aep.models.common import SchemaRef
from seg_mcp.aep.models.export_jobs import (
    CreateExportJobRequest,
    ExportDestination,
    ExportFilter,
    ExportSegmentFilter,
)
from seg_mcp.server.apps import audience_view
from seg_mcp.server.pqlcheck import require_valid
from seg_mcp.server.runtime import DEFAULT_WAIT, Call
from seg_mcp.server.toolkit import Refusal, Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools import _jobs
from seg_mcp.server.tools._jobs import JobsOut
from seg_mcp.server.tools._params import IdText, OptionalPql, Wait
from seg_mcp.server.tools._shape import pql_text

TOOLS: list[ToolSpec] = []

SegmentIds = Annotated[list[IdText], Field(min_length=1, max_length=20, description="Segment ids.")]


@tool(
    TOOLS,
    toolset="evaluate",
    annotations=hints(read_only=True, destructive=False, idempotent=False, open_world=True),
    operations=(
        "createPreview",
        "retrieveEstimate",
        "retrievePreview",
        "retrieveSegmentDefinitionById",
    ),
)
@audience_view
async def preview_audience(
    call: Call,
    pql: OptionalPql = None,
    definition_id: Annotated[
        IdText | None, Field(description="Or preview this saved definition's PQL.")
    ] = None,
    sample: Annotated[int, Field(ge=0, le=100, description="Members to return.")] = 10,
    wait_seconds: Wait = DEFAULT_WAIT,
    sandbox: Sandbox = None,
) -> JobsOut:
    """Estimate the size of a PQL query (or a saved definition's) and preview sample members,
    without saving or evaluating anything. size_known=false means not known yet, not empty.
    To learn which values a field holds, use field_values (one call), not previews."""
    if (pql is None) == (definition_id is None):
        raise Refusal("give pql or definition_id (one of them).")
    if definition_id is not None:
        found = await call.client.retrieve_segment_definition_by_id(
            definition_id, sandbox=call.sandbox
        )
        pql = pql_text(found.expression)
        if pql is None:
            raise Refusal(f"segment definition {definition_id} has no PQL expression to preview.")
    assert pql is not None
    require_valid(pql, await call.runtime.catalog(call.sandbox))
    preview_id = await _jobs.start_preview(call, pql)
    job = await _jobs.wait_preview(call, preview_id, wait_seconds, sample)
    return JobsOut(jobs=[job])


@tool(
    TOOLS,
    toolset="evaluate",
    annotations=hints(read_only=False, destructive=False, idempotent=False, open_world=True),
    operations=("createSegmentJob", "retrieveSegmentJob", "listSegmentJobs"),
)
async def run_segment_job(
    call: Call,
    segment_ids: SegmentIds,
    wait_seconds: Wait = DEFAULT_WAIT,
    sandbox: Sandbox = None,
) -> JobsOut:
    """Evaluate segment definitions now (a segment job), updating audience membership."""
    client = call.client
    # A job over the same segments started moments ago and still running is returned instead.
    running = await _jobs.segment_job_for(call, segment_ids)
    if running is not None:
        note = _jobs.already_running(_jobs.segment_job(running), running.creation_time)
        done = await _jobs.wait_segment_job(call, str(running.id), wait_seconds)
        return JobsOut(jobs=[done], note=note)
    job = await call.write(
        "createSegmentJob",
        ",".join(segment_ids),
        client.create_segment_job(list(segment_ids), sandbox=sandbox),
        find=lambda since: _jobs.segment_job_for(call, segment_ids, since=since),
        noun="segment job",
    )
    done = await _jobs.wait_segment_job(call, str(job.id), wait_seconds)
    return JobsOut(jobs=[done], note=call.reconciled)


@tool(
    TOOLS,
    toolset="evaluate",
    annotations=hints(read_only=False, destructive=False, idempotent=False, open_world=True),
    operations=("createExportJob", "retrieveExportJob", "listExportJobs"),
)
async def export_audience(
    call: Call,
    segment_ids: SegmentIds,
    dataset_id: Annotated[IdText, Field(description="Target dataset (profile union schema).")],
    fields: Annotated[
        str | None,
        Field(max_length=4000, description="Comma-separated paths to export; default all."),
    ] = None,
    status: Annotated[
        list[Literal["realized", "existing", "exited"]] | None, Field(max_length=3)
    ] = None,
    evaluate_first: Annotated[
        bool, Field(description="Evaluate the segments as part of the export (no segment job).")
    ] = False,
    wait_seconds: Wait = DEFAULT_WAIT,
    sandbox: Sandbox = None,
) -> JobsOut:
    """Export the members of audiences to a dataset (an export job)."""
    client = call.client
    # An export of the same segments to the same dataset still running is returned instead.
    running = await _jobs.export_job_for(call, segment_ids, dataset_id)
    if running is not None:
        note = _jobs.already_running(_jobs.export_job(running), running.creation_time)
        done = await _jobs.wait_export_job(call, str(running.id), wait_seconds)
        return JobsOut(jobs=[done], note=note)
    body = CreateExportJobRequest(
        destination=ExportDestination(dataset_id=dataset_id, segment_per_batch=False),
        schema=SchemaRef(name="_xdm.context.profile"),
        fields=fields,
        filter=ExportFilter(
            segments=[
                ExportSegmentFilter(
                    segment_id=s, segment_ns="ups", status=list(status) if status else None
                )
                for s in segment_ids
            ]
        ),
        evaluation_info={"segmentation": True} if evaluate_first else None,
    )
    job = await call.write(
        "createExportJob",
        ",".join(segment_ids),
        client.create_export_job(body, sandbox=sandbox),
        find=lambda since: _jobs.export_job_for(call, segment_ids, dataset_id, since=since),
        noun="export job",
    )
    done = await _jobs.wait_export_job(call, str(job.id), wait_seconds)
    return JobsOut(jobs=[done], note=call.reconciled)
