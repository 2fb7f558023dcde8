"""Toolset `context`: where the server acts and what it may do."""

from __future__ import annotations

from datetime import UTC, datetime

from seg_mcp.server.output import Output, Text
from seg_mcp.server.runtime import Call
from seg_mcp.server.toolkit import ToolSpec, hints, tool

TOOLS: list[ToolSpec] = []


class SandboxInfo(Output):
    name: str
    type: str
    default: bool
    writes_allowed: bool
    why: str
    #: What PQL's `now` is in this sandbox (UTC): the local sandbox's clock, else wall time.
    now: str


class ContextOut(Output):
    backend: str
    source: str
    orgs: list[str]
    sandboxes: list[SandboxInfo]
    read_only: bool
    toolsets: list[str]
    tools: list[str]

    def text(self) -> str:
        t = Text().line(f"Backend: {self.backend} ({self.source}); org {', '.join(self.orgs)}.")
        for s in self.sandboxes:
            mark = " (default)" if s.default else ""
            writes = "writes allowed" if s.writes_allowed else "read-only"
            t.line(f"- sandbox {s.name}{mark}: {s.type}, {writes} ({s.why}); now is {s.now}")
        t.line(f"Toolsets: {', '.join(self.toolsets)}. Read-only mode: {self.read_only}.")
        return t.render()


@tool(
    TOOLS,
    toolset="context",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=(),  # local_clock is seg-mcp's own endpoint, not a Segmentation operation
)
async def get_context(call: Call) -> ContextOut:
    """Where this server acts: backend (Adobe or the local sandbox), org, sandboxes with their
    type, whether writes are allowed and what `now` is, enabled toolsets. Call it first."""
    rt = call.runtime
    config = rt.config
    sandboxes = []
    wall = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    for name in config.sandboxes:
        posture = await rt.guard.posture(name)
        now = wall
        if config.kind == "local":  # its clock may be set (SEG_SANDBOX_NOW, or per sandbox)
            now = (await call.client.local_clock(sandbox=name)).now
        sandboxes.append(
            SandboxInfo(
                name=name,
                type=posture.type,
                default=name == config.default_sandbox,
                writes_allowed=posture.writes_allowed,
                why=posture.reason,
                now=now,
            )
        )
    backend = (
        "local sandbox (on this machine; generated data; nothing reaches Adobe)"
        if config.kind == "local"
        else "Adobe Experience Platform"
    )
    return ContextOut(
        backend=backend,
        source=config.source,
        orgs=list(dict.fromkeys(p.org_id for p in config.profiles)),
        sandboxes=sandboxes,
        read_only=rt.read_only,
        toolsets=list(rt.toolsets),
        tools=list(rt.tools),
    )
