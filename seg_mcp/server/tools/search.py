"""Toolset `search`: full-text search over segment definitions and folders."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from seg_mcp.server.output import Page, Text, clean
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools._params import Cursor, IdText, Matching

TOOLS: list[ToolSpec] = []

Namespace = Annotated[
    str, Matching(r"^\w{1,100}$", "a search namespace: at most 100 letters, digits and _")
]


class Hit(BaseModel):
    id: str
    name: str | None = None
    description: str | None = None
    folder: bool = False
    parent: str | None = None


class SearchOut(Page):
    counts: dict[str, int] = Field(default_factory=dict)
    items: list[Hit] = Field(default_factory=list)
    path: list[str] = Field(default_factory=list)

    def text(self) -> str:
        t = Text()
        if self.counts:
            t.line("Hits per namespace: " + ", ".join(f"{k}={v}" for k, v in self.counts.items()))
            t.line("Pass namespace to see the hits.")
        for hit in self.items:
            line = f"{'folder' if hit.folder else 'segment'} {hit.id}: {hit.name}"
            if hit.description:
                line += f" — {hit.description}"
            t.untrusted(line)
        if self.path:
            t.untrusted("Folders: " + " / ".join(self.path))
        self.paging_line(t)
        return t.render()


@tool(
    TOOLS,
    toolset="search",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=(
        "listSearchCounts",
        "listFullTextIndexedObjects",
        "retrieveSearchObjectStructure",
    ),
)
async def search_segments(
    call: Call,
    query: Annotated[
        str | None, Field(max_length=1000, description="Lucene query, e.g. segmentName:loyal*.")
    ] = None,
    namespace: Annotated[
        Namespace | None, Field(description="List hits in this namespace (else counts).")
    ] = None,
    folder_path_of: Annotated[
        IdText | None, Field(description="With namespace: the folders above this entity id.")
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
    sandbox: Sandbox = None,
) -> SearchOut:
    """Search segments and folders: hit counts per namespace, the hits in one namespace (paged),
    or the folder path of an entity."""
    client = call.client
    if namespace is None:
        counts = await client.list_search_counts(s=query, sandbox=sandbox)
        return SearchOut(
            counts={
                str(n.namespace): int(n.count or 0)
                for n in counts.namespaces
                if isinstance(n.namespace, str)
            }
        )
    if folder_path_of:
        tax = await client.retrieve_search_object_structure(
            namespace=namespace, entity_id=folder_path_of, sandbox=sandbox
        )
        return SearchOut(path=[clean(e.name) or str(e.id) for e in tax.taxonomy])
    page = call.position(cursor, "page")
    found = await client.list_full_text_indexed_objects(
        namespace=namespace, s=query, limit=limit, page=page, sandbox=sandbox
    )
    total = found.page.total_pages if found.page else None
    more = total is not None and page + 1 < total
    return SearchOut(
        items=[
            Hit(
                id=str(e.id),
                name=clean(e.name),
                description=clean(e.description) or None,
                folder=bool(e.is_folder),
                parent=e.parent_folder_id,
            )
            for e in found.entities
        ],
        **call.paging({"page": page + 1} if more else None),
    )
