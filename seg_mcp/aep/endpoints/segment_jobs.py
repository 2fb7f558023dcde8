"""Segment jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.common import BulkGetRequest, MessageResponse
from seg_mcp.aep.models.segment_jobs import (
    AllSegmentsJobRequest,
    BulkGetSegmentJobsResponse,
    SegmentJob,
    SegmentJobList,
    SegmentJobRequest,
)
from seg_mcp.aep.operation import Query, SandboxName, operation
from seg_mcp.aep.paging import follow_link, paginate

__all__ = ["SegmentJobsAPI"]

_ONE = "/segment/jobs/{SEGMENT_JOB_ID}"


class SegmentJobsAPI(BaseAEPClient):
    @operation(
        "listSegmentJobs",
        "GET",
        "/segment/jobs",
        summary="List segment jobs (follows _links.next)",
        paginator="iter_segment_jobs",
    )
    async def list_segment_jobs(
        self,
        *,
        start: Annotated[int | None, Query("page offset, as per created time")] = None,
        limit: Annotated[int | None, Query("page size")] = None,
        status: Annotated[
            str | None, Query("NEW, QUEUED, PROCESSING, SUCCEEDED, FAILED, ...")
        ] = None,
        sort: Annotated[str | None, Query("e.g. creationTime:desc")] = None,
        property_filter: Annotated[
            str | None, Query("e.g. segments~segmentId==<id>", name="property")
        ] = None,
        snapshot_name: Annotated[
            str | None, Query("legacy snapshot name", name="snapshot.name")
        ] = None,
        sandbox: SandboxName = None,
    ) -> SegmentJobList:
        raise NotImplementedError  # @operation sends the request

    def iter_segment_jobs(
        self,
        *,
        limit: int | None = None,
        status: str | None = None,
        sort: str | None = None,
        property_filter: str | None = None,
        max_pages: int | None = None,
        sandbox: SandboxName = None,
    ) -> AsyncIterator[SegmentJob]:
        """Every job: each next page is requested with the query of `_links.next.href`."""

        async def fetch(params: dict[str, Any]) -> SegmentJobList:
            return await self.list_segment_jobs(**params, sandbox=sandbox)

        def following(
            page: SegmentJobList, params: dict[str, Any], _: int
        ) -> dict[str, Any] | None:
            link = page.links.next if page.links else None
            return follow_link(link, params, ["start", "limit", "status", "sort"], cursor="start")

        return paginate(
            fetch,
            params={
                "limit": limit,
                "status": status,
                "sort": sort,
                "property_filter": property_filter,
            },
            items=lambda p: p.children,
            next_params=following,
            max_pages=max_pages,
        )

    @operation(
        "createSegmentJob",
        "POST",
        "/segment/jobs",
        summary="Evaluate segment definitions now (a segment job)",
        body=list[SegmentJobRequest] | AllSegmentsJobRequest,
    )
    async def create_segment_job(
        self,
        body: Sequence[SegmentJobRequest | dict[str, Any] | str] | AllSegmentsJobRequest,
        *,
        sandbox: SandboxName = None,
    ) -> SegmentJob:
        """`body` is `[{"segmentId": ...}, ...]`, or plain segment ids, or the all-segments form."""
        raise NotImplementedError  # @operation sends the request

    @operation("retrieveSegmentJob", "GET", _ONE, summary="Retrieve a segment job")
    async def retrieve_segment_job(
        self, segment_job_id: str, *, sandbox: SandboxName = None
    ) -> SegmentJob:
        raise NotImplementedError  # @operation sends the request

    @operation("deleteSegmentJob", "DELETE", _ONE, summary="Cancel a segment job")
    async def delete_segment_job(
        self, segment_job_id: str, *, sandbox: SandboxName = None
    ) -> MessageResponse | None:
        """Cancel the job (204, with or without a body: reference §13.1)."""
        raise NotImplementedError  # @operation sends the request

    @operation(
        "bulkGetSegmentJobs",
        "POST",
        "/segment/jobs/bulk-get",
        summary="Retrieve several segment jobs by id",
        body=BulkGetRequest,
        idempotent=True,
    )
    async def bulk_get_segment_jobs(
        self, body: BulkGetRequest | dict[str, Any] | Iterable[str], *, sandbox: SandboxName = None
    ) -> BulkGetSegmentJobsResponse:
        """`body` may also be the ids themselves."""
        raise NotImplementedError  # @operation sends the request
