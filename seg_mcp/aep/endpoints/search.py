"""Segment search. Every call sends `x-ups-search-version: 1.0`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.search import (
    SearchEntity,
    SearchEntityList,
    SearchNamespaceList,
    TaxonomyResult,
)
from seg_mcp.aep.operation import Operation, Param
from seg_mcp.aep.paging import next_page_number, paginate

__all__ = ["OPERATIONS", "SEGMENT_DEFINITION_SCHEMA", "SearchAPI"]

#: The only schema class search supports.
SEGMENT_DEFINITION_SCHEMA = "_xdm.context.segmentdefinition"
_SEARCH_HEADERS = {"x-ups-search-version": "1.0"}

COUNTS = Operation(
    "listSearchCounts",
    "GET",
    "/search/namespaces",
    method="list_search_counts",
    summary="Count search hits per namespace",
    response=SearchNamespaceList,
    query=(
        Param("schema.name", "schema_name", required=True, description=SEGMENT_DEFINITION_SCHEMA),
        Param("s", "s", description="Lucene query, e.g. segmentName:Platform"),
    ),
    headers=_SEARCH_HEADERS,
)
ENTITIES = Operation(
    "listFullTextIndexedObjects",
    "GET",
    "/search/entities",
    method="list_full_text_indexed_objects",
    summary="Search folders and segments within a namespace (page by page number)",
    response=SearchEntityList,
    query=(
        # The spec and Postman name it schemaClass, the docs schema.name (reference §13.3).
        Param(
            "schemaClass",
            "schema_class",
            required=True,
            aliases=("schema.name",),
            description=SEGMENT_DEFINITION_SCHEMA,
        ),
        Param("namespace", "namespace", required=True, description="e.g. AAMSegments"),
        Param("s", "s", description="Lucene query"),
        Param("entityId", "entity_id", description="folder to search in"),
        Param("limit", "limit", int, description="page size (max 50)"),
        Param("page", "page", int, description="page number, from 0"),
    ),
    headers=_SEARCH_HEADERS,
    paginator="iter_full_text_indexed_objects",
)
TAXONOMY = Operation(
    "retrieveSearchObjectStructure",
    "GET",
    "/search/taxonomy",
    method="retrieve_search_object_structure",
    summary="Folders from the root down to an object",
    response=TaxonomyResult,
    query=(
        Param("schema.name", "schema_name", required=True, description=SEGMENT_DEFINITION_SCHEMA),
        Param("namespace", "namespace", required=True),
        Param("entityId", "entity_id", required=True),
    ),
    headers=_SEARCH_HEADERS,
)

OPERATIONS = (COUNTS, ENTITIES, TAXONOMY)


class SearchAPI(BaseAEPClient):
    async def list_search_counts(
        self,
        *,
        s: str | None = None,
        schema_name: str = SEGMENT_DEFINITION_SCHEMA,
        sandbox: str | None = None,
    ) -> SearchNamespaceList:
        return await self._call(  # type: ignore[no-any-return]
            COUNTS, sandbox=sandbox, query={"schema.name": schema_name, "s": s}
        )

    async def list_full_text_indexed_objects(
        self,
        *,
        namespace: str,
        s: str | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        page: int | None = None,
        schema_class: str = SEGMENT_DEFINITION_SCHEMA,
        sandbox: str | None = None,
    ) -> SearchEntityList:
        query = {
            "schemaClass": schema_class,
            "namespace": namespace,
            "s": s,
            "entityId": entity_id,
            "limit": limit,
            "page": page,
        }
        return await self._call(ENTITIES, sandbox=sandbox, query=query)  # type: ignore[no-any-return]

    def iter_full_text_indexed_objects(
        self,
        *,
        namespace: str,
        s: str | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        max_pages: int | None = None,
        sandbox: str | None = None,
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

    async def retrieve_search_object_structure(
        self,
        *,
        namespace: str,
        entity_id: str,
        schema_name: str = SEGMENT_DEFINITION_SCHEMA,
        sandbox: str | None = None,
    ) -> TaxonomyResult:
        query = {"schema.name": schema_name, "namespace": namespace, "entityId": entity_id}
        return await self._call(TAXONOMY, sandbox=sandbox, query=query)  # type: ignore[no-any-return]
