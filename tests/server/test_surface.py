"""The tool surface: explicit annotations, schema snapshots, the tools/list budget, coverage of
every operation of the contract, tool selection."""

from __future__ import annotations

import ast
import inspect
import json
import os
from pathlib import Path

import bpe_openai
import pytest
from mcp import Client
from spec_contract import operation_ids

from seg_mcp.aep import REGISTRY
from seg_mcp.config import local_config
from seg_mcp.server import ALL_TOOLS, UnknownNameError, build_server, select
from seg_mcp.server.output import Output, Page, Text, compact_schema, fit
from seg_mcp.server.toolkit import ToolSpec
from seg_mcp.server.tools import MODULES, _jobs

SNAPS = Path(__file__).parent / "__toolsnaps__"
#: cl100k tokens of tools/list with every toolset (issue 16: at most 5,000).
BUDGET = 5_000
HINTS = ("read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint")


async def listed(tmp_path: Path, **options: object) -> list:
    server = build_server(None, local_config(), audit_log=tmp_path / "a.jsonl", **options)
    async with Client(server) as client:
        return (await client.list_tools()).tools


def test_every_tool_sets_all_four_annotations_explicitly():
    for spec in ALL_TOOLS:
        assert set(HINTS) <= spec.annotations.model_fields_set, spec.name
        assert all(getattr(spec.annotations, h) is not None for h in HINTS), spec.name
        assert spec.annotations.read_only_hint is not spec.writes


async def test_annotations_on_the_wire(tmp_path: Path):
    for tool in await listed(tmp_path):
        wire = tool.model_dump(by_alias=True, exclude_none=True)["annotations"]
        assert set(wire) == {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}
    destructive = {s.name for s in ALL_TOOLS if s.annotations.destructive_hint}
    confirmed = {s.name for s in ALL_TOOLS if s.confirm is not None}
    assert confirmed == {"cancel_job", "delete_resource"} <= destructive


async def test_toolsnaps(tmp_path: Path):
    """tests/server/__toolsnaps__/<tool>.json holds each tool's input and output schema (and
    its `_meta`: the audience view's `ui` link);
    UPDATE_TOOLSNAPS=1 rewrites them."""
    update = os.environ.get("UPDATE_TOOLSNAPS") == "1"
    drift = []
    results = {s.name: result_schema(s) for s in ALL_TOOLS}
    for tool in await listed(tmp_path):
        assert tool.output_schema == {"type": "object"}, tool.name
        snap = {
            "name": tool.name,
            "inputSchema": tool.input_schema,
            "outputSchema": results[tool.name],
            **({"_meta": tool.meta} if tool.meta else {}),
        }
        path = SNAPS / f"{tool.name}.json"
        text = json.dumps(snap, indent=2, sort_keys=True) + "\n"
        if update:
            SNAPS.mkdir(exist_ok=True)
            path.write_text(text)
        elif not path.exists() or json.loads(path.read_text()) != snap:
            drift.append(tool.name)
    assert not drift, f"tool schemas changed: {drift}; rerun with UPDATE_TOOLSNAPS=1 and review"
    names = {p.stem for p in SNAPS.glob("*.json")}
    assert names == {s.name for s in ALL_TOOLS}


def result_schema(spec: ToolSpec) -> dict[str, object]:
    """The full schema of a tool's structured result (published as `{"type": "object"}`)."""
    model = inspect.signature(spec.handler, eval_str=True).return_annotation
    return compact_schema(model.model_json_schema(mode="serialization"))


async def test_tools_list_budget(tmp_path: Path):
    """The whole tools/list with every toolset, in cl100k tokens (exact: bpe-openai ships the
    cl100k_base ranks; tiktoken would download them)."""
    tools = await listed(tmp_path, toolsets=["all"])
    text = json.dumps(
        {"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]}
    )
    assert [t.name for t in tools] == [s.name for s in ALL_TOOLS]
    tokens = len(bpe_openai.get_encoding("cl100k_base").encode(text))
    assert tokens <= BUDGET, f"tools/list is {tokens} cl100k tokens (budget {BUDGET})"


def test_every_operation_is_reachable():
    ops = operation_ids()
    assert ops == {op.operation_id for op in REGISTRY if op.in_spec}
    reach: dict[str, list[str]] = {}
    for spec in ALL_TOOLS:
        for op in spec.operations:
            assert op in REGISTRY, f"{spec.name} declares unknown operation {op}"
            reach.setdefault(op, []).append(spec.name)
    assert ops - set(reach) == set(), "unreachable operations"
    assert set(reach) <= ops


def _called_operations(module: object) -> set[str]:
    by_method = {op.method: op.operation_id for op in REGISTRY if op.in_spec}
    by_method |= {op.paginator: op.operation_id for op in REGISTRY if op.in_spec and op.paginator}
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    return {
        by_method[node.func.attr]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in by_method
    }


def test_declared_operations_match_the_code():
    """Each toolset module calls exactly the operations its tools declare (the helpers in
    `_jobs` work for the evaluate (with compare), jobs and field_values tools)."""
    helpers = _called_operations(_jobs)
    for module in MODULES:
        declared = {op for s in module.TOOLS for op in s.operations}
        called = _called_operations(module)
        if module.__name__.endswith((".evaluate", ".compare", ".jobs", ".values")):
            called |= helpers & declared
        assert called == declared, module.__name__


def test_selection_and_unknown_names():
    names = [s.name for s in select(ALL_TOOLS, toolsets=["pql"], tools=["get_job"])]
    assert names == ["check_pql", "find_fields", "field_values", "get_job"]
    assert "delete_resource" not in [
        s.name for s in select(ALL_TOOLS, exclude_tools=["delete_resource"])
    ]
    with pytest.raises(UnknownNameError, match=r"unknown toolset 'nope'; valid toolsets: context"):
        select(ALL_TOOLS, toolsets=["nope"])
    with pytest.raises(
        UnknownNameError, match=r"unknown tool 'get_jobs'; valid tools: get_context"
    ):
        select(ALL_TOOLS, tools=["get_jobs"])


class _Items(Page):
    items: list[str]

    def text(self) -> str:
        t = Text().line(f"{len(self.items)} items")
        self.paging_line(t)
        return t.render()


def test_oversized_results_are_cut_with_a_flag():
    out, text = fit(_Items(items=["x" * 1000] * 200), "", budget=50_000)
    assert isinstance(out, _Items) and out.truncated is True
    assert len(out.model_dump_json()) + len(text) <= 50_000
    one_more = out.model_copy(update={"items": ["x" * 1000] * (len(out.items) + 1)})
    assert (
        len(one_more.model_dump_json()) + len(one_more.text()) > 50_000
    )  # cut no more than needed
    assert "call again with a smaller limit" in text
    small, _ = fit(_Items(items=["x"]), "")
    assert isinstance(small, Output) and small.truncated is False
