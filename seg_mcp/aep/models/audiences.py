"""Audiences: `/audiences`, `/audiences/{AUDIENCE_ID}`, `/audiences/bulk-get`.

One `Audience` model covers both Platform-generated (`type: "SegmentDefinition"`) and external
audiences (`"ExternalSegment"` in the docs and every example, `"ExternalAudience"` in the spec's
enum: reference §13.2), so `type` is a plain string.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from seg_mcp.aep.models.common import (
    AEPModel,
    BulkGetResponse,
    ChildrenList,
    DataGovernancePolicy,
    EvaluationInfo,
    Expression,
    ListPage,
    SandboxRef,
    SchemaRef,
)

__all__ = [
    "Audience",
    "AudienceInput",
    "AudienceList",
    "BulkGetAudiencesResponse",
    "ExternalAudienceRun",
    "IngestionStage",
]


class Audience(AEPModel):
    id: str | None = None
    audience_id: str | None = None
    name: str | None = None
    description: str | None = None
    type: str | None = None  # SegmentDefinition | ExternalSegment | ExternalAudience
    namespace: str | None = None  # AEPSegments, AAM, AAMSegments, AAMTraits, ...
    origin_name: str | None = None  # REAL_TIME_CUSTOMER_PROFILE, CUSTOM_UPLOAD, ...
    lifecycle_state: str | None = None  # draft | published | inactive | archived
    expression: Expression | None = None
    schema_: SchemaRef | None = Field(default=None, alias="schema")
    evaluation_info: EvaluationInfo | None = None
    merge_policy_id: str | None = None
    profile_instance_id: str | None = None
    ims_org_id: str | None = None
    sandbox: SandboxRef | None = None
    data_governance_policy: DataGovernancePolicy | None = None
    is_system: bool | None = None
    labels: list[str] | None = None
    ttl_in_days: int | None = None
    dataset_id: str | None = None
    audience_meta: dict[str, Any] | None = None
    linked_audience_ref: dict[str, Any] | None = None
    source_id: str | None = None
    dependents: list[str] | None = None
    dependencies: list[str] | None = None
    defined_on: list[dict[str, Any]] | None = None
    etag: str | None = Field(default=None, alias="_etag")
    state: str | None = None
    save_segment_membership: bool | None = None
    override_performance_warnings: bool | None = None
    created_by: str | None = None
    last_modified_by: str | None = None
    creation_time: int | None = None  # epoch ms (some examples show µs)
    create_epoch: int | None = None  # epoch s
    update_time: int | None = None  # epoch ms
    update_epoch: int | None = None  # epoch s

    @property
    def current_lifecycle_state(self) -> str | None:
        """`lifecycleState`, or the `lifecycle` / `lifecycleStatus` spellings some examples use."""
        if self.lifecycle_state is not None:
            return self.lifecycle_state
        extra = self.model_extra or {}
        value = extra.get("lifecycle", extra.get("lifecycleStatus"))
        return None if value is None else str(value)


class AudienceInput(AEPModel):
    """Body of create (POST) and replace (PUT); Platform or external audience fields."""

    name: str
    description: str | None = None
    type: str | None = None
    expression: Expression | None = None
    schema_: SchemaRef | None = Field(default=None, alias="schema")
    profile_instance_id: str | None = None
    audience_id: str | None = None
    namespace: str | None = None
    origin_name: str | None = None
    lifecycle_state: str | None = None
    dataset_id: str | None = None
    labels: list[str] | None = None
    ttl_in_days: int | None = None
    audience_meta: dict[str, Any] | None = None
    linked_audience_ref: dict[str, Any] | None = None
    evaluation_info: EvaluationInfo | None = None


class AudienceList(ChildrenList[Audience]):
    @property
    def paging(self) -> ListPage | None:
        """`_page`, or `_pages` as the spec's own example spells it."""
        if self.page is not None:
            return self.page
        raw = (self.model_extra or {}).get("_pages")
        return ListPage.model_validate(raw) if isinstance(raw, dict) else None


class BulkGetAudiencesResponse(BulkGetResponse[Audience]):
    """207: `{"results": {"<id>": Audience | BulkGetError}}`."""


class IngestionStage(AEPModel):
    stage: str | None = None  # DATASET_INGEST (data lake) | PROFILE_STORE_INGEST (profiles)
    status: str | None = None  # SUCCESS | FAILED
    flow_run_id: str | None = None


class ExternalAudienceRun(AEPModel):
    """One ingestion run of an external audience (Audience Ingestion API, `/data/core/ais`)."""

    audience_id: str | None = None
    run_id: str | None = None
    status: str | None = None  # SUCCESS | FAILED (PROCESSING while it runs)
    differential_ingestion: bool | None = None
    data_filter_start_time: int | None = None  # epoch
    data_filter_end_time: int | None = None
    ingestion_time: int | None = None
    details: list[IngestionStage] = Field(default_factory=list)
