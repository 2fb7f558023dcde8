"""Toolset `schedules`: find and save evaluation schedules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from seg_mcp.aep.models.common import JsonPatchOperation
from seg_mcp.aep.models.schedules import Schedule, ScheduleInput, ScheduleProperties
from seg_mcp.server import reconcile
from seg_mcp.server.output import Page, Text, clean
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Refusal, Sandbox, ToolSpec, hints, tool
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
    updated: str | None = None


def _item(s: Schedule) -> ScheduleItem:
    return ScheduleItem(
        id=s.id or "",
        name=clean(s.name),
        type=s.type,
        cron=s.schedule,
        state=s.state,
        segments=list(s.properties.segments or []) if s.properties else [],
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
            t.line(f"- {s.id}: {s.state}, cron {s.cron!r}, segments {', '.join(s.segments)}")
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
    cursor: Cursor = None,
    limit: Limit = 20,
    sandbox: Sandbox = None,
) -> SchedulesOut:
    """List evaluation schedules (paged) or get one by id."""
    client = call.client
    if id:
        return SchedulesOut(items=[_item(await client.retrieve_schedule(id, sandbox=sandbox))])
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
    state: Literal["active", "inactive"] | None = None,
    name: Annotated[Name | None, Field(description="Required to create.")] = None,
    segment_ids: Annotated[
        list[ScheduledId] | None,
        Field(max_length=100, description="Segments to evaluate; ['*'] = all."),
    ] = None,
    id: Annotated[IdText | None, Field(description="Update this schedule's cron/state.")] = None,
    sandbox: Sandbox = None,
) -> SchedulesOut:
    """Create a daily batch evaluation schedule, or change one's cron or state (id)."""
    client = call.client
    if id is not None:
        ops = [
            JsonPatchOperation(path=path, value=value)
            for path, value in (("/schedule", cron), ("/state", state))
            if value is not None
        ]
        if not ops:
            raise Refusal("nothing to update: give cron or state.")
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
    body = ScheduleInput(
        name=name,
        properties=ScheduleProperties(segments=segments),
        schedule=cron,
        state=state,
    )
    created = await call.write(
        "createSchedule",
        name,
        client.create_schedule(body, sandbox=sandbox),
        find=lambda since: reconcile.schedule_named(client, name, call.sandbox, segments, since),
        noun="schedule",
    )
    return SchedulesOut(items=[_item(created)], note=call.reconciled)
