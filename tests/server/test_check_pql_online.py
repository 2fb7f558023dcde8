"""check_pql through a real `mcp.Client` on the local sandbox (issue 15 item 5, issue 16 item 7):
online, an `inSegment` id that is neither a segment definition nor an audience of the sandbox is
a warning naming it; a total across currencies is a warning; a value as the rule is an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp import Client
from mcp.server import MCPServer

from seg_mcp.aep import AEPClient

US = 'homeAddress.countryCode = "US"'


async def checked(client: Client, pql: str, online: bool = True) -> dict[str, Any]:
    result = await client.call_tool("check_pql", {"pql": pql, "online": online})
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content


def expression(pql: str) -> dict[str, Any]:
    return {"type": "PQL", "format": "pql/text", "value": pql}


async def test_unknown_in_segment_ids_are_warned_online(
    make_server: Callable[..., MCPServer], aep: AEPClient
) -> None:
    saved = await aep.create_segment_definition(
        {"name": "US", "expression": expression(US), "schema": {"name": "_xdm.context.profile"}}
    )
    external = await aep.create_audience(
        {"name": "imported", "audienceId": "ext-9", "namespace": "CustomerAudienceUpload"}
    )
    assert saved.id and external.id
    pql = f'inSegment("{saved.id}") and not inSegment("{external.id}") and inSegment("nope-1")'
    async with Client(make_server()) as client:
        online = await checked(client, pql)
        local = await checked(client, pql, online=False)
        clean = await checked(client, f'inSegment("{saved.id}")')
    start = pql.index('"nope-1"') + 1
    assert online["ok"] is True and online["platform_accepts"] is True
    assert [
        (d["severity"], d["code"], d["line"], d["column"], d["end_column"], d["message"])
        for d in online["diagnostics"]
    ] == [
        (
            "warning",
            "unknown-segment",
            1,
            start,
            start + len('"nope-1"'),
            'the sandbox has no segment definition or audience with id "nope-1": '
            "this inSegment qualifies nobody",
        )
    ]
    assert local["diagnostics"] == []  # offline, ids cannot be known
    assert clean["diagnostics"] == []


async def test_totals_across_currencies_and_values_as_rules(
    make_server: Callable[..., MCPServer],
) -> None:
    total = 'xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal) > 200'
    usd = total.replace(
        '"commerce.purchases"', '"commerce.purchases" and commerce.order.currencyCode = "USD"'
    )
    async with Client(make_server()) as client:
        mixed = await checked(client, total)
        restricted = await checked(client, usd)
        value = await checked(client, "xEvent.sum(commerce.order.priceTotal)", online=False)
    assert mixed["ok"] is True
    assert [(d["severity"], d["code"], d["column"]) for d in mixed["diagnostics"]] == [
        ("warning", "mixed-currencies", 46)
    ]
    assert "mixes currencies" in mixed["diagnostics"][0]["message"]
    assert 'commerce.order.currencyCode = "USD"' in mixed["diagnostics"][0]["hint"]
    assert restricted["diagnostics"] == []
    assert value["ok"] is False
    assert [(d["code"], d["column"], d["end_column"]) for d in value["diagnostics"]] == [
        ("not-a-condition", 1, 38)
    ]
