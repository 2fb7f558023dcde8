"""Segment search over stored definitions and audiences, and the query syntax itself."""

from __future__ import annotations

import base64

import httpx2
import pytest

from seg_mcp.aep import AEPClient
from seg_mcp.sandbox.searchquery import QueryError, compile_query

from .test_audiences import external
from .test_definitions import definition

SCHEMA = "_xdm.context.segmentdefinition"
V1 = {"x-ups-search-version": "1.0"}
FIELDS = {"segmentName": ("name",), "segmentDescription": ("description",), "segmentId": ("id",)}
DOCS = [
    {"id": "1", "name": "Gold members in California", "description": "loyalty tier gold"},
    {"id": "2", "name": "Silver members", "description": "loyalty tier silver, hotel guests"},
    {"id": "3", "name": "Motel visitors", "description": "stayed at a motel near the airport"},
    {"id": "4", "name": "Campaign responders", "description": "clicked the camp email"},
]


def run(query: str) -> list[str]:
    match = compile_query(query, FIELDS, ("name", "description"))
    return [d["id"] for d in DOCS if match(d)]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("gold", ["1"]),
        ("segmentName:members", ["1", "2"]),
        ("segmentName:gold OR segmentName:silver", ["1", "2"]),
        ("gold silver", ["1", "2"]),
        ("members AND NOT gold", ["2"]),
        ("members && !silver", ["1"]),
        ("+members -gold", ["2"]),
        ("segmentName:(gold OR motel)", ["1", "3"]),
        ("segmentName:camp*", ["4"]),
        ("cam?", ["4"]),
        ('"silver members"', ["2"]),
        ('"members silver"', []),
        ('"motel airport"~5', ["3"]),
        ("segmentName:motl~1", ["3"]),
        ("segmentName:/[mh]otel/", ["3"]),
        ("segmentDescription:/[mh]otel/", ["2", "3"]),
        ("segmentId:4", ["4"]),
        ("GOLD", ["1"]),
        ("", ["1", "2", "3", "4"]),
    ],
)
def test_query_syntax(query: str, ids: list[str]) -> None:
    assert run(query) == ids


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("segmentName:(gold", "missing ')'"),
        ("colour:red", "unknown field 'colour'"),
        ("gold AND", "ends where a term was expected"),
        ("/[a/", "invalid regular expression"),
    ],
)
def test_query_errors(query: str, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        run(query)
    assert fragment in str(info.value)


async def seed(aep: AEPClient) -> tuple[str, str]:
    gold = await aep.create_segment_definition(definition("Gold members", description="tier gold"))
    await aep.create_segment_definition(definition("Silver members"))
    ext = await aep.create_audience(external("aam-1", "AAM heavy equipment"))
    assert gold.id and ext.id
    return gold.id, ext.id


async def test_namespaces(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    await seed(aep)
    counts = await aep.list_search_counts()
    assert {(n.namespace, n.count) for n in counts.namespaces} == {("AAM", 1), ("AEPSegments", 2)}
    filtered = await raw.get(
        "/search/namespaces", params={"schema.name": SCHEMA, "s": "segmentName:gold"}, headers=V1
    )
    assert filtered.json() == {
        "namespaces": [{"namespace": "AEPSegments", "displayName": "AEPSegments", "count": 1}],
        "totalCount": 1,
        "status": {"message": "Success"},
    }


async def test_entities_and_paging(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    gold, _ = await seed(aep)
    found = await aep.list_full_text_indexed_objects(namespace="AEPSegments", s="gold")
    assert [e.id for e in found.entities] == [gold]
    entity = found.entities[0]
    assert entity.is_folder is False and entity.parent_folder_id == "root"
    assert entity.base64_encoded_source_id == base64.b64encode(gold.encode()).decode()
    page = await raw.get(
        "/search/entities",
        params={"schema.name": SCHEMA, "namespace": "AEPSegments", "limit": 1, "page": 1},
        headers=V1,
    )
    body = page.json()
    assert body["page"] == {"totalCount": 2, "totalPages": 2, "pageOffset": 1, "pageSize": 1}
    too_big = await raw.get(
        "/search/entities",
        params={"schemaClass": SCHEMA, "namespace": "AAM", "limit": 51},
        headers=V1,
    )
    assert too_big.status_code == 400


async def test_taxonomy(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    _, ext = await seed(aep)
    tax = await aep.retrieve_search_object_structure(namespace="AAM", entity_id=ext)
    assert [(t.id, t.name, t.parent_folder_id) for t in tax.taxonomy] == [
        (ext, "AAM heavy equipment", "root")
    ]
    missing = await raw.get(
        "/search/taxonomy",
        params={"schema.name": SCHEMA, "namespace": "AAM", "entityId": "redcarsFolderId"},
        headers=V1,
    )
    assert missing.status_code == 404
    assert missing.json()["title"] == "Cannot find entityId redcarsFolderId."


async def test_search_request_errors(raw: httpx2.AsyncClient) -> None:
    no_version = await raw.get("/search/namespaces", params={"schema.name": SCHEMA})
    assert no_version.status_code == 400 and "x-ups-search-version" in no_version.text
    no_schema = await raw.get("/search/namespaces", headers=V1)
    assert no_schema.status_code == 400 and "schema.name" in no_schema.text
    bad_query = await raw.get(
        "/search/entities",
        params={"schema.name": SCHEMA, "namespace": "AAM", "s": "name:(x"},
        headers=V1,
    )
    assert bad_query.status_code == 400 and "missing ')'" in bad_query.json()["title"]
    no_ns = await raw.get("/search/taxonomy", params={"schema.name": SCHEMA}, headers=V1)
    assert no_ns.status_code == 400 and "namespace" in no_ns.text
