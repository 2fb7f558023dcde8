"""What several routes share beyond request plumbing (`http`): reading one stored object or a 404,
bulk-get (ids in, a 207 of found and missing out), JSON Patch bodies, a window of a list
(`start`/`limit`) and the `_page`/`children`/`_links` page around it, and a dotted-path lookup in a
document for `property=` filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.responses import Response

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.errors import ApiError, bad_request, ups_error
from seg_mcp.sandbox.http import Ctx, int_param, json_response, parse_model
from seg_mcp.sandbox.models import BulkGetIn
from seg_mcp.sandbox.store import Kind

M = TypeVar("M", bound=BaseModel)
#: Adobe's limit of ids in one bulk-get.
MAX_BULK = 100
Doc = dict[str, Any]


async def stored(ctx: Ctx, kind: Kind, oid: str, missing: Callable[[str], ApiError]) -> Doc:
    """The stored object `oid` of `kind` in the request's sandbox, or the 404 `missing(oid)`."""
    doc = await ctx.read(lambda cur: ctx.store.get(cur, ctx.sandbox, kind, oid))
    if doc is None:
        raise missing(oid)
    return doc


# -- bulk-get ----------------------------------------------------------------------------------


def bulk_ids(ctx: Ctx) -> list[str]:
    """The distinct ids of a bulk-get body (`{"ids": [{"id": ...}]}`); 400 for none or too many."""
    body = parse_model(BulkGetIn, ctx.body, what="bulk-get request")
    ids = list(dict.fromkeys(item.id for item in body.ids))
    if not ids or len(ids) > MAX_BULK:
        raise ups_error(
            400,
            f"The number of requested IDs is invalid. Cannot be 0 or exceed {MAX_BULK}.",
            code=errors.BULK_COUNT,
        )
    return ids


def bulk_response(ctx: Ctx, found: dict[str, Doc | None]) -> Response:
    """207 with each id's document or a 404 entry; a 404 when none of them exists."""
    missing = [oid for oid, doc in found.items() if doc is None]
    if len(missing) == len(found):
        raise ups_error(
            404, f"The entity {','.join(missing)} is not found.", code=errors.ENTITY_NOT_FOUND
        )
    not_found = {"requestId": ctx.rid, "errors": {"404": [{"code": 404, "message": "Not found."}]}}
    results = {oid: doc if doc is not None else not_found for oid, doc in found.items()}
    return json_response({"results": results}, status=207)


async def bulk_get(
    ctx: Ctx, read: Callable[[Cursor, list[str]], dict[str, Doc | None]]
) -> Response:
    """A whole bulk-get: the ids of the body, `read(cursor, ids)` (None for a missing one), 207."""
    ids = bulk_ids(ctx)
    return bulk_response(ctx, await ctx.read(read, ids))


# -- JSON Patch --------------------------------------------------------------------------------


def patch_ops(ctx: Ctx, model: type[M], usage: str) -> list[M]:
    """The operations of a JSON Patch body (a non-empty array), each validated by `model`; else a
    400 saying `usage` (what the body is, with an example)."""
    if not isinstance(ctx.body, list) or not ctx.body:
        raise bad_request(usage, code=errors.BAD_JSON)
    return [parse_model(model, op, what=f"patch operation {i}") for i, op in enumerate(ctx.body)]


# -- lists -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """`limit` items of a list from `start` (the `start`/`limit` query parameters)."""

    start: int
    limit: int

    def of(self, docs: list[Doc]) -> list[Doc]:
        return docs[self.start : self.start + self.limit]

    def next(self, total: int) -> int | None:
        """The start of the next window of a list of `total`, None on the last one."""
        after = self.start + self.limit
        return after if after < total else None


def window(ctx: Ctx, *, limit: int) -> Window:
    """The window the query asks for: `start` (default 0), `limit` (1..1000, default `limit`)."""
    start = int_param(ctx, "start", 0)
    return Window(start, int_param(ctx, "limit", limit, low=1, high=1000))


def children_page(
    children: list[Doc],
    total: int,
    win: Window,
    next_href: Callable[[int], str],
    **page: Any,
) -> dict[str, Any]:
    """The `{_page, children, _links}` body of a list (segment jobs, schedules, audiences), as
    Adobe's guides show it: `_page` has totalCount, the `page` entries, pageSize, and `next`
    (the next window's start, as text: the audience guide's "1"; the spec says integer) when
    there is one; `_links.next` is `{"href": next_href(start)}`, or `{}` on the last page."""
    paging: dict[str, Any] = {"totalCount": total, **page, "pageSize": len(children)}
    links: dict[str, Any] = {"next": {}}
    after = win.next(total)
    if after is not None:
        paging["next"] = str(after)
        links["next"] = {"href": next_href(after)}
    return {"_page": paging, "children": children, "_links": links}


def field_at(doc: Doc, path: str) -> Any:
    """The value at dotted `path` in `doc` (None where any part is missing)."""
    node: Any = doc
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node
