"""An agent script: pick the largest valid audience among draft queries, save it, evaluate it.

    python examples/agent.py            # against a fresh local sandbox (no Adobe account needed)

It starts `seg-mcp serve` over stdio (as Claude Desktop or Cursor would) on a local sandbox in a
temporary directory, then composes the tools with `mcp.Client`:

1. reads the PQL guide resource (what an assistant would read before writing PQL);
2. checks each draft with `check_pql`, printing the diagnostics of the broken ones;
3. sizes the valid ones with `preview_audience`;
4. saves the largest with `save_segment_definition` and reads it back as a resource;
5. evaluates it with `run_segment_job`;
6. deletes it again with `delete_resource`: the server asks the person (MCP elicitation), and
   this script answers for its operator, who decided the delete by running it.

To run it against Adobe instead, drop SEG_MCP_BACKEND and set the AEP_* variables
(see examples/claude_desktop_config.json); step 4 then needs a development sandbox.
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any

import anyio
from mcp import Client, StdioServerParameters, types
from mcp.client.stdio import stdio_client

DRAFTS = {
    "Gold and platinum members": 'loyalty.tier in ["gold", "platinum"]',
    "Recent buyers (draft with a mistake)": "xEvent.eventType == 'commerce.purchases'",
    "Buyers of the last 30 days": (
        'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 30 days before now]'
    ),
}


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool; raise with its text when it fails, else return its structured content."""
    result = await client.call_tool(tool, {"sandbox": "dev", **arguments})
    if result.is_error:
        text = " ".join(getattr(c, "text", "") for c in result.content)
        raise RuntimeError(f"{tool} failed: {text}")
    return dict(result.structured_content or {})


async def operator_confirms(context: Any, params: Any) -> types.ElicitResult:
    """The server asks the person before a delete; an unattended script answers for its
    operator. An interactive agent would show `params.message` and ask."""
    print(f"the server asks: {params.message}")
    return types.ElicitResult(action="accept", content={"confirm": True})


async def agent(client: Client) -> str:
    guide = await client.read_resource("pql-guide://assistant")
    print(f"read the PQL guide ({len(guide.contents[0].text)} characters)")  # type: ignore[union-attr]

    sizes: dict[str, int] = {}
    for name, pql in DRAFTS.items():
        report = await call(client, "check_pql", pql=pql)
        if not report["ok"]:
            problems = "; ".join(d["message"] for d in report["diagnostics"])
            print(f"- {name}: invalid ({problems})")
            continue
        (job,) = (await call(client, "preview_audience", pql=pql, sample=0))["jobs"]
        sizes[name] = job["size"] if job.get("size_known") else 0
        print(f"- {name}: {sizes[name]} profiles")

    best = max(sizes, key=lambda n: sizes[n])
    saved = await call(client, "save_segment_definition", name=best, pql=DRAFTS[best])
    segment_id = saved["definition"]["id"]
    stored = await client.read_resource(f"segment-definition://dev/{segment_id}")
    definition = json.loads(stored.contents[0].text)["definition"]  # type: ignore[union-attr]
    print(f"saved {definition['name']!r} as {segment_id}")

    (job,) = (await call(client, "run_segment_job", segment_ids=[segment_id]))["jobs"]
    print(f"segment job {job['status']}: {job.get('profiles')}")

    await call(client, "delete_resource", kind="segment-definition", id=segment_id)
    print(f"deleted {segment_id}")
    return best


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="seg-mcp-agent-") as data_dir:
        server = StdioServerParameters(
            command=sys.executable,
            args=["-m", "seg_mcp", "serve"],
            env={
                "SEG_MCP_BACKEND": "local",
                "SEG_MCP_DATA_DIR": data_dir,
                "SEG_MCP_AUDIT_LOG": f"{data_dir}/audit.jsonl",
                "SEG_SANDBOX_DEFAULT_PROFILES": "1000",
            },
        )
        with open(f"{data_dir}/server.log", "w") as log:
            session = Client(
                stdio_client(server, errlog=log), elicitation_callback=operator_confirms
            )
            async with session as client:
                best = await agent(client)
    print(f"chosen audience: {best}")


if __name__ == "__main__":
    anyio.run(main)
