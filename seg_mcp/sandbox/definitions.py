"""Segment definitions and audiences as stored documents (kind "audience").

A segment definition IS a Platform audience (`type: "SegmentDefinition"`, `id == audienceId`),
stored once and shown in two shapes: `as_definition` (`/segment/definitions`) and `as_audience`
(`/audiences`). External audiences (`type: "ExternalSegment"`) only appear under `/audiences`.
Server-side bookkeeping lives under the `_local` key, which no response shows.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from seg_mcp.sandbox import errors, pqlbridge
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request, ups_error
from seg_mcp.sandbox.models import (
    PROFILE_SCHEMA_NAME,
    AudienceIn,
    DefinitionIn,
    EvaluationInfoIn,
    ExpressionIn,
    SchemaIn,
)
from seg_mcp.sandbox.store import SandboxInfo, Store, now_ms

KIND: Final = "audience"
LOCAL = "_local"
PLATFORM_NAMESPACE = "AEPSegments"
DEFINITION_FIELDS = (
    "id",
    "schema",
    "profileInstanceId",
    "imsOrgId",
    "sandbox",
    "name",
    "description",
    "expression",
    "mergePolicyId",
    "evaluationInfo",
    "dataGovernancePolicy",
    "payloadSchema",
    "ttlInDays",
    "creationTime",
    "updateEpoch",
    "updateTime",
)


def merge_policy_id(info: SandboxInfo) -> str:
    """The sandbox's default merge policy (the only one the local sandbox has)."""
    return str(uuid.uuid5(uuid.UUID(info.sandbox_id), "default-merge-policy"))


def check_schema(schema: SchemaIn | None) -> dict[str, str]:
    if schema is None:
        return {"name": PROFILE_SCHEMA_NAME}
    if schema.resolved() is None:
        given = schema.name or schema.id or "(empty)"
        raise bad_request(
            f"Schema {given} is not supported: segment definitions in the local sandbox are "
            f"defined on {PROFILE_SCHEMA_NAME} (XDM Individual Profile).",
            code=errors.VALIDATION,
        )
    return {"name": PROFILE_SCHEMA_NAME}


def check_expression(
    expr: ExpressionIn, catalog: Any
) -> tuple[dict[str, str], pqlbridge.Expression]:
    """Validate an expression (400 with the PQL diagnostics if invalid)."""
    if expr.type != "PQL":
        raise bad_request(
            f"Expression type {expr.type} is not supported; only PQL expressions are.",
            code=errors.UNSUPPORTED,
        )
    checked = pqlbridge.validate(expr.format, expr.value, catalog)
    return {"type": "PQL", "format": expr.format, "value": expr.value}, checked


def evaluation_info(
    requested: EvaluationInfoIn | None, checked: pqlbridge.Expression
) -> dict[str, dict[str, bool]]:
    """Batch unless streaming/edge is asked for and the expression is eligible (Adobe switches
    an ineligible definition to batch)."""
    streaming_ok, edge_ok = pqlbridge.eligibility(checked)
    known = checked.analysis is not None
    continuous = bool(requested and requested.continuous and requested.continuous.enabled)
    synchronous = bool(requested and requested.synchronous and requested.synchronous.enabled)
    continuous = continuous and (streaming_ok or not known)
    synchronous = synchronous and (edge_ok or not known)
    batch = not (continuous or synchronous)
    if requested and requested.batch and requested.batch.enabled:
        batch = True
    return {
        "batch": {"enabled": batch},
        "continuous": {"enabled": continuous},
        "synchronous": {"enabled": synchronous},
    }


def _stamp(doc: dict[str, Any], created: dict[str, Any] | None) -> None:
    now = now_ms()
    doc["creationTime"] = created["creationTime"] if created else now
    doc["createEpoch"] = created["createEpoch"] if created else now // 1000
    doc["updateTime"] = now
    doc["updateEpoch"] = now // 1000
    doc["_etag"] = f'"{uuid.uuid4()}"'


def platform_doc(
    info: SandboxInfo,
    client_id: str,
    body: DefinitionIn | AudienceIn,
    catalog: Any,
    existing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The stored document of a Platform audience / segment definition."""
    assert body.expression is not None
    schema = check_schema(body.schema_)
    expression, checked = check_expression(body.expression, catalog)
    oid = existing["id"] if existing else str(uuid.uuid4())
    doc: dict[str, Any] = {
        "id": oid,
        "audienceId": oid,
        "schema": schema,
        "profileInstanceId": body.profileInstanceId or "ups",
        "imsOrgId": info.org,
        "sandbox": info.ref(),
        "name": body.name,
        "description": body.description or "",
        "expression": expression,
        "mergePolicyId": body.mergePolicyId or merge_policy_id(info),
        "evaluationInfo": evaluation_info(_requested_info(body, existing), checked),
        "dataGovernancePolicy": {"excludeOptOut": True},
        "isSystem": False,
        "dependencies": pqlbridge.segment_refs(checked),
        "definedOn": [
            {
                "meta:resourceType": "unions",
                "meta:containerId": "tenant",
                "$ref": "https://ns.adobe.com/xdm/context/profile__union",
            }
        ],
        "type": "SegmentDefinition",
        "originName": "REAL_TIME_CUSTOMER_PROFILE",
        "overridePerformanceWarnings": False,
        "createdBy": existing["createdBy"] if existing else client_id,
        "lastModifiedBy": client_id,
        "lifecycleState": _lifecycle(body, existing, default="published"),
        "labels": _labels(body, existing),
        "namespace": PLATFORM_NAMESPACE,
    }
    if body.payloadSchema is not None:
        doc["payloadSchema"] = body.payloadSchema
    if body.ttlInDays is not None:
        doc["ttlInDays"] = body.ttlInDays
    doc[LOCAL] = {"pqlText": checked.text, "pqlJson": checked.json_value}
    _stamp(doc, existing)
    return doc


def external_doc(
    info: SandboxInfo, client_id: str, body: AudienceIn, existing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The stored document of an externally generated audience."""
    if existing is not None and body.namespace and body.namespace != existing["namespace"]:
        raise bad_request("Namespace is immutable field.", code=errors.VALIDATION)
    if body.audienceId is None and existing is None:
        raise bad_request(
            "There is a problem in audience validation. An external audience needs an "
            "audienceId (its id in the system it comes from).",
            code=errors.VALIDATION,
        )
    oid = existing["id"] if existing else str(uuid.uuid4())
    doc: dict[str, Any] = {
        "id": oid,
        "audienceId": body.audienceId or (existing or {}).get("audienceId"),
        "name": body.name,
        "namespace": body.namespace or (existing or {}).get("namespace") or "AAM",
        "imsOrgId": info.org,
        "sandbox": info.ref(),
        "isSystem": False,
        "description": body.description or "",
        "type": body.type or (existing or {}).get("type") or "ExternalSegment",
        "originName": body.originName or "CUSTOM_UPLOAD",
        "lifecycleState": _lifecycle(body, existing, default="published"),
        "createdBy": existing["createdBy"] if existing else client_id,
        "lastModifiedBy": client_id,
        "labels": _labels(body, existing),
    }
    for name in ("datasetId", "audienceMeta", "sourceId"):
        value = getattr(body, name)
        if value is not None:
            doc[name] = value
    if body.linkedAudienceRef is not None:
        doc["linkedAudienceRef"] = body.linkedAudienceRef.model_dump(exclude_none=True)
    doc[LOCAL] = {}
    _stamp(doc, existing)
    return doc


def _requested_info(
    body: DefinitionIn | AudienceIn, existing: dict[str, Any] | None
) -> EvaluationInfoIn | None:
    """The body's evaluationInfo; when omitted on an update, the definition keeps its own."""
    if body.evaluationInfo is None and existing is not None and existing.get("evaluationInfo"):
        return EvaluationInfoIn.model_validate(existing["evaluationInfo"])
    return body.evaluationInfo


def _lifecycle(body: Any, existing: dict[str, Any] | None, *, default: str) -> str:
    state = getattr(body, "lifecycleState", None)
    if state == "deleted":
        raise bad_request(
            "There is a problem in audience validation. Cannot set lifecycleState as deleted",
            code=errors.VALIDATION,
        )
    return str(state or (existing or {}).get("lifecycleState") or default)


def _labels(body: Any, existing: dict[str, Any] | None) -> list[str]:
    labels = getattr(body, "labels", None)
    if labels is None:
        return list((existing or {}).get("labels") or [])
    return list(labels)


# -- reads and checks inside a unit of work ---------------------------------------------------


def load(cur: Cursor, store: Store, info: SandboxInfo, oid: str) -> dict[str, Any] | None:
    return store.get(cur, info, KIND, oid)


def get_definition(
    cur: Cursor, store: Store, info: SandboxInfo, segment_id: str
) -> dict[str, Any] | None:
    """The stored document of segment definition `segment_id` (None if absent or external)."""
    doc = store.get(cur, info, KIND, segment_id)
    return doc if doc is not None and doc.get("type") == "SegmentDefinition" else None


def definition_query(doc: dict[str, Any]) -> Any:
    """The parsed PQL (`seg_mcp.pql.ast.Query`) of a stored definition, for evaluation."""
    local = doc.get(LOCAL) or {}
    return pqlbridge.parse_stored(local.get("pqlText"), local.get("pqlJson"))


def check_unique_name(
    cur: Cursor, store: Store, info: SandboxInfo, name: str, own_id: str | None
) -> None:
    for other in store.list(cur, info, KIND):
        if other["name"] == name and other["id"] != own_id:
            raise ups_error(
                422,
                f"A segment definition or audience named '{name}' already exists in sandbox "
                f"{info.name} (id {other['id']}). Choose another name, or update that one "
                "with PATCH.",
                code=errors.ALREADY_EXISTS,
            )


def check_dependencies(cur: Cursor, store: Store, info: SandboxInfo, doc: dict[str, Any]) -> None:
    """Every inSegment() reference must name an existing audience, and not the audience itself."""
    for ref in doc.get("dependencies") or ():
        if ref == doc["id"]:
            raise bad_request(
                f"The expression references its own segment definition ({ref}) through "
                "inSegment(); a definition cannot depend on itself.",
                code=errors.VALIDATION,
            )
        if store.get(cur, info, KIND, ref) is None:
            raise bad_request(
                f"The expression references segment definition {ref} through inSegment(), "
                f"but sandbox {info.name} has no such definition. Create it first, or fix the id.",
                code=errors.VALIDATION,
            )


def dependents(docs: list[dict[str, Any]], oid: str) -> list[str]:
    return [d["id"] for d in docs if oid in (d.get("dependencies") or ())]


def delete(cur: Cursor, store: Store, info: SandboxInfo, oid: str) -> None:
    """Delete audience `oid` unless another one uses it through inSegment() (400)."""
    users = dependents(store.list(cur, info, KIND), oid)
    if users:
        raise ups_error(
            400,
            "The audience cannot be deleted.",
            code=errors.CANNOT_DELETE,
            messages=[
                "The audience cannot be deleted.",
                f"Audience {oid} is used through inSegment() by {', '.join(users)}; change or "
                "delete those first.",
            ],
        )
    store.delete(cur, info, KIND, oid)


# -- response shapes ---------------------------------------------------------------------------


def as_definition(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in DEFINITION_FIELDS if k in doc}


def as_audience(
    doc: dict[str, Any], all_docs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k != LOCAL}
    if doc.get("type") == "SegmentDefinition":
        out["dependents"] = dependents(all_docs or [], doc["id"])
    return out
