"""Every query the PQL guide recommends (issue 16 item 7), run as an assistant would run it:
`check_pql` online (field paths checked in the sandbox) says it is valid, and `preview_audience`
finds members on the generated local sandbox (the conftest's dataset, clock at 2026-11-01)."""

from __future__ import annotations

import re
from collections.abc import Callable

from mcp import Client
from mcp.server import MCPServer

from seg_mcp.server import resources

PLACEHOLDER = '"<segment definition id>"'


def guide_queries() -> list[str]:
    """The last query cell of each row of the guide's 'Forms that work' table and the 'Right'
    cell of each row of 'Common mistakes'."""
    queries = []
    for section, column in (("Forms that work", -1), ("Common mistakes", 1)):
        text = resources.pql_guide().split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
        for line in text.splitlines():
            if line.startswith("| ") and not line.startswith(("| What", "| Wrong", "| ---")):
                cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
                queries.append(cells[column].strip("`"))
    return queries


def test_the_guide_has_the_forms_assistants_had_to_guess():
    queries = "\n".join(guide_queries())
    for form in (
        "WHEN(<= 3 days after A)",  # chain with WHEN
        "productListItems[SKU",  # products inside an event
        "occurs between date(",  # a fixed date range
        ", false)",  # ignoring case
        "currencyCode = ",  # one currency
    ):
        assert form in queries, form
    guide = resources.pql_guide()
    assert "same visit" in guide and "## Segment definition or audience" in guide


async def test_every_query_in_the_guide_is_valid_and_finds_members(
    make_server: Callable[..., MCPServer],
):
    queries = guide_queries()
    assert len(queries) >= 25
    sizes: dict[str, object] = {}
    async with Client(make_server()) as client:
        saved = await client.call_tool(
            "save_segment_definition", {"name": "guide", "pql": 'homeAddress.countryCode = "US"'}
        )
        sid = saved.structured_content["definition"]["id"]
        # inSegment reads the membership a segment job realized
        await client.call_tool("run_segment_job", {"segment_ids": [sid]})
        for query in queries:
            pql = query.replace(PLACEHOLDER, f'"{sid}"')
            checked = await client.call_tool("check_pql", {"pql": pql, "online": True})
            if checked.structured_content["ok"] is not True:
                sizes[query] = checked.content[0].text
                continue
            preview = await client.call_tool("preview_audience", {"pql": pql, "sample": 0})
            (job,) = preview.structured_content["jobs"]
            sizes[query] = job["size"]
    assert {q: s for q, s in sizes.items() if not (isinstance(s, int) and s > 0)} == {}
