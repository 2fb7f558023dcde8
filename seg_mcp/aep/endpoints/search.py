"""Segment search. Every call sends `x-ups-search-version: 1.0`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.search import (
    SearchEntity,
    SearchEntityList,
    SearchNamespaceList,
    TaxonomyResult,
)
from seg_mcp.aep.operation import Query, SandboxName, operation
from seg_mcp.aep.paging import next_page_number, paginate

__all__ = ["SEGMENT_DEFINITION_SCHEMA", "SearchAPI"]

#: The only schema class search supports.
SEGMENT_DEFINITION_SCHEMA = "_xdm.context.segmentdefinition"
_SEARCH_HEADERS = {"x-ups-search-version": "1.0"}
#: `schema.name`, filled in by the method.
_SCHEMA_NAME = Query(SEGMENT_DEFINITION_SCHEMA, name="schema.name", required=True)


class SearchAPI(BaseAEPClient):
    @operation(
        "listSearchCounts",
        "GET",
        "/search/namespaces",
        summary="Count search hits per namespace",
        headers=_SEARCH_HEADERS,
    )
    async def list_search_counts(
        self,
        *,
        schema_name: Annotated[str, _SCHEMA_NAME] = SEGMENT_DEFINITION_SCHEMA,
        s: Annotated[str | None, Query("Lucene query, e.g. segmentName:Platform")] = None,
        sandbox: SandboxName = None,
    ) -> SearchNamespaceList:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "listFullTextIndexedObjects",
        "GET",
        "/search/entities",
        summary="Search folders and segments within a namespace (page by page number)",
        headers=_SEARCH_HEADERS,
        paginator="iter_full_text_indexed_objects",
    )
    async def list_full_text_indexed_objects(
        self,
        *,
        # The spec and Postman name it schemaClass, the docs schema.name (reference §13.3).
        schema_class: Annotated[
            str, Query(SEGMENT_DEFINITION_SCHEMA, required=True, aliases=("schema.name",))
        ] = SEGMENT_DEFINITION_SCHEMA,
        namespace: Annotated[str, Query("e.g. AAMSegments")],
        s: Annotated[str | None, Query("Lucene query")] = None,
        entity_id: Annotated[str | None, Query("folder to search in")] = None,
        limit: Annotated[int | None, Query("page size (max 50)")] = None,
        page: Annotated[int | None, Query("page number, from 0")] = None,
        sandbox: SandboxName = None,
    ) -> SearchEntityList:
        raise NotImplementedError  # @operation sends the request

    def iter_full_text_indexed_objects(
        self,
        *,
        namespace: str,
        s: str | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        max_pages: int | None = None,
        sandbox: SandboxName = None,
    ) -> AsyncIterator[SearchEntity]:
        """Every hit, requesting `page` = 0, 1, ... until `page.totalPages`."""

        async def fetch(params: dict[str, Any]) -> SearchEntityList:
            return await self.list_full_text_indexed_objects(**params, sandbox=sandbox)

        def following(
            result: SearchEntityList, params: dict[str, Any], count: int
        ) -> dict[str, Any] | None:
            total = result.page.total_pages if result.page else None
            return next_page_number(params, total_pages=total, count=count, limit=limit)

        return paginate(
            fetch,
            params={
                "namespace": namespace,
                "s": s,
                "entity_id": entity_id,
                "limit": limit,
                "page": 0,
            },
            items=lambda r: r.entities,
            next_params=following,
            max_pages=max_pages,
        )

    @operation(
        "retrieveSearchObjectStructure",
        "GET",
        "/search/taxonomy",
        summary="Folders from the root down to an object",
        headers=_SEARCH_HEADERS,
    )
    async def retrieve_search_object_structure(
        self,
        *,
        schema_name: Annotated[str, _SCHEMA_NAME] = SEGMENT_DEFINITION_SCHEMA,
        namespace: str,
        entity_id: str,
        sandbox: SandboxName = None,
    ) -> TaxonomyResult:
        raise NotImplementedError  # @operation sends the request
