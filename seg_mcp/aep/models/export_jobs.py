"""Export jobs: `/export/jobs`, `/export/jobs/{EXPORT_JOB_ID}` (ids are numbers)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from seg_mcp.aep.models.common import (
    AEPModel,
    ListLinks,
    ListPage,
    MergePolicyRef,
    Number,
    SchemaRef,
)
from seg_mcp.aep.models.segment_jobs import JobError, TimeMetric

__all__ = [
    "AdditionalFields",
    "CreateExportJobRequest",
    "EventListExport",
    "EventListFilter",
    "ExportBatch",
    "ExportDestination",
    "ExportFilter",
    "ExportJob",
    "ExportJobList",
    "ExportJobMetrics",
    "ExportJobStatus",
    "ExportSegmentFilter",
    "QualificationTime",
]


class ExportJobStatus:
    NEW = "NEW"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TERMINAL = frozenset({SUCCEEDED, FAILED})


class ExportSegmentFilter(AEPModel):
    segment_id: str
    segment_ns: str | None = None  # default "ups"
    status: list[str] | None = None  # realized / existing / exited; default realized+existing


class QualificationTime(AEPModel):
    start_time: str | None = None  # RFC 3339
    end_time: str | None = None


class ExportFilter(AEPModel):
    segments: list[ExportSegmentFilter] | None = None
    segment_qualification_time: QualificationTime | None = None
    from_ingest_timestamp: str | None = None
    empty_profiles: bool | None = None


class EventListFilter(AEPModel):
    from_ingest_timestamp: str | None = None
    to_ingest_timestamp: str | None = None


class EventListExport(AEPModel):
    fields: str | None = None
    filter: EventListFilter | None = None


class AdditionalFields(AEPModel):
    event_list: EventListExport | None = None


class ExportBatch(AEPModel):
    segment_id: str | None = None
    segment_ns: str | None = None
    #: A list (`["realized"]`), or one status as a string in the docs' segmentPerBatch example.
    status: list[str] | str | None = None
    batch_id: str | None = None


class ExportDestination(AEPModel):
    dataset_id: str | None = None
    segment_per_batch: bool | None = None
    batch_id: str | None = None
    #: One batch per segment when `segment_per_batch` is true (spec: object, docs: array).
    batches: list[ExportBatch] | ExportBatch | None = None


class CreateExportJobRequest(AEPModel):
    destination: ExportDestination
    schema_: SchemaRef = Field(alias="schema")
    fields: str | None = None  # comma-separated dot paths; omitted = all
    merge_policy: MergePolicyRef | None = None
    filter: ExportFilter | None = None
    additional_fields: AdditionalFields | None = None
    evaluation_info: dict[str, Any] | None = None  # {"segmentation": true} (docs)


class ExportJobMetrics(AEPModel):
    total_time: TimeMetric | None = None
    profile_export_time: TimeMetric | None = None
    a_c_p_dataset_write_time: TimeMetric | None = Field(default=None, alias="aCPDatasetWriteTime")
    total_exported_profile_counter: int | None = None
    exported_profile_by_namespace_counter: dict[str, Number] | None = None


class ExportJob(AEPModel):
    id: int | str | None = None
    status: str | None = None  # see ExportJobStatus
    job_type: str | None = None  # BATCH | STREAMING
    destination: ExportDestination | None = None
    fields: str | None = None
    schema_: SchemaRef | None = Field(default=None, alias="schema")
    ims_org_id: str | None = None
    filter: ExportFilter | None = None
    additional_fields: AdditionalFields | None = None
    merge_policy: MergePolicyRef | None = None
    profile_instance_id: str | None = None
    errors: list[JobError] | None = None
    metrics: ExportJobMetrics | None = None
    compute_gateway_job_id: dict[str, Any] | str | None = None
    creation_time: int | None = None  # epoch ms
    update_time: int | None = None
    request_id: str | None = None


class ExportJobList(AEPModel):
    """`{"records": [...], "page": {...}, "link": {"next": "<url with offset>"}}`."""

    records: list[ExportJob] = Field(default_factory=list)
    page: ListPage | None = None
    link: ListLinks | None = None
