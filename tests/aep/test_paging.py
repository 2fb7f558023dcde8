"""Each list iterator follows its endpoint's own paging style (reference §2.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2

from seg_mcp.aep.paging import link_query

from .helpers import Recorded, Recorder, client_for, json_response


def _pages(pages: Callable[[dict[str, str]], dict[str, Any]]) -> Recorder:
    return Recorder(lambda request: json_response(200, pages(Recorded.of(request).query)))


def _queries(recorder: Recorder) -> list[dict[str, str]]:
    return [r.query for r in recorder.requests]


async def test_audiences_follow_page_next_start() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        start = int(q.get("start", 0))
        if start == 0:
            return {"children": [{"id": "a1"}, {"id": "a2"}], "_page": {"next": 1}}
        if start == 1:
            # the spec's example spells the paging object "_pages"
            return {"children": [{"id": "a3"}], "_pages": {"next": 2}}
        return {"children": [], "_page": {}}

    recorder = _pages(page)
    async with client_for(recorder) as client:
        ids = [a.id async for a in client.iter_audiences(limit=2, name="us")]
    assert ids == ["a1", "a2", "a3"]
    assert _queries(recorder) == [
        {"limit": "2", "name": "us"},
        {"limit": "2", "name": "us", "start": "1"},
        {"limit": "2", "name": "us", "start": "2"},
    ]


async def test_audiences_fall_back_to_the_next_link() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        if "start" not in q:
            return {
                "children": [{"id": "a1"}],
                "_links": {"next": {"href": "@/audiences?start=5&limit=1&totalCount=2"}},
            }
        return {"children": [{"id": "a2"}], "_links": {"next": {}}}

    recorder = _pages(page)
    async with client_for(recorder) as client:
        ids = [a.id async for a in client.iter_audiences(limit=1)]
    assert ids == ["a1", "a2"]
    assert _queries(recorder)[1] == {"limit": "1", "start": "5"}


async def test_segment_definitions_walk_page_numbers_until_total_pages() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        n = int(q["page"])
        return {"segments": [{"id": f"s{n}"}], "page": {"totalPages": 3}, "link": {}}

    recorder = _pages(page)
    async with client_for(recorder) as client:
        ids = [d.id async for d in client.iter_segment_definitions(limit=1, continuous=True)]
    assert ids == ["s0", "s1", "s2"]
    assert [q["page"] for q in _queries(recorder)] == ["0", "1", "2"]
    assert _queries(recorder)[0]["evaluationInfo.continuous.enabled"] == "true"


async def test_segment_jobs_follow_links_next_href() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        if "start" not in q:
            return {
                "children": [{"id": "j1"}],
                "_page": {"totalCount": 2, "pageSize": 1},
                "_links": {"next": {"href": "/segment/jobs?start=1579304260000&limit=1"}},
            }
        return {"children": [{"id": "j2"}], "_links": {"next": {}}}

    recorder = _pages(page)
    async with client_for(recorder) as client:
        ids = [j.id async for j in client.iter_segment_jobs(limit=1, status="SUCCEEDED")]
    assert ids == ["j1", "j2"]
    assert _queries(recorder) == [
        {"limit": "1", "status": "SUCCEEDED"},
        {"limit": "1", "status": "SUCCEEDED", "start": "1579304260000"},
    ]


async def test_export_jobs_take_the_offset_cursor_from_link_next() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        if "offset" not in q:
            return {
                "records": [{"id": 722}, {"id": 96}],
                "page": {"pageOffset": "1540974701302_96", "pageSize": 2},
                "link": {"next": "/export/jobs/?limit=2&offset=1538573416687_722"},
            }
        return {"records": [{"id": 11}], "page": {"pageSize": 1}, "link": {"next": ""}}

    recorder = _pages(page)
    async with client_for(recorder) as client:
        ids = [j.id async for j in client.iter_export_jobs(limit=2)]
    assert ids == [722, 96, 11]
    assert _queries(recorder) == [{"limit": "2"}, {"limit": "2", "offset": "1538573416687_722"}]


async def test_schedules_follow_page_next_start() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        if "start" not in q:
            return {
                "children": [{"id": "c1"}],
                "_page": {"totalCount": 2, "pageSize": 1, "next": "1"},
            }
        return {"children": [{"id": "c2"}], "_page": {"totalCount": 2, "pageSize": 1}}

    recorder = _pages(page)
    async with client_for(recorder) as client:
        ids = [s.id async for s in client.iter_schedules(limit=1)]
    assert ids == ["c1", "c2"]
    assert _queries(recorder) == [{"limit": "1"}, {"limit": "1", "start": "1"}]


async def test_preview_results_follow_links_next() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        if "offset" not in q:
            return {
                "results": [{"p1": {"_href": "h1", "endCustomerIds": {"e1": {"_href": "x"}}}}],
                "state": "RESULT_READY",
                "links": {
                    "next": "https://platform.adobe.io/data/core/ups/preview?offset=1&limit=1"
                },
                "page": {"offset": 0, "size": 1},
            }
        return {
            "results": [{"objectId": "p2", "_href": "h2", "relatedObjects": [{"objectId": "e2"}]}],
            "state": "RESULT_READY",
            "links": {"next": ""},
        }

    recorder = _pages(page)
    async with client_for(recorder) as client:
        items = [r async for r in client.iter_preview_results("MDo6Og==", limit=1)]
        results = await client.retrieve_preview("MDo6Og==")
    assert [list(i) for i in items] == [["p1"], ["objectId", "_href", "relatedObjects"]]
    assert _queries(recorder)[:2] == [{"limit": "1"}, {"limit": "1", "offset": "1"}]
    assert recorder.requests[0].raw_path == b"/data/core/ups/preview/MDo6Og%3D%3D"
    # docs shape and spec shape read the same way
    (entity,) = list(results.entities())
    assert (entity.entity_id, entity.href, entity.related_ids) == ("p1", "h1", ("e1",))


async def test_search_entities_walk_page_numbers() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        n = int(q["page"])
        return {"entities": [{"id": f"e{n}"}], "page": {"totalPages": 2, "pageOffset": n}}

    recorder = _pages(page)
    async with client_for(recorder) as client:
        ids = [e.id async for e in client.iter_full_text_indexed_objects(namespace="AAMSegments")]
    assert ids == ["e0", "e1"]
    assert _queries(recorder)[1] == {
        "schemaClass": "_xdm.context.segmentdefinition",
        "namespace": "AAMSegments",
        "page": "1",
    }
    assert recorder.requests[0].headers["x-ups-search-version"] == "1.0"


async def test_sandboxes_page_by_limit_and_offset() -> None:
    def page(q: dict[str, str]) -> dict[str, Any]:
        offset = int(q["offset"])
        names = ["dev", "prod", "qa"][offset : offset + 2]
        return {
            "sandboxes": [
                {"name": n, "type": "production" if n == "prod" else "development"} for n in names
            ],
            "_page": {"limit": 2, "count": len(names)},
        }

    recorder = _pages(page)
    async with client_for(recorder) as client:
        sandboxes = [s async for s in client.iter_sandboxes(limit=2)]
    assert [(s.name, s.is_production) for s in sandboxes] == [
        ("dev", False),
        ("prod", True),
        ("qa", False),
    ]
    assert _queries(recorder) == [{"limit": "2", "offset": "0"}, {"limit": "2", "offset": "2"}]
    assert recorder.requests[0].path == "/data/foundation/sandbox-management/"


async def test_a_server_repeating_the_same_next_page_does_not_loop_forever() -> None:
    recorder = _pages(lambda q: {"children": [{"id": "x"}], "_page": {"next": 0}})
    async with client_for(recorder) as client:
        ids = [a.id async for a in client.iter_audiences()]
    # start absent, then start=0, then start=0 again: the repeat is detected
    assert ids == ["x", "x"]
    assert len(recorder.requests) == 2


async def test_max_pages_caps_the_walk() -> None:
    recorder = _pages(lambda q: {"segments": [{"id": q["page"]}], "page": {"totalPages": 99}})
    async with client_for(recorder) as client:
        ids = [d.id async for d in client.iter_segment_definitions(max_pages=2)]
    assert ids == ["0", "1"]


async def test_list_sandboxes_collects_every_page() -> None:
    calls: list[httpx2.Request] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return json_response(200, {"sandboxes": [{"name": "dev", "type": "development"}]})

    async with client_for(Recorder(handle)) as client:
        sandboxes = await client.list_sandboxes()
    assert [s.name for s in sandboxes] == ["dev"]
    assert len(calls) == 1  # a short page is the last page


def test_link_query_reads_every_link_form() -> None:
    assert link_query("@/audiences?start=1&limit=2&totalCount=111", ["start"]) == {"start": "1"}
    assert link_query("https://x/y?offset=a_b&limit=2", ["offset"]) == {"offset": "a_b"}
    assert link_query("", ["offset"]) is None
    assert link_query("/export/jobs/", ["offset"]) is None
