"""Export jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.common import MessageResponse
from seg_mcp.aep.models.export_jobs import CreateExportJobRequest, ExportJob, ExportJobList
from seg_mcp.aep.operation import Query, SandboxName, operation
from seg_mcp.aep.paging import follow_link, paginate

__all__ = ["ExportJobsAPI"]

_ONE = "/export/jobs/{EXPORT_JOB_ID}"


class ExportJobsAPI(BaseAEPClient):
    @operation(
        "listExportJobs",
        "GET",
        "/export/jobs",
        summary="List export jobs (offset cursor from link.next)",
        paginator="iter_export_jobs",
    )
    async def list_export_jobs(
        self,
        *,
        limit: Annotated[int | None, Query("page size")] = None,
        offset: Annotated[str | None, Query('cursor "<creationTimeMs>_<id>"')] = None,
        status: Annotated[str | None, Query("NEW, SUCCEEDED or FAILED")] = None,
        sandbox: SandboxName = None,
    ) -> ExportJobList:
        raise NotImplementedError  # @operation sends the request

    def iter_export_jobs(
        self,
        *,
        limit: int | None = None,
        status: str | None = None,
        max_pages: int | None = None,
        sandbox: SandboxName = None,
    ) -> AsyncIterator[ExportJob]:
        """Every export job, newest first, taking each `offset` cursor from `link.next`."""

        async def fetch(params: dict[str, Any]) -> ExportJobList:
            return await self.list_export_jobs(**params, sandbox=sandbox)

        def following(page: ExportJobList, params: dict[str, Any], _: int) -> dict[str, Any] | None:
            link = page.link.next if page.link else None
            return follow_link(link, params, ["offset", "limit", "status"], cursor="offset")

        return paginate(
            fetch,
            params={"limit": limit, "status": status},
            items=lambda p: p.records,
            next_params=following,
            max_pages=max_pages,
        )

    @operation(
        "createExportJob",
        "POST",
        "/export/jobs",
        summary="Export audience members to a dataset",
        body=CreateExportJobRequest,
    )
    async def create_export_job(
        self, body: CreateExportJobRequest | dict[str, Any], *, sandbox: SandboxName = None
    ) -> ExportJob:
        raise NotImplementedError  # @operation sends the request

    @operation("retrieveExportJob", "GET", _ONE, summary="Retrieve an export job")
    async def retrieve_export_job(
        self, export_job_id: str | int, *, sandbox: SandboxName = None
    ) -> ExportJob:
        raise NotImplementedError  # @operation sends the request

    @operation("cancelExportJob", "DELETE", _ONE, summary="Cancel or delete an export job")
    async def cancel_export_job(
        self, export_job_id: str | int, *, sandbox: SandboxName = None
    ) -> MessageResponse | None:
        """200 with a message (spec) or 204 without one (docs): reference §13.1."""
        raise NotImplementedError  # @operation sends the request
