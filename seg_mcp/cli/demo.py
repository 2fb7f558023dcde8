"""`seg-mcp demo`: a whole segmentation workflow through a real MCP client.

Starts `seg-mcp serve` over stdio on the local sandbox (a data directory of its own, a small
generated dataset, deleted afterwards), connects `mcp.Client` to it and calls the tools an
assistant would, printing each call and a short readable result:

    find fields → check a query with mistakes → check the fixed query → estimate → preview →
    save → run a segment job → export → schedule → search → delete (refused while in use, and
    refused to a client that cannot ask its user)

then serves again, to a client that can ask its user (MCP elicitation): a stand-in for the
person answers the server's questions (delete the schedule: yes; the definition: no, then yes).
Only the person confirms a delete; no phrase or argument the model could write does it.

A tool the server does not offer prints `skipped: ...` and the demo goes on; a step that needs an
earlier step's result (the definition id) is skipped when that step did not produce it. The exit
code is 0 when every step ran, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FIXED_PQL",
    "MISTAKEN_PQL",
    "Demo",
    "User",
    "local_server_env",
    "register",
    "run",
    "workflow",
]

SANDBOX = "dev"
MISTAKEN_PQL = "homeAddress.countryCode == 'US' && xEvent.timestamp occurs in last 30 days"
FIXED_PQL = (
    'homeAddress.countryCode = "US" and '
    'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 30 days before now]'
)
RESULT_LINES = 6


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run a whole workflow through a real MCP client against the local sandbox",
        description="Start `seg-mcp serve` on a fresh local sandbox, connect an MCP client over "
        "stdio, and walk through find fields, check, estimate, preview, save, evaluate, export, "
        "schedule, search and delete, printing each tool call and its result.",
    )
    parser.add_argument(
        "--profiles",
        type=int,
        default=2_000,
        metavar="N",
        help="profiles generated in the demo's sandbox (default: 2000)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the sandbox's data here (default: a temporary directory, deleted after)",
    )
    parser.set_defaults(func=run)


@dataclass
class Outcome:
    """What a step produced, for later steps and for the summary."""

    ran: bool
    structured: Any = None
    text: str = ""


@dataclass
class User:
    """The demo's stand-in for the person at the client: shows the server's question and
    answers yes when `agrees`, else no. Passed as the client's elicitation callback."""

    out: Callable[[str], None] = print
    agrees: bool = True

    async def __call__(self, context: Any, params: Any) -> Any:
        from mcp import types

        self.out(f"   ? the server asks the user: {getattr(params, 'message', '')}")
        self.out(f"   ? the user answers: {'yes' if self.agrees else 'no'}")
        if self.agrees:
            return types.ElicitResult(action="accept", content={"confirm": True})
        return types.ElicitResult(action="decline")


#: Opens a client session: given the elicitation callback, or None for a client that cannot
#: ask its user.
Connect = Callable[[User | None], AbstractAsyncContextManager[Any]]


@dataclass
class Demo:
    """The connected client and what the steps have learnt so far."""

    out: Callable[[str], None] = print
    client: Any = None
    tools: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    step: int = 0

    async def attach(self, client: Any) -> None:
        self.client = client
        self.tools = {t.name for t in (await client.list_tools()).tools}
        self.out(f"connected: {len(self.tools)} tools ({client.protocol_version})")

    async def call(self, title: str, tool: str, arguments: dict[str, Any]) -> Outcome:
        self.step += 1
        shown = json.dumps(arguments, ensure_ascii=False)
        self.out(f"\n{self.step}. {title}\n   → {tool} {shown}")
        if tool not in self.tools:
            return self.skip(title, f"the server has no tool {tool!r} yet")
        result = await self.client.call_tool(tool, arguments)
        text = "\n".join(getattr(c, "text", "") for c in result.content).strip()
        self.out(_indent(text or "(no text)", "✗ " if result.is_error else "✓ "))
        return Outcome(not result.is_error, result.structured_content, text)

    def skip(self, title: str, why: str) -> Outcome:
        self.out(f"   skipped: {why}")
        self.skipped.append(title)
        return Outcome(ran=False)

    def needs(self, title: str, value: Any, why: str) -> bool:
        """Whether a step has what it needs from earlier steps; if not, it is printed skipped."""
        if value:
            return True
        self.step += 1
        self.out(f"\n{self.step}. {title}")
        self.skip(title, why)
        return False

    def expect(self, title: str, outcome: Outcome, ok: bool = True) -> None:
        """Record a step that should have succeeded (`ok`) or been refused (`not ok`)."""
        if title in self.skipped:
            return
        if outcome.ran != ok:
            self.failed.append(title)


_FENCE = re.compile(r"</?untrusted-data-[0-9a-f]+>")


def _readable(text: str) -> list[str]:
    """The tool's text with its untrusted-data fences folded: fenced lines start with `|`."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.fullmatch(line.strip()):
            fenced = not fenced
        elif not line.startswith("Text between the untrusted-data-"):
            lines.append(f"| {line}" if fenced else line)
    return lines


def _indent(text: str, mark: str) -> str:
    lines = _readable(text)
    if len(lines) > RESULT_LINES:
        lines = [*lines[:RESULT_LINES], f"… ({len(lines) - RESULT_LINES} more lines)"]
    return textwrap.indent("\n".join(lines), "     ").replace("     ", "   " + mark, 1)


def _find(value: Any, *keys: str) -> Any:
    """The first of `keys` found in a structured result, searched depth first."""
    if isinstance(value, dict):
        for key in keys:
            if value.get(key) not in (None, ""):
                return value[key]
        for item in value.values():
            found = _find(item, *keys)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _find(item, *keys)
            if found is not None:
                return found
    return None


async def workflow(demo: Demo, connect: Connect) -> None:
    """The steps, in the order an assistant would take them: first through a client that
    cannot ask its user, then through one that can."""
    demo.out(
        "\nFirst client: it cannot ask its user (no MCP elicitation), so it can do everything "
        "but delete or cancel."
    )
    async with connect(None) as client:
        await demo.attach(client)
        ids = await _build(demo)
    demo.out(
        "\nSecond client: it can ask its user (MCP elicitation). The server asks the person "
        "before each delete; a stand-in for the person answers."
    )
    user = User(demo.out)
    async with connect(user) as client:
        await demo.attach(client)
        await _delete(demo, user, *ids)


async def _build(demo: Demo) -> tuple[str | None, str | None]:
    """Find, check, size, save, evaluate, export, schedule, search; the deletes this client
    may not do. Returns the definition's and the schedule's ids (None when not created)."""
    s = {"sandbox": SANDBOX}

    title = "Find the fields about countries"
    demo.expect(title, await demo.call(title, "find_fields", {"search": "country", **s}))

    title = "Check a query written with common mistakes"
    mistaken = await demo.call(title, "check_pql", {"pql": MISTAKEN_PQL, **s})
    if title not in demo.skipped and _find(mistaken.structured, "ok") is not False:
        demo.failed.append(title)

    title = "Check the fixed query"
    checked = await demo.call(title, "check_pql", {"pql": FIXED_PQL, **s})
    demo.expect(title, checked)
    if checked.ran and _find(checked.structured, "ok") is not True:
        demo.failed.append(title)

    title = "Estimate the audience and preview 3 members"
    args = {"pql": FIXED_PQL, "sample": 3, **s}
    demo.expect(title, await demo.call(title, "preview_audience", args))

    title = "Save the segment definition"
    args = {
        "name": "Demo: US buyers of the last 30 days",
        "pql": FIXED_PQL,
        "description": "Created by seg-mcp demo.",
        **s,
    }
    saved = await demo.call(title, "save_segment_definition", args)
    demo.expect(title, saved)
    definition_id = _find(saved.structured, "id") if saved.ran else None

    def needs_id(title: str) -> bool:
        return demo.needs(title, definition_id, "no segment definition was saved")

    title = "Evaluate it now with a segment job"
    if needs_id(title):
        args = {"segment_ids": [definition_id], **s}
        demo.expect(title, await demo.call(title, "run_segment_job", args))

    title = "Export its members to a dataset"
    if needs_id(title):
        args = {"segment_ids": [definition_id], "dataset_id": "demo-dataset", **s}
        demo.expect(title, await demo.call(title, "export_audience", args))

    title = "Schedule a daily evaluation"
    schedule_id = None
    if needs_id(title):
        args = {
            "name": "Demo: daily at 06:00 UTC",
            "cron": "0 0 6 * * ?",
            "segment_ids": [definition_id],
            **s,
        }
        scheduled = await demo.call(title, "save_schedule", args)
        demo.expect(title, scheduled)
        schedule_id = _find(scheduled.structured, "id") if scheduled.ran else None

    title = "Search definitions for 'Demo'"
    demo.expect(
        title,
        await demo.call(
            title, "search_segments", {"query": "Demo", "namespace": "AEPSegments", **s}
        ),
    )

    title = "Delete the definition while the schedule uses it (refused)"
    if demo.needs(title, definition_id and schedule_id, "no schedule uses the definition"):
        args = {"kind": "segment-definition", "id": definition_id, **s}
        demo.expect(title, await demo.call(title, "delete_resource", args), ok=False)

    title = "Delete the schedule: this client cannot ask the user (refused)"
    if demo.needs(title, schedule_id, "no schedule was created"):
        args = {"kind": "schedule", "id": schedule_id, **s}
        demo.expect(title, await demo.call(title, "delete_resource", args), ok=False)
    return definition_id, schedule_id


async def _delete(
    demo: Demo, user: User, definition_id: str | None, schedule_id: str | None
) -> None:
    """The deletes, each confirmed (or not) by the person. A delete that succeeds after a
    refusal or a no also shows that the refusal left the object in place."""
    s = {"sandbox": SANDBOX}

    title = "Delete the schedule: the server asks the user, who agrees"
    if demo.needs(title, schedule_id, "no schedule was created"):
        args = {"kind": "schedule", "id": schedule_id, **s}
        demo.expect(title, await demo.call(title, "delete_resource", args))

    args = {"kind": "segment-definition", "id": definition_id, **s}
    title = "Delete the definition: the server asks the user, who says no"
    if demo.needs(title, definition_id, "no segment definition was saved"):
        user.agrees = False
        demo.expect(title, await demo.call(title, "delete_resource", args), ok=False)

    title = "Delete the definition: the server asks the user, who agrees"
    if demo.needs(title, definition_id, "no segment definition was saved"):
        user.agrees = True
        demo.expect(title, await demo.call(title, "delete_resource", args))


def local_server_env(data_dir: Path, profiles: int) -> dict[str, str]:
    """The environment of a `seg-mcp serve` on its own local sandbox: data, audit log and the
    generated dataset under `data_dir` (also used by bench/bench_http.py)."""
    return {
        "SEG_MCP_BACKEND": "local",
        "SEG_MCP_DATA_DIR": str(data_dir),
        "SEG_MCP_AUDIT_LOG": str(data_dir / "audit.jsonl"),
        "SEG_SANDBOX_DEFAULT_PROFILES": str(profiles),
        "SEG_SANDBOX_JOB_STEP_SECONDS": "0.05",
    }


async def _run(data_dir: Path, profiles: int) -> int:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "seg_mcp", "serve"],
        env=local_server_env(data_dir, profiles),
    )
    log_path = data_dir / "server.log"
    print(
        "seg-mcp demo: MCP clients talking to `seg-mcp serve` over stdio, on the local "
        f"sandbox ({profiles} generated profiles in {data_dir}, sandbox {SANDBOX!r}).\n"
        "Lines marked | are text people wrote, which the server fences as untrusted data."
    )
    demo = Demo()
    with log_path.open("w", encoding="utf-8") as log:

        def connect(user: User | None) -> AbstractAsyncContextManager[Any]:
            """A client over stdio to its own `seg-mcp serve` on the same data directory."""
            return Client(stdio_client(params, errlog=log), elicitation_callback=user)

        try:
            await workflow(demo, connect)
        except Exception as exc:
            while isinstance(exc, ExceptionGroup) and len(exc.exceptions) == 1:
                exc = exc.exceptions[0]
            log.flush()
            tail = log_path.read_text(encoding="utf-8").strip().splitlines()[-5:]
            print(f"\nerror: the demo stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
            for line in tail:
                print(f"  server: {line}", file=sys.stderr)
            return 1
    print(
        f"\n{demo.step} steps: {demo.step - len(demo.skipped) - len(demo.failed)} ran as "
        f"expected, {len(demo.skipped)} skipped, {len(demo.failed)} did not go as expected."
    )
    for title in demo.failed:
        print(f"  not as expected: {title}")
    return 0 if not demo.skipped and not demo.failed else 1


def run(args: argparse.Namespace) -> int:
    import anyio

    if args.profiles < 1:
        print("error: --profiles must be at least 1", file=sys.stderr)
        return 2
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        return anyio.run(_run, args.data_dir.resolve(), args.profiles)
    with tempfile.TemporaryDirectory(prefix="seg-mcp-demo-") as tmp:
        return anyio.run(_run, Path(tmp), args.profiles)
