"""seg-mcp's own endpoints, served by the local sandbox only (not part of Adobe's API), under
`LOCAL_PATH` (`/seg-mcp/local`):

* `POST /seg-mcp/local/field-values` `{"field", "within"?, "top"?}`: a field's values, exactly
  (`seg_mcp.sandbox.values`), among the profiles `within` (PQL) selects;
* `GET /seg-mcp/local/clock`: the instant the sandbox evaluates against (PQL's `now`) and
  whether it is fixed (a sandbox clock or `SEG_SANDBOX_NOW`) or the wall clock.

On Adobe, seg-mcp samples the same figures through previews instead (server/tools/values.py).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import pqlbridge, values
from seg_mcp.sandbox.http import Ctx, endpoint, json_response, parse_model

LOCAL_PATH = "/seg-mcp/local"


class FieldValuesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1, max_length=500)
    within: str | None = Field(default=None, max_length=100_000)
    top: int = Field(default=10, ge=1, le=100)


@endpoint(body="json")
async def field_values(ctx: Ctx) -> Response:
    body = parse_model(FieldValuesIn, ctx.body, what="field values request")
    profile, event = ctx.store.fields(ctx.sandbox)
    target = values.resolve(profile, event, body.field)
    within = None
    if body.within is not None and body.within.strip():
        within = pqlbridge.validate("pql/text", body.within, ctx.svc.catalog(ctx.sandbox)).query
    now = ctx.store.now(ctx.sandbox)
    result = await ctx.read(
        lambda cur: values.field_values(cur, ctx.sandbox, target, within, top=body.top, now=now)
    )
    return json_response(result)


@endpoint()
async def clock(ctx: Ctx) -> Response:
    info = ctx.store.sandbox(ctx.sandbox.org, ctx.sandbox.name) or ctx.sandbox
    fixed = (info.clock or ctx.svc.settings.now) is not None
    now = ctx.store.now(info)
    return json_response({"now": now.isoformat() + "Z", "fixed": fixed})


ROUTES: list[Route] = [
    Route(LOCAL_PATH + "/field-values", field_values, methods=["POST"]),
    Route(LOCAL_PATH + "/clock", clock, methods=["GET"]),
]
