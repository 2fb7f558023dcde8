"""Previews and estimates. A preview and its estimate share one id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.common import MessageResponse
from seg_mcp.aep.models.previews import CreatePreviewRequest, Estimate, PreviewJob, PreviewResults
from seg_mcp.aep.operation import Query, SandboxName, operation
from seg_mcp.aep.paging import follow_link, paginate

__all__ = ["PreviewsAPI"]


class PreviewsAPI(BaseAEPClient):
    @operation(
        "createPreview",
        "POST",
        "/preview",
        summary="Start a preview (and an estimate with the same id) of a PQL expression",
        body=CreatePreviewRequest,
    )
    async def create_preview(
        self, body: CreatePreviewRequest | dict[str, Any], *, sandbox: SandboxName = None
    ) -> PreviewJob:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "retrievePreview",
        "GET",
        "/preview/{PREVIEW_ID}",
        summary="Retrieve a page of qualifying profiles from a preview",
        paginator="iter_preview_results",
    )
    async def retrieve_preview(
        self,
        preview_id: str,
        *,
        offset: Annotated[str | None, Query("page cursor, from links.next")] = None,
        limit: Annotated[int | None, Query("page size (default 1000)")] = None,
        sandbox: SandboxName = None,
    ) -> PreviewResults:
        raise NotImplementedError  # @operation sends the request

    def iter_preview_results(
        self,
        preview_id: str,
        *,
        limit: int | None = None,
        max_pages: int | None = None,
        sandbox: SandboxName = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every result item (raw; see `PreviewResults.entities`), following `links.next`.

        It does not wait for the preview: call it once `state` is RESULT_READY.
        """

        async def fetch(params: dict[str, Any]) -> PreviewResults:
            return await self.retrieve_preview(preview_id, **params, sandbox=sandbox)

        def following(
            page: PreviewResults, params: dict[str, Any], _: int
        ) -> dict[str, Any] | None:
            link = page.links.next if page.links else None
            return follow_link(link, params, ["offset", "limit"], cursor="offset")

        return paginate(
            fetch,
            params={"limit": limit},
            items=lambda p: p.results,
            next_params=following,
            max_pages=max_pages,
        )

    @operation(
        "deletePreview", "DELETE", "/preview/{PREVIEW_ID}", summary="Cancel or delete a preview"
    )
    async def delete_preview(
        self, preview_id: str, *, sandbox: SandboxName = None
    ) -> MessageResponse | None:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "retrieveEstimate",
        "GET",
        "/estimate/{ESTIMATE_ID}",
        summary="Retrieve the size estimate of a preview (same id as the preview)",
    )
    async def retrieve_estimate(self, estimate_id: str, *, sandbox: SandboxName = None) -> Estimate:
        """`estimate_id` is the preview id."""
        raise NotImplementedError  # @operation sends the request
