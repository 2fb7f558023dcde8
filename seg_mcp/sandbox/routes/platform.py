"""Outside the Segmentation Service: Sandbox Management and the Schema Registry's unions.

Served from the origin's root (`routes.MOUNTS`), at Adobe's own paths, so that `AEP_PLATFORM_URL`
can point at the sandbox (the IMS endpoints are `seg_mcp.sandbox.ims`). Sandbox Management shows a
signed-in person only the sandboxes they may use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from starlette.responses import Response
from starlette.routing import Route

from seg_mcp.sandbox import errors, xdm
from seg_mcp.sandbox.http import Ctx, endpoint, int_param, json_response
from seg_mcp.sandbox.store import SandboxInfo

SANDBOXES_PATH = "/data/foundation/sandbox-management"
SCHEMAS_PATH = "/data/foundation/schemaregistry/tenant/schemas"
XED_FULL = "application/vnd.adobe.xed-full+json"
UNIONS = {xdm.PROFILE_UNION_ID: "profile", xdm.EVENT_UNION_ID: "experienceevent"}
_ALIASES = {
    "_xdm.context.profile__union": xdm.PROFILE_UNION_ID,
    "_xdm.context.experienceevent__union": xdm.EVENT_UNION_ID,
}


def _date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def sandbox_json(info: SandboxInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "title": info.title,
        "state": "active",
        "type": info.type,
        "region": "local",
        "isDefault": info.is_default,
        "eTag": 1,
        "id": info.sandbox_id,
        "createdDate": _date(info.created_ms),
        "lastModifiedDate": _date(info.created_ms),
        "createdBy": "seg-mcp",
        "modifiedBy": "seg-mcp",
    }


@endpoint(sandbox=False)
async def list_sandboxes(ctx: Ctx) -> Response:
    """`GET /sandbox-management/` (and `/sandboxes`): the organization's sandboxes, by
    `limit`/`offset` (docs: default limit 50)."""
    limit = int_param(ctx, "limit", 50, low=1, high=1000)
    offset = int_param(ctx, "offset", 0)
    items = [s for s in ctx.store.sandboxes(ctx.caller.org_id) if ctx.caller.may_use(s.name)]
    page = items[offset : offset + limit]
    base = f"{ctx.base_url}{SANDBOXES_PATH}/sandboxes/"
    links: dict[str, Any] = {
        "page": {"href": base + "?limit={limit}&offset={offset}", "templated": True}
    }
    if offset + limit < len(items):
        links["next"] = {"href": f"{base}?limit={limit}&offset={offset + limit}"}
    if offset > 0:
        links["prev"] = {"href": f"{base}?limit={limit}&offset={max(0, offset - limit)}"}
    return json_response(
        {
            "sandboxes": [sandbox_json(s) for s in page],
            "_page": {"limit": limit, "count": len(page)},
            "_links": links,
        }
    )


@endpoint(sandbox=False)
async def get_sandbox(ctx: Ctx) -> Response:
    """`GET /sandbox-management/sandboxes/{name}`."""
    name = ctx.path("name")
    info = ctx.store.sandbox(ctx.caller.org_id, name)
    if info is not None and not ctx.caller.may_use(name):
        raise errors.ApiError(
            403,
            {
                "status": 403,
                "title": f"Access to sandbox {name} is denied: the user {ctx.caller.actor} has no "
                f"permission for it in organization {ctx.caller.org_id}.",
                "type": "http://ns.adobe.com/aep/errors/SMS-2012-403",
            },
        )
    if info is None:
        raise errors.ApiError(
            404,
            {
                "status": 404,
                "title": f"Sandbox {name} not found in organization {ctx.caller.org_id}.",
                "type": "http://ns.adobe.com/aep/errors/SMS-2011-404",
            },
        )
    return json_response(sandbox_json(info))


@endpoint()
async def union_schema(ctx: Ctx) -> Response:
    """`GET /schemaregistry/tenant/schemas/{$id}`: a union schema, fully resolved (xed-full)."""
    raw = unquote(ctx.path("schema_id"))
    schema_id = _ALIASES.get(raw, raw)
    accept = ctx.request.headers.get("accept", "")
    if schema_id not in UNIONS:
        raise errors.ApiError(
            404,
            {
                "type": "http://ns.adobe.com/aep/errors/XDM-1010-404",
                "title": "Resource not found",
                "status": 404,
                "report": {
                    "detailed-message": f"The schema {raw} is not available in this sandbox. "
                    f"Available: {', '.join(UNIONS)}."
                },
            },
        )
    if XED_FULL not in accept and "xed+json" not in accept and "xed-" not in accept:
        raise errors.ApiError(
            406,
            {
                "type": "http://ns.adobe.com/aep/errors/XDM-1004-406",
                "title": "Not acceptable",
                "status": 406,
                "report": {
                    "detailed-message": "Send Accept: application/vnd.adobe.xed-full+json;"
                    "version=1 to read a union schema with every field resolved."
                },
            },
        )
    profile, event = ctx.svc.union_schemas(ctx.sandbox)
    body = profile if UNIONS[schema_id] == "profile" else event
    return json_response(body, headers={"content-type": XED_FULL + "; version=1"})


ROUTES: list[Route] = [
    Route(SANDBOXES_PATH + "/", list_sandboxes, methods=["GET"]),
    Route(SANDBOXES_PATH + "/sandboxes", list_sandboxes, methods=["GET"]),
    Route(SANDBOXES_PATH + "/sandboxes/", list_sandboxes, methods=["GET"]),
    Route(SANDBOXES_PATH + "/sandboxes/{name}", get_sandbox, methods=["GET"]),
    Route(SCHEMAS_PATH + "/{schema_id:path}", union_schema, methods=["GET"]),
]
