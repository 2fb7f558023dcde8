"""Audiences (Platform and external) through the aep client and raw HTTP."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from seg_mcp.aep import AEPClient
from seg_mcp.aep.errors import NotFoundError

from .test_definitions import US, definition


def external(audience_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "audienceId": audience_id,
        "name": name,
        "namespace": "AAM",
        "description": "uploaded",
        "type": "ExternalSegment",
        "originName": "CUSTOM_UPLOAD",
        "lifecycleState": "published",
        "datasetId": "6254cf3c97f8e31b639fb14d",
        "labels": ["core/C1"],
        "linkedAudienceRef": {"flowId": "4685ea90-d2b6-11ec-9d64-0242ac120002"},
        **extra,
    }


async def test_platform_audience_is_a_definition(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    response = await raw.post(
        "/audiences",
        json={
            **definition("gold members"),
            "type": "SegmentDefinition",
            "labels": ["core/C1"],
            "ttlInDays": 60,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == body["audienceId"]
    assert body["namespace"] == "AEPSegments" and body["originName"] == "REAL_TIME_CUSTOMER_PROFILE"
    assert body["labels"] == ["core/C1"] and body["ttlInDays"] == 60
    assert body["dependents"] == [] and body["dependencies"] == []
    as_definition = await aep.retrieve_segment_definition_by_id(body["id"])
    assert as_definition.name == "gold members"


async def test_external_crud(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    created = await aep.create_audience(external("test-external-audience-id", "externalAudience"))
    assert created.id and created.id != "test-external-audience-id"
    assert created.audience_id == "test-external-audience-id"
    fetched = await aep.get_audience(created.id)
    assert fetched.name == "externalAudience" and fetched.type == "ExternalSegment"

    replaced = await aep.update_audience(
        created.id, external("test-external-audience-id", "renamed", description="new")
    )
    assert replaced is not None and replaced.name == "renamed"
    patched = await aep.patch_audience(
        created.id, [{"op": "add", "path": "/description", "value": "patched"}]
    )
    assert patched is not None and patched.description == "patched"
    assert (await aep.get_audience(created.id)).description == "patched"

    # external audiences are not segment definitions
    assert (await aep.list_segment_definitions()).segments == []
    with pytest.raises(NotFoundError):
        await aep.retrieve_segment_definition_by_id(created.id)

    assert await aep.delete_audience(created.id) is None
    with pytest.raises(NotFoundError) as info:
        await aep.get_audience(created.id)
    assert "UPAPI-113430-404" in str(info.value) or info.value.status == 404


async def test_patch_expression_revalidates_pql(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    created = await aep.create_segment_definition(definition("patchable"))
    path = f"/audiences/{created.id}"
    new = {"type": "PQL", "format": "pql/text", "value": 'homeAddress.countryCode = "CA"'}
    ok = await raw.patch(path, json=[{"op": "add", "path": "/expression", "value": new}])
    assert ok.status_code == 200 and ok.json()["expression"] == new
    bad = {**new, "value": "homeAddress.countryCode = "}
    refused = await raw.patch(path, json=[{"op": "add", "path": "/expression", "value": bad}])
    assert refused.status_code == 400 and "diagnostics" in refused.json()
    assert (await raw.get(path)).json()["expression"] == new


@pytest.mark.parametrize(
    ("ops", "fragment"),
    [
        (
            [{"op": "add", "path": "/lifecycleState", "value": "deleted"}],
            "can not be modified to Delete",
        ),
        (
            [{"op": "add", "path": "/namespace", "value": "AAMTraits"}],
            "namespace cannot be modified",
        ),
        ([{"op": "remove", "path": "/name"}], "op"),
        ([{"op": "add", "path": "/colour", "value": 1}], "colour: unrecognized field"),
        ({"op": "add"}, "JSON Patch array"),
    ],
)
async def test_bad_patches(raw: httpx2.AsyncClient, ops: Any, fragment: str) -> None:
    created = (await raw.post("/audiences", json=external("p1", "patch me"))).json()
    response = await raw.patch(f"/audiences/{created['id']}", json=ops)
    assert response.status_code == 400, response.text
    assert fragment in response.text
    assert (await raw.get(f"/audiences/{created['id']}")).json() == created


async def test_create_errors(raw: httpx2.AsyncClient) -> None:
    missing_name = await raw.post("/audiences", json={"type": "ExternalSegment", "audienceId": "a"})
    assert missing_name.status_code == 400
    assert missing_name.json()["type"].endswith("UPLIB-101206-500")
    deleted = await raw.post("/audiences", json=external("d", "d", lifecycleState="deleted"))
    assert deleted.status_code == 400
    assert deleted.json()["title"].endswith("Cannot set lifecycleState as deleted")
    no_expr = await raw.post("/audiences", json={"name": "p", "type": "SegmentDefinition"})
    assert no_expr.status_code == 400 and "expression" in no_expr.text
    await raw.post("/audiences", json=external("same", "first"))
    dup = await raw.post("/audiences", json=external("same", "second"))
    assert dup.status_code == 422
    assert len((await raw.get("/audiences")).json()["children"]) == 1


async def test_list_paging_and_filters(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    for i in range(5):
        await aep.create_audience(external(f"ext-{i}", f"Audience {i}", description=f"d{i % 2}"))
    await aep.create_segment_definition(definition("Platform one", description="d1"))
    page = (await raw.get("/audiences", params={"limit": 2, "start": 0, "sort": "name:asc"})).json()
    assert [c["name"] for c in page["children"]] == ["Audience 0", "Audience 1"]
    assert page["_page"]["totalCount"] == 6 and page["_page"]["next"] == "2"
    assert page["_links"]["next"]["href"] == "@/audiences?start=2&limit=2&totalCount=6"
    every = [a.name async for a in aep.iter_audiences(limit=4, sort="name:asc")]
    assert every == [f"Audience {i}" for i in range(5)] + ["Platform one"]
    named = (await raw.get("/audiences", params={"name": "PLATFORM"})).json()["children"]
    assert [c["name"] for c in named] == ["Platform one"]
    by_prop = (await raw.get("/audiences", params={"property": "audienceId==ext-3"})).json()
    assert [c["name"] for c in by_prop["children"]] == ["Audience 3"]
    desc = (await raw.get("/audiences", params={"description": "D1"})).json()["children"]
    assert sorted(c["name"] for c in desc) == ["Audience 1", "Audience 3", "Platform one"]
    bad = await raw.get("/audiences", params={"property": "nonsense"})
    assert bad.status_code == 400 and "property" in bad.json()["title"]


async def test_bulk_get_and_delete_with_dependents(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    base = await aep.create_segment_definition(definition("base", US))
    user = await aep.create_segment_definition(definition("user", f'inSegment("{base.id}")'))
    assert base.id and user.id
    got = await raw.post("/audiences/bulk-get", json={"ids": [{"id": base.id}, {"id": "x"}]})
    assert got.status_code == 207
    results = got.json()["results"]
    assert results[base.id]["dependents"] == [user.id]
    assert results["x"]["errors"]["404"][0]["code"] == 404
    blocked = await raw.delete(f"/audiences/{base.id}")
    assert (
        blocked.status_code == 400 and blocked.json()["title"] == "The audience cannot be deleted."
    )
    assert (await raw.delete(f"/audiences/{user.id}")).status_code == 204
    assert (await raw.delete(f"/audiences/{base.id}")).status_code == 204
    assert (await raw.delete(f"/audiences/{base.id}")).status_code == 404
