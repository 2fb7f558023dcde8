"""Toolset `pql`: check a query locally (and, on request, against the platform); browse fields."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from seg_mcp.aep import AEPError
from seg_mcp.aep.models.common import Expression
from seg_mcp.aep.models.segment_definitions import SegmentConversionRequest
from seg_mcp.server.output import Output, Page, Text, clean
from seg_mcp.server.pqlcheck import Checked, CheckReport, check, warn_unknown_segments
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools._params import Cursor, Limit, Matching, Pql

TOOLS: list[ToolSpec] = []

#: An XDM field path (XDM field names are letters, digits and `_`).
FieldPath = Annotated[
    str, Matching(r"^[\w.]{1,512}$", "a field path: at most 512 letters, digits, _ and .")
]


class CheckOut(Output, Checked):
    fields_checked: bool = False
    platform_accepts: bool | None = None
    platform_message: str | None = None

    def text(self) -> str:
        t = Text()
        t.line("Valid PQL." if self.ok else "Invalid PQL:")
        for d in self.diagnostics:
            t.line(f"- {d.severity} at {d.describe()}")
        if not self.fields_checked:
            t.line("Field paths were not checked (pass online=true to check them).")
        if self.eligibility:
            ok = [k for k, v in self.eligibility.items() if v]
            t.line(f"Eligible for: {', '.join(ok)}.")
        if self.platform_accepts is not None:
            t.line(f"Platform accepts it: {self.platform_accepts}.")
        if self.explanation:
            t.untrusted(f"Meaning: {self.explanation}")
        if self.platform_message:
            t.untrusted(f"Platform: {self.platform_message}")
        return t.render()


def _as_out(report: CheckReport, **extra: object) -> CheckOut:
    data = report.model_dump(exclude={"ast"})
    return CheckOut.model_validate({**data, **extra})


@tool(
    TOOLS,
    toolset="pql",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=("convertSegmentDefinition", "bulkGetSegmentDefinitions", "bulkGetAudiences"),
)
async def check_pql(
    call: Call,
    pql: Pql,
    online: Annotated[
        bool,
        Field(description="Also check field paths in the sandbox and ask the platform (network)."),
    ] = False,
    sandbox: Sandbox = None,
) -> CheckOut:
    """Check a PQL query: diagnostics with line/column and hints, plain-English meaning, fields
    and segments referenced, evaluation eligibility. Local unless online=true. Strings compare
    case-sensitively; conditions inside one xEvent[...] hold for one event (there are no
    sessions). Forms for chain/WHEN, products in an event, dates: pql-guide://assistant."""
    if not online:
        return _as_out(check(pql))
    client, where = call.client, call.sandbox
    report = await warn_unknown_segments(
        check(pql, await call.runtime.catalog(where)),
        lambda ids: client.bulk_get_segment_definitions(ids, sandbox=where),
        lambda ids: client.bulk_get_audiences(ids, sandbox=where),
    )
    if not report.ok:
        return _as_out(report, fields_checked=True)
    body = SegmentConversionRequest(expression=Expression(value=pql))
    try:
        await call.client.convert_segment_definition(body, sandbox=call.sandbox)
    except AEPError as exc:
        if exc.status != 400:
            raise
        return _as_out(
            report, fields_checked=True, platform_accepts=False, platform_message=clean(exc.message)
        )
    return _as_out(report, fields_checked=True, platform_accepts=True)


class FieldOut(BaseModel):
    path: str
    type: str
    description: str | None = None


class FieldsOut(Page):
    root: str
    total: int
    items: list[FieldOut]

    def text(self) -> str:
        t = Text().line(f"{self.total} {self.root} fields match; showing {len(self.items)}:")
        for f in self.items:  # once each: path, type and the schema's description
            t.untrusted(f"{f.path} ({f.type})" + (f": {f.description}" if f.description else ""))
        self.paging_line(t)
        return t.render()


@tool(
    TOOLS,
    toolset="pql",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=(),
)
async def find_fields(
    call: Call,
    search: Annotated[
        str | None, Field(max_length=200, description="Words in the path, title or description.")
    ] = None,
    root: Annotated[
        Literal["profile", "event"], Field(description="profile fields, or event (xEvent) fields")
    ] = "profile",
    under: Annotated[FieldPath | None, Field(description="Only fields under this path.")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
    sandbox: Sandbox = None,
) -> FieldsOut:
    """Browse the sandbox's profile or event (xEvent) fields from its union schema: path, type,
    description, searchable. Use real paths in PQL; a field's values: field_values."""
    catalog = await call.runtime.catalog(call.sandbox)
    words = (search or "").lower().split()
    prefix = f"{under}." if under else ""
    found = [
        f
        for f in catalog.fields(root)
        if f.path.startswith(prefix)
        and all(w in f"{f.path} {f.title or ''} {f.description or ''}".lower() for w in words)
    ]
    start = call.position(cursor, "offset")
    chosen = found[start : start + limit]
    more = start + limit < len(found)
    return FieldsOut(
        root=root,
        total=len(found),
        items=[
            FieldOut(path=f.path, type=f.describe_type(), description=clean(f.description, 200))
            for f in chosen
        ],
        **call.paging({"offset": start + limit} if more else None),
    )
