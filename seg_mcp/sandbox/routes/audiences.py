"""`/audiences`: list, create, get, replace (PUT), patch (JSON Patch), delete, bulk-get.

Platform audiences are the segment definitions (same documents); external audiences are stored
beside them. Create, PUT and PATCH answer 200 as Adobe's audience guide shows (the spec says 201;
clients accept both), delete 204. Namespaces are kept as sent and compared case-insensitively
(the guide sends `aam` where the field's description lists `AAM`).
"""

from __future__ import annotations

import math
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import definitions as defs
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request, ups_error
from seg_mcp.sandbox.http import (
    Ctx,
    empty,
    endpoint,
    json_response,
    parse_model,
    sort_docs,
    sort_param,
)
from seg_mcp.sandbox.models import AudienceIn, PatchOp
from seg_mcp.sandbox.shapes import bulk_get, children_page, field_at, patch_ops, window

BASE = "/audiences"
SORTABLE = ("creationTime", "updateTime", "updateEpoch", "createEpoch", "name")
PATCH_USAGE = (
    "The body of PATCH /audiences/{id} is a non-empty JSON Patch array, e.g. "
    '[{"op": "add", "path": "/description", "value": "..."}].'
)
IMMUTABLE = {"/id", "/audienceId", "/namespace", "/type", "/imsOrgId", "/sandbox"}


def _missing(oid: str) -> errors.ApiError:
    return ups_error(
        404,
        f"The audience entity {oid} is not found. Use a valid entity and try again.",
        code=errors.AUDIENCE_NOT_FOUND,
    )


def _property_filter(raw: str) -> tuple[str, str, str]:
    for op in ("==", "!="):
        if op in raw:
            field, _, value = raw.partition(op)
            if field.strip():
                return field.strip(), op, value.strip()
    raise bad_request(
        f"Query parameter property={raw!r} is invalid: use <attribute>==<value> or "
        "<attribute>!=<value>, e.g. property=audienceId==test-audience-id."
    )


def _matches(doc: dict[str, Any], field: str, op: str, value: str) -> bool:
    actual = field_at(doc, field)
    text = str(actual).lower() if isinstance(actual, bool) else str(actual)
    return (actual is not None and text == value) == (op == "==")


@endpoint()
async def list_audiences(ctx: Ctx) -> Response:
    win = window(ctx, limit=20)
    field, direction = sort_param(ctx, "creationTime", "desc", SORTABLE)
    filters = [_property_filter(p) for p in ctx.request.query_params.getlist("property") if p]
    name = (ctx.query("name") or "").lower()
    description = (ctx.query("description") or "").lower()
    entity_type = ctx.query("entityType")
    all_docs = await ctx.read(lambda cur: ctx.store.list(cur, ctx.sandbox, defs.KIND))
    docs = [defs.as_audience(d, all_docs) for d in all_docs]
    docs = [
        d
        for d in docs
        if name in d["name"].lower()
        and description in (d.get("description") or "").lower()
        and all(_matches(d, *f) for f in filters)
        and (
            not entity_type
            or entity_type == (d.get("schema") or {}).get("name", "_xdm.context.profile")
        )
    ]
    docs = sort_docs(docs, field, direction)

    def next_href(start: int) -> str:
        return f"@/audiences?start={start}&limit={win.limit}&totalCount={len(docs)}"

    page = children_page(
        win.of(docs),
        len(docs),
        win,
        next_href,
        totalPages=math.ceil(len(docs) / win.limit),
        sortField=field,
        sort=direction,
        limit=win.limit,
        start=win.start,
    )
    return json_response(page)


def _check_external_unique(cur: Cursor, ctx: Ctx, doc: dict[str, Any]) -> None:
    for other in ctx.store.list(cur, ctx.sandbox, defs.KIND):
        if (
            other["id"] != doc["id"]
            and str(other.get("namespace")).lower() == str(doc["namespace"]).lower()
            and other.get("audienceId") == doc["audienceId"]
        ):
            raise ups_error(
                422,
                f"An audience with audienceId '{doc['audienceId']}' already exists in namespace "
                f"{doc['namespace']} (id {other['id']}). Update it with PUT or PATCH instead.",
                code=errors.ALREADY_EXISTS,
            )


def _build(ctx: Ctx, body: AudienceIn, existing: dict[str, Any] | None) -> dict[str, Any]:
    if existing is not None:
        was_external = existing.get("type") != "SegmentDefinition"
        if body.type is not None and (body.type != "SegmentDefinition") != was_external:
            raise bad_request(
                f"The type of audience {existing['id']} is {existing['type']} and cannot be "
                f"changed to {body.type}.",
                code=errors.VALIDATION,
            )
        external = was_external
        same = str(existing.get("namespace", "")).lower() == (body.namespace or "").lower()
        if body.namespace and same:
            body = body.model_copy(update={"namespace": existing["namespace"]})
    else:
        external = body.external
    if external:
        if body.expression is not None:
            raise bad_request(
                "An external audience has no PQL expression; send type SegmentDefinition to "
                "create a Platform audience from an expression.",
                code=errors.VALIDATION,
            )
        return defs.external_doc(ctx.sandbox, ctx.caller.actor, body, existing)
    if body.expression is None:
        raise bad_request(
            "There is a problem extracting the user JSON, field(s) missing or invalid. "
            "Correct and try again.",
            ["expression: a Platform audience (type SegmentDefinition) needs a PQL expression."],
            code=errors.BAD_JSON,
        )
    catalog = ctx.svc.catalog(ctx.sandbox)
    return defs.platform_doc(ctx.sandbox, ctx.caller.actor, body, catalog, existing)


def _save(cur: Cursor, ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    defs.check_unique_name(cur, ctx.store, ctx.sandbox, doc["name"], doc["id"])
    if doc["type"] == "SegmentDefinition":
        defs.check_dependencies(cur, ctx.store, ctx.sandbox, doc)
    else:
        _check_external_unique(cur, ctx, doc)
    ctx.store.put(cur, ctx.sandbox, defs.KIND, doc["id"], doc)
    return defs.as_audience(doc, ctx.store.list(cur, ctx.sandbox, defs.KIND))


@endpoint(body="json")
async def create_audience(ctx: Ctx) -> Response:
    body = parse_model(AudienceIn, ctx.body, what="audience")
    doc = _build(ctx, body, None)
    return json_response(await ctx.write(_save, ctx, doc))


@endpoint()
async def get_audience(ctx: Ctx) -> Response:
    oid = ctx.path("AUDIENCE_ID")

    def read(cur: Cursor) -> dict[str, Any] | None:
        doc = defs.load(cur, ctx.store, ctx.sandbox, oid)
        return doc and defs.as_audience(doc, ctx.store.list(cur, ctx.sandbox, defs.KIND))

    doc = await ctx.read(read)
    if doc is None:
        raise _missing(oid)
    return json_response(doc)


def _replace(cur: Cursor, ctx: Ctx, oid: str, body: AudienceIn) -> dict[str, Any]:
    existing = defs.load(cur, ctx.store, ctx.sandbox, oid)
    if existing is None:
        raise _missing(oid)
    return _save(cur, ctx, _build(ctx, body, existing))


@endpoint(body="json")
async def update_audience(ctx: Ctx) -> Response:
    oid = ctx.path("AUDIENCE_ID")
    body = parse_model(AudienceIn, ctx.body, what="audience")
    return json_response(await ctx.write(_replace, ctx, oid, body))


def _patched_body(existing: dict[str, Any], ops: list[PatchOp]) -> AudienceIn:
    current = {
        k: v
        for k, v in existing.items()
        if k in AudienceIn.model_fields or k in ("schema", "_etag")
    }
    for op in ops:
        if op.path in IMMUTABLE:
            raise bad_request(
                f"There is a problem in audience validation. {op.path[1:]} cannot be modified.",
                code=errors.VALIDATION,
            )
        if op.path == "/lifecycleState" and op.value == "deleted":
            raise bad_request(
                "There is a problem in audience validation. lifecycle field can not be "
                "modified to Delete using Patch operation",
                code=errors.VALIDATION,
            )
        current[op.path[1:]] = op.value
    return parse_model(AudienceIn, current, what="patched audience")


def _patch(cur: Cursor, ctx: Ctx, oid: str, ops: list[PatchOp]) -> dict[str, Any]:
    existing = defs.load(cur, ctx.store, ctx.sandbox, oid)
    if existing is None:
        raise _missing(oid)
    return _save(cur, ctx, _build(ctx, _patched_body(existing, ops), existing))


@endpoint(body="json")
async def patch_audience(ctx: Ctx) -> Response:
    oid = ctx.path("AUDIENCE_ID")
    ops = patch_ops(ctx, PatchOp, PATCH_USAGE)
    return json_response(await ctx.write(_patch, ctx, oid, ops))


def _delete(cur: Cursor, ctx: Ctx, oid: str) -> None:
    if defs.load(cur, ctx.store, ctx.sandbox, oid) is None:
        raise _missing(oid)
    defs.delete(cur, ctx.store, ctx.sandbox, oid)


@endpoint()
async def delete_audience(ctx: Ctx) -> Response:
    await ctx.write(_delete, ctx, ctx.path("AUDIENCE_ID"))
    return empty(204)


@endpoint(body="json")
async def bulk_get_audiences(ctx: Ctx) -> Response:
    def read(cur: Cursor, ids: list[str]) -> dict[str, dict[str, Any] | None]:
        all_docs = ctx.store.list(cur, ctx.sandbox, defs.KIND)
        by_id = {d["id"]: d for d in all_docs}
        return {oid: by_id.get(oid) and defs.as_audience(by_id[oid], all_docs) for oid in ids}

    return await bulk_get(ctx, read)


ROUTES: list[Route] = [
    Route(BASE, list_audiences, methods=["GET"]),
    Route(BASE, create_audience, methods=["POST"]),
    Route(BASE + "/bulk-get", bulk_get_audiences, methods=["POST"]),
    Route(BASE + "/{AUDIENCE_ID}", get_audience, methods=["GET"]),
    Route(BASE + "/{AUDIENCE_ID}", update_audience, methods=["PUT"]),
    Route(BASE + "/{AUDIENCE_ID}", patch_audience, methods=["PATCH"]),
    Route(BASE + "/{AUDIENCE_ID}", delete_audience, methods=["DELETE"]),
]
