"""Segment jobs: `/segment/jobs`, `/segment/jobs/{SEGMENT_JOB_ID}`, `/segment/jobs/bulk-get`."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from seg_mcp.aep.models.common import (
    AEPModel,
    BulkGetResponse,
    ChildrenList,
    Expression,
    Link,
    MergePolicyRef,
    Number,
    SandboxRef,
    SchemaRef,
)

__all__ = [
    "AllSegmentsJobRequest",
    "BulkGetSegmentJobsResponse",
    "JobError",
    "SegmentJob",
    "SegmentJobList",
    "SegmentJobMetrics",
    "SegmentJobRequest",
    "SegmentJobSegment",
    "SegmentJobSegmentDetail",
    "SegmentJobStatus",
    "TimeMetric",
]


class SegmentJobStatus:
    """Known `status` values (the field itself is a plain string)."""

    NEW = "NEW"
    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    SUCCEEDED = "SUCCEEDED"
    TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED})


class SegmentJobRequest(AEPModel):
    """One item of the create body: `{"segmentId": "..."}` (`"*"` means every definition); a
    plain id validates too."""

    segment_id: str

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, data: Any) -> Any:
        return {"segmentId": data} if isinstance(data, str) else data


class AllSegmentsJobRequest(AEPModel):
    """The documented "all segments" body: `{"schema": {...}, "segments": [{"segmentId": "*"}]}`."""

    schema_: SchemaRef | None = Field(default=None, alias="schema")
    segments: list[SegmentJobRequest]


class TimeMetric(AEPModel):
    start_time_in_ms: Number | None = None
    end_time_in_ms: Number | None = None
    total_time_in_ms: Number | None = None


class SegmentJobMetrics(AEPModel):
    total_time: TimeMetric | None = None
    profile_segmentation_time: TimeMetric | None = None
    total_profiles: int | None = None
    total_profiles_by_merge_policy: dict[str, Number] | None = None
    #: segment id -> profiles in the segment
    segmented_profile_counter: dict[str, Number] | None = None
    #: segment id -> identity namespace -> profiles
    segmented_profile_by_namespace_counter: dict[str, dict[str, Number]] | None = None
    #: segment id -> status (realized / existing / exited) -> profiles
    segmented_profile_by_status_counter: dict[str, dict[str, Number]] | None = None


class SegmentJobSegmentDetail(AEPModel):
    id: str | None = None
    version: int | None = None
    expression: Expression | None = None
    merge_policy_id: str | None = None
    merge_policy: MergePolicyRef | None = None


class SegmentJobSegment(AEPModel):
    segment_id: str | None = None
    segment: SegmentJobSegmentDetail | None = None


class JobError(AEPModel):
    """An error inside a segment or export job: `{"code", "msg", "callStack"}`."""

    code: str | None = None
    msg: str | None = None
    call_stack: str | None = None


class SegmentJob(AEPModel):
    id: str | None = None
    status: str | None = None  # see SegmentJobStatus
    source: str | None = None  # api | scheduler
    ims_org_id: str | None = None
    sandbox: SandboxRef | None = None
    profile_instance_id: str | None = None
    batch_id: str | None = None
    compute_job_id: int | str | None = None
    compute_gateway_job_id: str | dict[str, Any] | None = None
    segments: list[SegmentJobSegment] | None = None
    metrics: SegmentJobMetrics | None = None
    errors: list[JobError] | None = None
    request_id: str | None = None
    schema_: SchemaRef | None = Field(default=None, alias="schema")
    properties: dict[str, Any] | None = None
    model_name: str | None = None
    links: dict[str, Link] | None = Field(default=None, alias="_links")
    creation_time: int | None = None  # epoch ms
    update_time: int | None = None  # epoch ms
    update_epoch: int | None = None  # epoch s


class SegmentJobList(ChildrenList[SegmentJob]):
    """`{"children": [...], "_page": {...}, "_links": {"next": ...}}`."""


class BulkGetSegmentJobsResponse(BulkGetResponse[SegmentJob]):
    """207: `{"results": {"<id>": SegmentJob | BulkGetError}}`."""
