"""Export jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.endpoints._shared import as_int
from seg_mcp.aep.models.common import MessageResponse
from seg_mcp.aep.models.export_jobs import CreateExportJobRequest, ExportJob, ExportJobList
from seg_mcp.aep.operation import Operation, Param
from seg_mcp.aep.paging import link_query, paginate

__all__ = ["OPERATIONS", "ExportJobsAPI"]

_ONE = "/export/jobs/{EXPORT_JOB_ID}"

LIST = Operation(
    "listExportJobs",
    "GET",
    "/export/jobs",
    method="list_export_jobs",
    summary="List export jobs (offset cursor from link.next)",
    response=ExportJobList,
    query=(
        Param("limit", "limit", int, description="page size"),
        Param("offset", "offset", description='cursor "<creationTimeMs>_<id>"'),
        Param("status", "status", description="NEW, SUCCEEDED or FAILED"),
    ),
    paginator="iter_export_jobs",
)
CREATE = Operation(
    "createExportJob",
    "POST",
    "/export/jobs",
    method="create_export_job",
    summary="Export audience members to a dataset",
    response=ExportJob,
    body=CreateExportJobRequest,
)
GET = Operation(
    "retrieveExportJob",
    "GET",
    _ONE,
    method="retrieve_export_job",
    summary="Retrieve an export job",
    response=ExportJob,
)
CANCEL = Operation(
    "cancelExportJob",
    "DELETE",
    _ONE,
    method="cancel_export_job",
    summary="Cancel or delete an export job",
    response=MessageResponse | None,
)

OPERATIONS = (LIST, CREATE, GET, CANCEL)


class ExportJobsAPI(BaseAEPClient):
    async def list_export_jobs(
        self,
        *,
        limit: int | None = None,
        offset: str | None = None,
        status: str | None = None,
        sandbox: str | None = None,
    ) -> ExportJobList:
        query = {"limit": limit, "offset": offset, "status": status}
        return await self._call(LIST, sandbox=sandbox, query=query)  # type: ignore[no-any-return]

    def iter_export_jobs(
        self,
        *,
        limit: int | None = None,
        status: str | None = None,
        max_pages: int | None = None,
        sandbox: str | None = None,
    ) -> AsyncIterator[ExportJob]:
        """Every export job, newest first, taking each `offset` cursor from `link.next`."""

        async def fetch(params: dict[str, Any]) -> ExportJobList:
            return await self.list_export_jobs(**params, sandbox=sandbox)

        def following(page: ExportJobList, params: dict[str, Any], _: int) -> dict[str, Any] | None:
            linked = link_query(
                page.link.next if page.link else None, ["offset", "limit", "status"]
            )
            if linked is None or "offset" not in linked:
                return None
            return {**params, **{k: as_int(v) if k == "limit" else v for k, v in linked.items()}}

        return paginate(
            fetch,
            params={"limit": limit, "status": status},
            items=lambda p: p.records,
            next_params=following,
            max_pages=max_pages,
        )

    async def create_export_job(
        self, body: CreateExportJobRequest | dict[str, Any], *, sandbox: str | None = None
    ) -> ExportJob:
        return await self._call(CREATE, sandbox=sandbox, body=body)  # type: ignore[no-any-return]

    async def retrieve_export_job(
        self, export_job_id: str | int, *, sandbox: str | None = None
    ) -> ExportJob:
        return await self._call(  # type: ignore[no-any-return]
            GET, sandbox=sandbox, path={"EXPORT_JOB_ID": str(export_job_id)}
        )

    async def cancel_export_job(
        self, export_job_id: str | int, *, sandbox: str | None = None
    ) -> MessageResponse | None:
        """200 with a message (spec) or 204 without one (docs): reference §13.1."""
        return await self._call(  # type: ignore[no-any-return]
            CANCEL, sandbox=sandbox, path={"EXPORT_JOB_ID": str(export_job_id)}
        )
