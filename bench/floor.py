"""The floor: typical marketer requests done with the fewest tool calls the tools allow.

    .venv/bin/python bench/floor.py [--profiles 2000]

Each request is the shortest sequence of tool calls that answers it, made through `mcp.Client`
against the server over a local sandbox in-process (a temporary data directory, `--profiles`
generated profiles, the sandbox clock at wall time, as `seg-mcp demo`). It assumes the assistant
already knows how values are spelled (the sandbox's "GB", "gold", "commerce.purchases"); the
eventType request shows the call that tells it. Setup that stands in for earlier work (three cart
definitions for the "largest, then delete the smallest" request) is not counted.

Prints, per request: the calls, their characters (text content + structured JSON) and the answer;
then the median result size over all calls and the size of tools/list with every toolset.
Issue 16 aims at real assistants needing at most 4 calls a request; this is the floor under that.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp import types as mcp_types
from result_sizes import Recorder, Size, local_server, tools_list

Step = Callable[[Recorder, dict[str, Any]], Awaitable[str]]
LAST_30 = "timestamp occurs <= 30 days before now"


async def ok(client: Recorder, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {result.content[0].text}")
    return result.structured_content or {}


def size_of(pql: str) -> Step:
    """One preview of the query: its size is the answer."""

    async def step(client: Recorder, _: dict[str, Any]) -> str:
        out = await ok(client, "preview_audience", {"pql": pql, "sample": 0})
        job = out["jobs"][0]
        return f"{job['size']} profiles" if job.get("size_known") else f"not known ({job})"

    return step


async def uk_saved_evaluated_exported_scheduled(client: Recorder, _: dict[str, Any]) -> str:
    saved = await ok(
        client,
        "save_segment_definition",
        {"name": "UK customers", "pql": 'homeAddress.countryCode = "GB"'},
    )
    sid = saved["definition"]["id"]
    export = (
        await ok(
            client,
            "export_audience",
            {"segment_ids": [sid], "dataset_id": "uk-customers", "evaluate_first": True},
        )
    )["jobs"][0]
    schedule = await ok(
        client,
        "save_schedule",
        {
            "name": "UK customers nightly",
            "cron": "0 0 2 * * ?",
            "segment_ids": [sid],
            "dataset_id": "uk-customers",
            "state": "active",
        },
    )
    (item,) = schedule["items"]
    return (
        f"evaluated and exported {export['profiles']}, "
        f"schedule {item['type']} {item['state']} {item['cron']!r}"
    )


async def largest_cart_then_delete_smallest(client: Recorder, setup: dict[str, Any]) -> str:
    listed = await ok(client, "find_segment_definitions", {"limit": 50})
    carts = [d["id"] for d in listed["items"] if (d.get("name") or "").startswith("Cart:")]
    compared = await ok(client, "compare_audiences", {"audiences": carts})
    sizes = {a["segment_id"]: a["size"] for a in compared["audiences"]}
    largest = max(sizes, key=lambda i: sizes[i])
    smallest = min(sizes, key=lambda i: sizes[i])
    await ok(client, "delete_resource", {"kind": "segment-definition", "id": smallest})
    names = setup["carts"]
    return f"largest {names[largest]} ({sizes[largest]}), deleted {names[smallest]}"


async def event_type_values(client: Recorder, _: dict[str, Any]) -> str:
    if "field_values" not in client.tools:
        return "no field_values tool: eventType's values are not one call away"
    out = await ok(client, "field_values", {"field": "eventType"})
    return ", ".join(f"{v['value']} {v['count']}" for v in out["values"])


REQUESTS: list[tuple[str, Step]] = [
    (
        "gold and platinum members in California",
        size_of('homeAddress.stateProvince = "CA" and loyalty.tier in ["gold", "platinum"]'),
    ),
    (
        "buyers over 200 in the last 30 days (one order, USD)",
        size_of(
            'xEvent[eventType = "commerce.purchases" and commerce.order.currencyCode = "USD" '
            f"and commerce.order.priceTotal > 200 and {LAST_30}]"
        ),
    ),
    (
        "cart abandoners (added in 30 days, no purchase since)",
        size_of(
            f'xEvent[eventType = "commerce.productListAdds" and {LAST_30}] and '
            f'not(xEvent[eventType = "commerce.purchases" and {LAST_30}])'
        ),
    ),
    (
        "window shoppers (viewed products in 30 days, bought nothing in 30 days)",
        size_of(
            f'xEvent[eventType = "commerce.productViews" and {LAST_30}] and '
            f'not(xEvent[eventType = "commerce.purchases" and {LAST_30}])'
        ),
    ),
    (
        "email opens followed by a purchase within 3 days",
        size_of(
            'chain(xEvent, timestamp, [O: WHAT(eventType = "directMarketing.emailOpened"), '
            'P: WHAT(eventType = "commerce.purchases") WHEN(<= 3 days after O)])'
        ),
    ),
    ("UK audience saved, evaluated, exported, scheduled", uk_saved_evaluated_exported_scheduled),
    (
        "largest of three cart definitions, then delete the smallest",
        largest_cart_then_delete_smallest,
    ),
    ("eventType values", event_type_values),
]

CARTS = {
    "Cart: added in 7 days": 'xEvent[eventType = "commerce.productListAdds" and '
    "timestamp occurs <= 7 days before now]",
    "Cart: added in 30 days": f'xEvent[eventType = "commerce.productListAdds" and {LAST_30}]',
    "Cart: added in 90 days": 'xEvent[eventType = "commerce.productListAdds" and '
    "timestamp occurs <= 90 days before now]",
}


@dataclass
class Done:
    request: str
    sizes: list[Size]
    answer: str


async def _accept(context: Any, params: Any) -> Any:
    """The person confirms the delete."""
    return mcp_types.ElicitResult(action="accept", content={"confirm": True})


async def _run(profiles: int) -> int:
    done: list[Done] = []
    with tempfile.TemporaryDirectory(prefix="seg-mcp-floor-") as tmp:
        async with (
            local_server(profiles, Path(tmp)) as server,
            Client(server, elicitation_callback=_accept) as client,
        ):
            carts = {}
            for name, pql in CARTS.items():  # setup: earlier work, not counted
                made = await client.call_tool("save_segment_definition", {"name": name, "pql": pql})
                carts[made.structured_content["definition"]["id"]] = name
            tools = {t.name for t in (await client.list_tools()).tools}
            for request, step in REQUESTS:
                recorder = Recorder(client, tools=tools)
                answer = await step(recorder, {"carts": carts})
                done.append(Done(request, recorder.sizes, answer))
        chars, tokens = await tools_list(Path(tmp))
    print(f"floor: {len(done)} requests, local sandbox with {profiles} profiles (in-process)")
    for d in done:
        calls = ", ".join(s.tool for s in d.sizes) or "none"
        print(f"- {d.request}: {len(d.sizes)} call(s), {sum(s.total for s in d.sizes)} chars")
        print(f"    {calls}\n    answer: {d.answer}")
    every = [s.total for d in done for s in d.sizes]
    per = [len(d.sizes) for d in done]
    previews = sum(s.tool == "preview_audience" for d in done for s in d.sizes)
    print(
        f"calls: {sum(per)} for {len(done)} requests ({sum(per) / len(done):.2f} each, "
        f"max {max(per)}); previews {previews}"
    )
    print(
        f"result size (text+structured chars): median {statistics.median(every):.0f}, "
        f"max {max(every)}; text only median "
        f"{statistics.median(s.text for d in done for s in d.sizes):.0f}"
    )
    print(f"tools/list (every toolset): {chars} characters, {tokens} cl100k tokens")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=2_000)
    args = parser.parse_args()
    return anyio.run(_run, args.profiles)


if __name__ == "__main__":
    sys.exit(main())
