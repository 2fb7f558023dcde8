"""`seg-mcp tools`: the tool surface, its annotations and what each definition costs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from seg_mcp.cli.serve import add_selection, selection

CHARS_PER_TOKEN = 4


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "tools",
        help="list the MCP tools, their annotations and definition sizes",
        description="Print toolsets, tools, annotations and each tool definition's size in "
        f"characters and estimated tokens ({CHARS_PER_TOKEN} characters a token).",
    )
    add_selection(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--markdown", action="store_true", help="print the README's tool table (Markdown)"
    )
    parser.set_defaults(func=run)


async def surface(args: argparse.Namespace) -> list[dict[str, Any]]:
    from mcp import Client

    from seg_mcp.config import load_config
    from seg_mcp.server import ALL_TOOLS, build_server

    specs = {s.name: s for s in ALL_TOOLS}
    server = build_server(None, load_config(), **selection(args))
    async with Client(server) as client:
        listed = (await client.list_tools()).tools
    rows = []
    for t in listed:
        wire = t.model_dump(mode="json", by_alias=True, exclude_none=True)
        size = len(json.dumps(wire, separators=(",", ":")))
        rows.append(
            {
                "toolset": specs[t.name].toolset,
                "confirmed": specs[t.name].confirm is not None,
                "name": t.name,
                "annotations": wire.get("annotations", {}),
                "summary": _first_sentence(t.description or ""),
                "chars": size,
                "tokens": -(-size // CHARS_PER_TOKEN),
            }
        )
    return rows


def _first_sentence(text: str) -> str:
    line = text.strip().split("\n\n", 1)[0].replace("\n", " ")
    end = line.find(". ")
    return line if end < 0 else line[: end + 1]


def _kind(row: dict[str, Any]) -> str:
    a = row["annotations"]
    if a.get("readOnlyHint"):
        return "read-only"
    kind = "destructive" if a.get("destructiveHint") else "write"
    return f"{kind}, the person confirms" if row["confirmed"] else kind


def markdown(rows: list[dict[str, Any]]) -> str:
    out = ["| tool | toolset | kind | what it does |", "| --- | --- | --- | --- |"]
    for r in rows:
        summary = r["summary"].replace("|", "\\|")
        out.append(f"| `{r['name']}` | {r['toolset']} | {_kind(r)} | {summary} |")
    return "\n".join(out) + "\n"


def _flags(a: dict[str, Any]) -> str:
    keys = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
    names = ("read-only", "destructive", "idempotent", "open-world")
    return " ".join(n if a.get(k) else f"!{n}" for k, n in zip(keys, names, strict=True))


def run(args: argparse.Namespace) -> int:
    import anyio

    from seg_mcp.config import ConfigError
    from seg_mcp.server import UnknownNameError

    try:
        rows = anyio.run(surface, args)
    except (UnknownNameError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(r["chars"] for r in rows)
    if args.markdown:
        print(markdown(rows), end="")
        return 0
    if args.json:
        print(json.dumps({"tools": rows, "total_chars": total, "total_tokens": -(-total // 4)}))
        return 0
    for r in rows:
        print(
            f"{r['toolset']:<12} {r['name']:<26} {r['chars']:>6} chars {r['tokens']:>5} tokens"
            f"  {_flags(r['annotations'])}"
        )
    print(f"{len(rows)} tools: {total} chars, about {-(-total // CHARS_PER_TOKEN)} tokens")
    return 0
