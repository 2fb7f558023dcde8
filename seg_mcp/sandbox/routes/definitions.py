"""`/segment/definitions`: list, create, get, overwrite (PATCH), delete, bulk-get."""

from __future__ import annotations

import math
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import definitions as defs
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request, not_found
from seg_mcp.sandbox.http import (
    Ctx,
    endpoint,
    int_param,
    json_response,
    parse_model,
    sort_docs,
    sort_param,
)
from seg_mcp.sandbox.models import DefinitionIn
from seg_mcp.sandbox.shapes import bulk_get

BASE = "/segment/definitions"
SORTABLE = ("creationTime", "updateTime", "updateEpoch", "name")


def _bool_param(ctx: Ctx, name: str) -> bool | None:
    raw = ctx.query(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request(f"Query parameter {name}={raw!r} must be true or false.")


def _missing(oid: str) -> errors.ApiError:
    return not_found("segment definition", oid, hint="List the definitions to find valid ids.")


def _definitions(cur: Cursor, ctx: Ctx) -> list[dict[str, Any]]:
    docs = ctx.store.list(cur, ctx.sandbox, defs.KIND)
    return [d for d in docs if d.get("type") == "SegmentDefinition"]


def _listed(doc: dict[str, Any]) -> dict[str, Any]:
    """A definition as the list shows it: with `baselineTime` (epoch seconds), which the guide
    shows on listed definitions only and does not explain; locally, the last update."""
    shown = defs.as_definition(doc)
    shown["baselineTime"] = shown["updateEpoch"]
    return shown


@endpoint()
async def list_definitions(ctx: Ctx) -> Response:
    limit = int_param(ctx, "limit", 100, low=1, high=1000)
    page = int_param(ctx, "page", 0)
    start = int_param(ctx, "start", page * limit)
    field, direction = sort_param(ctx, "creationTime", "desc", SORTABLE)
    continuous = _bool_param(ctx, "evaluationInfo.continuous.enabled")
    synchronous = _bool_param(ctx, "evaluationInfo.synchronous.enabled")
    docs = await ctx.read(_definitions, ctx)
    if continuous is not None:
        docs = [d for d in docs if d["evaluationInfo"]["continuous"]["enabled"] is continuous]
    if synchronous is not None:
        docs = [d for d in docs if d["evaluationInfo"]["synchronous"]["enabled"] is synchronous]
    docs = sort_docs(docs, field, direction)
    chosen = docs[start : start + limit]
    link: dict[str, str] = {}
    if start + limit < len(docs):
        link["next"] = f"{BASE}?start={start + limit}&limit={limit}&sort={field}:{direction}"
    return json_response(
        {
            "segments": [_listed(d) for d in chosen],
            "page": {
                "totalCount": len(docs),
                "totalPages": math.ceil(len(docs) / limit),
                "sortField": field,
                "sort": direction,
                "pageSize": len(chosen),
                "limit": limit,
            },
            "link": link,
        }
    )


def _save(cur: Cursor, ctx: Ctx, doc: dict[str, Any]) -> None:
    defs.check_unique_name(cur, ctx.store, ctx.sandbox, doc["name"], doc["id"])
    defs.check_dependencies(cur, ctx.store, ctx.sandbox, doc)
    ctx.store.put(cur, ctx.sandbox, defs.KIND, doc["id"], doc)


def _saved(ctx: Ctx, doc: dict[str, Any]) -> Response:
    return json_response(
        defs.as_definition(doc), headers={"X-Location": ctx.url(f"{BASE}/{doc['id']}")}
    )


@endpoint(body="json")
async def create_definition(ctx: Ctx) -> Response:
    body = parse_model(DefinitionIn, ctx.body, what="segment definition")
    catalog = ctx.svc.catalog(ctx.sandbox)
    doc = defs.platform_doc(ctx.sandbox, ctx.caller.actor, body, catalog)
    await ctx.write(_save, ctx, doc)
    return _saved(ctx, doc)


@endpoint()
async def get_definition(ctx: Ctx) -> Response:
    oid = ctx.path("SEGMENT_ID")
    doc = await ctx.read(defs.get_definition, ctx.store, ctx.sandbox, oid)
    if doc is None:
        raise _missing(oid)
    return json_response(defs.as_definition(doc))


def _overwrite(cur: Cursor, ctx: Ctx, oid: str, body: DefinitionIn) -> dict[str, Any]:
    existing = defs.get_definition(cur, ctx.store, ctx.sandbox, oid)
    if existing is None:
        raise _missing(oid)
    catalog = ctx.svc.catalog(ctx.sandbox)
    doc = defs.platform_doc(ctx.sandbox, ctx.caller.actor, body, catalog, existing)
    _save(cur, ctx, doc)
    return doc


@endpoint(body="json")
async def patch_definition(ctx: Ctx) -> Response:
    oid = ctx.path("SEGMENT_ID")
    body = parse_model(DefinitionIn, ctx.body, what="segment definition")
    doc = await ctx.write(_overwrite, ctx, oid, body)
    return _saved(ctx, doc)


def _delete(cur: Cursor, ctx: Ctx, oid: str) -> None:
    if defs.get_definition(cur, ctx.store, ctx.sandbox, oid) is None:
        raise _missing(oid)
    defs.delete(cur, ctx.store, ctx.sandbox, oid)


@endpoint()
async def delete_definition(ctx: Ctx) -> Response:
    oid = ctx.path("SEGMENT_ID")
    await ctx.write(_delete, ctx, oid)
    return json_response({"status": True, "message": f"Segment definition {oid} deleted."})


@endpoint(body="json")
async def bulk_get_definitions(ctx: Ctx) -> Response:
    def read(cur: Cursor, ids: list[str]) -> dict[str, dict[str, Any] | None]:
        found = {oid: defs.get_definition(cur, ctx.store, ctx.sandbox, oid) for oid in ids}
        return {oid: defs.as_definition(doc) if doc else None for oid, doc in found.items()}

    return await bulk_get(ctx, read)


ROUTES: list[Route] = [
    Route(BASE, list_definitions, methods=["GET"]),
    Route(BASE, create_definition, methods=["POST"]),
    Route(BASE + "/bulk-get", bulk_get_definitions, methods=["POST"]),
    Route(BASE + "/{SEGMENT_ID}", get_definition, methods=["GET"]),
    Route(BASE + "/{SEGMENT_ID}", patch_definition, methods=["PATCH"]),
    Route(BASE + "/{SEGMENT_ID}", delete_definition, methods=["DELETE"]),
]
