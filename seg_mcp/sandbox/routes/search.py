"""Segment search: `/search/namespaces`, `/search/entities`, `/search/taxonomy`.

Searches the stored definitions and audiences of the sandbox. Every audience sits at the top
level (`parentFolderId: "root"`); Platform audiences are in namespace `AEPSegments`, external ones
in their own. Bodies follow the documented shapes (reference §9).
"""

from __future__ import annotations

import base64
import math
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import definitions as defs
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request, ups_error
from seg_mcp.sandbox.http import Ctx, endpoint, int_param, json_response
from seg_mcp.sandbox.searchquery import QueryError, compile_query

SEARCH_SCHEMA = "_xdm.context.segmentdefinition"
ROOT = "root"
FIELDS: dict[str, tuple[str, ...]] = {
    "segmentName": ("name",),
    "name": ("name",),
    "segmentDescription": ("description",),
    "description": ("description",),
    "segmentId": ("id",),
    "id": ("id",),
    "folderId": ("folderId",),
    "parentFolderId": ("parentFolderId",),
    "folderLocation": ("folderLocation",),
}
DEFAULT_FIELDS = ("name", "description")
SUCCESS = {"message": "Success"}
#: How much of a query an error message quotes.
SHOWN_QUERY = 100


def _check_headers(ctx: Ctx) -> None:
    version = ctx.request.headers.get("x-ups-search-version")
    if version != "1.0":
        shown = "missing" if version is None else repr(version)
        raise bad_request(
            f"Header x-ups-search-version is {shown}; send x-ups-search-version: 1.0 (the only "
            "supported version)."
        )


def _schema(ctx: Ctx, *names: str) -> None:
    given = next((ctx.query(n) for n in names if ctx.query(n)), None)
    if given is None:
        raise bad_request(
            f"Query parameter {names[0]} is required; use {names[0]}={SEARCH_SCHEMA}."
        )
    if given.lower() != SEARCH_SCHEMA:
        raise bad_request(
            f"{names[0]}={given!r} cannot be searched; the searchable schema is {SEARCH_SCHEMA}."
        )


def _required(ctx: Ctx, name: str) -> str:
    value = ctx.query(name)
    if not value:
        raise bad_request(f"Query parameter {name} is required.")
    return value


def _entry(doc: dict[str, Any]) -> dict[str, str]:
    return {
        "id": doc["id"],
        "sourceId": doc["id"],
        "namespace": doc.get("namespace") or defs.PLATFORM_NAMESPACE,
        "name": doc["name"],
        "description": doc.get("description") or "",
        "parentFolderId": ROOT,
        "folderId": ROOT,
        "folderLocation": "/",
    }


def _shown(query: str) -> str:
    """The query as an error quotes it: whole when short, else its start and its length."""
    if len(query) <= SHOWN_QUERY:
        return repr(query)
    return f"{query[:SHOWN_QUERY]!r}... ({len(query)} characters)"


async def _entries(ctx: Ctx) -> list[dict[str, str]]:
    raw = ctx.query("s")
    try:
        match = compile_query(raw or "", FIELDS, DEFAULT_FIELDS)
    except QueryError as exc:
        raise bad_request(
            f"Query parameter s={_shown(raw or '')} is not a valid search query: {exc}. Use the "
            "Lucene syntax, e.g. s=segmentName:Platform or s=segmentName:(gold OR silver)."
        ) from exc

    def matching(cur: Cursor) -> list[dict[str, str]]:
        return [e for e in map(_entry, ctx.store.list(cur, ctx.sandbox, defs.KIND)) if match(e)]

    return await ctx.read(matching)  # matched in the worker thread, off the event loop


def _source(entry: dict[str, str]) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "base64EncodedSourceId": base64.b64encode(entry["sourceId"].encode()).decode(),
        "name": entry["name"],
        "parentFolderId": entry["parentFolderId"],
    }


@endpoint()
async def namespaces(ctx: Ctx) -> Response:
    _check_headers(ctx)
    _schema(ctx, "schema.name", "schemaClass")
    counts: dict[str, int] = {}
    for entry in await _entries(ctx):
        counts[entry["namespace"]] = counts.get(entry["namespace"], 0) + 1
    items = [{"namespace": ns, "displayName": ns, "count": n} for ns, n in sorted(counts.items())]
    return json_response({"namespaces": items, "totalCount": len(items), "status": SUCCESS})


@endpoint()
async def entities(ctx: Ctx) -> Response:
    _check_headers(ctx)
    _schema(ctx, "schemaClass", "schema.name")
    namespace = _required(ctx, "namespace")
    limit = int_param(ctx, "limit", 50, low=1, high=50)
    page = int_param(ctx, "page", 0)
    folder = ctx.query("entityId")
    found = [
        e
        for e in await _entries(ctx)
        if e["namespace"].lower() == namespace.lower()
        and (folder is None or e["parentFolderId"] == folder)
    ]
    chosen = found[page * limit : (page + 1) * limit]
    items = [
        {
            **_source(e),
            "sourceId": e["sourceId"],
            "isFolder": False,
            "description": e["description"],
        }
        for e in chosen
    ]
    return json_response(
        {
            "entities": items,
            "page": {
                "totalCount": len(found),
                "totalPages": math.ceil(len(found) / limit),
                "pageOffset": page,
                "pageSize": len(items),
            },
            "status": SUCCESS,
        }
    )


@endpoint()
async def taxonomy(ctx: Ctx) -> Response:
    _check_headers(ctx)
    _schema(ctx, "schema.name", "schemaClass")
    namespace = _required(ctx, "namespace")
    entity_id = _required(ctx, "entityId")
    docs = await ctx.read(lambda cur: ctx.store.list(cur, ctx.sandbox, defs.KIND))
    for entry in map(_entry, docs):
        if entry["id"] == entity_id and entry["namespace"].lower() == namespace.lower():
            return json_response({"taxonomy": [_source(entry)], "status": SUCCESS})
    message = f"Cannot find entityId {entity_id}."
    raise ups_error(
        404,
        message,
        code=errors.ENTITY_NOT_FOUND,
        messages=[f"{message} No audience with that id in namespace {namespace}."],
    )


ROUTES: list[Route] = [
    Route("/search/namespaces", namespaces, methods=["GET"]),
    Route("/search/entities", entities, methods=["GET"]),
    Route("/search/taxonomy", taxonomy, methods=["GET"]),
]
