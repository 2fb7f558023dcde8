"""compare_audiences through a real `mcp.Client` against the local sandbox: each region's count
agrees with previews of the audiences made independently (preview_audience), for PQL and for
saved segment definitions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp import Client
from mcp.server import MCPServer

US = 'homeAddress.countryCode = "US"'
GOLD = 'loyalty.tier = "gold"'
SILVER = 'loyalty.tier = "silver"'
IN_CA = 'homeAddress.stateProvince = "CA"'


async def ok(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content


async def preview(client: Client, pql: str) -> dict[str, Any]:
    (job,) = (await ok(client, "preview_audience", {"pql": pql, "sample": 0}))["jobs"]
    assert job["done"] and job["size_known"], job
    return job  # type: ignore[no-any-return]


async def size(client: Client, pql: str) -> int:
    return int((await preview(client, pql))["size"])


def regions(out: dict[str, Any]) -> dict[str, int]:
    return {" & ".join(r["members"]): r["size"] for r in out["regions"]}


async def test_two_audiences_regions_agree_with_independent_previews(
    make_server: Callable[..., MCPServer],
):
    async with Client(make_server()) as client:
        us_job, gold = await preview(client, US), await size(client, GOLD)
        us = us_job["size"]
        both = await size(client, f"{US} and {GOLD}")
        out = await ok(client, "compare_audiences", {"audiences": [US, GOLD]})
        text = (await client.call_tool("compare_audiences", {"audiences": [US, GOLD]})).content
    assert 0 < both < min(us, gold), "the fixture should make a real overlap"
    assert regions(out) == {"A": us - both, "B": gold - both, "A & B": both}
    assert [(a["label"], a["pql"], a["size"]) for a in out["audiences"]] == [
        ("A", US, us),
        ("B", GOLD, gold),
    ]
    assert all(r["done"] and r["handle"].startswith("preview:") for r in out["regions"])
    # Measured like the previews: exact in the local sandbox, at the sandbox's clock.
    assert [r["exact"] for r in out["regions"]] == [us_job["exact"]] * 3 and out["exact"]
    assert out["evaluatedAt"] == us_job["evaluatedAt"]
    words = text[0].text
    assert f"- A only: {us - both}" in words and f"- A and B: {both}" in words


async def test_a_saved_definition_is_compared_by_its_pql(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        saved = await ok(client, "save_segment_definition", {"name": "Gold", "pql": GOLD})
        sid = saved["definition"]["id"]
        by_pql = await ok(client, "compare_audiences", {"audiences": [US, GOLD]})
        by_id = await ok(client, "compare_audiences", {"audiences": [US, sid]})
    assert regions(by_id) == regions(by_pql)
    b = by_id["audiences"][1]
    assert (b["segment_id"], b["name"], b["pql"]) == (sid, "Gold", GOLD)


async def test_four_audiences_make_fifteen_regions_that_add_up(
    make_server: Callable[..., MCPServer],
):
    four = [US, GOLD, SILVER, IN_CA]
    async with Client(make_server()) as client:
        out = await ok(client, "compare_audiences", {"audiences": four})
        anyone = await size(client, " or ".join(f"({p})" for p in four))
        silver_in_ca = await size(client, f"{SILVER} and {IN_CA}")
    got = regions(out)
    assert len(got) == 15 and sum(got.values()) == anyone
    assert got["B & C"] == 0  # gold and silver are exclusive tiers
    in_c_and_d = [v for k, v in got.items() if "C" in k.split(" & ") and "D" in k.split(" & ")]
    assert sum(in_c_and_d) == silver_in_ca


async def test_invalid_pql_is_refused_by_label_before_any_preview(
    make_server: Callable[..., MCPServer], calls: list[tuple[str | None, str]]
):
    async with Client(make_server()) as client:
        result = await client.call_tool(
            "compare_audiences", {"audiences": [US, "homeAddress.countryCod = 1"]}
        )
    assert result.is_error
    assert "B's PQL is invalid at line 1, column 1" in result.content[0].text
    assert "createPreview" not in {op for tool, op in calls if tool == "compare_audiences"}


async def test_one_audience_is_not_a_comparison(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        result = await client.call_tool("compare_audiences", {"audiences": [US]})
    assert result.is_error and "audiences" in result.content[0].text
