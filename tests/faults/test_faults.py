"""Faults x writes, through `seg-mcp api` and through the MCP tools (issue 14, item 6).

One local sandbox and one fault proxy per module; every client talks to the proxy, and each case
arms one fault for its write's path, makes the write, then reads the sandbox's state directly:

* nothing lost: a client that says it succeeded names an object that exists, once;
* nothing duplicated: at most one object per name (per job target), also after an MCP client
  calls the tool again as its message allowed;
* every message names its outcome (`failed`, `not sent`, `unknown`) as the contract allows for
  that fault, and is actionable (harness.py writes the regular expressions down);
* the MCP server's audit lines carry an outcome and a request id, never "None".

The figures are printed as one line at the end (`pytest -s`, and in the terminal summary).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from pydantic import SecretStr

from seg_mcp.config import BackendConfig, Profile
from seg_mcp.server import build_server

from .harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    FAULTS,
    ORG_ID,
    SANDBOX,
    TALLY,
    TIMEOUT,
    WRITES,
    Direct,
    FaultCase,
    Target,
    Write,
    local_sandbox,
)
from .proxy import FaultProxy
from .rules import (
    CLI_CHECK,
    RECONCILED,
    actionable,
    classify,
    ids_in,
    parse_json,
    tool_check,
)
from .zygote import CLI

AUDIT_OUTCOMES = {"succeeded", "failed", "unknown", "refused"}
CASES = [pytest.param(f, w, id=f"{f.name}-{w.kind}") for f in FAULTS for w in WRITES]


@dataclass
class World:
    proxy: FaultProxy
    direct: Direct
    tmp: Path
    cli: CLI
    evaluation: tuple[str, str] = ("", "")  # (segment, its job), started at setup

    @property
    def evaluated(self) -> str:
        """A segment with members (an export needs them): its job finished."""
        self.direct.wait_job(self.evaluation[1])
        return self.evaluation[0]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("faults")
    with local_sandbox(tmp / "data") as url, FaultProxy(int(url.rsplit(":", 1)[1])) as proxy:
        direct, cli = Direct(url), CLI()
        try:
            evaluation = direct.start_evaluation("fault-suite-evaluated")
            yield World(proxy, direct, tmp, cli, evaluation)
        finally:
            cli.close()
            direct.close()
    print("\n" + TALLY.line())
    TALLY.dump()


def _target(world: World, client: str, fault: FaultCase, write: Write) -> Target:
    name = f"{client}-{fault.name}-{write.kind}"
    if write.kind == "schedule":
        world.direct.clear_schedules()
    if write.kind == "segment-job":
        return Target(name, segment_id=world.direct.create_definition(f"{name}-segment"))
    if write.kind == "export-job":
        return Target(name, segment_id=world.evaluated, dataset=f"ds-{name}")
    return Target(name)


def _arm(world: World, fault: FaultCase, write: Write) -> Any:
    world.proxy.faults.clear()
    rule = fault.make(write.path)
    world.proxy.inject(rule)
    return rule


def judge(
    case: str,
    fault: FaultCase,
    ok: bool,
    text: str,
    answer: Any,
    found: list[str],
) -> list[str]:
    """Tally one answer against the sandbox's state; the problems found, as sentences."""
    TALLY.cases.add(case)
    problems: list[str] = []
    if len(found) > 1:
        TALLY.duplicated.append(case)
        problems.append(f"{len(found)} objects were written: {found}")
    if ok:
        claim = "succeeded"
        if not found or found[0] not in ids_in(answer):
            TALLY.lost.append(case)
            problems.append(f"told it succeeded, but the sandbox holds {found}")
        if fault.reached:  # the service did the write; the client found it and must say so
            TALLY.messages += 1
            if re.search(RECONCILED, text, re.IGNORECASE):
                TALLY.actionable += 1
            else:
                problems.append(f"a success after a lost answer does not say so: {text[:300]!r}")
    else:
        claim = classify(text) or "(none)"
        TALLY.messages += 1
        if actionable(text, classify(text)):
            TALLY.actionable += 1
        else:
            problems.append(f"message not actionable (claim {claim}): {text[:400]!r}")
        if claim in {"failed", "not sent"} and found:
            TALLY.misreported.append(case)
            problems.append(f"claims {claim!r} but the write happened: {found}")
    TALLY.samples.append((case, claim, text))
    if claim not in fault.allowed:
        TALLY.off_contract.append(case)
        problems.append(f"claims {claim!r}; the contract allows {sorted(fault.allowed)}")
    return problems


# -- seg-mcp api ---------------------------------------------------------------------------------


def cli_env(world: World) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "SEG_"))}
    env.update(
        AEP_PLATFORM_URL=world.proxy.url,
        AEP_IMS_URL=world.proxy.url,
        AEP_CLIENT_ID=CLIENT_ID,
        AEP_CLIENT_SECRET=CLIENT_SECRET,
        AEP_ORG_ID=ORG_ID,
        AEP_SANDBOXES=SANDBOX,
        AEP_TIMEOUT=str(TIMEOUT),
        SEG_MCP_STATE_DIR=str(world.tmp / "state"),
    )
    return env


@pytest.mark.parametrize(("fault", "write"), CASES)
def test_cli(world: World, fault: FaultCase, write: Write) -> None:
    target = _target(world, "cli", fault, write)
    rule = _arm(world, fault, write)
    argv = ["api", write.operation, "--sandbox", SANDBOX, "--body", json.dumps(write.body(target))]
    rc, stdout, stderr = world.cli.run(argv, cli_env(world))
    world.proxy.faults.clear()
    assert rule.hits == 1, f"the fault never fired: {stderr}"
    assert "Traceback" not in stderr, stderr
    found = world.direct.ids(write.kind, target)
    problems = judge(
        f"cli:{fault.name}:{write.kind}", fault, rc == 0, stderr, parse_json(stdout), found
    )
    if rc != 0 and classify(stderr) == "unknown":
        problems += follow_cli_check(world, stderr, found)
    assert not problems, "\n".join(problems)


def follow_cli_check(world: World, message: str, found: list[str]) -> list[str]:
    """Run the `seg-mcp api` command an unknown outcome suggests: it must show the object."""
    TALLY.checks += 1
    m = re.search(CLI_CHECK, message)
    if m is None:
        return [f"no `seg-mcp api ...` command to check with: {message!r}"]
    rc, stdout, stderr = world.cli.run(["api", *shlex.split(m[1])], cli_env(world))
    if rc != 0:
        return [f"the suggested check `seg-mcp api {m[1]}` failed: {stderr}"]
    if found and found[0] not in ids_in(parse_json(stdout)):
        return [f"the suggested check `seg-mcp api {m[1]}` does not show {found[0]}"]
    TALLY.checks_ok += 1
    return []


# -- the MCP tools -------------------------------------------------------------------------------


def mcp_config(world: World) -> BackendConfig:
    profile = Profile(
        name="env",
        org_id=ORG_ID,
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        sandboxes=(SANDBOX,),
        platform_url=world.proxy.url,
        ims_url=world.proxy.url,
    )
    return BackendConfig(
        kind="adobe",
        profiles=(profile,),
        default_sandbox=SANDBOX,
        source="the fault suite",
        timeout=TIMEOUT,
    )


def _text(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def _audit_problems(path: Path) -> list[str]:
    problems = []
    lines = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    for line in lines:
        TALLY.audit_lines += 1
        bad = []
        if line.get("outcome") not in AUDIT_OUTCOMES:
            bad.append(f"outcome {line.get('outcome')!r}")
        detail = line.get("detail")
        if isinstance(detail, str) and re.search(r"\bNone\b", detail):
            bad.append(f"detail {line.get('detail')!r}")
        if line.get("outcome") != "refused" and not line.get("request_id"):
            bad.append("no request id")
        if bad:
            problems.append(f"audit line {line.get('operation')}: {', '.join(bad)}")
        else:
            TALLY.audit_good += 1
    return problems


async def follow_tool_check(client: Client, message: str, found: list[str]) -> list[str]:
    """Make the tool call an unknown outcome suggests: it must show the object if it exists."""
    TALLY.checks += 1
    suggested = tool_check(message)
    if suggested is None:
        return [f"no find_*/get_job call to check with: {message!r}"]
    tool, args = suggested
    result = await client.call_tool(tool, args)
    if result.is_error:
        return [f"the suggested check {tool} {args} failed: {_text(result)}"]
    if found and found[0] not in ids_in(result.structured_content):
        return [f"the suggested check {tool} {args} does not show {found[0]}"]
    TALLY.checks_ok += 1
    return []


@pytest.mark.parametrize(("fault", "write"), CASES)
async def test_mcp(world: World, fault: FaultCase, write: Write, tmp_path: Path) -> None:
    target = _target(world, "mcp", fault, write)
    case = f"mcp:{fault.name}:{write.kind}"
    config = mcp_config(world)
    audit = tmp_path / "audit.jsonl"
    async with config.create_client() as aep:
        server = build_server(aep, config, audit_log=audit)
        async with Client(server) as client:
            await client.call_tool("get_context", {})  # token and sandbox types, before the fault
            rule = _arm(world, fault, write)
            first = await client.call_tool(write.tool, write.args(target))
            world.proxy.faults.clear()
            assert rule.hits == 1, f"the fault never fired: {_text(first)}"
            found = world.direct.ids(write.kind, target)
            problems = judge(
                case, fault, not first.is_error, _text(first), first.structured_content, found
            )
            if first.is_error and classify(_text(first)) == "unknown":
                problems += await follow_tool_check(client, _text(first), found)
            if first.is_error:  # the assistant calls again, as the message allows
                again = await client.call_tool(write.tool, write.args(target))
                found = world.direct.ids(write.kind, target)
                if len(found) != 1:
                    if len(found) > 1 and case not in TALLY.duplicated:
                        TALLY.duplicated.append(case)
                    problems.append(f"after calling again the sandbox holds {found}")
                if again.is_error and not actionable(_text(again), classify(_text(again))):
                    problems.append(f"calling again: not actionable: {_text(again)[:300]!r}")
    problems += _audit_problems(audit)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "write", [w for w in WRITES if w.kind.endswith("-job")], ids=lambda w: w.kind
)
async def test_identical_job_in_flight_is_returned(
    world: World, write: Write, tmp_path: Path
) -> None:
    """No fault: a second identical job asked for while the first runs is the first, said so."""
    target = _target(world, "twice", FAULTS[0], write)
    config = mcp_config(world)
    async with (
        config.create_client() as aep,
        Client(build_server(aep, config, audit_log=tmp_path / "audit.jsonl")) as client,
    ):
        first = await client.call_tool(write.tool, write.args(target))
        second = await client.call_tool(write.tool, write.args(target))
    assert not first.is_error and not second.is_error, _text(first) + _text(second)
    found = world.direct.ids(write.kind, target)
    assert len(found) == 1, f"two identical {write.kind}s in flight: {found}"
    assert found[0] in ids_in(second.structured_content)
    assert re.search(RECONCILED, _text(second), re.IGNORECASE), _text(second)
