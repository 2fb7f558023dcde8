"""Segment jobs through the real aep client: the state machine to success and to cancellation,
exact metrics and memberships (realized / existing / exited) against the tables, inSegment()
seeing them, paging, bulk-get, the in-flight limit, bad input."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from seg_mcp.aep import AEPClient
from seg_mcp.aep.errors import NotFoundError, RateLimitError
from seg_mcp.aep.models.common import SchemaRef
from seg_mcp.aep.models.segment_jobs import AllSegmentsJobRequest, SegmentJob, SegmentJobRequest
from seg_mcp.sandbox import SandboxSettings
from seg_mcp.sandbox.jobs import segment_jobs

from .conftest import Paced, client_on, definition, sandbox_info, settle, sql

GOLD = 'loyalty.tier = "gold"'
ECID = """list_contains(map_keys("identityMap"), 'ECID')"""


def tier_ids(app: Starlette, *tiers: str) -> set[str]:
    marks = ", ".join("?" * len(tiers))
    rows = sql(app, f'SELECT "_id" FROM {{profiles}} WHERE "loyalty"."tier" IN ({marks})', *tiers)
    return {r[0] for r in rows}


def membership(app: Starlette, segment_id: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for pid, status in sql(
        app, "SELECT profile_id, status FROM {membership} WHERE segment_id = ?", segment_id
    ):
        out.setdefault(status, set()).add(pid)
    return out


async def finished(aep: AEPClient, job_id: str) -> SegmentJob:
    return await settle(
        lambda: aep.retrieve_segment_job(job_id),
        lambda j: j.status in ("SUCCEEDED", "FAILED", "CANCELLED"),
    )


async def run_job(aep: AEPClient, *ids: str) -> SegmentJob:
    job = await aep.create_segment_job(list(ids))
    assert job.status == "NEW" and job.source == "api"
    return await finished(aep, job.id or "")


async def test_runs_write_realized_existing_exited(aep: AEPClient, sandbox_app: Starlette) -> None:
    d = await aep.create_segment_definition(definition("tiers", GOLD))
    gold, silver = tier_ids(sandbox_app, "gold"), tier_ids(sandbox_app, "silver")
    assert gold and silver

    first = await run_job(aep, d.id or "")
    assert first.status == "SUCCEEDED", first.errors
    m = first.metrics
    assert m is not None and m.total_profiles == 300
    assert m.segmented_profile_counter == {d.id: len(gold)}
    assert m.segmented_profile_by_status_counter == {
        d.id: {"realized": len(gold), "existing": 0, "exited": 0}
    }
    ecid = sql(
        sandbox_app,
        f'SELECT count(*) FROM {{profiles}} WHERE "loyalty"."tier" = \'gold\' AND {ECID}',
    )
    assert m.segmented_profile_by_namespace_counter is not None
    assert m.segmented_profile_by_namespace_counter[d.id or ""]["ECID"] == ecid[0][0]
    assert m.total_time is not None and m.total_time.total_time_in_ms is not None
    assert membership(sandbox_app, d.id or "") == {"realized": gold}
    assert first.segments and first.segments[0].segment_id == d.id
    assert first.segments[0].segment and first.segments[0].segment.expression.value == GOLD  # type: ignore[union-attr]

    await aep.patch_segment_definition(
        d.id or "", definition("tiers", 'loyalty.tier = "gold" or loyalty.tier = "silver"')
    )
    second = await run_job(aep, d.id or "")
    assert second.metrics and second.metrics.segmented_profile_by_status_counter == {
        d.id: {"realized": len(silver), "existing": len(gold), "exited": 0}
    }
    assert membership(sandbox_app, d.id or "") == {"realized": silver, "existing": gold}

    await aep.patch_segment_definition(d.id or "", definition("tiers", 'loyalty.tier = "silver"'))
    third = await run_job(aep, d.id or "")
    assert third.metrics and third.metrics.segmented_profile_by_status_counter == {
        d.id: {"realized": 0, "existing": len(silver), "exited": len(gold)}
    }
    assert third.metrics.segmented_profile_counter == {d.id: len(silver)}
    assert membership(sandbox_app, d.id or "") == {"existing": silver, "exited": gold}


async def test_in_segment_sees_the_membership_a_job_wrote(
    aep: AEPClient, sandbox_app: Starlette
) -> None:
    gold = await aep.create_segment_definition(definition("gold", GOLD))
    uses = await aep.create_segment_definition(
        definition("gold with ECID", f'inSegment("{gold.id}") and loyalty.points >= 0')
    )
    # one job, both definitions: the dependency is evaluated first, its membership seen
    job = await run_job(aep, uses.id or "", gold.id or "")
    assert job.status == "SUCCEEDED", job.errors
    assert [s.segment_id for s in job.segments or []] == [gold.id, uses.id]
    expected = {
        r[0]
        for r in sql(
            sandbox_app,
            """SELECT "_id" FROM {profiles} WHERE "loyalty"."tier" = 'gold'
               AND "loyalty"."points" >= 0""",
        )
    }
    assert membership(sandbox_app, uses.id or "") == {"realized": expected}


async def test_list_filters_pages_and_bulk_get(aep: AEPClient) -> None:
    a = await aep.create_segment_definition(definition("a", GOLD))
    b = await aep.create_segment_definition(definition("b", 'loyalty.tier = "silver"'))
    jobs = [
        await run_job(aep, a.id or ""),
        await run_job(aep, b.id or ""),
        await run_job(aep, a.id or ""),
    ]
    page = await aep.list_segment_jobs(limit=2)
    assert page.page is not None and page.page.total_count == 3 and page.page.page_size == 2
    assert [j.id for j in page.children] == [jobs[2].id, jobs[1].id]
    every = [j.id async for j in aep.iter_segment_jobs(limit=2)]
    assert every == [j.id for j in reversed(jobs)]
    oldest = await aep.list_segment_jobs(sort="creationTime:asc", limit=1)
    assert [j.id for j in oldest.children] == [jobs[0].id]
    for_a = await aep.list_segment_jobs(property_filter=f"segments~segmentId=={a.id}")
    assert {j.id for j in for_a.children} == {jobs[0].id, jobs[2].id}
    assert (await aep.list_segment_jobs(status="CANCELLED")).children == []
    bulk = await aep.bulk_get_segment_jobs([jobs[0].id or "", "no-such-job"])
    assert set(bulk.results) == {jobs[0].id, "no-such-job"}
    with pytest.raises(NotFoundError):
        await aep.bulk_get_segment_jobs(["no-such-job"])
    with pytest.raises(NotFoundError):
        await aep.retrieve_segment_job("no-such-job")


async def test_all_segments_form_evaluates_every_definition(aep: AEPClient) -> None:
    a = await aep.create_segment_definition(definition("a", GOLD))
    b = await aep.create_segment_definition(definition("b", 'loyalty.tier = "silver"'))
    job = await aep.create_segment_job(
        AllSegmentsJobRequest(
            schema=SchemaRef(name="_xdm.context.profile"),
            segments=[SegmentJobRequest(segment_id="*")],
        )
    )
    assert {s.segment_id for s in job.segments or []} == {a.id, b.id}
    done = await finished(aep, job.id or "")
    assert done.status == "SUCCEEDED"


async def test_cancel_a_processing_job_cancelling_then_cancelled(paced: Paced) -> None:
    aep, stepper = paced.aep, paced.stepper
    d = await aep.create_segment_definition(definition("gold", GOLD))
    job = await aep.create_segment_job([d.id or ""])
    await stepper.parked()
    assert (await aep.retrieve_segment_job(job.id or "")).status == "PROCESSING"
    assert await aep.delete_segment_job(job.id or "") is None  # 204
    assert (await aep.retrieve_segment_job(job.id or "")).status == "CANCELLING"
    assert await aep.delete_segment_job(job.id or "") is None  # again: nothing more to do
    stepper.release()
    done = await finished(aep, job.id or "")
    assert done.status == "CANCELLED"
    assert done.metrics and done.metrics.total_time and done.metrics.total_time.end_time_in_ms
    assert membership(paced.app, d.id or "") == {}  # nothing written


async def test_cancel_a_new_job_and_a_finished_one(aep: AEPClient, sandbox_app: Starlette) -> None:
    d = await aep.create_segment_definition(definition("gold", GOLD))
    svc, info = sandbox_app.state.service, sandbox_info(sandbox_app)
    queued = await svc.store.db.awrite(
        lambda cur: segment_jobs.create_in(cur, svc, info, [d.id or ""], rid="queued")
    )  # stored, not yet picked up by the runner
    await aep.delete_segment_job(queued["id"])
    assert (await aep.retrieve_segment_job(queued["id"])).status == "CANCELLED"

    done = await run_job(aep, d.id or "")
    await aep.delete_segment_job(done.id or "")  # Adobe's "cancel or delete": deleted
    with pytest.raises(NotFoundError):
        await aep.retrieve_segment_job(done.id or "")
    assert membership(sandbox_app, d.id or "")  # its memberships stay
    with pytest.raises(NotFoundError):
        await aep.delete_segment_job("no-such-job")


async def test_too_many_jobs_in_flight(sandbox_settings: SandboxSettings) -> None:
    from .conftest import Stepper

    stepper = Stepper()
    settings = sandbox_settings.model_copy(update={"max_jobs_in_flight": 1})
    try:
        async with client_on(settings, pace=stepper) as (aep, _):
            d = await aep.create_segment_definition(definition("gold", GOLD))
            first = await aep.create_segment_job([d.id or ""])
            await stepper.parked()
            with pytest.raises(RateLimitError) as info:
                await aep.create_segment_job([d.id or ""])
            assert "too many segmentation jobs" in str(info.value)
            await aep.delete_segment_job(first.id or "")
            stepper.release()
            await finished(aep, first.id or "")
            second = await aep.create_segment_job([d.id or ""])
            assert second.status == "NEW"
    finally:
        stepper.close()


async def test_a_query_the_engine_cannot_evaluate_fails_the_job(aep: AEPClient) -> None:
    d = await aep.create_segment_definition(
        definition("odd", 'person.name.lastName.matches("(?=x)y")')
    )
    job = await run_job(aep, d.id or "")
    assert job.status == "FAILED"
    assert job.errors and "look-around" in (job.errors[0].msg or "")
    assert job.metrics is not None and not job.metrics.segmented_profile_counter


async def test_bad_job_requests(raw: httpx2.AsyncClient, aep: AEPClient) -> None:
    other = await aep.create_segment_definition(definition("in prod", GOLD), sandbox="prod")
    cases: list[tuple[Any, str]] = [
        ([{"segmentId": "no-such-definition"}], "no-such-definition"),
        ([{"segmentId": other.id}], f"{other.id} not found in sandbox dev"),
        ([], "empty list"),
        ({"segmentId": "x"}, "segments"),
        ([{"segmentId": "x", "colour": "red"}], "colour"),
        ("jobs", "JSON array"),
        ([{"segmentId": str(i)} for i in range(21)], "at most 20"),
    ]
    for body, expected in cases:
        response = await raw.post("/segment/jobs", json=body)
        assert response.status_code == 400, body
        assert expected in response.json()["title"], response.json()["title"]
    assert (await raw.get("/segment/jobs")).json()["_page"]["totalCount"] == 0
