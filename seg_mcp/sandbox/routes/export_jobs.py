"""`/export/jobs`: create (members to Parquet), list (offset cursor), get, cancel/delete.

The list's `offset` is the cursor of `link.next` (`"<creationTimeMs>_<id>"`, the spec's form);
`0` or nothing is the first page (the guide calls it "the offset of the pages"). The list also
answers at `/export/jobs/`, where the tutorial's `link.next` points.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.errors import bad_request, not_found
from seg_mcp.sandbox.http import Ctx, endpoint, int_param, json_response, parse_model
from seg_mcp.sandbox.jobs import exports
from seg_mcp.sandbox.jobs.common import public
from seg_mcp.sandbox.models import ExportJobIn
from seg_mcp.sandbox.shapes import stored

BASE = "/export/jobs"
CURSOR = re.compile(r"^(\d+)_(\d+)$")
STATUSES = ("NEW", "PROCESSING", "SUCCEEDED", "FAILED")


def _missing(jid: str) -> errors.ApiError:
    return not_found("export job", jid, hint="List the export jobs to find valid ids.")


@endpoint(body="json")
async def create_export_job(ctx: Ctx) -> Response:
    body = parse_model(ExportJobIn, ctx.body, what="export job")
    doc = await ctx.write(
        lambda cur: exports.create_in(cur, ctx.jobs, ctx.sandbox, body, rid=ctx.rid)
    )
    jid = str(doc["id"])
    exports.submit(ctx.jobs, ctx.sandbox, jid)
    return json_response(public(doc), headers={"X-Location": ctx.url(f"{BASE}/{jid}")})


def _cursor(doc: dict[str, Any]) -> str:
    return f"{doc['creationTime']}_{doc['id']}"


def _order(doc: dict[str, Any]) -> tuple[int, int]:
    return (int(doc["creationTime"]), int(doc["id"]))


@endpoint()
async def list_export_jobs(ctx: Ctx) -> Response:
    limit = int_param(ctx, "limit", 100, low=1, high=1000)
    status = ctx.query("status")
    if status and status.upper() not in STATUSES:
        raise bad_request(
            f"Query parameter status={status!r} is invalid: use one of {', '.join(STATUSES)}."
        )
    offset = ctx.query("offset") or ""
    after: tuple[int, int] | None = None
    if offset not in ("", "0"):  # 0: the first page, as an offset counted in records
        match = CURSOR.match(offset)
        if match is None:
            raise bad_request(
                f"Query parameter offset={offset!r} is invalid: use the cursor of link.next "
                '("<creationTimeMs>_<id>").'
            )
        after = (int(match[1]), int(match[2]))
    docs = await ctx.read(lambda cur: ctx.store.list(cur, ctx.sandbox, exports.KIND))
    docs = sorted(
        (d for d in docs if not status or d["status"] == status.upper()), key=_order, reverse=True
    )
    if after is not None:
        docs = [d for d in docs if _order(d) < after]
    chosen = docs[:limit]
    link = ""
    if len(docs) > limit:
        query = {"limit": limit, "offset": _cursor(chosen[-1])}
        if status:
            query["status"] = status.upper()
        link = f"{BASE}?{urlencode(query)}"
    return json_response(
        {
            "records": [public(d) for d in chosen],
            "page": {
                "sortField": "createdTime",
                "sort": "desc",
                "pageOffset": offset,
                "pageSize": len(chosen),
            },
            "link": {"next": link},
        }
    )


@endpoint()
async def get_export_job(ctx: Ctx) -> Response:
    doc = await stored(ctx, exports.KIND, ctx.path("EXPORT_JOB_ID"), _missing)
    return json_response(public(doc))


@endpoint()
async def cancel_export_job(ctx: Ctx) -> Response:
    jid = ctx.path("EXPORT_JOB_ID")
    outcome = await ctx.write(exports.cancel_in, ctx.jobs, ctx.sandbox, jid)
    if outcome is None:
        raise _missing(jid)
    if outcome == "cancelled":
        exports.cancel(ctx.jobs, ctx.sandbox, jid)
        message = f"Export job {jid} has been marked for cancelling"
    else:
        message = f"Export job {jid} has finished and has been deleted"
    return json_response({"status": True, "message": message})


ROUTES: list[Route] = [
    Route(BASE, list_export_jobs, methods=["GET"]),
    Route(BASE + "/", list_export_jobs, methods=["GET"]),  # the tutorial's link.next form
    Route(BASE, create_export_job, methods=["POST"]),
    Route(BASE + "/{EXPORT_JOB_ID}", get_export_job, methods=["GET"]),
    Route(BASE + "/{EXPORT_JOB_ID}", cancel_export_job, methods=["DELETE"]),
]
