"""Previews and estimates through the real aep client: states, growing counters, exact counts
against the tables, result paging in both shapes, sampling, deletion, bad input."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import anyio.to_thread
import httpx2
import pytest
from starlette.applications import Starlette

from seg_mcp.aep import AEPClient
from seg_mcp.aep.errors import BadRequestError, NotFoundError
from seg_mcp.aep.models.previews import PreviewResults
from seg_mcp.sandbox import SandboxSettings
from seg_mcp.sandbox.jobs import previews, profile_facts
from seg_mcp.sandbox.load import load

from .conftest import Paced, client_on, definition, sandbox_info, settle, sql

GOLD = 'loyalty.tier = "gold"'
GOLD_SQL = """SELECT "_id" FROM {profiles} WHERE "loyalty"."tier" = 'gold' ORDER BY "_id" """


async def test_preview_runs_new_running_ready_with_growing_counters(paced: Paced) -> None:
    aep, stepper = paced.aep, paced.stepper
    created = await aep.create_preview({"predicateExpression": GOLD})
    pid = created.preview_id or ""
    assert created.state == "NEW" and created.preview_execution_id == 0
    assert pid and created.preview_query_id
    gold = [r[0] for r in sql(paced.app, GOLD_SQL)]
    total = sql(paced.app, "SELECT count(*) FROM {profiles}")[0][0]

    reads = []
    for _ in range(4):  # job_steps
        await stepper.parked()
        estimate = await aep.retrieve_estimate(pid)
        assert estimate.state == "RUNNING"
        assert estimate.total_rows == total and estimate.confidence_interval == "95%"
        reads.append(estimate.profiles_read_so_far or 0)
        if 0 < (estimate.profiles_read_so_far or 0) < total:
            assert estimate.standard_error and estimate.standard_error > 0
        page = await aep.retrieve_preview(pid)
        assert page.state == "RUNNING" and page.results == []
        stepper.release()
    assert reads[0] == 0 and reads == sorted(set(reads)), reads

    estimate = await settle(lambda: aep.retrieve_estimate(pid), lambda e: e.state == "RESULT_READY")
    assert estimate.profiles_read_so_far == estimate.num_rows_to_read == total
    assert estimate.profiles_matched_so_far == estimate.estimated_size == len(gold)
    assert estimate.standard_error == 0
    assert estimate.links is not None and estimate.links.preview
    assert estimate.links.preview.endswith(f"/preview/{pid}")
    ecid = sql(
        paced.app,
        """SELECT count(*) FROM {profiles} WHERE "loyalty"."tier" = 'gold'
           AND list_contains(map_keys("identityMap"), 'ECID')""",
    )[0][0]
    namespaces = {
        n.namespace_id: n.profiles_matched_so_far
        for n in estimate.estimated_namespace_distribution or []
    }
    assert namespaces["4"] == ecid  # ECID's namespace id

    items = [item async for item in aep.iter_preview_results(pid, limit=7)]
    ids = [e.entity_id for e in PreviewResults(results=items).entities()]
    assert ids == gold


async def test_results_page_with_offset_links_and_identities(
    aep: AEPClient, sandbox_app: object
) -> None:
    created = await aep.create_preview({"predicateExpression": GOLD, "graphType": "none"})
    pid = created.preview_id or ""
    await settle(lambda: aep.retrieve_estimate(pid), lambda e: e.state == "RESULT_READY")
    gold = [r[0] for r in sql(sandbox_app, GOLD_SQL)]  # type: ignore[arg-type]
    first = await aep.retrieve_preview(pid, limit=5)
    assert first.page is not None and first.page.offset == 0 and first.page.size == 5
    assert first.links is not None and first.links.prev == ""
    assert first.links.next and "offset=5" in first.links.next
    second = await aep.retrieve_preview(pid, offset="5", limit=5)
    assert [e.entity_id for e in second.entities()] == gold[5:10]
    assert second.links is not None and second.links.prev and "offset=0" in second.links.prev
    entity = next(first.entities())
    identities = sql(
        sandbox_app,  # type: ignore[arg-type]
        'SELECT list_sort(list_transform(flatten(map_values("identityMap")), lambda x: x.id)) '
        'FROM {profiles} WHERE "_id" = ?',
        entity.entity_id,
    )[0][0]
    assert sorted(entity.related_ids) == identities
    assert entity.href and entity.href.endswith(f"/models/profile/{entity.entity_id}")
    last = await aep.retrieve_preview(pid, offset=str(len(gold) - 1), limit=5)
    assert len(last.results) == 1 and last.links is not None and last.links.next == ""


async def test_a_preview_slower_than_its_create_answer_is_new_then_ready(
    aep: AEPClient, sandbox_app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unwatched, a quick preview is stored once, with its result; one still evaluating when
    the create answers is stored NEW by the create, then completed by its job; one deleted
    meanwhile is not brought back by its job."""
    gate = threading.Event()
    evaluate = previews.evaluate

    def held(*args: object) -> object:
        gate.wait(30)
        return evaluate(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(previews, "evaluate", held)
    pid = (await aep.create_preview({"predicateExpression": GOLD})).preview_id or ""
    gone = (await aep.create_preview({"predicateExpression": GOLD})).preview_id or ""
    assert (await aep.retrieve_estimate(pid)).state == "NEW"
    assert (await aep.retrieve_preview(pid)).results == []
    await aep.delete_preview(gone)
    gate.set()
    estimate = await settle(lambda: aep.retrieve_estimate(pid), lambda e: e.state == "RESULT_READY")
    gold = [r[0] for r in sql(sandbox_app, GOLD_SQL)]  # type: ignore[arg-type]
    assert estimate.estimated_size == len(gold)
    items = [item async for item in aep.iter_preview_results(pid, limit=50)]
    assert [e.entity_id for e in PreviewResults(results=items).entities()] == gold
    await anyio.sleep(0.05)  # the deleted one's job has had its chance to store a result
    with pytest.raises(NotFoundError):
        await aep.retrieve_estimate(gone)


async def test_estimate_samples_a_large_sandbox(sandbox_settings: SandboxSettings) -> None:
    settings = sandbox_settings.model_copy(update={"sample_threshold": 100})
    async with client_on(settings) as (aep, app):
        created = await aep.create_preview({"predicateExpression": GOLD})
        pid = created.preview_id or ""
        estimate = await settle(
            lambda: aep.retrieve_estimate(pid), lambda e: e.state == "RESULT_READY"
        )
        truth = len(sql(app, GOLD_SQL))
    total = estimate.total_rows
    assert total == 300
    read = estimate.profiles_read_so_far
    assert read == estimate.num_rows_to_read and read is not None and 60 < read < 160
    matched = estimate.profiles_matched_so_far
    assert matched is not None and estimate.estimated_size == round(matched * total / read)
    assert estimate.standard_error is not None and estimate.standard_error > 0
    # the 95% interval of the sample holds the true size
    assert abs(estimate.estimated_size - truth) <= 1.96 * estimate.standard_error + 1


@pytest.mark.parametrize("colliding", [False, True])
async def test_estimate_counts_every_namespace_and_sees_loaded_profiles(
    sandbox_settings: SandboxSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    colliding: bool,
) -> None:
    """The namespace distribution matches the tables, for profiles of the common namespace set
    and the others; after a load, the estimate counts the new profiles and namespaces. Also when
    profile ids share hashes (made to, here: seven hash values), so ids are joined instead."""
    if colliding:
        hashed = profile_facts.hash_sql
        monkeypatch.setattr(profile_facts, "hash_sql", lambda alias="": f"({hashed(alias)} % 7)")
    ns_sql = """SELECT ns, count(*) FROM (SELECT unnest(map_keys("identityMap")) AS ns
                FROM {profiles} WHERE "loyalty"."tier" = 'gold') GROUP BY ns"""

    async def estimate_of(aep: AEPClient) -> tuple[int, dict[str, int]]:
        pid = (await aep.create_preview({"predicateExpression": GOLD})).preview_id or ""
        done = await settle(
            lambda: aep.retrieve_estimate(pid), lambda e: e.state not in ("NEW", "RUNNING")
        )
        assert done.state == "RESULT_READY"
        dist = done.estimated_namespace_distribution or []
        return done.total_rows or 0, {n.namespace_id or "": n.profiles_matched_so_far for n in dist}

    ids = {"ECID": "4", "Email": "6", "Phone": "7", "CRMID": "CRMID"}
    async with client_on(sandbox_settings) as (aep, app):
        total, shown = await estimate_of(aep)
        assert total == 300
        truth = {ids[ns]: n for ns, n in sql(app, ns_sql)}
        assert shown == truth and len(truth) >= 2  # ECID for all, Email for most
        crm = {"CRMID": [{"id": "c1"}], "Phone": [{"id": "+33 1"}]}
        lines = [
            {"_id": f"new{i}", "loyalty": {"tier": "gold"}, "identityMap": crm} for i in range(3)
        ]
        path = tmp_path / "more.jsonl"
        path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
        svc = app.state.service
        await anyio.to_thread.run_sync(lambda: load(svc.store, sandbox_info(app), profiles=path))
        total, shown = await estimate_of(aep)
        assert total == 303
        assert shown == {**truth, "CRMID": 3, "7": 3} == {ids[ns]: n for ns, n in sql(app, ns_sql)}


async def test_results_first_read_after_a_restart_and_a_load_are_the_evaluations(
    sandbox_settings: SandboxSettings, tmp_path: Path
) -> None:
    """A preview's results, first read after a restart and then a load of new data, are those
    its estimate counted; a new preview sees the new data."""

    async def ready(aep: AEPClient, text: str) -> str:
        pid = (await aep.create_preview({"predicateExpression": text})).preview_id or ""
        await settle(lambda: aep.retrieve_estimate(pid), lambda e: e.state == "RESULT_READY")
        return pid

    async def members(aep: AEPClient, pid: str) -> list[str]:
        items = [item async for item in aep.iter_preview_results(pid, limit=100)]
        return [e.entity_id or "" for e in PreviewResults(results=items).entities()]

    async with client_on(sandbox_settings) as (aep, app):
        first, second = [await ready(aep, GOLD) for _ in range(2)]
        gold = [r[0] for r in sql(app, GOLD_SQL)]
    async with client_on(sandbox_settings) as (aep, app):
        assert await members(aep, first) == gold
        path = tmp_path / "more.jsonl"
        path.write_text(json.dumps({"_id": "aaa-new", "loyalty": {"tier": "gold"}}) + "\n")
        svc = app.state.service
        await anyio.to_thread.run_sync(lambda: load(svc.store, sandbox_info(app), profiles=path))
        assert await members(aep, second) == gold
        assert await members(aep, await ready(aep, GOLD)) == ["aaa-new", *gold]


async def test_results_first_read_after_the_clock_moved_are_the_evaluations(
    aep: AEPClient, sandbox_app: Starlette
) -> None:
    recent = "select X from xEvent where X.timestamp occurs <= 30 days before now"

    async def ready() -> tuple[str, int]:
        pid = (await aep.create_preview({"predicateExpression": recent})).preview_id or ""
        done = await settle(lambda: aep.retrieve_estimate(pid), lambda e: e.state == "RESULT_READY")
        return pid, done.estimated_size or 0

    pid, size = await ready()
    assert size > 0
    store, info = sandbox_app.state.service.store, sandbox_info(sandbox_app)
    await anyio.to_thread.run_sync(store.db.write, store.set_clock, info, datetime(2040, 1, 1))
    assert (await ready())[1] == 0  # the query depends on the clock
    items = [item async for item in aep.iter_preview_results(pid, limit=500)]
    assert len(items) == size


async def test_results_of_an_in_segment_preview_are_the_membership_it_was_evaluated_on(
    aep: AEPClient, sandbox_app: Starlette
) -> None:
    """Segment jobs change membership without a data load: such a preview's results are
    stored with its estimate, not when first read."""

    async def run_job(sid: str) -> None:
        job = await aep.create_segment_job([sid])
        done = await settle(
            lambda: aep.retrieve_segment_job(job.id or ""),
            lambda j: j.status in ("SUCCEEDED", "FAILED", "CANCELLED"),
        )
        assert done.status == "SUCCEEDED", done.errors

    seg = await aep.create_segment_definition(definition("tier", GOLD))
    await run_job(seg.id or "")
    text = f'inSegment("{seg.id}")'
    pid = (await aep.create_preview({"predicateExpression": text})).preview_id or ""
    await settle(lambda: aep.retrieve_estimate(pid), lambda e: e.state == "RESULT_READY")
    await aep.patch_segment_definition(seg.id or "", definition("tier", 'loyalty.tier = "silver"'))
    await run_job(seg.id or "")
    items = [item async for item in aep.iter_preview_results(pid, limit=100)]
    gold = [r[0] for r in sql(sandbox_app, GOLD_SQL)]
    assert [e.entity_id for e in PreviewResults(results=items).entities()] == gold


async def test_delete_cancels_a_running_preview(paced: Paced) -> None:
    aep, stepper = paced.aep, paced.stepper
    created = await aep.create_preview({"predicateExpression": GOLD})
    pid = created.preview_id or ""
    await stepper.parked()
    deleted = await aep.delete_preview(pid)
    assert deleted is not None and deleted.status is True
    for call in (aep.retrieve_preview, aep.retrieve_estimate, aep.delete_preview):
        with pytest.raises(NotFoundError) as info:
            await call(pid)
        assert pid in str(info.value)
    stepper.release()
    assert sql(paced.app, "SELECT count(*) FROM {profiles}")[0][0] == 300


async def test_bad_preview_requests(raw: httpx2.AsyncClient) -> None:
    broken = await raw.post("/preview", json={"predicateExpression": 'loyalty.tier = = "x"'})
    assert broken.status_code == 400
    assert broken.json()["diagnostics"][0]["line"] == 1
    unknown = await raw.post("/preview", json={"predicateExpression": GOLD, "colour": "red"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["title"]
    model = await raw.post(
        "/preview", json={"predicateExpression": GOLD, "predicateModel": "_xdm.context.account"}
    )
    assert model.status_code == 400 and "predicateModel" in model.json()["title"]
    malformed = await raw.post(
        "/preview",
        content=b'{"predicateExpression": ',
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code == 400 and "Malformed JSON" in malformed.text
    missing = await raw.get("/estimate/nope")
    assert missing.status_code == 404 and missing.json()["status"] == 404


async def test_unknown_preview_id(aep: AEPClient) -> None:
    with pytest.raises(NotFoundError):
        await aep.retrieve_preview("MDpub3RoZXJlOjA")
    with pytest.raises(BadRequestError):
        await aep.retrieve_preview("MDpub3RoZXJlOjA", offset="x")


async def test_a_query_the_engine_cannot_evaluate_fails_the_preview(
    aep: AEPClient, raw: httpx2.AsyncClient
) -> None:
    created = await aep.create_preview(
        {"predicateExpression": "person.birthDate > date(2021, 2, 30)"}
    )
    pid = created.preview_id or ""
    estimate = await settle(
        lambda: aep.retrieve_estimate(pid),
        lambda e: e.state in ("FAILED", "RESULT_READY"),
    )
    assert estimate.state == "FAILED"
    assert estimate.error is not None and "not a calendar date" in (
        estimate.error.description or ""
    )
    assert estimate.estimated_size == 0  # never a wrong count
    page = await aep.retrieve_preview(pid)
    assert page.state == "FAILED" and page.results == []
    shown = (await raw.get(f"/preview/{pid}")).json()  # the reason, in the estimate's shape
    assert shown["error"] == {"description": estimate.error.description, "traceback": ""}
    done = (await aep.create_preview({"predicateExpression": GOLD})).preview_id or ""
    await settle(lambda: aep.retrieve_estimate(done), lambda e: e.state == "RESULT_READY")
    assert "error" not in (await raw.get(f"/preview/{done}")).json()
