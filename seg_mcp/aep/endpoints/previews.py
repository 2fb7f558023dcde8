"""Previews and estimates. A preview and its estimate share one id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.endpoints._shared import as_int
from seg_mcp.aep.models.common import MessageResponse
from seg_mcp.aep.models.previews import CreatePreviewRequest, Estimate, PreviewJob, PreviewResults
from seg_mcp.aep.operation import Operation, Param
from seg_mcp.aep.paging import link_query, paginate

__all__ = ["OPERATIONS", "PreviewsAPI"]

CREATE = Operation(
    "createPreview",
    "POST",
    "/preview",
    method="create_preview",
    summary="Start a preview (and an estimate with the same id) of a PQL expression",
    response=PreviewJob,
    body=CreatePreviewRequest,
)
GET = Operation(
    "retrievePreview",
    "GET",
    "/preview/{PREVIEW_ID}",
    method="retrieve_preview",
    summary="Retrieve a page of qualifying profiles from a preview",
    response=PreviewResults,
    query=(
        Param("offset", "offset", description="page cursor, from links.next"),
        Param("limit", "limit", int, description="page size (default 1000)"),
    ),
    paginator="iter_preview_results",
)
DELETE = Operation(
    "deletePreview",
    "DELETE",
    "/preview/{PREVIEW_ID}",
    method="delete_preview",
    summary="Cancel or delete a preview",
    response=MessageResponse | None,
)
ESTIMATE = Operation(
    "retrieveEstimate",
    "GET",
    "/estimate/{ESTIMATE_ID}",
    method="retrieve_estimate",
    summary="Retrieve the size estimate of a preview (same id as the preview)",
    response=Estimate,
)

OPERATIONS = (CREATE, GET, DELETE, ESTIMATE)


class PreviewsAPI(BaseAEPClient):
    async def create_preview(
        self, body: CreatePreviewRequest | dict[str, Any], *, sandbox: str | None = None
    ) -> PreviewJob:
        return await self._call(CREATE, sandbox=sandbox, body=body)  # type: ignore[no-any-return]

    async def retrieve_preview(
        self,
        preview_id: str,
        *,
        offset: str | None = None,
        limit: int | None = None,
        sandbox: str | None = None,
    ) -> PreviewResults:
        return await self._call(  # type: ignore[no-any-return]
            GET,
            sandbox=sandbox,
            path={"PREVIEW_ID": preview_id},
            query={"offset": offset, "limit": limit},
        )

    def iter_preview_results(
        self,
        preview_id: str,
        *,
        limit: int | None = None,
        max_pages: int | None = None,
        sandbox: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every result item (raw; see `PreviewResults.entities`), following `links.next`.

        It does not wait for the preview: call it once `state` is RESULT_READY.
        """

        async def fetch(params: dict[str, Any]) -> PreviewResults:
            return await self.retrieve_preview(preview_id, **params, sandbox=sandbox)

        def following(
            page: PreviewResults, params: dict[str, Any], _: int
        ) -> dict[str, Any] | None:
            linked = link_query(page.links.next if page.links else None, ["offset", "limit"])
            if linked is None or "offset" not in linked:
                return None
            return {**params, **{k: as_int(v) if k == "limit" else v for k, v in linked.items()}}

        return paginate(
            fetch,
            params={"limit": limit},
            items=lambda p: p.results,
            next_params=following,
            max_pages=max_pages,
        )

    async def delete_preview(
        self, preview_id: str, *, sandbox: str | None = None
    ) -> MessageResponse | None:
        return await self._call(  # type: ignore[no-any-return]
            DELETE, sandbox=sandbox, path={"PREVIEW_ID": preview_id}
        )

    async def retrieve_estimate(self, estimate_id: str, *, sandbox: str | None = None) -> Estimate:
        """`estimate_id` is the preview id."""
        return await self._call(  # type: ignore[no-any-return]
            ESTIMATE, sandbox=sandbox, path={"ESTIMATE_ID": estimate_id}
        )
