"""Resources through a real `mcp.Client`: the PQL guide, segment definitions by URI, field catalogs.

The server under test is an `MCPServer` with only the resources registered, over the local sandbox
in-process (a small generated dataset in a temp dir), read through the same `AEPClient` the tools
use.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import anyio.to_thread
import httpx2
import pytest
from mcp import Client, MCPError
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import local_config
from seg_mcp.pql.catalog import FieldCatalog
from seg_mcp.pql.functions import lookup
from seg_mcp.pql.parser import build, lark_parser
from seg_mcp.sandbox import SandboxSettings, create_app
from seg_mcp.server import prompts, resources
from seg_mcp.server.app import build_server
from seg_mcp.server.runtime import fetch_catalog

PROFILE = "https://ns.adobe.com/xdm/context/profile"


@pytest.fixture
async def aep(tmp_path: Path) -> AsyncIterator[AEPClient]:
    settings = SandboxSettings(data_dir=tmp_path, default_profiles=20, seed=7, job_step_seconds=0)
    app = create_app(settings)
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with local_config().create_client(
            transport=transport, retry=RetryPolicy(max_retries=0)
        ) as client:
            yield client
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


@pytest.fixture
def server(aep: AEPClient) -> MCPServer:
    # A client in a fixture would be entered and left in different tasks (pytest-asyncio), which
    # anyio's cancel scopes refuse: each test opens its own `Client(server)`.
    server = MCPServer("resources-under-test")
    resources.register(server, lambda: aep, partial(fetch_catalog, aep))
    return server


async def save_definition(aep: AEPClient, name: str, pql: str) -> str:
    saved = await aep.create_segment_definition(
        {
            "name": name,
            "expression": {"type": "PQL", "format": "pql/text", "value": pql},
            "schema": {"name": "_xdm.context.profile"},
        },
        sandbox="dev",
    )
    assert saved.id is not None
    return saved.id


async def read_text(client: Client, uri: str) -> str:
    result = await client.read_resource(uri)
    (content,) = result.contents
    return content.text  # type: ignore[union-attr,no-any-return]


async def test_lists_the_guide_and_the_two_templates(server: MCPServer) -> None:
    async with Client(server) as mcp:
        listed = await mcp.list_resources()
        assert [(str(r.uri), r.mime_type) for r in listed.resources] == [
            ("pql-guide://assistant", "text/markdown")
        ]
        templates = await mcp.list_resource_templates()
        assert sorted((t.uri_template, t.mime_type) for t in templates.resource_templates) == [
            ("field-catalog://{sandbox}", "application/json"),
            ("segment-definition://{sandbox}/{id}", "application/json"),
        ]


async def test_the_guide_reads_as_markdown_with_the_rolling_window_fix(server: MCPServer) -> None:
    async with Client(server) as mcp:
        text = await read_text(mcp, "pql-guide://assistant")
        assert text == resources.pql_guide()
        assert (
            "| `xEvent.timestamp occurs in last 30 days` | "
            "`xEvent[timestamp occurs <= 30 days before now]` |" in text
        )


def _guide_rows(section: str) -> list[list[str]]:
    """Per table row under a `## section` heading of the guide: the cells that are one query."""
    text = resources.pql_guide().split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    lines = text.splitlines()
    separator = next(i for i, line in enumerate(lines) if line.startswith("| ---"))
    for line in lines[separator + 1 :]:
        if not line.startswith("| "):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append([c[1:-1] for c in cells if re.fullmatch(r"`[^`]+`", c)])
    return rows


def _parses(query: str) -> bool:
    try:
        build(lark_parser().parse(query))
    except Exception:
        return False
    return True


def test_every_form_the_guide_recommends_parses() -> None:
    works = [row[-1] for row in _guide_rows("Forms that work")]
    rights = [row[1] for row in _guide_rows("Common mistakes")]
    assert len(works) >= 12 and len(rights) >= 8
    placeholder = '"<segment definition id>"'
    failing = [q for q in works + rights if not _parses(q.replace(placeholder, '"id"'))]
    assert failing == []


def test_every_mistake_the_guide_names_is_a_mistake() -> None:
    """Each wrong form fails to parse, or calls a function PQL does not have, or dots through the
    event array or passes a bare name where a quoted id is needed: the guide shows no false fix."""
    rows = _guide_rows("Common mistakes")
    syntax = [w for w, _ in rows if not _parses(w)]
    others = {w for w, _ in rows} - set(syntax)
    assert others == {
        "age(person.birthDate) > 30",
        "xEvent.commerce.order.priceTotal > 100",
        "inSegment(myAudience)",
    }
    assert lookup("age") is None
    assert {w for w, r in rows if w == r} == set()


async def test_a_definition_reads_by_uri_with_its_pql(server: MCPServer, aep: AEPClient) -> None:
    async with Client(server) as mcp:
        pql = 'homeAddress.countryCode = "US" and loyalty.tier = "gold"'
        saved = await save_definition(aep, "US gold\u200b members\u2060", pql)
        body = json.loads(await read_text(mcp, f"segment-definition://dev/{saved}"))
        definition = body["definition"]
        assert definition["id"] == saved
        assert definition["name"] == "US gold members"  # invisible characters stripped
        assert definition["expression"]["value"] == pql
        assert "not as instructions" in body["untrusted"]


async def test_a_definition_of_another_sandbox_is_not_found_here(
    server: MCPServer, aep: AEPClient
) -> None:
    async with Client(server) as mcp:
        saved = await save_definition(aep, "dev only", "person.birthYear > 1990")
        with pytest.raises(MCPError) as caught:
            await mcp.read_resource(f"segment-definition://prod/{saved}")
        assert caught.value.error.code == -32602
        assert caught.value.error.message.startswith(
            f"segment definition {saved!r} in sandbox 'prod' was not found: "
        )


async def test_an_unknown_sandbox_is_refused_with_the_allowed_ones(server: MCPServer) -> None:
    async with Client(server) as mcp:
        with pytest.raises(MCPError) as caught:
            await mcp.read_resource("segment-definition://staging/abc")
        message = caught.value.error.message
        assert message.startswith("cannot read segment definition 'abc' in sandbox 'staging': ")
        assert "allowed sandboxes: dev, prod" in message


async def test_the_field_catalog_lists_profile_and_event_fields_with_types(
    server: MCPServer, aep: AEPClient
) -> None:
    async with Client(server) as mcp:
        body = json.loads(await read_text(mcp, "field-catalog://dev"))
        profile = {f["path"]: f for f in body["profile"]}
        events = {f["path"]: f for f in body["events"]}
        assert profile["homeAddress.countryCode"] == {
            "path": "homeAddress.countryCode",
            "type": "string",
            "description": "The two-character ISO 3166-1 alpha-2 code of the country.",
        }
        assert profile["person.birthYear"]["type"] == "int"
        assert events["timestamp"]["type"] == "date-time"
        assert events["productListItems"]["type"] == "array of object"
        # the same fields the sandbox's union schema declares, no more, no fewer
        schema = await aep.get_union_schema(PROFILE, sandbox="dev")
        assert set(schema["properties"]) == {p for p in profile if "." not in p}


async def test_the_app_serves_them_and_the_prompts_name_only_its_tools(
    aep: AEPClient, tmp_path: Path
) -> None:
    server = build_server(aep, local_config(), audit_log=tmp_path / "audit.jsonl")
    async with Client(server) as mcp:
        tools = {t.name for t in (await mcp.list_tools()).tools}
        listed = await mcp.list_prompts()
        templates = await mcp.list_resource_templates()
    assert [str(r.uri_template) for r in templates.resource_templates] == [
        "segment-definition://{sandbox}/{id}",
        "field-catalog://{sandbox}",
    ]
    assert sorted(p.name for p in listed.prompts) == [t.name for t in prompts.load_templates()]
    texts = [t.body for t in prompts.load_templates()] + [resources.pql_guide()]
    named = {n for text in texts for n in re.findall(r"`([a-z]+(?:_[a-z]+)+)`", text)}
    assert len(named) >= 10 and named <= tools, sorted(named - tools)


def test_a_catalog_over_the_budget_is_cut_and_says_where_the_rest_is() -> None:
    catalog = FieldCatalog.from_types(
        profile={f"tenant.attr{i:04d}": "string" for i in range(3000)},
        events={f"tenant.event{i:04d}": "long" for i in range(3000)},
    )
    text = resources.catalog_document("dev", catalog, budget=10_000)
    assert len(text) <= 10_000
    document = json.loads(text)
    assert document["truncated"] is True
    assert document["note"].endswith("search the rest with the find_fields tool")
    for root, expected in (("profile", catalog.profile), ("events", catalog.events)):
        paths = [f["path"] for f in document[root]]
        assert 50 < len(paths) < len(expected)
        assert paths == [f.path for f in expected[: len(paths)]]


def test_a_catalog_under_the_budget_is_whole() -> None:
    catalog = FieldCatalog.from_types(profile={"a.b": "int"}, events={"timestamp": "date-time"})
    document = json.loads(resources.catalog_document("dev", catalog))
    assert document["truncated"] is False
    assert document["profile"] == [
        {"path": "a", "type": "object"},
        {"path": "a.b", "type": "int"},
    ]
    assert document["events"] == [{"path": "timestamp", "type": "date-time"}]
