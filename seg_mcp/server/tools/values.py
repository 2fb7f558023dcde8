"""Tool `field_values` (toolset `pql`): a field's values in one call. On the local sandbox its own
endpoint counts them exactly; on Adobe they are sampled through previews, one per value the XDM
schema declares (Adobe has no values endpoint, and a preview's results carry only profile ids)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated

import anyio
from pydantic import Field

from seg_mcp.aep.models.local import FieldValues, FieldValuesRequest, Sample, Share, ValueCount
from seg_mcp.aep.models.previews import Estimate, PreviewState
from seg_mcp.pql.catalog import FieldCatalog, FieldInfo, FieldRoot
from seg_mcp.server.apps import audience_view
from seg_mcp.server.output import Output, Text, clean
from seg_mcp.server.pqlcheck import require_valid
from seg_mcp.server.runtime import MAX_WAIT, Call
from seg_mcp.server.toolkit import Refusal, Sandbox, ToolSpec, hints, tool
from seg_mcp.server.tools import _jobs
from seg_mcp.server.tools._params import OptionalPql

TOOLS: list[ToolSpec] = []

EVENT_PREFIX = "xEvent."
#: Declared values sampled on Adobe (one preview each), and previews run at once.
MAX_SAMPLED_VALUES = 20
PARALLEL_PREVIEWS = 4


class FieldValuesOut(FieldValues, Output):
    def text(self) -> str:
        unit = "profiles" if self.entity == "profile" or not self.exact else "events"
        how = "exact" if self.exact else _sampled_words(self.sample)
        t = Text().line(
            f"{self.field} ({self.entity}): {self.population} {unit}, {how}, as of "
            f"{self.evaluatedAt}; without a value {self.missing.count} "
            f"({self.missing.share:.0%})."
        )
        if self.values:
            shown = "; ".join(
                f"{clean(str(v.value), 200)} {v.count} ({v.share:.0%})" for v in self.values
            )
            t.untrusted(shown)
        if self.other.count:
            t.line(f"Other values: {self.other.count} ({self.other.share:.0%}).")
        if self.numeric is not None:
            n = self.numeric
            t.line(f"min {n.min}, q1 {n.q1}, median {n.median}, q3 {n.q3}, max {n.max}.")
        if not self.exact and self.entity == "event":
            t.line("Counts are profiles with such an event.")
        if not self.exact and not self.values:
            t.line("The schema declares no values for it: preview a condition to count one.")
        return t.render()


def _sampled_words(sample: Sample | None) -> str:
    if sample is None:
        return "sampled"
    return f"sampled, n={sample.size}" + (f" of {sample.of}" if sample.of is not None else "")


@tool(
    TOOLS,
    toolset="pql",
    annotations=hints(read_only=True, destructive=False, idempotent=True, open_world=True),
    operations=("createPreview", "retrieveEstimate"),
)
@audience_view
async def field_values(
    call: Call,
    field: Annotated[
        str, Field(min_length=1, max_length=500, description="e.g. eventType, loyalty.tier.")
    ],
    within: Annotated[OptionalPql, Field(description="Only profiles matching this PQL.")] = None,
    top: Annotated[int, Field(ge=1, le=50, description="Values to list.")] = 10,
    sandbox: Sandbox = None,
) -> FieldValuesOut:
    """A profile or event field's most frequent values with counts and shares, the share
    without a value, and min/max/quartiles of numbers and dates; optionally within profiles
    matching a PQL condition. Exact on the local sandbox; on Adobe sampled from previews of the
    values the schema declares (no quartiles). Event fields count events."""
    if call.runtime.config.kind == "local":
        body = FieldValuesRequest(field=field, within=within, top=top)
        found = await call.client.local_field_values(body, sandbox=call.sandbox)
        return FieldValuesOut.model_validate(found.model_dump())
    return await _sampled(call, field, within, top)


def _field(catalog: FieldCatalog, field: str, sandbox: str) -> tuple[FieldRoot, FieldInfo]:
    """The profile field, else the event field (`xEvent.` names the event one): a single value
    (previews compare it; a path through arrays or maps would need a filter of its own)."""
    path = field.strip()
    roots: tuple[FieldRoot, ...] = ("profile", "event")
    if path.startswith(EVENT_PREFIX):
        path, roots = path.removeprefix(EVENT_PREFIX), ("event",)
    for root in roots:
        info = catalog.get(root, path)
        if info is None:
            continue
        parts = path.split(".")
        wrapped = [catalog.get(root, ".".join(parts[:n])) for n in range(1, len(parts) + 1)]
        if info.is_object or any(w is not None and (w.is_array or w.is_map) for w in wrapped):
            raise Refusal(
                f"{field} is not a single value (it is or sits in an object, array or map): on "
                "Adobe field_values samples string, number, date and boolean fields.",
                hint="Preview a condition on it with preview_audience instead.",
            )
        return root, info
    raise Refusal(
        f"{field} is not a profile or event field of sandbox {sandbox}.",
        hint="find_fields lists the fields.",
    )


def _literal(value: str, info: FieldInfo) -> str:
    if info.xdm_type == "boolean":
        return value.lower()
    if info.is_numeric:
        return value
    return json.dumps(value, ensure_ascii=False)


def _condition(root: FieldRoot, test: str, within: str | None) -> str:
    condition = f"xEvent[{test}]" if root == "event" else test
    return f"({within}) and {condition}" if within else condition


async def _estimate(call: Call, pql: str, deadline: float) -> Estimate:
    """The final estimate of a preview of `pql` (a Refusal when it fails or takes too long)."""
    preview_id = await _jobs.start_preview(call, pql)
    delay = 0.1
    while True:
        estimate = await call.client.retrieve_estimate(preview_id, sandbox=call.sandbox)
        if estimate.state == PreviewState.RESULT_READY:
            return estimate
        if estimate.state == PreviewState.FAILED:
            error = clean(estimate.error.description if estimate.error else None) or "failed"
            raise Refusal(f"a preview of {pql} failed: {error}")
        if time.monotonic() >= deadline:
            raise Refusal(
                f"the previews did not finish within {MAX_WAIT:.0f} s.",
                hint="Call field_values again in a minute.",
            )
        await anyio.sleep(delay)
        delay = min(delay * 2, 2.0)


async def _sampled(call: Call, field: str, within: str | None, top: int) -> FieldValuesOut:
    """Counts from previews: one per declared value, one for "has a value", one for `within`."""
    catalog = await call.runtime.catalog(call.sandbox)
    root, info = _field(catalog, field, call.sandbox)
    if within:
        require_valid(within, catalog, "within")
    declared = list(info.enum or ())[:MAX_SAMPLED_VALUES]
    queries = {"present": _condition(root, f"{info.path}.isNotNull()", within)}
    if within:
        queries["within"] = within
    for i, value in enumerate(declared):
        queries[f"value{i}"] = _condition(root, f"{info.path} = {_literal(value, info)}", within)
    found: dict[str, Estimate] = {}
    limit = anyio.Semaphore(PARALLEL_PREVIEWS)
    deadline = time.monotonic() + MAX_WAIT

    async def run(key: str, pql: str) -> None:
        async with limit:
            found[key] = await _estimate(call, pql, deadline)

    await call.progress(f"sampling {field}: {len(queries)} previews")
    try:
        async with anyio.create_task_group() as tg:
            for key, pql in queries.items():
                tg.start_soon(run, key, pql)
    except ExceptionGroup as group:
        raise group.exceptions[0] from None
    present = found["present"]
    population = (found["within"].estimated_size if within else present.total_rows) or 0
    counts = sorted(
        ((value, found[f"value{i}"].estimated_size or 0) for i, value in enumerate(declared)),
        key=lambda vc: (-vc[1], vc[0]),
    )
    counts = [(v, c) for v, c in counts if c > 0]
    has_value = present.estimated_size or 0
    shown = counts[:top]
    beyond = sum(c for _, c in counts[top:]) + max(0, has_value - sum(c for _, c in counts))
    read = max((e.profiles_read_so_far or 0) for e in found.values())

    def share(n: int) -> Share:
        return Share(count=n, share=round(n / population, 4) if population else 0.0)

    missing = max(0, population - has_value)
    return FieldValuesOut(
        field=info.path,
        entity=root,
        population=population,
        missing=share(missing),
        values=[ValueCount(value=v, **share(c).model_dump()) for v, c in shown],
        other=share(beyond),
        numeric=None,
        exact=False,
        sample=Sample(size=read, of=present.total_rows),
        evaluatedAt=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
