"""Segment definitions (with bulk-get) and PQL conversion."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.endpoints._shared import bulk_body
from seg_mcp.aep.models.common import BulkGetRequest, MessageResponse
from seg_mcp.aep.models.segment_definitions import (
    BulkGetSegmentDefinitionsResponse,
    SegmentConversionRequest,
    SegmentDefinition,
    SegmentDefinitionInput,
    SegmentDefinitionList,
)
from seg_mcp.aep.operation import Operation, Param
from seg_mcp.aep.paging import next_page_number, paginate

__all__ = ["OPERATIONS", "SegmentDefinitionsAPI"]

_BASE = "/segment/definitions"

LIST = Operation(
    "listSegmentDefinitions",
    "GET",
    _BASE,
    method="list_segment_definitions",
    summary="List segment definitions (page by page number)",
    response=SegmentDefinitionList,
    query=(
        Param("start", "start", int, description="page offset, as per created time"),
        Param("limit", "limit", int, description="page size"),
        Param("page", "page", int, description="page number, from 0"),
        Param("sort", "sort", description="e.g. updateTime:desc"),
        Param(
            "evaluationInfo.continuous.enabled",
            "continuous",
            bool,
            description="true: only streaming definitions",
        ),
        Param(
            "evaluationInfo.synchronous.enabled",
            "synchronous",
            bool,
            description="true: only edge definitions",
        ),
    ),
    paginator="iter_segment_definitions",
)
CREATE = Operation(
    "createSegmentDefinition",
    "POST",
    _BASE,
    method="create_segment_definition",
    summary="Create a segment definition",
    response=SegmentDefinition,
    body=SegmentDefinitionInput,
)
GET = Operation(
    "retrieveSegmentDefinitionById",
    "GET",
    _BASE + "/{SEGMENT_ID}",
    method="retrieve_segment_definition_by_id",
    summary="Retrieve a segment definition",
    response=SegmentDefinition,
)
DELETE = Operation(
    "deleteSegmentDefinition",
    "DELETE",
    _BASE + "/{SEGMENT_ID}",
    method="delete_segment_definition",
    summary="Delete a segment definition",
    response=MessageResponse | None,
)
PATCH = Operation(
    "patchSegmentDefinition",
    "PATCH",
    _BASE + "/{SEGMENT_ID}",
    method="patch_segment_definition",
    summary="Overwrite a segment definition (the body is the whole definition)",
    response=SegmentDefinition,
    body=SegmentDefinitionInput,
)
BULK_GET = Operation(
    "bulkGetSegmentDefinitions",
    "POST",
    _BASE + "/bulk-get",
    method="bulk_get_segment_definitions",
    summary="Retrieve up to 100 segment definitions by id",
    response=BulkGetSegmentDefinitionsResponse,
    body=BulkGetRequest,
    idempotent=True,
)
CONVERT = Operation(
    "convertSegmentDefinition",
    "POST",
    "/segment/conversion",
    method="convert_segment_definition",
    summary="Convert an expression between pql/text and pql/json",
    response=SegmentDefinition,
    body=SegmentConversionRequest,
    idempotent=True,  # a pure conversion: nothing is created
)

OPERATIONS = (LIST, CREATE, GET, DELETE, PATCH, BULK_GET, CONVERT)


class SegmentDefinitionsAPI(BaseAEPClient):
    async def list_segment_definitions(
        self,
        *,
        start: int | None = None,
        limit: int | None = None,
        page: int | None = None,
        sort: str | None = None,
        continuous: bool | None = None,
        synchronous: bool | None = None,
        sandbox: str | None = None,
    ) -> SegmentDefinitionList:
        query = {
            "start": start,
            "limit": limit,
            "page": page,
            "sort": sort,
            "evaluationInfo.continuous.enabled": continuous,
            "evaluationInfo.synchronous.enabled": synchronous,
        }
        return await self._call(LIST, sandbox=sandbox, query=query)  # type: ignore[no-any-return]

    def iter_segment_definitions(
        self,
        *,
        limit: int | None = None,
        sort: str | None = None,
        continuous: bool | None = None,
        synchronous: bool | None = None,
        max_pages: int | None = None,
        sandbox: str | None = None,
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

    async def create_segment_definition(
        self, body: SegmentDefinitionInput | dict[str, Any], *, sandbox: str | None = None
    ) -> SegmentDefinition:
        return await self._call(CREATE, sandbox=sandbox, body=body)  # type: ignore[no-any-return]

    async def retrieve_segment_definition_by_id(
        self, segment_id: str, *, sandbox: str | None = None
    ) -> SegmentDefinition:
        return await self._call(  # type: ignore[no-any-return]
            GET, sandbox=sandbox, path={"SEGMENT_ID": segment_id}
        )

    async def delete_segment_definition(
        self, segment_id: str, *, sandbox: str | None = None
    ) -> MessageResponse | None:
        return await self._call(  # type: ignore[no-any-return]
            DELETE, sandbox=sandbox, path={"SEGMENT_ID": segment_id}
        )

    async def patch_segment_definition(
        self,
        segment_id: str,
        body: SegmentDefinitionInput | dict[str, Any],
        *,
        sandbox: str | None = None,
    ) -> SegmentDefinition:
        return await self._call(  # type: ignore[no-any-return]
            PATCH, sandbox=sandbox, path={"SEGMENT_ID": segment_id}, body=body
        )

    async def bulk_get_segment_definitions(
        self, body: BulkGetRequest | dict[str, Any] | Iterable[str], *, sandbox: str | None = None
    ) -> BulkGetSegmentDefinitionsResponse:
        """`body` may also be the ids themselves."""
        return await self._call(  # type: ignore[no-any-return]
            BULK_GET, sandbox=sandbox, body=bulk_body(body)
        )

    async def convert_segment_definition(
        self, body: SegmentConversionRequest | dict[str, Any], *, sandbox: str | None = None
    ) -> SegmentDefinition:
        return await self._call(CONVERT, sandbox=sandbox, body=body)  # type: ignore[no-any-return]
