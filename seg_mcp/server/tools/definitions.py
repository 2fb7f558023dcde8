"""Toolset `definitions`: find and save segment definitions (saving runs the PQL check first)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from seg_mcp.aep.models.common import EvaluationInfo, EvaluationToggle, Expression, SchemaRef
from seg_mcp.aep.models.segment_definitions import SegmentDefinition, SegmentDefinitionInput
from seg_mcp.server import reconcile
from seg_mcp.server.output import Output, Text
from seg_mcp.server.pqlcheck import DiagnosticOut, check, not_saved
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Refusal, Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools import _jobs
from seg_mcp.server.tools._jobs import Job
from seg_mcp.server.tools._named import SCAN_PAGE, named
from seg_mcp.server.tools._params import (
    Cursor,
    Description,
    Ids,
    IdText,
    Limit,
    Name,
    OptionalPql,
)
from seg_mcp.server.tools._shape import DefinitionItem, FoundOut, definition, describe

TOOLS: list[ToolSpec] = []

Evaluation = Literal["batch", "streaming", "edge"]


class SizedDefinition(DefinitionItem):
    #: Profiles in it at its latest successful segment job (None: none known).
    size: int | None = None
    #: When that job evaluated (ISO 8601), and which job it was.
    evaluatedAt: str | None = None
    size_from: str | None = None


class DefinitionsOut(FoundOut):
    noun = "segment definition"
    items: list[SizedDefinition]

    def text(self) -> str:
        t = Text().line(f"{len(self.items)} {self.noun}(s); size = latest segment job.")
        if self.missing:
            t.line(f"Not found: {', '.join(self.missing)}.")
        for d in self.items:
            size = f"size {d.size} at {d.evaluatedAt}" if d.size is not None else "no size yet"
            parts = [f"{d.id} [{size}]: {d.name or '(no name)'}"]
            if d.description:
                parts.append(f"— {d.description}")
            if d.pql:
                parts.append(f"| PQL: {d.pql}")
            t.untrusted(" ".join(parts))
        if any(d.size is None for d in self.items):
            t.line("No size yet: preview_audience definition_id=<id> sizes it without saving.")
        self.paging_line(t)
        return t.render()


async def _sized(call: Call, found: list[SegmentDefinition]) -> list[SizedDefinition]:
    """The definitions with their size at the newest successful segment job that counted them
    (the platform's last 100 such jobs are read)."""
    items = [SizedDefinition(**definition(d).model_dump()) for d in found]
    if not items:
        return items
    jobs = await call.client.list_segment_jobs(
        limit=100, status="SUCCEEDED", sort="creationTime:desc", sandbox=call.sandbox
    )
    latest: dict[str, Job] = {}
    for job in jobs.children:
        shaped = _jobs.segment_job(job)
        for segment_id in shaped.profiles or {}:
            latest.setdefault(segment_id, shaped)
    stamped = await _jobs.stamp(call, list(latest.values()))
    by_handle = {j.handle: j for j in stamped}
    for item in items:
        counted = latest.get(item.id)
        if counted is not None and counted.profiles is not None:
            item.size = counted.profiles[item.id]
            item.evaluatedAt = by_handle[counted.handle].evaluatedAt
            item.size_from = counted.handle
    return items


@tool(
    TOOLS,
    toolset="definitions",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=(
        "listSegmentDefinitions",
        "retrieveSegmentDefinitionById",
        "bulkGetSegmentDefinitions",
        "listSegmentJobs",
    ),
)
async def find_segment_definitions(
    call: Call,
    ids: Ids = None,
    name: Annotated[Name | None, Field(description="Name contains (case-insensitive).")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    sandbox: Sandbox = None,
) -> DefinitionsOut:
    """List segment definitions (newest first, paged, filter by name) or get them by id, with
    their PQL and latest known size (from segment jobs)."""
    client = call.client
    if ids and len(ids) == 1:
        found = await client.retrieve_segment_definition_by_id(ids[0], sandbox=sandbox)
        return DefinitionsOut(items=await _sized(call, [found]))
    if ids:
        bulk = await client.bulk_get_segment_definitions(ids, sandbox=sandbox)
        return DefinitionsOut(
            items=await _sized(call, list(bulk.found().values())), missing=list(bulk.missing())
        )

    async def fetch(page: int, size: int) -> tuple[list[SegmentDefinition], bool]:
        listed = await client.list_segment_definitions(
            page=page, limit=size, sort="creationTime:desc", sandbox=sandbox
        )
        total_pages = listed.page.total_pages if listed.page else None
        return listed.segments, total_pages is not None and page + 1 < total_pages

    if name:
        matched, paging = await named(
            call, lambda k: fetch(k, SCAN_PAGE), lambda d: d.name, name, cursor, limit
        )
        return DefinitionsOut(items=await _sized(call, matched), **paging)
    page = call.position(cursor, "page")
    segments, more = await fetch(page, limit)
    return DefinitionsOut(
        items=await _sized(call, segments), **call.paging({"page": page + 1} if more else None)
    )


class SavedDefinition(Output):
    saved: bool
    created: bool = False
    definition: DefinitionItem | None = None
    diagnostics: list[DiagnosticOut] = Field(default_factory=list)
    #: Set when the create's response was lost and the definition was found on the platform.
    note: SkipJsonSchema[str | None] = None

    def text(self) -> str:
        if not self.saved:
            return not_saved(self.diagnostics)
        t = Text()
        if self.note:
            t.line(self.note)
        assert self.definition is not None
        verb = "Created" if self.created else "Updated"
        t.line(f"{verb} segment definition {self.definition.id} ({self.definition.evaluation}).")
        describe(t, [self.definition])
        return t.render()


def _evaluation(kind: Evaluation) -> EvaluationInfo:
    return EvaluationInfo(
        batch=EvaluationToggle(enabled=kind == "batch"),
        continuous=EvaluationToggle(enabled=kind == "streaming"),
        synchronous=EvaluationToggle(enabled=kind == "edge"),
    )


@tool(
    TOOLS,
    toolset="definitions",
    annotations=hints(read_only=False, destructive=True, idempotent=False, open_world=True),
    operations=(
        "createSegmentDefinition",
        "patchSegmentDefinition",
        "retrieveSegmentDefinitionById",
        "listSegmentDefinitions",
    ),
)
async def save_segment_definition(
    call: Call,
    name: Annotated[Name | None, Field(description="Required to create.")] = None,
    pql: OptionalPql = None,
    description: Description | None = None,
    evaluation: Evaluation | None = None,
    id: Annotated[IdText | None, Field(description="Update this definition (overwrites).")] = None,
    sandbox: Sandbox = None,
) -> SavedDefinition:
    """Create a segment definition, or update one (id). The PQL is checked first; an invalid
    query is refused with its diagnostics and nothing is sent."""
    client = call.client
    existing = await client.retrieve_segment_definition_by_id(id, sandbox=sandbox) if id else None
    if existing is None and (not name or not pql):
        raise Refusal("creating a segment definition needs name and pql.")
    text = pql or (existing.expression.value if existing and existing.expression else None)
    if text is None:
        raise Refusal(f"segment definition {id} has no pql/text expression; pass pql.")
    if pql is not None:
        report = check(pql, await call.runtime.catalog(call.sandbox))
        if not report.ok:
            await call.audit(
                "createSegmentDefinition" if id is None else "patchSegmentDefinition",
                id or str(name),
                "refused",
                detail="invalid PQL",
            )
            return SavedDefinition(saved=False, diagnostics=report.diagnostics)
    if existing is not None:
        name = name or existing.name
        description = description if description is not None else existing.description
    body = SegmentDefinitionInput(
        name=name or "",
        expression=Expression(value=text),
        schema=SchemaRef(name="_xdm.context.profile"),
        description=description,
        evaluation_info=_evaluation(evaluation)
        if evaluation
        else (existing.evaluation_info if existing else None),
    )
    if existing is None:
        saved = await call.write(
            "createSegmentDefinition",
            str(name),
            client.create_segment_definition(body, sandbox=sandbox),
            find=lambda since: reconcile.definition_named(client, str(name), call.sandbox, since),
            noun="segment definition",
        )
    else:
        saved = await call.write(
            "patchSegmentDefinition",
            str(id),
            client.patch_segment_definition(str(id), body, sandbox=sandbox),
            noun="segment definition update",
        )
    return SavedDefinition(
        saved=True, created=existing is None, definition=definition(saved), note=call.reconciled
    )
