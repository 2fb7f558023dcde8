"""Audiences."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.audiences import (
    Audience,
    AudienceInput,
    AudienceList,
    BulkGetAudiencesResponse,
    ExternalAudienceRun,
)
from seg_mcp.aep.models.common import BulkGetRequest, JsonPatchOperation, MessageResponse
from seg_mcp.aep.operation import Query, SandboxName, Service, operation
from seg_mcp.aep.paging import next_start, paginate

__all__ = ["AudiencesAPI"]

_ONE = "/audiences/{AUDIENCE_ID}"


class AudiencesAPI(BaseAEPClient):
    @operation(
        "listAudiences",
        "GET",
        "/audiences",
        summary="List audiences (page by start/limit)",
        paginator="iter_audiences",
    )
    async def list_audiences(
        self,
        *,
        start: Annotated[int | None, Query("starting offset")] = None,
        limit: Annotated[int | None, Query("page size")] = None,
        sort: Annotated[str | None, Query("attribute:asc|desc, e.g. updateTime:desc")] = None,
        property_filter: Annotated[
            str | None, Query("exact match, e.g. audienceId==abc", name="property")
        ] = None,
        name: Annotated[str | None, Query("name contains (case-insensitive)")] = None,
        description: Annotated[str | None, Query("description contains")] = None,
        entity_type: Annotated[str | None, Query("e.g. _xom.context.account")] = None,
        sandbox: SandboxName = None,
    ) -> AudienceList:
        raise NotImplementedError  # @operation sends the request

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
        sandbox: SandboxName = None,
    ) -> AsyncIterator[Audience]:
        """Every audience: the next `start` comes from `_page.next` (or `_links.next.href`)."""

        async def fetch(params: dict[str, Any]) -> AudienceList:
            return await self.list_audiences(**params, sandbox=sandbox)

        def following(page: AudienceList, params: dict[str, Any], _: int) -> dict[str, Any] | None:
            paging = page.paging
            return next_start(paging and paging.next, page.links and page.links.next, params)

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

    @operation(
        "createAudience", "POST", "/audiences", summary="Create an audience", body=AudienceInput
    )
    async def create_audience(
        self, body: AudienceInput | dict[str, Any], *, sandbox: SandboxName = None
    ) -> Audience:
        raise NotImplementedError  # @operation sends the request

    @operation("getAudience", "GET", _ONE, summary="Retrieve an audience by id")
    async def get_audience(self, audience_id: str, *, sandbox: SandboxName = None) -> Audience:
        """`audience_id` is the audience's `id` (not its `audienceId`)."""
        raise NotImplementedError  # @operation sends the request

    @operation("deleteAudience", "DELETE", _ONE, summary="Delete an audience")
    async def delete_audience(
        self, audience_id: str, *, sandbox: SandboxName = None
    ) -> MessageResponse | None:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "patchAudience",
        "PATCH",
        _ONE,
        summary="Update attributes of an audience (JSON Patch, op add)",
        body=list[JsonPatchOperation],
    )
    async def patch_audience(
        self,
        audience_id: str,
        body: Sequence[JsonPatchOperation | dict[str, Any]],
        *,
        sandbox: SandboxName = None,
    ) -> Audience | None:
        raise NotImplementedError  # @operation sends the request

    @operation("updateAudience", "PUT", _ONE, summary="Replace an audience", body=AudienceInput)
    async def update_audience(
        self, audience_id: str, body: AudienceInput | dict[str, Any], *, sandbox: SandboxName = None
    ) -> Audience | None:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "bulkGetAudiences",
        "POST",
        "/audiences/bulk-get",
        summary="Retrieve up to 100 audiences by id",
        body=BulkGetRequest,
        idempotent=True,
    )
    async def bulk_get_audiences(
        self, body: BulkGetRequest | dict[str, Any] | Iterable[str], *, sandbox: SandboxName = None
    ) -> BulkGetAudiencesResponse:
        """`body` may also be the ids themselves."""
        raise NotImplementedError  # @operation sends the request

    @operation(
        "getExternalAudienceRun",
        "GET",
        "/external-audience/{AUDIENCE_ID}/runs/{RUN_ID}",
        summary="Status of one ingestion run of an external audience (Audience Ingestion API)",
        service=Service.AUDIENCE_INGESTION,
        in_spec=False,
    )
    async def get_external_audience_run(
        self, audience_id: str, run_id: str, *, sandbox: SandboxName = None
    ) -> ExternalAudienceRun:
        """Adobe's external audiences guide, "Retrieve specific audience ingestion status"."""
        raise NotImplementedError  # @operation sends the request
