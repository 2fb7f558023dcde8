"""Toolset `delete`: delete a segment definition, an audience or a schedule, after confirmation.
A definition others depend on (inSegment references, schedules) is kept unless force=true."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from seg_mcp.server.output import Output, Text, clean
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import (
    Confirmation,
    ConfirmPhrase,
    Refusal,
    Sandbox,
    ToolSpec,
    hints,
    tool,
)
from seg_mcp.server.tools._params import IdText

TOOLS: list[ToolSpec] = []

Kind = Literal["segment-definition", "audience", "schedule"]


async def dependents(call: Call, segment_id: str) -> list[str]:
    """What uses a segment definition: other definitions through inSegment(), and schedules."""
    client, sandbox = call.client, call.sandbox
    ref = re.compile(r'inSegment\s*\(\s*"' + re.escape(segment_id) + r'"', re.IGNORECASE)
    found = [
        f"segment definition {d.id}"
        async for d in client.iter_segment_definitions(limit=100, sandbox=sandbox)
        if d.id != segment_id and d.expression and ref.search(d.expression.value or "")
    ]
    found += [
        f"schedule {s.id}"
        async for s in client.iter_schedules(sandbox=sandbox)
        if s.properties and segment_id in (s.properties.segments or [])
    ]
    return found


async def _target(call: Call, kind: Kind, id: str, force: bool = False) -> Confirmation:
    client, sandbox = call.client, call.sandbox
    if kind == "segment-definition":
        name = (await client.retrieve_segment_definition_by_id(id, sandbox=sandbox)).name
        users = await dependents(call, id)
        if users and not force:
            raise Refusal(
                f"segment definition {id} is used by {', '.join(users)}; nothing was deleted.",
                hint="Change or delete those first, or pass force=true to delete it anyway.",
            )
    elif kind == "audience":
        name = (await client.get_audience(id, sandbox=sandbox)).name
    else:
        name = (await client.retrieve_schedule(id, sandbox=sandbox)).name
    words = kind.replace("-", " ")
    return Confirmation(
        phrase=f"delete {words} {id}",
        question=f"Delete {words} {id} ({clean(name, 200)!r}) from sandbox {call.sandbox}? "
        "This cannot be undone.",
    )


class Deleted(Output):
    deleted: str

    def text(self) -> str:
        return Text().line(f"Deleted {self.deleted}.").render()


@tool(
    TOOLS,
    toolset="delete",
    annotations=hints(read_only=False, destructive=True, idempotent=True, open_world=True),
    operations=(
        "deleteSegmentDefinition",
        "deleteAudience",
        "deleteSchedule",
        "retrieveSegmentDefinitionById",
        "listSegmentDefinitions",
        "listSchedules",
        "getAudience",
        "retrieveSchedule",
    ),
    confirm=_target,
)
async def delete_resource(
    call: Call,
    kind: Kind,
    id: IdText,
    force: Annotated[bool, Field(description="Delete even if others depend on it.")] = False,
    confirm: ConfirmPhrase = None,
    sandbox: Sandbox = None,
) -> Deleted:
    """Delete a segment definition, audience or schedule. Asks the user to confirm; lists a
    definition's dependents and refuses unless force=true."""
    client = call.client
    if kind == "segment-definition":
        await call.write(
            "deleteSegmentDefinition", id, client.delete_segment_definition(id, sandbox=sandbox)
        )
    elif kind == "audience":
        await call.write("deleteAudience", id, client.delete_audience(id, sandbox=sandbox))
    else:
        await call.write("deleteSchedule", id, client.delete_schedule(id, sandbox=sandbox))
    return Deleted(deleted=f"{kind.replace('-', ' ')} {id}")
