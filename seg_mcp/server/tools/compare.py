"""Toolset `evaluate`, the overlap of audiences: `compare_audiences` counts the profiles in each
region of up to four audiences (segment definitions by id, or PQL conditions) through previews
of combined PQL (`(A) and not (B)`, ...), so it works wherever previews do, Adobe included."""

from __future__ import annotations

import re
from itertools import combinations
from typing import Annotated

import anyio
from pydantic import BaseModel, Field

from seg_mcp.server.apps import audience_view
from seg_mcp.server.output import Output, Text, clean
from seg_mcp.server.pqlcheck import require_valid
from seg_mcp.server.runtime import DEFAULT_WAIT, Call
from seg_mcp.server.toolkit import Refusal, Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools import _jobs
from seg_mcp.server.tools._jobs import Interval
from seg_mcp.server.tools._params import MAX_PQL, Wait

TOOLS: list[ToolSpec] = []

LABELS = "ABCD"
#: A segment definition id as the platform issues it (a UUID); anything else is PQL.
_DEFINITION_ID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
#: Previews running at once (a comparison of four makes fifteen).
_AT_ONCE = 4

Audiences = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=MAX_PQL)]],
    Field(
        min_length=2,
        max_length=4,
        description="2-4 audiences: segment definition ids (UUIDs) or PQL conditions.",
    ),
]


class Compared(BaseModel):
    label: str
    pql: str
    segment_id: str | None = None
    name: str | None = None
    #: Profiles in it (the sum of its regions); None while a region is not counted.
    size: int | None = None


class Region(BaseModel):
    #: The labels of the audiences its profiles are in (and in no other).
    members: list[str]
    size: int | None = None
    #: False: `size` is an estimate, within `interval` (95%).
    exact: bool | None = None
    interval: Interval | None = None
    #: The preview counting it (for get_job while it runs).
    handle: str
    done: bool


def region_name(members: list[str], n: int) -> str:
    return " and ".join(members) + (" only" if len(members) < n else "")


class CompareOut(Output):
    audiences: list[Compared]
    regions: list[Region]
    #: True when every region was counted exactly (else the sizes are estimates).
    exact: bool | None = None
    #: The latest instant a region was evaluated against, ISO 8601 UTC.
    evaluatedAt: str | None = None

    def text(self) -> str:
        n = len(self.audiences)
        t = Text()
        for a in self.audiences:
            size = "not counted yet" if a.size is None else f"{a.size} profiles"
            named = f" (definition {a.segment_id})" if a.segment_id else ""
            t.line(f"{a.label}{named}: {size}")
            t.untrusted(f"{a.label}: {a.name + ' — ' if a.name else ''}{a.pql}")
        t.line("Profiles in exactly these audiences:")
        for r in self.regions:
            counted = f"{r.size}" if r.size is not None else f"not counted yet ({r.handle})"
            if r.exact is False:
                counted = f"about {counted}"
                if r.interval is not None:
                    counted += f" (95% {r.interval.low}-{r.interval.high})"
            t.line(f"- {region_name(r.members, n)}: {counted}")
        if self.exact is False:
            t.line("Sizes are estimates (sums of estimated regions for the audiences).")
        if self.evaluatedAt:
            t.line(f"Evaluated as of {self.evaluatedAt}.")
        if any(not r.done for r in self.regions):
            t.line("Not finished: call get_job with a region's handle, or compare again.")
        return t.render()


async def _resolve(call: Call, label: str, given: str) -> Compared:
    """The audience `given` names: a segment definition's PQL, or the PQL itself (checked)."""
    if _DEFINITION_ID.match(given):
        found = await call.client.retrieve_segment_definition_by_id(given, sandbox=call.sandbox)
        expression = found.expression
        if expression is None or expression.format != "pql/text" or not expression.value:
            raise Refusal(f"{label}: segment definition {given} has no pql/text expression.")
        return Compared(
            label=label, pql=expression.value, segment_id=given, name=clean(found.name, 200)
        )
    require_valid(
        given,
        await call.runtime.catalog(call.sandbox),
        f"{label}'s PQL",
        hint="Run check_pql on it, or pass a segment definition id.",
    )
    return Compared(label=label, pql=given)


def combined(audiences: list[Compared], members: set[str]) -> str:
    """The PQL of the profiles in exactly `members` of `audiences`."""
    return " and ".join(f"({a.pql})" if a.label in members else f"not ({a.pql})" for a in audiences)


@tool(
    TOOLS,
    toolset="evaluate",
    annotations=hints(read_only=True, destructive=False, idempotent=False, open_world=True),
    operations=("retrieveSegmentDefinitionById", "createPreview", "retrieveEstimate"),
)
@audience_view
async def compare_audiences(
    call: Call,
    audiences: Audiences,
    wait_seconds: Wait = DEFAULT_WAIT,
    sandbox: Sandbox = None,
) -> CompareOut:
    """Overlap of 2-4 audiences (definition ids or PQL, labelled A-D): profiles in each region
    (A only, A and B, ...), counted by previews of combined PQL. Saves nothing."""
    compared = [await _resolve(call, LABELS[i], given) for i, given in enumerate(audiences)]
    labels = [a.label for a in compared]
    subsets = [list(c) for k in range(1, len(labels) + 1) for c in combinations(labels, k)]
    regions: list[Region | None] = [None] * len(subsets)
    limiter = anyio.CapacityLimiter(_AT_ONCE)
    stamps: list[str] = []

    async def count(i: int, members: list[str]) -> None:
        async with limiter:
            preview_id = await _jobs.start_preview(call, combined(compared, set(members)))
            job = await _jobs.wait_preview(call, preview_id, wait_seconds, 0)
        known = job.size_known and job.size is not None
        regions[i] = Region(
            members=members,
            size=job.size if known else None,
            exact=job.exact,
            interval=job.interval,
            handle=job.handle,
            done=job.done,
        )
        stamps.append(job.evaluatedAt or "")

    async with anyio.create_task_group() as group:
        for i, members in enumerate(subsets):
            group.start_soon(count, i, members)
    counted = [r for r in regions if r is not None]
    for a in compared:
        sizes = [r.size for r in counted if a.label in r.members]
        a.size = None if None in sizes else sum(s for s in sizes if s is not None)
        a.pql = clean(a.pql) or ""
    known = [r.exact for r in counted if r.exact is not None]
    return CompareOut(
        audiences=compared,
        regions=counted,
        exact=all(known) if known else None,
        evaluatedAt=max(stamps, default="") or None,
    )
