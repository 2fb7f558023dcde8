"""Schedules."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.common import JsonPatchOperation, MessageResponse
from seg_mcp.aep.models.schedules import Schedule, ScheduleInput, ScheduleList
from seg_mcp.aep.operation import Query, SandboxName, operation
from seg_mcp.aep.paging import next_start, paginate

__all__ = ["SchedulesAPI"]

_ONE = "/config/schedules/{SCHEDULE_ID}"


class SchedulesAPI(BaseAEPClient):
    @operation(
        "listSchedules",
        "GET",
        "/config/schedules",
        summary="List schedules (page by start/limit)",
        paginator="iter_schedules",
    )
    async def list_schedules(
        self,
        *,
        start: Annotated[int | None, Query("page offset (default 0)")] = None,
        limit: Annotated[int | None, Query("page size (default 100)")] = None,
        sandbox: SandboxName = None,
    ) -> ScheduleList:
        raise NotImplementedError  # @operation sends the request

    def iter_schedules(
        self, *, limit: int | None = None, max_pages: int | None = None, sandbox: SandboxName = None
    ) -> AsyncIterator[Schedule]:
        """Every schedule: the next `start` comes from `_page.next` (or `_links.next.href`)."""

        async def fetch(params: dict[str, Any]) -> ScheduleList:
            return await self.list_schedules(**params, sandbox=sandbox)

        def following(page: ScheduleList, params: dict[str, Any], _: int) -> dict[str, Any] | None:
            return next_start(page.page and page.page.next, page.links and page.links.next, params)

        return paginate(
            fetch,
            params={"limit": limit},
            items=lambda p: p.children,
            next_params=following,
            max_pages=max_pages,
        )

    @operation(
        "createSchedule",
        "POST",
        "/config/schedules",
        summary="Create a schedule (Quartz cron, at most once a day)",
        body=ScheduleInput,
    )
    async def create_schedule(
        self, body: ScheduleInput | dict[str, Any], *, sandbox: SandboxName = None
    ) -> Schedule:
        raise NotImplementedError  # @operation sends the request

    @operation("retrieveSchedule", "GET", _ONE, summary="Retrieve a schedule")
    async def retrieve_schedule(self, schedule_id: str, *, sandbox: SandboxName = None) -> Schedule:
        raise NotImplementedError  # @operation sends the request

    @operation("deleteSchedule", "DELETE", _ONE, summary="Delete a schedule")
    async def delete_schedule(
        self, schedule_id: str, *, sandbox: SandboxName = None
    ) -> MessageResponse | None:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "updateSchedule",
        "PATCH",
        _ONE,
        summary="Update a schedule's /state or /schedule (JSON Patch, op add)",
        body=list[JsonPatchOperation],
    )
    async def update_schedule(
        self,
        schedule_id: str,
        body: Sequence[JsonPatchOperation | dict[str, Any]],
        *,
        sandbox: SandboxName = None,
    ) -> Schedule | None:
        """204 without a body is the documented answer; a body, if sent, is parsed."""
        raise NotImplementedError  # @operation sends the request
