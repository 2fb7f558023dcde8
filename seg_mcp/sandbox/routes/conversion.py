"""`POST /segment/conversion`: a definition's expression converted pql/text <-> pql/json.

The answer is the request's definition with the expression in the other format, plus the
caller's organization and sandbox (nothing is stored). The spec declares `*/*` as the request
content type, but the guide sends `application/json` and the gateway refuses a body operation
without it, so Content-Type is checked here as on every other body operation.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import definitions as defs
from seg_mcp.sandbox import errors
from seg_mcp.sandbox.errors import bad_request
from seg_mcp.sandbox.http import Ctx, endpoint, json_response, parse_model
from seg_mcp.sandbox.models import ConversionIn


@endpoint(body="json")
async def convert(ctx: Ctx) -> Response:
    body = parse_model(ConversionIn, ctx.body, what="conversion request")
    schema = defs.check_schema(body.schema_)
    _, checked = defs.check_expression(body.expression, ctx.svc.catalog(ctx.sandbox))
    target = "pql/json" if body.expression.format == "pql/text" else "pql/text"
    value = checked.value(target)
    if value is None:
        raise bad_request(
            f"The local sandbox cannot convert {body.expression.format} to {target} yet: the "
            "PQL toolkit (seg_mcp.pql) does not offer the conversion.",
            code=errors.UNSUPPORTED,
        )
    out: dict[str, Any] = {
        "imsOrgId": ctx.sandbox.org,
        "sandbox": ctx.sandbox.ref(),
        "name": body.name or "",
        "description": body.description or "",
        "expression": {"type": "PQL", "format": target, "value": value},
        "schema": schema,
    }
    for key in ("profileInstanceId", "payloadSchema", "ttlInDays", "mergePolicyId"):
        if getattr(body, key) is not None:
            out[key] = getattr(body, key)
    return json_response(out)


ROUTES: list[Route] = [Route("/segment/conversion", convert, methods=["POST"])]
