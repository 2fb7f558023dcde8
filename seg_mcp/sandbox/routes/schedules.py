"""`/config/schedules`: list, create, get, update (JSON Patch on /state or /schedule), delete."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.errors import bad_request, not_found
from seg_mcp.sandbox.http import Ctx, empty, endpoint, int_param, json_response, parse_model
from seg_mcp.sandbox.jobs import schedules
from seg_mcp.sandbox.jobs.common import public
from seg_mcp.sandbox.models import ScheduleIn, SchedulePatchOp

BASE = "/config/schedules"


def _missing(sid: str) -> errors.ApiError:
    return not_found("schedule", sid, hint="List the schedules to find valid ids.")


@endpoint()
async def list_schedules(ctx: Ctx) -> Response:
    start = int_param(ctx, "start", 0)
    limit = int_param(ctx, "limit", 100, low=1, high=1000)
    docs = await ctx.read(lambda cur: ctx.store.list(cur, ctx.sandbox, schedules.KIND))
    chosen = docs[start : start + limit]
    paging: dict[str, Any] = {"totalCount": len(docs), "pageSize": len(chosen)}
    links: dict[str, Any] = {}
    if start + limit < len(docs):
        paging["next"] = str(start + limit)
        links["next"] = {"href": f"{BASE}?start={start + limit}&limit={limit}"}
    return json_response(
        {"_page": paging, "children": [public(d) for d in chosen], "_links": links}
    )


@endpoint(body="json")
async def create_schedule(ctx: Ctx) -> Response:
    body = parse_model(ScheduleIn, ctx.body, what="schedule")
    doc = await ctx.write(schedules.create_in, ctx.jobs, ctx.sandbox, body)
    ctx.jobs.runner.wake_scheduler()
    return json_response(public(doc))


@endpoint()
async def get_schedule(ctx: Ctx) -> Response:
    sid = ctx.path("SCHEDULE_ID")
    doc = await ctx.read(lambda cur: ctx.store.get(cur, ctx.sandbox, schedules.KIND, sid))
    if doc is None:
        raise _missing(sid)
    return json_response(public(doc))


@endpoint(body="json")
async def update_schedule(ctx: Ctx) -> Response:
    sid = ctx.path("SCHEDULE_ID")
    if not isinstance(ctx.body, list) or not ctx.body:
        raise bad_request(
            "The body of PATCH /config/schedules/{id} is a non-empty JSON Patch array, e.g. "
            '[{"op": "add", "path": "/state", "value": "active"}] (op add; path /state or '
            "/schedule).",
            code=errors.BAD_JSON,
        )
    ops = [
        parse_model(SchedulePatchOp, item, what=f"patch operation {i}")
        for i, item in enumerate(ctx.body)
    ]
    if not await ctx.write(schedules.patch_in, ctx.jobs, ctx.sandbox, sid, ops):
        raise _missing(sid)
    ctx.jobs.runner.wake_scheduler()
    return empty(204)


@endpoint()
async def delete_schedule(ctx: Ctx) -> Response:
    sid = ctx.path("SCHEDULE_ID")
    if not await ctx.write(lambda cur: ctx.store.delete(cur, ctx.sandbox, schedules.KIND, sid)):
        raise _missing(sid)
    ctx.jobs.runner.wake_scheduler()
    return empty(204)


ROUTES: list[Route] = [
    Route(BASE, list_schedules, methods=["GET"]),
    Route(BASE, create_schedule, methods=["POST"]),
    Route(BASE + "/{SCHEDULE_ID}", get_schedule, methods=["GET"]),
    Route(BASE + "/{SCHEDULE_ID}", update_schedule, methods=["PATCH"]),
    Route(BASE + "/{SCHEDULE_ID}", delete_schedule, methods=["DELETE"]),
]
