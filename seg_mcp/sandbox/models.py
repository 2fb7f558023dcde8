"""Request bodies of the definition and audience operations (pydantic, unknown fields refused).

Field names are Adobe's own (camelCase). Read-only fields a client may send back when it PATCHes a
definition it retrieved (`id`, `imsOrgId`, timestamps, ...) are accepted and ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

PROFILE_SCHEMA_NAME = "_xdm.context.profile"
PROFILE_SCHEMA_IDS = (
    PROFILE_SCHEMA_NAME,
    "https://ns.adobe.com/xdm/context/profile",
    "https://ns.adobe.com/xdm/context/profile__union",
)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("the name must not be blank")
    return value


Name = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_not_blank)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ExpressionIn(Strict):
    type: Literal["PQL", "ARL"] = "PQL"
    format: Literal["pql/text", "pql/json"] = "pql/text"
    value: str = Field(min_length=1)


class SchemaIn(Strict):
    name: str | None = None
    id: str | None = None

    def resolved(self) -> str | None:
        """`_xdm.context.profile` when this names the profile class, else None."""
        given = self.name or self.id
        return PROFILE_SCHEMA_NAME if given in PROFILE_SCHEMA_IDS else None


class Toggle(Strict):
    enabled: StrictBool = False


class EvaluationInfoIn(Strict):
    batch: Toggle | None = None
    continuous: Toggle | None = None
    synchronous: Toggle | None = None


class ReadOnlyEchoes(Strict):
    """Fields the server owns; accepted in a body (a retrieved object sent back) and ignored."""

    id: str | None = None
    imsOrgId: str | None = None
    sandbox: dict[str, Any] | None = None
    dataGovernancePolicy: dict[str, Any] | None = None
    creationTime: int | None = None
    updateTime: int | None = None
    updateEpoch: int | None = None
    createEpoch: int | None = None
    baselineTime: int | None = None


class DefinitionIn(ReadOnlyEchoes):
    """Body of `POST /segment/definitions` and of `PATCH /segment/definitions/{id}` (whole)."""

    name: Name
    description: str | None = None
    expression: ExpressionIn
    schema_: SchemaIn = Field(alias="schema")
    evaluationInfo: EvaluationInfoIn | None = None
    profileInstanceId: str | None = None
    payloadSchema: str | None = None
    ttlInDays: int | None = Field(default=None, ge=1, le=3650)
    mergePolicyId: str | None = None


class ConversionIn(ReadOnlyEchoes):
    """Body of `POST /segment/conversion`: a definition-like object whose expression converts."""

    name: str | None = None
    description: str | None = None
    expression: ExpressionIn
    schema_: SchemaIn | None = Field(default=None, alias="schema")
    evaluationInfo: EvaluationInfoIn | None = None
    profileInstanceId: str | None = None
    payloadSchema: str | None = None
    ttlInDays: int | None = None
    mergePolicyId: str | None = None


AudienceType = Literal["SegmentDefinition", "ExternalSegment", "ExternalAudience"]
Lifecycle = Literal["draft", "published", "inactive", "archived", "deleted"]
Namespace = Literal["AAM", "AAMSegments", "AAMTraits", "AEPSegments"]


class LinkedAudienceRef(Strict):
    flowId: str | None = None
    aoWorkflowId: str | None = None
    payloadFieldGroupRef: str | None = None
    audienceFolderId: str | None = None


class AudienceIn(ReadOnlyEchoes):
    """Body of `POST /audiences` and `PUT /audiences/{id}`: a Platform audience (with an
    expression) or an external one (`type: ExternalSegment`, no expression)."""

    name: Name
    description: str | None = None
    type: AudienceType | None = None
    expression: ExpressionIn | None = None
    schema_: SchemaIn | None = Field(default=None, alias="schema")
    evaluationInfo: EvaluationInfoIn | None = None
    profileInstanceId: str | None = None
    mergePolicyId: str | None = None
    labels: list[str] | None = None
    ttlInDays: int | None = Field(default=None, ge=1, le=3650)
    lifecycleState: Lifecycle | None = None
    audienceId: str | None = Field(default=None, min_length=1)
    namespace: Namespace | None = None
    originName: (
        Literal[
            "REAL_TIME_CUSTOMER_PROFILE",
            "CUSTOM_UPLOAD",
            "AUDIENCE_ORCHESTRATION",
            "AUDIENCE_MANAGER",
            "AUDIENCE_MATCH",
        ]
        | None
    ) = None
    datasetId: str | None = None
    linkedAudienceRef: LinkedAudienceRef | None = None
    audienceMeta: dict[str, Any] | None = None
    sourceId: str | None = None
    payloadSchema: str | None = None
    overridePerformanceWarnings: StrictBool | None = None
    isSystem: StrictBool | None = None
    dependents: list[str] | None = None
    dependencies: list[str] | None = None
    definedOn: list[dict[str, Any]] | None = None
    createdBy: str | None = None
    lastModifiedBy: str | None = None
    etag: str | None = Field(default=None, alias="_etag")

    @property
    def external(self) -> bool:
        return self.type in ("ExternalSegment", "ExternalAudience") or (
            self.type is None and self.expression is None
        )


class PatchOp(Strict):
    """One JSON Patch operation (`op: add` is what Adobe documents; `replace` is accepted)."""

    op: Literal["add", "replace"]
    path: str = Field(pattern=r"^/[A-Za-z_][A-Za-z0-9_]*$")
    value: Any = None


class BulkId(Strict):
    id: str = Field(min_length=1)


class BulkGetIn(Strict):
    ids: list[BulkId]
