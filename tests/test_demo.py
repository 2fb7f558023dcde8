"""`seg-mcp demo` end to end: a subprocess that starts `seg-mcp serve` over stdio and drives it
with a real MCP client. Checks what a person reading the output relies on, and cross-checks it
with what the server left in the demo's data directory (audit log, exported dataset)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import anyio.to_thread
import duckdb
import httpx2
import pytest
from mcp import Client

from seg_mcp.cli import demo as demo_module
from seg_mcp.config import local_config
from seg_mcp.sandbox import SandboxSettings, create_app
from seg_mcp.server.app import build_server

STEPS = [
    "Find the fields about countries",
    "Check a query written with common mistakes",
    "Check the fixed query",
    "Estimate the audience and preview 3 members",
    "Save the segment definition",
    "Evaluate it now with a segment job",
    "Export its members to a dataset",
    "Schedule a daily evaluation",
    "Search definitions for 'Demo'",
    "Delete the definition while the schedule uses it (refused)",
    "Delete the schedule: this client cannot ask the user (refused)",
    "Delete the schedule: the server asks the user, who agrees",
    "Delete the definition: the server asks the user, who says no",
    "Delete the definition: the server asks the user, who agrees",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    data_dir = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "seg_mcp", "demo", "--profiles", "300", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, data_dir


def _step(output: str, title: str) -> str:
    """The printed block of one step (from its title to the next blank line)."""
    start = output.index(f". {title}\n")
    return output[start:].split("\n\n", 1)[0]


def test_every_step_ran_in_order_and_none_was_skipped(demo: tuple[str, Path]) -> None:
    output, _ = demo
    assert re.findall(r"^\d+\. (.+)$", output, re.MULTILINE) == STEPS
    assert "skipped:" not in output
    assert output.rstrip().endswith(
        f"{len(STEPS)} steps: {len(STEPS)} ran as expected, 0 skipped, 0 did not go as expected."
    )


def test_the_mistakes_are_reported_at_their_columns_with_the_right_form(
    demo: tuple[str, Path],
) -> None:
    block = _step(demo[0], "Check a query written with common mistakes")
    assert "Invalid PQL" in block
    columns = [int(c) for c in re.findall(r"line 1, column (\d+)", block)]
    query = "homeAddress.countryCode == 'US' && xEvent.timestamp occurs in last 30 days"
    assert [query[c - 1 : c + 1] for c in columns] == ["==", "'U", "&&", "in"]
    assert "Valid PQL." in _step(demo[0], "Check the fixed query")


def test_preview_job_and_export_agree_on_the_audience(demo: tuple[str, Path]) -> None:
    output, data_dir = demo
    (size,) = re.findall(r"RESULT_READY \(done\); size (\d+)", output)
    (evaluated,) = re.findall(r"SUCCEEDED \(done\); profiles [0-9a-f-]+=(\d+)", output)
    (exported,) = re.findall(r"SUCCEEDED \(done\); profiles exported=(\d+)", output)
    assert int(size) == int(evaluated) == int(exported) > 0
    files = list((data_dir / "datasets" / "demo-dataset").glob("*.parquet"))
    assert files
    counted = duckdb.sql(f"select count(*) from read_parquet({[str(f) for f in files]})")
    assert counted is not None
    rows = counted.fetchall()
    assert rows == [(int(exported),)]


def test_only_the_person_confirms_a_delete(demo: tuple[str, Path]) -> None:
    """Refused while in use; refused to the client that cannot ask its user (no phrase offered);
    the person says no and nothing changes; the person agrees and it is gone."""
    output, _ = demo
    first, second = output.split("\nSecond client: it can ask its user", 1)
    assert "\nFirst client: it cannot ask its user" in first
    refused = _step(output, "Delete the definition while the schedule uses it (refused)")
    assert "is used by schedule" in refused and "nothing was deleted" in refused
    no_ask = _step(output, "Delete the schedule: this client cannot ask the user (refused)")
    assert "this client cannot ask its user" in no_ask and "nothing was changed" in no_ask
    assert "? the server asks" not in first
    assert second.count("? the server asks the user: Delete ") == 3
    asked = _step(output, "Delete the schedule: the server asks the user, who agrees")
    assert "? the server asks the user: Delete schedule " in asked
    assert "✓ Deleted schedule " in asked  # still there after the refusal
    no = _step(output, "Delete the definition: the server asks the user, who says no")
    assert "? the server asks the user: Delete segment definition " in no
    assert "? the user answers: no" in no
    assert "✗ delete_resource refused in sandbox 'dev': the user did not confirm" in no
    yes = _step(output, "Delete the definition: the server asks the user, who agrees")
    assert "? the user answers: yes" in yes
    assert "✓ Deleted segment definition " in yes  # still there after the no
    # No confirmation phrase is offered, asked for or passed anywhere.
    assert "delete schedule " not in output and "delete segment definition " not in output
    assert '"confirm"' not in output


def test_the_audit_log_records_every_write_of_the_demo(demo: tuple[str, Path]) -> None:
    lines = (demo[1] / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["operation"] for e in entries if e["outcome"] == "succeeded"] == [
        "createSegmentDefinition",
        "createSegmentJob",
        "createExportJob",
        "createSchedule",
        "deleteSchedule",
        "deleteSegmentDefinition",
    ]
    refusals = [e["detail"] for e in entries if e["outcome"] == "refused"]
    assert len(refusals) == 2
    assert "is used by schedule" in refusals[0]
    assert "this client cannot ask its user" in refusals[1]
    declined = [e for e in entries if e["outcome"] == "declined"]
    assert [(e["tool"], e["detail"]) for e in declined] == [
        ("delete_resource", "the user did not confirm; nothing was changed.")
    ]
    deletes = [
        e for e in entries if e["operation"].startswith("delete") and e["outcome"] == "succeeded"
    ]
    assert [e["confirmed_by"] for e in deletes] == ["elicitation", "elicitation"]
    assert declined[0]["target"] == deletes[1]["target"]  # the same definition, said no then yes
    assert {e["sandbox"] for e in entries} == {"dev"}


async def test_a_tool_the_server_lacks_is_skipped_with_the_reason(tmp_path: Path) -> None:
    """The workflow against an in-memory server without the export and schedule tools: those
    steps say why they were skipped, and every other step still runs as expected."""
    settings = SandboxSettings(data_dir=tmp_path, default_profiles=50, seed=7, job_step_seconds=0)
    app = create_app(settings)
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    lines: list[str] = []
    demo = demo_module.Demo(out=lines.append)
    try:
        async with local_config().create_client(transport=transport) as aep:
            server = build_server(
                aep,
                local_config(),
                exclude_tools=["export_audience", "save_schedule"],
                audit_log=tmp_path / "audit.jsonl",
            )

            def connect(user: demo_module.User | None) -> Client:
                return Client(server, elicitation_callback=user)

            await demo_module.workflow(demo, connect)
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)
    output = "\n".join(lines)
    assert "   skipped: the server has no tool 'export_audience' yet" in output
    assert "   skipped: the server has no tool 'save_schedule' yet" in output
    assert "   skipped: no schedule uses the definition" in output
    assert demo.skipped == [
        "Export its members to a dataset",
        "Schedule a daily evaluation",
        "Delete the definition while the schedule uses it (refused)",
        "Delete the schedule: this client cannot ask the user (refused)",
        "Delete the schedule: the server asks the user, who agrees",
    ]
    assert demo.failed == []
    assert re.findall(r"^\d+\. (.+)$", output, re.MULTILINE) == STEPS
    assert "✓ Deleted segment definition " in output
