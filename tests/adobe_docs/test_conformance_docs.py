"""Adobe's documented requests, replayed against the local sandbox.

Each sample of `samples/<operationId>.json` (Adobe's Segmentation API guides, and the spec's error
examples where the guides show none) is sent as documented, with the documented ids replaced by
objects the test first creates through the API. The answer must have the documented status, and
every field of the documented body, at the same place, with the same JSON type (ids, counters and
results keyed by id are compared value by value); values the request chose must come back as the
docs show them echoed; error answers must have the documented envelope and type.

Where Adobe's documents disagree, `CHOICES` says what the sandbox does and what this suite
accepts; where a documented field cannot exist locally, `ABSENT` says why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from .choices import ABSENT, DEVIATIONS
from .shapes import echo_problems, shape_problems
from .world import World, replace_ids, seed

HERE = Path(__file__).parent
Doc = dict[str, Any]


def _samples() -> Iterator[Any]:
    for path in sorted((HERE / "samples").glob("*.json")):
        spec = json.loads(path.read_text())
        for sample in spec["samples"]:
            yield pytest.param(spec["operationId"], sample, id=f"{path.stem}:{sample['name']}")


SAMPLES = list(_samples())
OPERATIONS = sorted({p.values[0] for p in SAMPLES})

#: Statuses by operation where the documents disagree (see CHOICES).
STATUSES: dict[str, set[int]] = {"cancelExportJob": {200, 204}}
SEGMENT_JOB_STATUSES = {"NEW", "QUEUED", "PROCESSING", "SUCCEEDED"}


def _absent(op: str) -> dict[str, str]:
    return {**ABSENT["*"], **ABSENT.get(op, {})}


@pytest.mark.parametrize(("op", "sample"), SAMPLES)
async def test_documented_sample(raw: httpx2.AsyncClient, op: str, sample: Doc) -> None:
    world = World(raw)
    ids = await seed(world, op, sample)
    request = sample["request"]
    path = "/".join(ids.get(part, part) for part in request["path"].split("/"))
    body = replace_ids(request.get("body"), ids)
    response = await raw.request(
        request["method"],
        path,
        params=replace_ids(request["query"], ids),
        headers=request.get("headers", {}),
        json=body if "body" in request else None,
    )
    documented = sample["response"]
    deviation = DEVIATIONS.get(f"{op}:{sample['name']}")
    if deviation is not None:
        assert (response.status_code, deviation[1] in response.text) == (deviation[0], True)
        return
    expected = STATUSES.get(op, {documented["status"]})
    assert response.status_code in expected, response.text
    answer = response.json() if response.content else None
    if documented["status"] == 204:
        assert not response.content
        return
    if "body" not in documented:
        return
    assert answer is not None
    problems = shape_problems(documented["body"], answer, "", _absent(op))
    if documented["status"] < 300:
        problems += echo_problems(body, documented["body"], answer)
    else:
        assert answer["type"] == documented["body"]["type"], answer
        assert answer["status"] == documented["status"]
        assert list(answer["errors"]) == [str(documented["status"])]
    assert not problems, "\n".join(problems)


def test_every_operation_has_a_sample() -> None:
    contract = json.loads((HERE.parent.parent / "contract" / "segmentation.json").read_text())
    ops = {
        o["operationId"]
        for methods in contract["paths"].values()
        for o in methods.values()
        if isinstance(o, dict) and "operationId" in o
    }
    assert set(OPERATIONS) == ops


GATEWAY = json.loads((HERE / "gateway_errors.json").read_text())
BODY_SAMPLES = [
    p
    for p in SAMPLES
    if p.values[1]["request"]["method"] in ("POST", "PUT", "PATCH")
    and not p.values[1]["name"].startswith("error")
]


@pytest.mark.parametrize(
    "case",
    [c for c in GATEWAY["samples"] if "Content-Type" not in c.get("header", {})],
    ids=lambda c: c["name"],
)
async def test_documented_gateway_errors(raw: httpx2.AsyncClient, case: Doc) -> None:
    request = raw.build_request("GET", "/segment/definitions")
    if "omit_header" in case:
        del request.headers[case["omit_header"]]
    request.headers.update(case.get("header", {}))
    response = await raw.send(request)
    assert (response.status_code, response.json()) == (
        case["response"]["status"],
        case["response"]["body"],
    )


@pytest.mark.parametrize(("op", "sample"), BODY_SAMPLES)
async def test_every_body_operation_requires_json(
    raw: httpx2.AsyncClient, op: str, sample: Doc
) -> None:
    """The gateway's Content-Type check (help/landing/troubleshooting.md), on every operation
    with a body: the documented body sent as text/plain is refused before anything happens."""
    case = next(c for c in GATEWAY["samples"] if "Content-Type" in c.get("header", {}))
    request = sample["request"]
    response = await raw.request(
        request["method"],
        request["path"],
        content=json.dumps(request["body"]),
        headers=case["header"],
    )
    assert (response.status_code, response.json()) == (
        case["response"]["status"],
        case["response"]["body"],
    )


async def test_audience_pages_follow_the_documented_links(raw: httpx2.AsyncClient) -> None:
    """`_page.next` is the next start as text and `_links.next.href` ("@/audiences?...") is the
    next page, as the guide shows; the last page has `_links.next` {} and no `_page.next`."""
    world = World(raw)
    made = {await world.platform_audience() for _ in range(3)}
    first = (await raw.get("/audiences", params={"limit": 2})).json()
    assert first["_page"]["next"] == "2"
    href = first["_links"]["next"]["href"]
    assert href.startswith("@/audiences?")
    second = (await raw.get(href.removeprefix("@"))).json()
    seen = [a["id"] for a in first["children"] + second["children"]]
    assert set(seen) == made and len(seen) == 3
    assert second["_links"] == {"next": {}} and "next" not in second["_page"]


async def test_export_job_pages_from_offset_zero(raw: httpx2.AsyncClient) -> None:
    """`offset=0` is the first page; `link.next` carries the cursor of the next one."""
    world = World(raw)
    made = [await world.export() for _ in range(3)]
    first = await raw.get("/export/jobs", params={"limit": 2, "offset": "0"})
    assert first.status_code == 200, first.text
    page = first.json()
    assert [r["id"] for r in page["records"]] == [int(i) for i in made[::-1][:2]]
    second = (await raw.get(page["link"]["next"])).json()
    assert [r["id"] for r in second["records"]] == [int(made[0])]
    assert second["link"] == {"next": ""}


# -- the other form of each choice (CHOICES) ---------------------------------------------------


async def test_search_takes_schema_name_and_schema_class(raw: httpx2.AsyncClient) -> None:
    made = await World(raw).search_entity()
    headers = {"x-ups-search-version": "1.0"}
    answers = [
        (
            await raw.get(
                "/search/entities",
                params={name: "_xdm.context.segmentdefinition", "namespace": "AAMSegments"},
                headers=headers,
            )
        ).json()
        for name in ("schema.name", "schemaClass")
    ]
    assert answers[0] == answers[1]
    assert [e["id"] for e in answers[0]["entities"]] == [made]


async def test_schedule_without_cron_gets_a_daily_one(raw: httpx2.AsyncClient) -> None:
    body = {"name": "no cron", "type": "batch_segmentation", "properties": {"segments": ["*"]}}
    response = await raw.post("/config/schedules", json=body)
    assert response.status_code == 200, response.text
    cron = response.json()["schedule"]
    assert isinstance(cron, str) and len(cron.split()) in (6, 7)


async def test_external_audience_type_and_namespace_case(raw: httpx2.AsyncClient) -> None:
    body = {
        "audienceId": "case-test",
        "name": "Case test",
        "namespace": "aam",
        "type": "ExternalAudience",
    }
    created = await raw.post("/audiences", json=body)
    assert created.status_code == 200, created.text
    assert (created.json()["type"], created.json()["namespace"]) == ("ExternalAudience", "aam")
    again = await raw.post("/audiences", json={**body, "name": "Case test 2", "namespace": "AAM"})
    assert again.status_code == 422, again.text  # the same audienceId in the same namespace
    put = await raw.put(
        f"/audiences/{created.json()['id']}", json={**body, "namespace": "AAM", "name": "Renamed"}
    )
    assert put.status_code == 200, put.text
    assert (put.json()["namespace"], put.json()["name"]) == ("aam", "Renamed")


async def test_bulk_get_counts_1_to_100(raw: httpx2.AsyncClient) -> None:
    for path in ("/segment/definitions/bulk-get", "/audiences/bulk-get", "/segment/jobs/bulk-get"):
        too_many = {"ids": [{"id": f"id-{i}"} for i in range(101)]}
        for body in ({"ids": []}, too_many):
            response = await raw.post(path, json=body)
            assert response.status_code == 400, (path, response.text)
            assert response.json()["type"].endswith("UPAPI-113015-400")


async def test_segment_job_status_at_creation_and_cancel(raw: httpx2.AsyncClient) -> None:
    world = World(raw)
    sid = await world.definition()
    created = (await raw.post("/segment/jobs", json=[{"segmentId": sid}])).json()
    assert created["status"] in SEGMENT_JOB_STATUSES
    cancelled = await raw.delete(f"/segment/jobs/{created['id']}")
    assert (cancelled.status_code, cancelled.content) == (204, b"")
    after = await raw.get(f"/segment/jobs/{created['id']}")
    # cancelled, or (had it finished first) deleted
    assert after.status_code == 404 or after.json()["status"] in ("CANCELLING", "CANCELLED")


def _first_with_id(op: str) -> Doc | None:
    """The first documented success request of `op`, if its path names an object."""
    spec = json.loads((HERE / "samples" / f"{op}.json").read_text())
    if "{" not in spec["path"]:
        return None
    return next(dict(s["request"]) for s in spec["samples"] if s["response"]["status"] < 300)


ID_OPERATIONS = [op for op in OPERATIONS if _first_with_id(op)]


@pytest.mark.parametrize("op", ID_OPERATIONS)
async def test_a_missing_object_is_a_404_in_the_service_envelope(
    raw: httpx2.AsyncClient, op: str
) -> None:
    """The documented request on an id the sandbox does not have: 404 in the Segmentation
    service's error envelope (reference §2.3), as the audience examples show it."""
    request = _first_with_id(op)
    assert request is not None
    response = await raw.request(
        request["method"],
        request["path"],
        params=request["query"],
        headers=request.get("headers", {}),
        json=request.get("body"),
    )
    assert response.status_code == 404, response.text
    body = response.json()
    assert set(body) >= {"requestId", "errors", "type", "title", "status"}
    assert body["status"] == 404 and list(body["errors"]) == ["404"]
    assert body["type"].startswith("https://ns.adobe.com/aep/errors/")
    assert all({"code", "message"} <= set(e) for e in body["errors"]["404"])
