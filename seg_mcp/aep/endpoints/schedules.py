"""Schedules."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.endpoints._shared import as_int
from seg_mcp.aep.models.common import JsonPatchOperation, MessageResponse
from seg_mcp.aep.models.schedules import Schedule, ScheduleInput, ScheduleList
from seg_mcp.aep.operation import Operation, Param
from seg_mcp.aep.paging import link_href, link_query, paginate

__all__ = ["OPERATIONS", "SchedulesAPI"]

_ONE = "/config/schedules/{SCHEDULE_ID}"

LIST = Operation(
    "listSchedules",
    "GET",
    "/config/schedules",
    method="list_schedules",
    summary="List schedules (page by start/limit)",
    response=ScheduleList,
    query=(
        Param("start", "start", int, description="page offset (default 0)"),
        Param("limit", "limit", int, description="page size (default 100)"),
    ),
    paginator="iter_schedules",
)
CREATE = Operation(
    "createSchedule",
    "POST",
    "/config/schedules",
    method="create_schedule",
    summary="Create a schedule (Quartz cron, at most once a day)",
    response=Schedule,
    body=ScheduleInput,
)
GET = Operation(
    "retrieveSchedule",
    "GET",
    _ONE,
    method="retrieve_schedule",
    summary="Retrieve a schedule",
    response=Schedule,
)
DELETE = Operation(
    "deleteSchedule",
    "DELETE",
    _ONE,
    method="delete_schedule",
    summary="Delete a schedule",
    response=MessageResponse | None,
)
UPDATE = Operation(
    "updateSchedule",
    "PATCH",
    _ONE,
    method="update_schedule",
    summary="Update a schedule's /state or /schedule (JSON Patch, op add)",
    response=Schedule | None,
    body=list[JsonPatchOperation],
)

OPERATIONS = (LIST, CREATE, GET, DELETE, UPDATE)


class SchedulesAPI(BaseAEPClient):
    async def list_schedules(
        self, *, start: int | None = None, limit: int | None = None, sandbox: str | None = None
    ) -> ScheduleList:
        return await self._call(  # type: ignore[no-any-return]
            LIST, sandbox=sandbox, query={"start": start, "limit": limit}
        )

    def iter_schedules(
        self, *, limit: int | None = None, max_pages: int | None = None, sandbox: str | None = None
    ) -> AsyncIterator[Schedule]:
        """Every schedule: the next `start` comes from `_page.next` (or `_links.next.href`)."""

        async def fetch(params: dict[str, Any]) -> ScheduleList:
            return await self.list_schedules(**params, sandbox=sandbox)

        def following(page: ScheduleList, params: dict[str, Any], _: int) -> dict[str, Any] | None:
            if page.page is not None and page.page.next not in (None, ""):
                return {**params, "start": as_int(page.page.next)}
            linked = link_query(link_href(page.links.next if page.links else None), ["start"])
            if linked is None:
                return None
            return {**params, "start": as_int(linked["start"])}

        return paginate(
            fetch,
            params={"limit": limit},
            items=lambda p: p.children,
            next_params=following,
            max_pages=max_pages,
        )

    async def create_schedule(
        self, body: ScheduleInput | dict[str, Any], *, sandbox: str | None = None
    ) -> Schedule:
        return await self._call(CREATE, sandbox=sandbox, body=body)  # type: ignore[no-any-return]

    async def retrieve_schedule(self, schedule_id: str, *, sandbox: str | None = None) -> Schedule:
        return await self._call(  # type: ignore[no-any-return]
            GET, sandbox=sandbox, path={"SCHEDULE_ID": schedule_id}
        )

    async def delete_schedule(
        self, schedule_id: str, *, sandbox: str | None = None
    ) -> MessageResponse | None:
        return await self._call(  # type: ignore[no-any-return]
            DELETE, sandbox=sandbox, path={"SCHEDULE_ID": schedule_id}
        )

    async def update_schedule(
        self,
        schedule_id: str,
        body: Sequence[JsonPatchOperation | dict[str, Any]],
        *,
        sandbox: str | None = None,
    ) -> Schedule | None:
        """204 without a body is the documented answer; a body, if sent, is parsed."""
        return await self._call(  # type: ignore[no-any-return]
            UPDATE, sandbox=sandbox, path={"SCHEDULE_ID": schedule_id}, body=body
        )
