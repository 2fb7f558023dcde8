"""Toolset `schedules`: find and save evaluation schedules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from seg_mcp.aep.models.common import JsonPatchOperation
from seg_mcp.aep.models.export_jobs import ExportDestination
from seg_mcp.aep.models.schedules import Schedule, ScheduleInput, ScheduleProperties
from seg_mcp.server import reconcile
from seg_mcp.server.output import Page, Text, clean
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Refusal, Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools._named import SCAN_PAGE, named
from seg_mcp.server.tools._params import Cursor, IdText, Limit, Name, ScheduledId
from seg_mcp.server.tools._shape import iso

TOOLS: list[ToolSpec] = []


class ScheduleItem(BaseModel):
    id: str
    name: str | None = None
    type: str | None = None
    cron: str | None = None
    state: str | None = None
    segments: list[str] = Field(default_factory=list)
    #: An export schedule's dataset: each run evaluates, then exports the members there.
    dataset_id: str | None = None
    updated: str | None = None


def _item(s: Schedule) -> ScheduleItem:
    return ScheduleItem(
        id=s.id or "",
        name=clean(s.name),
        type=s.type,
        cron=s.schedule,
        state=s.state,
        segments=list(s.properties.segments or []) if s.properties else [],
        dataset_id=s.properties.destination.dataset_id
        if s.properties and s.properties.destination
        else None,
        updated=iso(s.update_epoch),
    )


class SchedulesOut(Page):
    items: list[ScheduleItem]
    #: Set when a create's response was lost and the schedule was found on the platform.
    note: SkipJsonSchema[str | None] = None

    def text(self) -> str:
        t = Text()
        if self.note:
            t.line(self.note)
        t.line(f"{len(self.items)} schedule(s).")
        for s in self.items:
            export = f", export to dataset {s.dataset_id}" if s.dataset_id else ""
            segments = ", ".join(s.segments)
            t.line(f"- {s.id}: {s.state}, cron {s.cron!r}, segments {segments}{export}")
            t.untrusted(f"{s.id}: {s.name}")
        self.paging_line(t)
        return t.render()


@tool(
    TOOLS,
    toolset="schedules",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=("listSchedules", "retrieveSchedule"),
)
async def find_schedules(
    call: Call,
    id: Annotated[IdText | None, Field(description="Get this schedule.")] = None,
    name: Annotated[Name | None, Field(description="Name contains (case-insensitive).")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    sandbox: Sandbox = None,
) -> SchedulesOut:
    """List evaluation schedules (paged, filter by name) or get one by id."""
    client = call.client
    if id:
        return SchedulesOut(items=[_item(await client.retrieve_schedule(id, sandbox=sandbox))])
    if name:

        async def fetch(k: int) -> tuple[list[Schedule], bool]:
            page = await client.list_schedules(
                start=k * SCAN_PAGE, limit=SCAN_PAGE, sandbox=sandbox
            )
            return page.children, bool(page.page and page.page.next not in (None, ""))

        matched, paging = await named(call, fetch, lambda s: s.name, name, cursor, limit)
        return SchedulesOut(items=[_item(s) for s in matched], **paging)
    start = call.position(cursor, "start")
    listed = await client.list_schedules(start=start, limit=limit, sandbox=sandbox)
    nxt = listed.page.next if listed.page and listed.page.next not in (None, "") else None
    return SchedulesOut(
        items=[_item(s) for s in listed.children],
        **call.paging({"start": int(nxt)} if nxt is not None else None),
    )


@tool(
    TOOLS,
    toolset="schedules",
    annotations=hints(read_only=False, destructive=True, idempotent=False, open_world=True),
    operations=("createSchedule", "updateSchedule", "retrieveSchedule", "listSchedules"),
)
async def save_schedule(
    call: Call,
    cron: Annotated[
        str | None,
        Field(max_length=120, description="Quartz cron, UTC, at most daily: '0 0 1 * * ?'."),
    ] = None,
    state: Annotated[
        Literal["active", "inactive"] | None,
        Field(description="New schedules are inactive (never run) unless active."),
    ] = None,
    name: Annotated[Name | None, Field(description="Required to create.")] = None,
    segment_ids: Annotated[
        list[ScheduledId] | None,
        Field(max_length=100, description="Segments to evaluate; ['*'] = all."),
    ] = None,
    dataset_id: Annotated[
        IdText | None, Field(description="Export each run's members here (export schedule).")
    ] = None,
    id: Annotated[IdText | None, Field(description="Update this schedule's cron/state.")] = None,
    sandbox: Sandbox = None,
) -> SchedulesOut:
    """Create a daily schedule that evaluates segments, and with dataset_id also exports
    them (one schedule per type and sandbox); or change one's cron or state (id)."""
    client = call.client
    if id is not None:
        ops = [
            JsonPatchOperation(path=path, value=value)
            for path, value in (("/schedule", cron), ("/state", state))
            if value is not None
        ]
        if not ops or dataset_id or segment_ids or name:
            raise Refusal(
                "an update changes only cron or state; to change segments, dataset or name, "
                "delete the schedule and create another."
            )
        await call.write(
            "updateSchedule",
            id,
            client.update_schedule(id, ops, sandbox=sandbox),
            noun="schedule update",
        )
        return SchedulesOut(items=[_item(await client.retrieve_schedule(id, sandbox=sandbox))])
    if not name:
        raise Refusal("creating a schedule needs name (and cron; segment_ids default to all).")
    segments = list(segment_ids or ["*"])
    destination = ExportDestination(dataset_id=dataset_id) if dataset_id else None
    body = ScheduleInput(
        name=name,
        type="export" if destination else "batch_segmentation",
        properties=ScheduleProperties(segments=segments, destination=destination),
        schedule=cron,
        state=state,
    )
    created = await call.write(
        "createSchedule",
        name,
        client.create_schedule(body, sandbox=sandbox),
        find=lambda since: reconcile.schedule_named(
            client, name, call.sandbox, segments, since, body.type
        ),
        noun="schedule",
    )
    return SchedulesOut(items=[_item(created)], note=call.reconciled)
