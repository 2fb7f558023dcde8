"""`/preview` and `/estimate`: start a preview (and its estimate), page its results, read the
estimate, cancel/delete. The work runs in the background (`seg_mcp.sandbox.jobs.previews`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import anyio.to_thread
from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import errors, pqlbridge
from seg_mcp.sandbox.errors import bad_request, not_found
from seg_mcp.sandbox.http import Ctx, endpoint, int_param, json_response, parse_model
from seg_mcp.sandbox.jobs import previews
from seg_mcp.sandbox.models import PREVIEW_MODELS, PROFILE_SCHEMA_NAME, PreviewIn
from seg_mcp.sandbox.shapes import stored

MAX_PAGE = 10_000
#: With unwatched jobs, how long a create waits for its preview to end before answering: a client
#: polling right after it then finds a quick one ready instead of waiting one poll interval.
QUICK_SECONDS = 0.1


def _missing(pid: str) -> errors.ApiError:
    return not_found(
        "preview job", pid, hint="Create one with POST /preview; ids are returned as previewId."
    )


@endpoint(body="json")
async def create_preview(ctx: Ctx) -> Response:
    body = parse_model(PreviewIn, ctx.body, what="preview request")
    if body.predicateModel not in PREVIEW_MODELS:
        raise bad_request(
            f"predicateModel {body.predicateModel} is not supported: the local sandbox previews "
            f"{PROFILE_SCHEMA_NAME} (XDM Individual Profile).",
            code=errors.VALIDATION,
        )
    fmt = "pql/json" if body.predicateType == "pql/json" else "pql/text"
    checked = pqlbridge.validate(fmt, body.predicateExpression, ctx.svc.catalog(ctx.sandbox))
    doc = previews.new_doc(ctx.sandbox, checked.text or "", checked.json_value, PROFILE_SCHEMA_NAME)
    pid = doc["previewId"]
    if ctx.jobs.watched:
        await ctx.write(lambda cur: ctx.store.put(cur, ctx.sandbox, previews.KIND, pid, doc))
        previews.submit(ctx.jobs, ctx.sandbox, pid)
    else:  # a quick preview is stored ready by the first poll (the answer says NEW)
        draft = previews.Draft(doc)
        ended = previews.submit(ctx.jobs, ctx.sandbox, pid, draft)
        await anyio.to_thread.run_sync(ended.wait, QUICK_SECONDS)
        if not draft.stored:  # (stored by the job: no empty commit)
            await ctx.write(previews.publish, ctx.jobs, ctx.sandbox, draft)
    return json_response(
        previews.created_body(doc), status=201, headers={"X-Location": ctx.url(f"/preview/{pid}")}
    )


def _offset(ctx: Ctx) -> int:
    raw = ctx.query("offset")
    if raw is None or raw == "":
        return 0
    text = raw.removeprefix("offset=")
    if not text.isdigit():
        raise bad_request(
            f"Query parameter offset={raw!r} is invalid: use the offset of links.next "
            "(a non-negative integer)."
        )
    return int(text)


def _item(ctx: Ctx, profile_id: str, identities: dict[str, Any] | None) -> dict[str, Any]:
    related: dict[str, Any] = {}
    for entries in (identities or {}).values():
        for entry in entries or ():
            ident = str(entry.get("id")) if isinstance(entry, dict) else None
            if ident and ident != profile_id:
                related[ident] = {"_href": ctx.url(f"/models/profile/{quote(ident, safe='')}")}
    href = ctx.url(f"/models/profile/{quote(profile_id, safe='')}")
    return {profile_id: {"_href": href, "endCustomerIds": related}}


@endpoint()
async def get_preview(ctx: Ctx) -> Response:
    pid = ctx.path("PREVIEW_ID")
    offset = _offset(ctx)
    limit = int_param(ctx, "limit", 1000, low=1, high=MAX_PAGE)
    doc = await stored(ctx, previews.KIND, pid, _missing)
    rows: list[tuple[str, Any]] = []
    if doc["state"] == previews.READY:
        rows = await ctx.read(previews.page, ctx.sandbox, pid, offset, limit)
    base = ctx.url(f"/preview/{pid}")

    def link(at: int) -> str:
        return f"{base}?{urlencode({'offset': at, 'limit': limit})}"

    count = int(doc.get("resultCount", 0))
    body: dict[str, Any] = {
        "results": [_item(ctx, pid_, ids) for pid_, ids in rows],
        "state": doc["state"],
        "links": {
            "_self": link(offset),
            "next": link(offset + limit) if offset + limit < count else "",
            "prev": link(max(0, offset - limit)) if offset > 0 else "",
        },
        "page": {"offset": offset, "size": len(rows)},
    }
    if doc["state"] == previews.FAILED:  # why, as the estimate says it: {description, traceback}
        body["error"] = doc["error"]
    return json_response(body)


@endpoint()
async def get_estimate(ctx: Ctx) -> Response:
    pid = ctx.path("ESTIMATE_ID")
    doc = await stored(ctx, previews.KIND, pid, _missing)
    return json_response(previews.estimate_body(doc, ctx.url(f"/preview/{pid}")))


@endpoint()
async def delete_preview(ctx: Ctx) -> Response:
    pid = ctx.path("PREVIEW_ID")
    found = await ctx.write(previews.delete, ctx.jobs, ctx.sandbox, pid)
    if not found:
        raise _missing(pid)
    previews.cancel(ctx.jobs, ctx.sandbox, pid)
    return json_response({"status": True, "message": f"Preview job {pid} has been deleted."})


ROUTES: list[Route] = [
    Route("/preview", create_preview, methods=["POST"]),
    Route("/preview/{PREVIEW_ID}", get_preview, methods=["GET"]),
    Route("/preview/{PREVIEW_ID}", delete_preview, methods=["DELETE"]),
    Route("/estimate/{ESTIMATE_ID}", get_estimate, methods=["GET"]),
]
