"""Segment definitions through the real aep client against the in-process sandbox."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from seg_mcp.aep import AEPClient
from seg_mcp.aep.errors import BadRequestError, NotFoundError

US = 'homeAddress.countryCode = "US"'


def definition(name: str, pql: str = US, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "expression": {"type": "PQL", "format": "pql/text", "value": pql},
        "schema": {"name": "_xdm.context.profile"},
        **extra,
    }


async def test_create_get_list_update_delete(aep: AEPClient) -> None:
    created = await aep.create_segment_definition(
        definition("US residents", description="Lives in the US")
    )
    assert created.id and created.name == "US residents"
    assert created.expression is not None and created.expression.value == US
    assert created.ims_org_id == "seg-mcp-local@AdobeOrg"
    assert created.sandbox is not None and created.sandbox.sandbox_name == "dev"
    assert created.evaluation_info is not None
    assert created.evaluation_info.batch is not None and created.evaluation_info.batch.enabled

    fetched = await aep.retrieve_segment_definition_by_id(created.id)
    assert fetched.model_dump() == created.model_dump()

    listed = await aep.list_segment_definitions()
    assert [d.id for d in listed.segments] == [created.id]
    assert listed.page is not None and listed.page.total_count == 1

    updated = await aep.patch_segment_definition(
        created.id, definition("US residents", 'homeAddress.countryCode = "CA"')
    )
    assert updated.expression is not None
    assert updated.expression.value == 'homeAddress.countryCode = "CA"'
    assert updated.creation_time == created.creation_time
    assert (await aep.retrieve_segment_definition_by_id(created.id)).expression == (
        updated.expression
    )

    deleted = await aep.delete_segment_definition(created.id)
    assert deleted is not None and deleted.status is True
    with pytest.raises(NotFoundError) as info:
        await aep.retrieve_segment_definition_by_id(created.id)
    assert created.id in str(info.value)
    assert (await aep.list_segment_definitions()).segments == []


async def test_x_location_and_shape(raw: httpx2.AsyncClient) -> None:
    response = await raw.post("/segment/definitions", json=definition("located"))
    assert response.status_code == 200
    body = response.json()
    assert response.headers["x-location"].endswith(
        f"/data/core/ups/segment/definitions/{body['id']}"
    )
    assert "_local" not in body and "audienceId" not in body
    assert body["profileInstanceId"] == "ups"
    assert body["dataGovernancePolicy"] == {"excludeOptOut": True}
    assert body["updateEpoch"] == body["updateTime"] // 1000


async def test_paging_by_page_and_sort(aep: AEPClient) -> None:
    names = [f"def {i}" for i in range(5)]
    for name in names:
        await aep.create_segment_definition(definition(name))
    first = await aep.list_segment_definitions(limit=2, page=0, sort="name:asc")
    assert [d.name for d in first.segments] == ["def 0", "def 1"]
    assert first.page is not None and first.page.total_pages == 3
    third = await aep.list_segment_definitions(limit=2, page=2, sort="name:asc")
    assert [d.name for d in third.segments] == ["def 4"]
    every = [d.name async for d in aep.iter_segment_definitions(limit=2, sort="name:desc")]
    assert every == sorted(names, reverse=True)


async def test_pql_json_create_and_conversion_round_trip(aep: AEPClient) -> None:
    converted = await aep.convert_segment_definition(definition("conv"))
    assert converted.expression is not None and converted.expression.format == "pql/json"
    tree = json.loads(converted.expression.value)
    assert tree["nodeType"] == "fnApply" and tree["fnName"] == "="
    created = await aep.create_segment_definition(
        {**definition("from json"), "expression": converted.expression.model_dump()}
    )
    assert created.expression is not None and created.expression.format == "pql/json"
    back = await aep.convert_segment_definition(
        {**definition("conv"), "expression": converted.expression.model_dump()}
    )
    assert back.expression is not None and back.expression.value == US


async def test_invalid_pql_is_refused_with_diagnostics(raw: httpx2.AsyncClient) -> None:
    response = await raw.post(
        "/segment/definitions", json=definition("broken", 'homeAddress.countryCode = = "US"')
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["type"].startswith("https://ns.adobe.com/aep/errors/")
    assert "line 1, column 27" in body["title"]
    assert body["diagnostics"][0]["line"] == 1 and body["diagnostics"][0]["column"] == 27
    assert body["errors"]["400"][0]["code"] == 400
    listed = (await raw.get("/segment/definitions")).json()
    assert listed["segments"] == []  # nothing half-written


async def test_invalid_pql_json_is_refused(raw: httpx2.AsyncClient) -> None:
    bad = definition("bad json")
    bad["expression"] = {"type": "PQL", "format": "pql/json", "value": '{"nodeType": '}
    response = await raw.post("/segment/definitions", json=bad)
    assert response.status_code == 400
    assert "pql/json" in response.json()["title"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "expression": {"type": "PQL", "value": US},
                "schema": {"name": "_xdm.context.profile"},
            },
            "name: a value is required",
        ),
        ({**definition("x"), "colour": "red"}, "colour: unrecognized field"),
        (
            {**definition("x"), "expression": {"type": "PQL", "format": "pql/yaml", "value": US}},
            "expression.format",
        ),
        ({**definition("x"), "schema": {"name": "_xdm.context.account"}}, "not supported"),
        (
            {**definition("x"), "evaluationInfo": {"batch": {"enabled": "yes"}}},
            "evaluationInfo.batch.enabled",
        ),
    ],
)
async def test_bad_bodies(raw: httpx2.AsyncClient, body: dict[str, Any], expected: str) -> None:
    response = await raw.post("/segment/definitions", json=body)
    assert response.status_code == 400, response.text
    assert expected in response.text
    assert (await raw.get("/segment/definitions")).json()["segments"] == []


async def test_malformed_json(raw: httpx2.AsyncClient) -> None:
    response = await raw.post(
        "/segment/definitions",
        content=b'{"name": "x",',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"].endswith("UPLIB-101206-500")
    assert "line 1, column 14" in body["errors"]["400"][0]["message"]


async def test_duplicate_name_is_422(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    await aep.create_segment_definition(definition("twice"))
    response = await raw.post("/segment/definitions", json=definition("twice"))
    assert response.status_code == 422
    assert "already exists" in response.json()["title"]
    assert len((await raw.get("/segment/definitions")).json()["segments"]) == 1


async def test_unknown_ids(raw: httpx2.AsyncClient) -> None:
    for method in ("GET", "DELETE"):
        response = await raw.request(method, "/segment/definitions/no-such-id")
        assert response.status_code == 404
        assert "no-such-id is not found" in response.json()["title"]
    response = await raw.patch("/segment/definitions/no-such-id", json=definition("x"))
    assert response.status_code == 404


async def test_bulk_get(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    a = await aep.create_segment_definition(definition("a"))
    b = await aep.create_segment_definition(definition("b"))
    assert a.id and b.id
    result = await aep.bulk_get_segment_definitions([a.id, b.id, "missing-1"])
    assert set(result.results) == {a.id, b.id, "missing-1"}
    response = await raw.post(
        "/segment/definitions/bulk-get", json={"ids": [{"id": a.id}, {"id": "missing-1"}]}
    )
    assert response.status_code == 207
    results = response.json()["results"]
    assert results[a.id]["name"] == "a"
    assert results["missing-1"]["errors"]["404"][0]["message"] == "Not found."
    none = await raw.post(
        "/segment/definitions/bulk-get", json={"ids": [{"id": "m1"}, {"id": "m2"}]}
    )
    assert none.status_code == 404 and none.json()["title"] == "The entity m1,m2 is not found."
    empty = await raw.post("/segment/definitions/bulk-get", json={"ids": []})
    assert empty.status_code == 400 and empty.json()["type"].endswith("UPAPI-113015-400")
    many = await raw.post(
        "/segment/definitions/bulk-get", json={"ids": [{"id": str(i)} for i in range(101)]}
    )
    assert many.status_code == 400


async def test_in_segment_dependencies(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    base = await aep.create_segment_definition(definition("base"))
    assert base.id
    user = await aep.create_segment_definition(
        definition("user", f'inSegment("{base.id}") and loyalty.tier = "gold"')
    )
    blocked = await raw.delete(f"/segment/definitions/{base.id}")
    assert blocked.status_code == 400
    assert user.id in blocked.text
    assert (await raw.get(f"/segment/definitions/{base.id}")).status_code == 200
    dangling = await raw.post("/segment/definitions", json=definition("d", 'inSegment("nope")'))
    assert dangling.status_code == 400 and "nope" in dangling.json()["title"]
    assert user.id
    await aep.delete_segment_definition(user.id)
    await aep.delete_segment_definition(base.id)


async def test_sandboxes_are_isolated(aep: AEPClient) -> None:
    created = await aep.create_segment_definition(definition("dev only"), sandbox="dev")
    assert created.id
    assert (await aep.list_segment_definitions(sandbox="prod")).segments == []
    with pytest.raises(NotFoundError):
        await aep.retrieve_segment_definition_by_id(created.id, sandbox="prod")
    same_name = await aep.create_segment_definition(definition("dev only"), sandbox="prod")
    assert same_name.sandbox is not None and same_name.sandbox.sandbox_name == "prod"


async def test_unknown_field_in_patch_changes_nothing(
    aep: AEPClient, raw: httpx2.AsyncClient
) -> None:
    created = await aep.create_segment_definition(definition("stable"))
    response = await raw.patch(
        f"/segment/definitions/{created.id}", json={**definition("renamed"), "bogus": 1}
    )
    assert response.status_code == 400
    assert (await raw.get(f"/segment/definitions/{created.id}")).json()["name"] == "stable"


async def test_bad_request_error_type(aep: AEPClient) -> None:
    with pytest.raises(BadRequestError) as info:
        await aep.create_segment_definition(definition("bad", "loyalty.tier = "))
    assert info.value.status == 400


async def test_concurrent_creates_of_one_name_store_one(raw: httpx2.AsyncClient) -> None:
    import anyio

    statuses: list[int] = []

    async def create() -> None:
        statuses.append(
            (await raw.post("/segment/definitions", json=definition("race"))).status_code
        )

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(create)
    assert sorted(statuses) == [200] + [422] * 7
    assert len((await raw.get("/segment/definitions")).json()["segments"]) == 1


async def test_request_id_is_echoed(raw: httpx2.AsyncClient) -> None:
    response = await raw.get("/segment/definitions/nope", headers={"x-request-id": "trace-me-123"})
    assert response.json()["requestId"] == "trace-me-123"
    assert response.headers["x-request-id"] == "trace-me-123"


async def test_unknown_field_is_refused_against_the_sandbox_catalog(
    raw: httpx2.AsyncClient,
) -> None:
    response = await raw.post(
        "/segment/definitions", json=definition("typo", 'homeAddress.countyCode = "US"')
    )
    assert response.status_code == 400
    body = response.json()
    assert "countyCode" in body["title"]
    assert body["diagnostics"][0]["line"] == 1
    assert (await raw.get("/segment/definitions")).json()["segments"] == []
