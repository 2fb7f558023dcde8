"""Audiences."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.endpoints._shared import as_int, bulk_body
from seg_mcp.aep.models.audiences import (
    Audience,
    AudienceInput,
    AudienceList,
    BulkGetAudiencesResponse,
)
from seg_mcp.aep.models.common import BulkGetRequest, JsonPatchOperation, MessageResponse
from seg_mcp.aep.operation import Operation, Param
from seg_mcp.aep.paging import link_href, link_query, paginate

__all__ = ["OPERATIONS", "AudiencesAPI"]

_ONE = "/audiences/{AUDIENCE_ID}"

LIST = Operation(
    "listAudiences",
    "GET",
    "/audiences",
    method="list_audiences",
    summary="List audiences (page by start/limit)",
    response=AudienceList,
    query=(
        Param("start", "start", int, description="starting offset"),
        Param("limit", "limit", int, description="page size"),
        Param("sort", "sort", description="attribute:asc|desc, e.g. updateTime:desc"),
        Param("property", "property_filter", description="exact match, e.g. audienceId==abc"),
        Param("name", "name", description="name contains (case-insensitive)"),
        Param("description", "description", description="description contains"),
        Param("entityType", "entity_type", description="e.g. _xom.context.account"),
    ),
    paginator="iter_audiences",
)
CREATE = Operation(
    "createAudience",
    "POST",
    "/audiences",
    method="create_audience",
    summary="Create an audience",
    response=Audience,
    body=AudienceInput,
)
GET = Operation(
    "getAudience",
    "GET",
    _ONE,
    method="get_audience",
    summary="Retrieve an audience by id",
    response=Audience,
)
DELETE = Operation(
    "deleteAudience",
    "DELETE",
    _ONE,
    method="delete_audience",
    summary="Delete an audience",
    response=MessageResponse | None,
)
PATCH = Operation(
    "patchAudience",
    "PATCH",
    _ONE,
    method="patch_audience",
    summary="Update attributes of an audience (JSON Patch, op add)",
    response=Audience | None,
    body=list[JsonPatchOperation],
)
UPDATE = Operation(
    "updateAudience",
    "PUT",
    _ONE,
    method="update_audience",
    summary="Replace an audience",
    response=Audience | None,
    body=AudienceInput,
)
BULK_GET = Operation(
    "bulkGetAudiences",
    "POST",
    "/audiences/bulk-get",
    method="bulk_get_audiences",
    summary="Retrieve up to 100 audiences by id",
    response=BulkGetAudiencesResponse,
    body=BulkGetRequest,
    idempotent=True,
)

OPERATIONS = (LIST, CREATE, GET, DELETE, PATCH, UPDATE, BULK_GET)


class AudiencesAPI(BaseAEPClient):
    async def list_audiences(
        self,
        *,
        start: int | None = None,
        limit: int | None = None,
        sort: str | None = None,
        property_filter: str | None = None,
        name: str | None = None,
        description: str | None = None,
        entity_type: str | None = None,
        sandbox: str | None = None,
    ) -> AudienceList:
        query = {
            "start": start,
            "limit": limit,
            "sort": sort,
            "property": property_filter,
            "name": name,
            "description": description,
            "entityType": entity_type,
        }
        return await self._call(LIST, sandbox=sandbox, query=query)  # type: ignore[no-any-return]

    def iter_audiences(
        self,
        *,
        limit: int | None = None,
        sort: str | None = None,
        property_filter: str | None = None,
        name: str | None = None,
        description: str | None = None,
        entity_type: str | None = None,
        max_pages: int | None = None,
        sandbox: str | None = None,
    ) -> AsyncIterator[Audience]:
        """Every audience: the next `start` comes from `_page.next` (or `_links.next.href`)."""

        async def fetch(params: dict[str, Any]) -> AudienceList:
            return await self.list_audiences(**params, sandbox=sandbox)

        def following(page: AudienceList, params: dict[str, Any], _: int) -> dict[str, Any] | None:
            paging = page.paging
            if paging is not None and paging.next is not None:
                return {**params, "start": paging.next}
            linked = link_query(link_href(page.links.next if page.links else None), ["start"])
            if linked is None:
                return None
            return {**params, "start": as_int(linked["start"])}

        return paginate(
            fetch,
            params={
                "limit": limit,
                "sort": sort,
                "property_filter": property_filter,
                "name": name,
                "description": description,
                "entity_type": entity_type,
            },
            items=lambda p: p.children,
            next_params=following,
            max_pages=max_pages,
        )

    async def create_audience(
        self, body: AudienceInput | dict[str, Any], *, sandbox: str | None = None
    ) -> Audience:
        return await self._call(CREATE, sandbox=sandbox, body=body)  # type: ignore[no-any-return]

    async def get_audience(self, audience_id: str, *, sandbox: str | None = None) -> Audience:
        """`audience_id` is the audience's `id` (not its `audienceId`)."""
        return await self._call(  # type: ignore[no-any-return]
            GET, sandbox=sandbox, path={"AUDIENCE_ID": audience_id}
        )

    async def delete_audience(
        self, audience_id: str, *, sandbox: str | None = None
    ) -> MessageResponse | None:
        return await self._call(  # type: ignore[no-any-return]
            DELETE, sandbox=sandbox, path={"AUDIENCE_ID": audience_id}
        )

    async def patch_audience(
        self,
        audience_id: str,
        body: Sequence[JsonPatchOperation | dict[str, Any]],
        *,
        sandbox: str | None = None,
    ) -> Audience | None:
        return await self._call(  # type: ignore[no-any-return]
            PATCH, sandbox=sandbox, path={"AUDIENCE_ID": audience_id}, body=body
        )

    async def update_audience(
        self, audience_id: str, body: AudienceInput | dict[str, Any], *, sandbox: str | None = None
    ) -> Audience | None:
        return await self._call(  # type: ignore[no-any-return]
            UPDATE, sandbox=sandbox, path={"AUDIENCE_ID": audience_id}, body=body
        )

    async def bulk_get_audiences(
        self, body: BulkGetRequest | dict[str, Any] | Iterable[str], *, sandbox: str | None = None
    ) -> BulkGetAudiencesResponse:
        """`body` may also be the ids themselves."""
        return await self._call(  # type: ignore[no-any-return]
            BULK_GET, sandbox=sandbox, body=bulk_body(body)
        )
