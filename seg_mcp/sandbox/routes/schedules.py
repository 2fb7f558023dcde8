"""`/config/schedules`: list, create, get, update (JSON Patch on /state or /schedule), delete."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.errors import not_found
from seg_mcp.sandbox.http import Ctx, empty, endpoint, json_response, parse_model
from seg_mcp.sandbox.jobs import schedules
from seg_mcp.sandbox.jobs.common import public
from seg_mcp.sandbox.models import ScheduleIn, SchedulePatchOp
from seg_mcp.sandbox.shapes import children_page, patch_ops, stored, window

BASE = "/config/schedules"
PATCH_USAGE = (
    "The body of PATCH /config/schedules/{id} is a non-empty JSON Patch array, e.g. "
    '[{"op": "add", "path": "/state", "value": "active"}] (op add; path /state or /schedule).'
)


def _missing(sid: str) -> errors.ApiError:
    return not_found("schedule", sid, hint="List the schedules to find valid ids.")


@endpoint()
async def list_schedules(ctx: Ctx) -> Response:
    win = window(ctx, limit=100)
    docs = await ctx.read(lambda cur: ctx.store.list(cur, ctx.sandbox, schedules.KIND))
    chosen = [public(d) for d in win.of(docs)]

    def next_href(start: int) -> str:
        return f"{BASE}?start={start}&limit={win.limit}"

    return json_response(children_page(chosen, len(docs), win, next_href))


@endpoint(body="json")
async def create_schedule(ctx: Ctx) -> Response:
    body = parse_model(ScheduleIn, ctx.body, what="schedule")
    doc = await ctx.write(schedules.create_in, ctx.jobs, ctx.sandbox, body)
    ctx.jobs.runner.wake_scheduler()
    return json_response(public(doc))


@endpoint()
async def get_schedule(ctx: Ctx) -> Response:
    doc = await stored(ctx, schedules.KIND, ctx.path("SCHEDULE_ID"), _missing)
    return json_response(public(doc))


@endpoint(body="json")
async def update_schedule(ctx: Ctx) -> Response:
    sid = ctx.path("SCHEDULE_ID")
    ops = patch_ops(ctx, SchedulePatchOp, PATCH_USAGE)
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
