"""Segment jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.endpoints._shared import as_int, bulk_body
from seg_mcp.aep.models.common import BulkGetRequest, MessageResponse
from seg_mcp.aep.models.segment_jobs import (
    AllSegmentsJobRequest,
    BulkGetSegmentJobsResponse,
    SegmentJob,
    SegmentJobList,
    SegmentJobRequest,
)
from seg_mcp.aep.operation import Operation, Param
from seg_mcp.aep.paging import link_href, link_query, paginate

__all__ = ["OPERATIONS", "SegmentJobsAPI"]

_ONE = "/segment/jobs/{SEGMENT_JOB_ID}"

LIST = Operation(
    "listSegmentJobs",
    "GET",
    "/segment/jobs",
    method="list_segment_jobs",
    summary="List segment jobs (follows _links.next)",
    response=SegmentJobList,
    query=(
        Param("start", "start", int, description="page offset, as per created time"),
        Param("limit", "limit", int, description="page size"),
        Param("status", "status", description="NEW, QUEUED, PROCESSING, SUCCEEDED, FAILED, ..."),
        Param("sort", "sort", description="e.g. creationTime:desc"),
        Param("property", "property_filter", description="e.g. segments~segmentId==<id>"),
        Param("snapshot.name", "snapshot_name", description="legacy snapshot name"),
    ),
    paginator="iter_segment_jobs",
)
CREATE = Operation(
    "createSegmentJob",
    "POST",
    "/segment/jobs",
    method="create_segment_job",
    summary="Evaluate segment definitions now (a segment job)",
    response=SegmentJob,
    body=list[SegmentJobRequest] | AllSegmentsJobRequest,
)
GET = Operation(
    "retrieveSegmentJob",
    "GET",
    _ONE,
    method="retrieve_segment_job",
    summary="Retrieve a segment job",
    response=SegmentJob,
)
DELETE = Operation(
    "deleteSegmentJob",
    "DELETE",
    _ONE,
    method="delete_segment_job",
    summary="Cancel a segment job",
    response=MessageResponse | None,
)
BULK_GET = Operation(
    "bulkGetSegmentJobs",
    "POST",
    "/segment/jobs/bulk-get",
    method="bulk_get_segment_jobs",
    summary="Retrieve several segment jobs by id",
    response=BulkGetSegmentJobsResponse,
    body=BulkGetRequest,
    idempotent=True,
)

OPERATIONS = (LIST, CREATE, GET, DELETE, BULK_GET)

_LINK_KEYS = {"start": "start", "limit": "limit", "status": "status", "sort": "sort"}


class SegmentJobsAPI(BaseAEPClient):
    async def list_segment_jobs(
        self,
        *,
        start: int | None = None,
        limit: int | None = None,
        status: str | None = None,
        sort: str | None = None,
        property_filter: str | None = None,
        snapshot_name: str | None = None,
        sandbox: str | None = None,
    ) -> SegmentJobList:
        query = {
            "start": start,
            "limit": limit,
            "status": status,
            "sort": sort,
            "property": property_filter,
            "snapshot.name": snapshot_name,
        }
        return await self._call(LIST, sandbox=sandbox, query=query)  # type: ignore[no-any-return]

    def iter_segment_jobs(
        self,
        *,
        limit: int | None = None,
        status: str | None = None,
        sort: str | None = None,
        property_filter: str | None = None,
        max_pages: int | None = None,
        sandbox: str | None = None,
    ) -> AsyncIterator[SegmentJob]:
        """Every job: each next page is requested with the query of `_links.next.href`."""

        async def fetch(params: dict[str, Any]) -> SegmentJobList:
            return await self.list_segment_jobs(**params, sandbox=sandbox)

        def following(
            page: SegmentJobList, params: dict[str, Any], _: int
        ) -> dict[str, Any] | None:
            linked = link_query(link_href(page.links.next if page.links else None), _LINK_KEYS)
            if linked is None or "start" not in linked:
                return None
            return {**params, **{_LINK_KEYS[k]: as_int(v) for k, v in linked.items()}}

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

    async def create_segment_job(
        self,
        body: Sequence[SegmentJobRequest | dict[str, Any] | str] | AllSegmentsJobRequest,
        *,
        sandbox: str | None = None,
    ) -> SegmentJob:
        """`body` is `[{"segmentId": ...}, ...]`, or plain segment ids, or the all-segments form."""
        if isinstance(body, list | tuple):
            body = [{"segmentId": item} if isinstance(item, str) else item for item in body]
        return await self._call(CREATE, sandbox=sandbox, body=body)  # type: ignore[no-any-return]

    async def retrieve_segment_job(
        self, segment_job_id: str, *, sandbox: str | None = None
    ) -> SegmentJob:
        return await self._call(  # type: ignore[no-any-return]
            GET, sandbox=sandbox, path={"SEGMENT_JOB_ID": segment_job_id}
        )

    async def delete_segment_job(
        self, segment_job_id: str, *, sandbox: str | None = None
    ) -> MessageResponse | None:
        """Cancel the job (204, with or without a body: reference §13.1)."""
        return await self._call(  # type: ignore[no-any-return]
            DELETE, sandbox=sandbox, path={"SEGMENT_JOB_ID": segment_job_id}
        )

    async def bulk_get_segment_jobs(
        self, body: BulkGetRequest | dict[str, Any] | Iterable[str], *, sandbox: str | None = None
    ) -> BulkGetSegmentJobsResponse:
        """`body` may also be the ids themselves."""
        return await self._call(  # type: ignore[no-any-return]
            BULK_GET, sandbox=sandbox, body=bulk_body(body)
        )
