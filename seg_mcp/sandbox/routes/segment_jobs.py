"""`/segment/jobs`: create (evaluate definitions now), list, get, bulk-get, cancel (DELETE)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import bad_request, not_found
from seg_mcp.sandbox.http import (
    Ctx,
    empty,
    endpoint,
    json_response,
    parse_model,
    sort_docs,
    sort_param,
)
from seg_mcp.sandbox.jobs import segment_jobs
from seg_mcp.sandbox.jobs.common import public
from seg_mcp.sandbox.models import AllSegmentsJobIn, SegmentJobItem
from seg_mcp.sandbox.shapes import bulk_get, children_page, field_at, stored, window

BASE = "/segment/jobs"
SORTABLE = ("creationTime", "updateTime", "status")


def _missing(jid: str) -> errors.ApiError:
    return not_found("segment job", jid, hint="List the segment jobs to find valid ids.")


def _segment_ids(body: Any) -> list[str]:
    if isinstance(body, list):
        if not body:
            raise bad_request(
                'The body is an empty list; send [{"segmentId": "<definition id>"}, ...].',
                code=errors.BAD_JSON,
            )
        items = [
            parse_model(SegmentJobItem, item, what=f"segment job item {i}")
            for i, item in enumerate(body)
        ]
    elif isinstance(body, dict):
        parsed = parse_model(AllSegmentsJobIn, body, what="segment job request")
        items = parsed.segments
    else:
        raise bad_request(
            'The body of POST /segment/jobs is a JSON array: [{"segmentId": "<id>"}, ...].',
            code=errors.BAD_JSON,
        )
    return list(dict.fromkeys(item.segmentId for item in items))


@endpoint(body="json")
async def create_segment_job(ctx: Ctx) -> Response:
    ids = _segment_ids(ctx.body)
    doc = await ctx.write(
        lambda cur: segment_jobs.create_in(cur, ctx.jobs, ctx.sandbox, ids, rid=ctx.rid)
    )
    segment_jobs.submit(ctx.jobs, ctx.sandbox, doc["id"])
    return json_response(public(doc))


def _property_filter(raw: str) -> tuple[str, str | None, str]:
    left, op, value = raw.partition("==")
    if not op or not left.strip():
        raise bad_request(
            f"Query parameter property={raw!r} is invalid: use <attribute>==<value> or "
            "<arrayAttribute>~<objectKey>==<value>, e.g. property=segments~segmentId==<id>."
        )
    array, tilde, item_key = left.partition("~")
    return (array.strip(), item_key.strip() if tilde else None, value.strip())


def _matches(doc: dict[str, Any], path: str, item_key: str | None, value: str) -> bool:
    node = field_at(doc, path)
    if item_key is not None:
        items = node if isinstance(node, list) else []
        return any(isinstance(i, dict) and str(i.get(item_key)) == value for i in items)
    return node is not None and str(node) == value


@endpoint()
async def list_segment_jobs(ctx: Ctx) -> Response:
    win = window(ctx, limit=100)
    status = ctx.query("status")
    field, direction = sort_param(ctx, "creationTime", "desc", SORTABLE)
    filters = [_property_filter(p) for p in ctx.request.query_params.getlist("property") if p]
    docs = await ctx.read(lambda cur: ctx.store.list(cur, ctx.sandbox, segment_jobs.KIND))
    docs = [
        public(d)
        for d in docs
        if (not status or d["status"] == status.upper()) and all(_matches(d, *f) for f in filters)
    ]
    docs = sort_docs(docs, field, direction)

    def next_href(start: int) -> str:
        query = {"start": start, "limit": win.limit, "sort": f"{field}:{direction}"}
        if status:
            query["status"] = status
        return f"{BASE}?{urlencode(query)}"

    return json_response(children_page(win.of(docs), len(docs), win, next_href))


@endpoint()
async def get_segment_job(ctx: Ctx) -> Response:
    doc = await stored(ctx, segment_jobs.KIND, ctx.path("SEGMENT_JOB_ID"), _missing)
    return json_response(public(doc))


@endpoint()
async def cancel_segment_job(ctx: Ctx) -> Response:
    jid = ctx.path("SEGMENT_JOB_ID")
    if not await ctx.write(segment_jobs.cancel_in, ctx.jobs, ctx.sandbox, jid):
        raise _missing(jid)
    return empty(204)


@endpoint(body="json")
async def bulk_get_segment_jobs(ctx: Ctx) -> Response:
    def read(cur: Cursor, ids: list[str]) -> dict[str, dict[str, Any] | None]:
        found = {oid: ctx.store.get(cur, ctx.sandbox, segment_jobs.KIND, oid) for oid in ids}
        return {oid: public(doc) if doc else None for oid, doc in found.items()}

    return await bulk_get(ctx, read)


ROUTES: list[Route] = [
    Route(BASE, list_segment_jobs, methods=["GET"]),
    Route(BASE, create_segment_job, methods=["POST"]),
    Route(BASE + "/bulk-get", bulk_get_segment_jobs, methods=["POST"]),
    Route(BASE + "/{SEGMENT_JOB_ID}", get_segment_job, methods=["GET"]),
    Route(BASE + "/{SEGMENT_JOB_ID}", cancel_segment_job, methods=["DELETE"]),
]
