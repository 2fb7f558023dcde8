"""Request bodies of the definition and audience operations (pydantic, unknown fields refused).

Field names are Adobe's own (camelCase). Read-only fields a client may send back when it PATCHes a
definition it retrieved (`id`, `imsOrgId`, timestamps, ...) are accepted and ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from seg_mcp.sandbox.characters import multiline, one_line

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


#: The name of a definition, audience or schedule: 1-1024 characters, not blank, one line of
#: text: no control character at all (not even tab or line feed), no DEL, no C1 control, no bidi
#: embedding, override or isolate, no line or paragraph separator (`characters.one_line`).
Name = Annotated[
    str,
    Field(min_length=1, max_length=1024),
    AfterValidator(_not_blank),
    AfterValidator(one_line),
]
#: The description of a definition or audience: text that may span lines: tab, line feed and CR
#: LF line ends are allowed; any other control character, DEL, C1 control, and bidi embedding,
#: override or isolate is refused (`characters.multiline`).
Description = Annotated[str, AfterValidator(multiline)]


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
    description: Description | None = None
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
#: An audience namespace: Adobe lists AAM, AAMSegments, AAMTraits and AEPSegments, and its
#: examples send others (`aam`, `AO`); any name is kept as sent and compared case-insensitively.
Namespace = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]


class LinkedAudienceRef(Strict):
    flowId: str | None = None
    aoWorkflowId: str | None = None
    payloadFieldGroupRef: str | None = None
    audienceFolderId: str | None = None


class AudienceIn(ReadOnlyEchoes):
    """Body of `POST /audiences` and `PUT /audiences/{id}`: a Platform audience (with an
    expression) or an external one (`type: ExternalSegment`, no expression)."""

    name: Name
    description: Description | None = None
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


# -- jobs: previews, segment jobs, export jobs, schedules -------------------------------------

PREVIEW_MODELS = (*PROFILE_SCHEMA_IDS, "xdm.model.profile", "_xdm.model.profile")


class PreviewIn(Strict):
    """Body of `POST /preview`. `predicateType` is `pql/text` (the docs), `PQL` (the spec's
    default) or `pql/json`; `graphType`/`mergeStrategy` `simple` come from older docs."""

    predicateExpression: str = Field(min_length=1)
    predicateType: Literal["pql/text", "pql/json", "PQL"] = "pql/text"
    predicateModel: str = PROFILE_SCHEMA_NAME
    graphType: Literal["none", "pdg", "simple"] | None = None
    mergeStrategy: str | None = None


class SegmentJobItem(Strict):
    segmentId: str = Field(min_length=1)


class AllSegmentsJobIn(Strict):
    """The documented "all segments" body of `POST /segment/jobs`."""

    schema_: SchemaIn | None = Field(default=None, alias="schema")
    segments: list[SegmentJobItem] = Field(min_length=1)


MembershipStatus = Literal["realized", "existing", "exited"]


class ExportSegmentIn(Strict):
    segmentId: str = Field(min_length=1)
    segmentNs: str | None = None
    status: list[MembershipStatus] | None = Field(default=None, min_length=1)


class QualificationTimeIn(Strict):
    startTime: str | None = None
    endTime: str | None = None


class ExportFilterIn(Strict):
    segments: list[ExportSegmentIn] | None = None
    segmentQualificationTime: QualificationTimeIn | None = None
    fromIngestTimestamp: str | None = None
    emptyProfiles: StrictBool | None = None


class EventListFilterIn(Strict):
    fromIngestTimestamp: str | None = None
    toIngestTimestamp: str | None = None


class EventListIn(Strict):
    fields: str | None = None
    filter: EventListFilterIn | None = None


class AdditionalFieldsIn(Strict):
    eventList: EventListIn | None = None


class DestinationIn(Strict):
    datasetId: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
    segmentPerBatch: StrictBool | None = None


class MergePolicyIn(Strict):
    id: str | None = None
    version: int | float | None = None


class ExportSchemaIn(Strict):
    name: str = Field(min_length=1)


class ExportJobIn(Strict):
    """Body of `POST /export/jobs` (reference §7.1)."""

    fields: str | None = None
    mergePolicy: MergePolicyIn | None = None
    filter: ExportFilterIn | None = None
    additionalFields: AdditionalFieldsIn | None = None
    destination: DestinationIn
    schema_: ExportSchemaIn = Field(alias="schema")
    evaluationInfo: dict[str, StrictBool] | None = None


ScheduleType = Literal["batch_segmentation", "export"]
ScheduleState = Literal["active", "inactive"]


class SchedulePropertiesIn(Strict):
    """`segments` (definition ids, `["*"]` for all) drives a `batch_segmentation` schedule. An
    `export` schedule (a type the docs name without documenting its properties) also takes the
    export job to start: `destination` and optional `fields` (local convention)."""

    segments: list[str] | None = None
    destination: DestinationIn | None = None
    fields: str | None = None


class ScheduleIn(Strict):
    """Body of `POST /config/schedules` (reference §8). Read-only fields of a retrieved schedule
    are accepted and ignored."""

    name: Name
    type: ScheduleType
    properties: SchedulePropertiesIn
    schedule: str | None = None
    state: ScheduleState = "inactive"
    id: str | None = None
    imsOrgId: str | None = None
    sandbox: dict[str, Any] | None = None
    createEpoch: int | None = None
    updateEpoch: int | None = None


class SchedulePatchOp(Strict):
    """One step of `PATCH /config/schedules/{id}`: Adobe takes `add` on `/state` or `/schedule`."""

    op: Literal["add"]
    path: Literal["/state", "/schedule"]
    value: str
