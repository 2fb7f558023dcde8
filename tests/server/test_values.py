"""`field_values` through `mcp.Client` on a sandbox holding a small hand-written dataset: every
figure below is counted by hand from `PROFILES` and `EVENTS`. The exact path (the local
sandbox's own endpoint) and the sampled path (previews, as on Adobe: the same server configured
as an Adobe backend, pointed at the sandbox)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server import MCPServer

from seg_mcp.config import local_config
from seg_mcp.sandbox import SandboxService
from seg_mcp.sandbox.load import load

from .conftest import settings

PROFILES: list[dict[str, Any]] = [
    {"_id": "p1", "homeAddress": {"countryCode": "US"}, "loyalty": {"tier": "gold", "points": 100}},
    {
        "_id": "p2",
        "homeAddress": {"countryCode": "US"},
        "loyalty": {"tier": "silver", "points": 200},
    },
    {"_id": "p3", "homeAddress": {"countryCode": "GB"}, "loyalty": {"tier": "gold", "points": 300}},
    {"_id": "p4", "homeAddress": {"countryCode": "FR"}, "loyalty": {"points": 400}},
    {"_id": "p5", "loyalty": {"tier": "gold"}},
    {
        "_id": "p6",
        "homeAddress": {"countryCode": "US"},
        "loyalty": {"tier": "platinum", "points": 50},
    },
]


def _event(eid: str, pid: str, day: int, **extra: Any) -> dict[str, Any]:
    return {"_id": eid, "profileId": pid, "timestamp": f"2026-10-0{day}T12:00:00Z", **extra}


PURCHASE = "commerce.purchases"
EVENTS: list[dict[str, Any]] = [
    _event(
        "e1",
        "p1",
        1,
        eventType=PURCHASE,
        commerce={"order": {"priceTotal": 10}},
        productListItems=[{"SKU": "A"}, {"SKU": "B"}],
    ),
    _event(
        "e2",
        "p1",
        2,
        eventType=PURCHASE,
        commerce={"order": {"priceTotal": 30}},
        productListItems=[{"SKU": "A"}, {"SKU": "A"}],
    ),
    _event("e3", "p2", 3, eventType="web.webpagedetails.pageViews"),
    _event("e4", "p3", 4, eventType=PURCHASE, commerce={"order": {"priceTotal": 20}}),
    _event("e5", "p3", 5),
    _event("e6", "p6", 6, eventType="directMarketing.emailOpened"),
]
US = 'homeAddress.countryCode = "US"'


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server tests' sandbox with `dev` holding only the hand-written dataset."""
    data_dir = tmp_path_factory.mktemp("values-sandbox")
    service = SandboxService(settings(data_dir))
    service.open()
    try:
        people, events = data_dir / "p.jsonl", data_dir / "e.jsonl"
        people.write_text("".join(json.dumps(p) + "\n" for p in PROFILES))
        events.write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
        dev = next(s for s in service.store.sandboxes() if s.name == "dev")
        load(service.store, dev, profiles=people, events=events, replace=True)
        people.unlink()
        events.unlink()
    finally:
        service.close()
    shutil.rmtree(data_dir / "exports", ignore_errors=True)
    return data_dir


async def values(client: Client, **args: Any) -> tuple[dict[str, Any], str]:
    result = await client.call_tool("field_values", args)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content, result.content[0].text


def counted(out: dict[str, Any]) -> list[tuple[Any, int, float]]:
    return [(v["value"], v["count"], v["share"]) for v in out["values"]]


async def test_profile_field_values_exactly(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        out, text = await values(client, field="homeAddress.countryCode", top=2)
    assert (out["entity"], out["population"], out["exact"]) == ("profile", 6, True)
    assert "sample" not in out and "numeric" not in out  # results leave out nulls
    assert counted(out) == [("US", 3, 0.5), ("FR", 1, 0.1667)]  # GB ties FR, after it
    assert out["other"] == {"count": 1, "share": 0.1667}
    assert out["missing"] == {"count": 1, "share": 0.1667}
    assert out["evaluatedAt"] == "2026-11-01T00:00:00Z"  # the sandbox's fixed clock
    assert "6 profiles, exact, as of 2026-11-01T00:00:00Z" in text
    assert "US 3 (50%); FR 1 (17%)" in text and "Other values: 1 (17%)" in text


async def test_numbers_have_quartiles(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        points, text = await values(client, field="loyalty.points")
        order, _ = await values(client, field="commerce.order.priceTotal")
    # points 50, 100, 200, 300, 400 (p5 has none): linear quartiles
    assert points["numeric"] == {"min": 50, "max": 400, "q1": 100, "median": 200, "q3": 300}
    assert points["missing"]["count"] == 1 and len(points["values"]) == 5
    assert "min 50.0, q1 100.0, median 200.0, q3 300.0, max 400.0" in text
    # order totals 10, 30, 20 on three of the six events
    assert order["entity"] == "event" and order["population"] == 6
    assert order["numeric"] == {"min": 10, "max": 30, "q1": 15, "median": 20, "q3": 25}
    assert order["missing"] == {"count": 3, "share": 0.5}


async def test_event_types_in_one_call(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        everyone, text = await values(client, field="eventType")
        us, _ = await values(client, field="xEvent.eventType", within=US)
        skus, _ = await values(client, field="productListItems.SKU")
        times, _ = await values(client, field="timestamp")
    assert everyone["entity"] == "event" and everyone["population"] == 6
    assert counted(everyone) == [
        (PURCHASE, 3, 0.5),
        ("directMarketing.emailOpened", 1, 0.1667),
        ("web.webpagedetails.pageViews", 1, 0.1667),
    ]
    assert everyone["missing"] == {"count": 1, "share": 0.1667}
    assert "6 events, exact" in text and "commerce.purchases 3 (50%)" in text
    # the events of p1, p2 and p6
    assert us["population"] == 4 and us["missing"]["count"] == 0
    assert counted(us) == [
        (PURCHASE, 2, 0.5),
        ("directMarketing.emailOpened", 1, 0.25),
        ("web.webpagedetails.pageViews", 1, 0.25),
    ]
    # an event holding A twice counts once
    assert counted(skus) == [("A", 2, 0.3333), ("B", 1, 0.1667)]
    assert skus["missing"] == {"count": 4, "share": 0.6667}
    assert times["numeric"]["min"] == "2026-10-01T12:00:00Z"
    assert times["numeric"]["max"] == "2026-10-06T12:00:00Z"


async def test_within_and_refusals(make_server: Callable[..., MCPServer]):
    async with Client(make_server()) as client:
        tiers, _ = await values(client, field="loyalty.tier", within=US)
        obj = await client.call_tool("field_values", {"field": "homeAddress"})
        nope = await client.call_tool("field_values", {"field": "homeAddress.planet"})
        bad = await client.call_tool(
            "field_values", {"field": "loyalty.tier", "within": 'homeAddress.countryCode == "US"'}
        )
    assert tiers["population"] == 3 and tiers["missing"]["count"] == 0
    assert counted(tiers) == [("gold", 1, 0.3333), ("platinum", 1, 0.3333), ("silver", 1, 0.3333)]
    assert obj.is_error and "homeAddress is an object" in obj.content[0].text
    assert "countryCode" in obj.content[0].text
    assert nope.is_error and "not a profile or event field" in nope.content[0].text
    assert bad.is_error and "PQL expression is invalid" in bad.content[0].text


async def test_sampled_through_previews_on_adobe(make_server: Callable[..., MCPServer]):
    """Configured as Adobe, the server may not use the sandbox's own endpoint: it previews each
    value the schema declares (loyalty.tier: bronze, silver, gold, platinum)."""
    adobe = local_config().model_copy(update={"kind": "adobe"})
    async with Client(make_server(adobe)) as client:
        tiers, text = await values(client, field="loyalty.tier")
        us, _ = await values(client, field="eventType", within=US)
        free = await client.call_tool("field_values", {"field": "homeAddress.countryCode"})
    assert (tiers["exact"], tiers["sample"]) == (False, {"size": 6, "of": 6})
    assert tiers["population"] == 6
    assert counted(tiers) == [("gold", 3, 0.5), ("platinum", 1, 0.1667), ("silver", 1, 0.1667)]
    assert tiers["missing"] == {"count": 1, "share": 0.1667} and tiers["other"]["count"] == 0
    assert "numeric" not in tiers
    assert "6 profiles, sampled, n=6 of 6, as of" in text
    # event fields count profiles with such an event: of p1, p2, p6
    assert us["population"] == 3
    assert counted(us) == [
        (PURCHASE, 1, 0.3333),
        ("directMarketing.emailOpened", 1, 0.3333),
        ("web.webpagedetails.pageViews", 1, 0.3333),
    ]
    # no declared values: nothing to preview but presence
    assert not free.is_error
    assert free.structured_content is not None and free.structured_content["values"] == []
    assert free.structured_content["missing"]["count"] == 1
    assert "declares no values" in free.content[0].text
