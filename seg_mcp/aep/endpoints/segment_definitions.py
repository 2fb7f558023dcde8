"""Segment definitions (with bulk-get) and PQL conversion."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.common import BulkGetRequest, MessageResponse
from seg_mcp.aep.models.segment_definitions import (
    BulkGetSegmentDefinitionsResponse,
    SegmentConversionRequest,
    SegmentDefinition,
    SegmentDefinitionInput,
    SegmentDefinitionList,
)
from seg_mcp.aep.operation import Query, SandboxName, operation
from seg_mcp.aep.paging import next_page_number, paginate

__all__ = ["SegmentDefinitionsAPI"]

_BASE = "/segment/definitions"
_ONE = _BASE + "/{SEGMENT_ID}"


class SegmentDefinitionsAPI(BaseAEPClient):
    @operation(
        "listSegmentDefinitions",
        "GET",
        _BASE,
        summary="List segment definitions (page by page number)",
        paginator="iter_segment_definitions",
    )
    async def list_segment_definitions(
        self,
        *,
        start: Annotated[int | None, Query("page offset, as per created time")] = None,
        limit: Annotated[int | None, Query("page size")] = None,
        page: Annotated[int | None, Query("page number, from 0")] = None,
        sort: Annotated[str | None, Query("e.g. updateTime:desc")] = None,
        continuous: Annotated[
            bool | None,
            Query("true: only streaming definitions", name="evaluationInfo.continuous.enabled"),
        ] = None,
        synchronous: Annotated[
            bool | None,
            Query("true: only edge definitions", name="evaluationInfo.synchronous.enabled"),
        ] = None,
        sandbox: SandboxName = None,
    ) -> SegmentDefinitionList:
        raise NotImplementedError  # @operation sends the request

    def iter_segment_definitions(
        self,
        *,
        limit: int | None = None,
        sort: str | None = None,
        continuous: bool | None = None,
        synchronous: bool | None = None,
        max_pages: int | None = None,
        sandbox: SandboxName = None,
    ) -> AsyncIterator[SegmentDefinition]:
        """Every definition, requesting `page` = 0, 1, ... until `page.totalPages`."""

        async def fetch(params: dict[str, Any]) -> SegmentDefinitionList:
            return await self.list_segment_definitions(**params, sandbox=sandbox)

        def following(
            page: SegmentDefinitionList, params: dict[str, Any], count: int
        ) -> dict[str, Any] | None:
            total = page.page.total_pages if page.page else None
            return next_page_number(params, total_pages=total, count=count, limit=limit)

        return paginate(
            fetch,
            params={
                "page": 0,
                "limit": limit,
                "sort": sort,
                "continuous": continuous,
                "synchronous": synchronous,
            },
            items=lambda p: p.segments,
            next_params=following,
            max_pages=max_pages,
        )

    @operation(
        "createSegmentDefinition",
        "POST",
        _BASE,
        summary="Create a segment definition",
        body=SegmentDefinitionInput,
    )
    async def create_segment_definition(
        self, body: SegmentDefinitionInput | dict[str, Any], *, sandbox: SandboxName = None
    ) -> SegmentDefinition:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "retrieveSegmentDefinitionById", "GET", _ONE, summary="Retrieve a segment definition"
    )
    async def retrieve_segment_definition_by_id(
        self, segment_id: str, *, sandbox: SandboxName = None
    ) -> SegmentDefinition:
        raise NotImplementedError  # @operation sends the request

    @operation("deleteSegmentDefinition", "DELETE", _ONE, summary="Delete a segment definition")
    async def delete_segment_definition(
        self, segment_id: str, *, sandbox: SandboxName = None
    ) -> MessageResponse | None:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "patchSegmentDefinition",
        "PATCH",
        _ONE,
        summary="Overwrite a segment definition (the body is the whole definition)",
        body=SegmentDefinitionInput,
    )
    async def patch_segment_definition(
        self,
        segment_id: str,
        body: SegmentDefinitionInput | dict[str, Any],
        *,
        sandbox: SandboxName = None,
    ) -> SegmentDefinition:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "bulkGetSegmentDefinitions",
        "POST",
        _BASE + "/bulk-get",
        summary="Retrieve up to 100 segment definitions by id",
        body=BulkGetRequest,
        idempotent=True,
    )
    async def bulk_get_segment_definitions(
        self, body: BulkGetRequest | dict[str, Any] | Iterable[str], *, sandbox: SandboxName = None
    ) -> BulkGetSegmentDefinitionsResponse:
        """`body` may also be the ids themselves."""
        raise NotImplementedError  # @operation sends the request

    @operation(
        "convertSegmentDefinition",
        "POST",
        "/segment/conversion",
        summary="Convert an expression between pql/text and pql/json",
        body=SegmentConversionRequest,
        idempotent=True,  # a pure conversion: nothing is created
    )
    async def convert_segment_definition(
        self, body: SegmentConversionRequest | dict[str, Any], *, sandbox: SandboxName = None
    ) -> SegmentDefinition:
        raise NotImplementedError  # @operation sends the request
