"""Toolset `audiences`: find and save audiences (Platform audiences from PQL, or external)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from seg_mcp.aep.models.audiences import AudienceInput
from seg_mcp.aep.models.common import Expression, JsonPatchOperation, SchemaRef
from seg_mcp.server import reconcile
from seg_mcp.server.output import Output, Text
from seg_mcp.server.pqlcheck import DiagnosticOut, check, not_saved
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Refusal, Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools._params import (
    MAX_NAME,
    Cursor,
    Description,
    Ids,
    IdText,
    Limit,
    Name,
    OptionalPql,
)
from seg_mcp.server.tools._shape import AudienceItem, FoundOut, audience, describe

TOOLS: list[ToolSpec] = []


class AudiencesOut(FoundOut):
    noun = "audience"
    items: list[AudienceItem]


@tool(
    TOOLS,
    toolset="audiences",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=("listAudiences", "getAudience", "bulkGetAudiences"),
)
async def find_audiences(
    call: Call,
    ids: Ids = None,
    name: Annotated[Name | None, Field(description="Name contains (case-insensitive).")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    sandbox: Sandbox = None,
) -> AudiencesOut:
    """List audiences (paged, filter by name) or get them by id."""
    client = call.client
    if ids and len(ids) == 1:
        return AudiencesOut(items=[audience(await client.get_audience(ids[0], sandbox=sandbox))])
    if ids:
        bulk = await client.bulk_get_audiences(ids, sandbox=sandbox)
        return AudiencesOut(
            items=[audience(a) for a in bulk.found().values()], missing=list(bulk.missing())
        )
    start = call.position(cursor, "start")
    listed = await client.list_audiences(start=start, limit=limit, name=name, sandbox=sandbox)
    nxt = listed.paging.next if listed.paging else None
    return AudiencesOut(
        items=[audience(a) for a in listed.children],
        **call.paging({"start": nxt} if nxt is not None else None),
    )


class SavedAudience(Output):
    saved: bool
    created: bool = False
    audience: AudienceItem | None = None
    diagnostics: list[DiagnosticOut] = Field(default_factory=list)
    #: Set when the create's response was lost and the audience was found on the platform.
    note: SkipJsonSchema[str | None] = None

    def text(self) -> str:
        if not self.saved:
            return not_saved(self.diagnostics)
        t = Text()
        if self.note:
            t.line(self.note)
        assert self.audience is not None
        t.line(f"{'Created' if self.created else 'Updated'} audience {self.audience.id}.")
        describe(t, [self.audience])
        return t.render()


@tool(
    TOOLS,
    toolset="audiences",
    annotations=hints(read_only=False, destructive=True, idempotent=False, open_world=True),
    operations=("createAudience", "patchAudience", "updateAudience", "listAudiences"),
)
async def save_audience(
    call: Call,
    name: Name | None = None,
    pql: OptionalPql = None,
    description: Description | None = None,
    external_id: Annotated[
        str | None,
        Field(max_length=MAX_NAME, description="Create an external audience with this source id."),
    ] = None,
    state: Literal["draft", "published", "inactive"] | None = None,
    id: Annotated[IdText | None, Field(description="Update this audience.")] = None,
    replace: Annotated[bool, Field(description="With id: replace it whole (PUT).")] = False,
    sandbox: Sandbox = None,
) -> SavedAudience:
    """Create an audience (from PQL, or external with external_id), or update one (id): given
    fields are patched, or the whole audience replaced with replace=true. For a query to
    evaluate or export, save_segment_definition is the usual choice; an audience is for Audience
    Portal's lifecycle or external members."""
    client = call.client
    if pql is not None:
        report = check(pql, await call.runtime.catalog(call.sandbox))
        if not report.ok:
            await call.audit("createAudience", id or str(name), "refused", detail="invalid PQL")
            return SavedAudience(saved=False, diagnostics=report.diagnostics)
    expression = Expression(value=pql) if pql else None
    if id is not None and not replace:
        ops = [
            JsonPatchOperation(path=f"/{key}", value=value)
            for key, value in (
                ("name", name),
                ("description", description),
                ("expression", expression and expression.to_wire()),
                ("lifecycleState", state),
            )
            if value is not None
        ]
        if not ops:
            raise Refusal("nothing to update: give name, description, pql or state.")
        saved = await call.write(
            "patchAudience",
            id,
            client.patch_audience(id, ops, sandbox=sandbox),
            noun="audience update",
        )
        if saved is None:
            saved = await client.get_audience(id, sandbox=sandbox)
        return SavedAudience(saved=True, audience=audience(saved))
    if not name or (pql is None and external_id is None):
        raise Refusal("an audience needs name, and pql (Platform) or external_id (external).")
    body = AudienceInput(
        name=name,
        description=description,
        expression=expression,
        schema=SchemaRef(name="_xdm.context.profile") if expression else None,
        type="SegmentDefinition" if expression else "ExternalSegment",
        audience_id=external_id,
        lifecycle_state=state,
    )
    if id is not None:
        saved = await call.write(
            "updateAudience",
            id,
            client.update_audience(id, body, sandbox=sandbox),
            noun="audience replacement",
        )
        return SavedAudience(saved=True, audience=audience(saved) if saved else None)
    created = await call.write(
        "createAudience",
        name,
        client.create_audience(body, sandbox=sandbox),
        find=lambda since: reconcile.audience_named(client, name, call.sandbox, since),
        noun="audience",
    )
    return SavedAudience(saved=True, created=True, audience=audience(created), note=call.reconciled)
