"""Two calls outside the Segmentation Service that the server needs.

* Sandbox Management `GET /data/foundation/sandbox-management/`: the sandboxes the credential can
  use, each with its `type` (production / development).
* Schema Registry `GET /data/foundation/schemaregistry/tenant/schemas/{URL-encoded $id}` with
  `Accept: application/vnd.adobe.xed-full+json;version=1`: a union schema with every `$ref` and
  `allOf` resolved, i.e. the field paths and XDM types PQL can use (Adobe's Schema Registry
  "Unions endpoint" documentation, "Look up a union").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.platform import Sandbox, SandboxList
from seg_mcp.aep.operation import PathParam, Query, SandboxName, Service, operation
from seg_mcp.aep.paging import paginate

__all__ = [
    "EXPERIENCE_EVENT_CLASS",
    "PROFILE_CLASS",
    "XED_FULL",
    "PlatformAPI",
    "union_schema_id",
]

PROFILE_CLASS = "https://ns.adobe.com/xdm/context/profile"
EXPERIENCE_EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent"
XED_FULL = "application/vnd.adobe.xed-full+json;version=1"

_SANDBOX_PAGE = 50


def union_schema_id(class_ref: str) -> str:
    """The union `$id` for a class `$id`, a union `$id` or an alt id (`_xdm.context.profile`)."""
    ref = class_ref.strip()
    if not ref:
        raise ValueError("empty class id")
    if ref.startswith("_") and "://" not in ref:
        ref = "https://ns.adobe.com/" + ref[1:].replace(".", "/")
    return ref if ref.endswith("__union") else ref + "__union"


class PlatformAPI(BaseAEPClient):
    @operation(
        "listSandboxes",
        "GET",
        "/",
        summary="Sandboxes available to the credential, with their type (Sandbox Management API)",
        service=Service.SANDBOX_MANAGEMENT,
        paginator="iter_sandboxes",
        in_spec=False,
    )
    async def list_sandboxes_page(
        self,
        *,
        limit: Annotated[int | None, Query("page size; give with offset")] = None,
        offset: Annotated[int | None, Query("items to skip; give with limit")] = None,
        sandbox: SandboxName = None,
    ) -> SandboxList:
        """One page of sandboxes (the credential of `sandbox`'s profile is used)."""
        raise NotImplementedError  # @operation sends the request

    def iter_sandboxes(
        self,
        *,
        limit: int = _SANDBOX_PAGE,
        max_pages: int | None = None,
        sandbox: SandboxName = None,
    ) -> AsyncIterator[Sandbox]:
        """Every sandbox, by `limit`/`offset` arithmetic (`_links.next` is a URI template)."""

        async def fetch(params: dict[str, Any]) -> SandboxList:
            return await self.list_sandboxes_page(**params, sandbox=sandbox)

        def following(
            page: SandboxList, params: dict[str, Any], count: int
        ) -> dict[str, Any] | None:
            if count < params["limit"]:
                return None
            return {**params, "offset": params["offset"] + count}

        return paginate(
            fetch,
            params={"limit": limit, "offset": 0},
            items=lambda p: p.sandboxes,
            next_params=following,
            max_pages=max_pages,
        )

    async def list_sandboxes(self, *, sandbox: SandboxName = None) -> list[Sandbox]:
        """Every sandbox the credential of `sandbox` (default: the default sandbox) can use."""
        return [s async for s in self.iter_sandboxes(sandbox=sandbox)]

    @operation(
        "getUnionSchema",
        "GET",
        "/tenant/schemas/{UNION_ID}",
        summary="A class's union schema, fully resolved (Schema Registry API)",
        service=Service.SCHEMA_REGISTRY,
        accept=XED_FULL,
        in_spec=False,
    )
    async def get_union_schema(
        self,
        class_id: Annotated[str, PathParam("UNION_ID", to_wire=union_schema_id)] = PROFILE_CLASS,
        *,
        sandbox: SandboxName = None,
    ) -> dict[str, Any]:
        """The fully resolved union schema (raw JSON Schema) of an XDM class.

        `class_id` is a class `$id` (`https://ns.adobe.com/xdm/context/profile`), the union `$id`
        itself, or an alt id (`_xdm.context.profile`).
        """
        raise NotImplementedError  # @operation sends the request
