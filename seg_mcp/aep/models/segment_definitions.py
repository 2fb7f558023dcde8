"""Segment definitions: `/segment/definitions` (with `/bulk-get`) and `/segment/conversion`."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from seg_mcp.aep.models.common import (
    AEPModel,
    BulkGetResponse,
    DataGovernancePolicy,
    EvaluationInfo,
    Expression,
    ListPage,
    SandboxRef,
    SchemaRef,
)

__all__ = [
    "BulkGetSegmentDefinitionsResponse",
    "SegmentConversionRequest",
    "SegmentDefinition",
    "SegmentDefinitionInput",
    "SegmentDefinitionList",
]


class SegmentDefinition(AEPModel):
    """A named PQL predicate over a schema class, with its evaluation method."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    expression: Expression | None = None
    schema_: SchemaRef | None = Field(default=None, alias="schema")
    evaluation_info: EvaluationInfo | None = None
    merge_policy_id: str | None = None
    profile_instance_id: str | None = None
    ims_org_id: str | None = None
    sandbox: SandboxRef | None = None
    data_governance_policy: DataGovernancePolicy | None = None
    payload_schema: str | None = None
    ttl_in_days: int | None = None
    creation_time: int | None = None  # epoch ms
    update_time: int | None = None  # epoch ms
    update_epoch: int | None = None  # epoch s
    baseline_time: int | None = None  # epoch s, list results only


class SegmentDefinitionInput(AEPModel):
    """Body of create (POST) and overwrite (PATCH): name, schema and expression are required."""

    name: str
    expression: Expression
    schema_: SchemaRef = Field(alias="schema")
    description: str | None = None
    evaluation_info: EvaluationInfo | None = None
    profile_instance_id: str | None = None
    merge_policy_id: str | None = None
    payload_schema: str | None = None
    ttl_in_days: int | None = None


class SegmentConversionRequest(AEPModel):
    """Body of `/segment/conversion`: the expression to convert (pql/text <-> pql/json)."""

    expression: Expression
    name: str | None = None
    description: str | None = None
    schema_: SchemaRef | None = Field(default=None, alias="schema")
    profile_instance_id: str | None = None
    payload_schema: str | None = None
    ttl_in_days: int | None = None


class SegmentDefinitionList(AEPModel):
    """`{"segments": [...], "page": {...}, "link": {}}` (the documented envelope).

    The spec types this response as a single `SegmentDefinition` (reference §13.6); such a body is
    accepted too and read as a one-item list.
    """

    segments: list[SegmentDefinition] = Field(default_factory=list)
    page: ListPage | None = None
    link: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _single_definition(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and "segments" not in data
            and ("expression" in data or "id" in data)
        ):
            return {"segments": [data]}
        return data


class BulkGetSegmentDefinitionsResponse(BulkGetResponse[SegmentDefinition]):
    """207: `{"results": {"<id>": SegmentDefinition | BulkGetError}}`."""
