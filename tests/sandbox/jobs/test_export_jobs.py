"""Export jobs through the real aep client: members written to Parquet (read back with duckdb),
the fields projection, one batch per segment, counts, the offset cursor, cancellation, bad
input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import httpx2
import pytest
from starlette.applications import Starlette

from seg_mcp.aep import AEPClient
from seg_mcp.aep.errors import NotFoundError
from seg_mcp.aep.models.export_jobs import ExportJob

from .conftest import PROFILE, Paced, definition, settle, sql

GOLD = 'loyalty.tier = "gold"'


def body(**extra: Any) -> dict[str, Any]:
    return {"destination": {"datasetId": "ds-1"}, "schema": PROFILE, **extra}


def segments(*ids: str) -> dict[str, Any]:
    return {"segments": [{"segmentId": i} for i in ids]}


async def finished(aep: AEPClient, job_id: int | str) -> ExportJob:
    return await settle(
        lambda: aep.retrieve_export_job(job_id), lambda j: j.status in ("SUCCEEDED", "FAILED")
    )


def parquet(app: Starlette, dataset: str, batch: str) -> Path:
    path = app.state.service.settings.data_dir / "datasets" / dataset / f"{batch}.parquet"
    assert path.is_file(), path
    return Path(path)


def read(path: Path, query: str = "SELECT * FROM t ORDER BY _id") -> list[tuple[Any, ...]]:
    with duckdb.connect() as con:
        con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")
        return con.execute(query).fetchall()


async def evaluated(aep: AEPClient, name: str, pql: str) -> str:
    d = await aep.create_segment_definition(definition(name, pql))
    job = await aep.create_segment_job([d.id or ""])
    await settle(lambda: aep.retrieve_segment_job(job.id or ""), lambda j: j.status == "SUCCEEDED")
    return d.id or ""


async def test_export_members_with_fields_to_parquet(
    aep: AEPClient, sandbox_app: Starlette
) -> None:
    sid = await evaluated(aep, "gold", GOLD)
    created = await aep.create_export_job(
        body(fields="person.name.lastName,loyalty.tier", filter=segments(sid))
    )
    assert isinstance(created.id, int) and created.status == "NEW" and created.job_type == "BATCH"
    done = await finished(aep, created.id)
    assert done.status == "SUCCEEDED", done.errors
    expected = sql(
        sandbox_app,
        """SELECT "_id", "person"."name"."lastName", "loyalty"."tier" FROM {profiles}
           WHERE "loyalty"."tier" = 'gold' ORDER BY "_id" """,
    )
    assert done.destination is not None and done.destination.batch_id
    path = parquet(sandbox_app, "ds-1", done.destination.batch_id)
    rows = read(path, "SELECT _id, person.name.lastName, loyalty.tier FROM t ORDER BY _id")
    assert rows == expected
    columns = [r[0] for r in read(path, "SELECT column_name FROM (DESCRIBE t)")]
    assert columns == ["_id", "person", "loyalty"]  # only what was asked, kept nested
    assert done.metrics is not None
    assert done.metrics.total_exported_profile_counter == len(expected)
    ecid = sql(
        sandbox_app,
        """SELECT count(*) FROM {profiles} WHERE "loyalty"."tier" = 'gold'
           AND list_contains(map_keys("identityMap"), 'ECID')""",
    )[0][0]
    assert (done.metrics.exported_profile_by_namespace_counter or {})["ECID"] == ecid
    assert not list(path.parent.glob("*.tmp"))


async def test_export_everyone_and_one_batch_per_segment(
    aep: AEPClient, sandbox_app: Starlette
) -> None:
    everyone = await finished(aep, (await aep.create_export_job(body())).id or "")
    assert everyone.status == "SUCCEEDED" and everyone.destination is not None
    path = parquet(sandbox_app, "ds-1", everyone.destination.batch_id or "")
    assert read(path, "SELECT count(*), count(DISTINCT _id) FROM t") == [(300, 300)]
    assert "identityMap" in [r[0] for r in read(path, "SELECT column_name FROM (DESCRIBE t)")]

    gold = await evaluated(aep, "gold", GOLD)
    silver = await evaluated(aep, "silver", 'loyalty.tier = "silver"')
    job = await aep.create_export_job(
        {
            **body(fields="loyalty.tier", filter=segments(gold, silver)),
            "destination": {"datasetId": "ds-2", "segmentPerBatch": True},
        }
    )
    done = await finished(aep, job.id or "")
    assert done.status == "SUCCEEDED"
    batches = done.destination.batches if done.destination else None
    assert isinstance(batches, list) and [b.segment_id for b in batches] == [gold, silver]
    for batch, tier in zip(batches, ("gold", "silver"), strict=True):
        tiers = read(
            parquet(sandbox_app, "ds-2", batch.batch_id or ""),
            "SELECT DISTINCT loyalty.tier FROM t",
        )
        assert tiers == [(tier,)]


async def test_export_can_segment_first_and_filter_statuses(
    aep: AEPClient, sandbox_app: Starlette
) -> None:
    d = await aep.create_segment_definition(definition("gold", GOLD))
    job = await aep.create_export_job(
        body(
            fields="loyalty",
            filter={"segments": [{"segmentId": d.id, "status": ["exited"]}]},
            evaluationInfo={"segmentation": True},
        )
    )
    done = await finished(aep, job.id or "")
    assert done.status == "SUCCEEDED"
    assert done.metrics is not None and done.metrics.total_exported_profile_counter == 0
    gold = sql(sandbox_app, "SELECT count(*) FROM {membership} WHERE status = 'realized'")[0][0]
    assert gold > 0  # the export evaluated the definition first


async def test_list_with_offset_cursor_and_status(aep: AEPClient) -> None:
    jobs = [await finished(aep, (await aep.create_export_job(body())).id or "") for _ in range(3)]
    first = await aep.list_export_jobs(limit=2)
    assert [j.id for j in first.records] == [jobs[2].id, jobs[1].id]
    assert first.link is not None and first.link.next and "offset=" in first.link.next
    every = [j.id async for j in aep.iter_export_jobs(limit=2)]
    assert every == [j.id for j in reversed(jobs)]
    assert (await aep.list_export_jobs(status="FAILED")).records == []
    assert len((await aep.list_export_jobs(status="SUCCEEDED")).records) == 3


async def test_cancel_in_flight_then_delete(paced: Paced) -> None:
    aep, stepper = paced.aep, paced.stepper
    job = await aep.create_export_job(body())
    await stepper.parked()
    assert (await aep.retrieve_export_job(job.id or "")).status == "PROCESSING"
    cancelled = await aep.cancel_export_job(job.id or "")
    assert cancelled is not None and "marked for cancelling" in (cancelled.message or "")
    stepper.release()
    done = await aep.retrieve_export_job(job.id or "")
    assert done.status == "FAILED"
    assert done.errors and "cancelled" in (done.errors[0].msg or "")
    folder = paced.app.state.service.settings.data_dir / "datasets" / "ds-1"
    assert not folder.exists() or not any(folder.iterdir())  # no partial file
    deleted = await aep.cancel_export_job(job.id or "")  # a finished job: deleted
    assert deleted is not None and "deleted" in (deleted.message or "")
    with pytest.raises(NotFoundError):
        await aep.retrieve_export_job(job.id or "")


async def test_bad_export_requests(raw: httpx2.AsyncClient, aep: AEPClient) -> None:
    never = await aep.create_segment_definition(definition("never run", GOLD))
    cases: list[tuple[Any, str]] = [
        ({"schema": PROFILE}, "destination"),
        (body(schema={"name": "_xdm.context.account"}), "schema.name"),
        (body(fields="person.nickname"), "nickname"),
        (body(fields="loyalty.tier.code"), "exported whole"),
        (body(filter=segments("no-such-definition")), "no-such-definition"),
        (body(filter=segments(never.id or "")), "has not been evaluated"),
        (body(filter={"fromIngestTimestamp": "yesterday"}), "fromIngestTimestamp"),
        (body(fields="identities.code"), "identities.code"),
        ({**body(), "destination": {"datasetId": "../escape"}}, "datasetId"),
        (body(colour="red"), "colour"),
    ]
    for payload, expected in cases:
        response = await raw.post("/export/jobs", json=payload)
        assert response.status_code == 400, payload
        assert expected in response.json()["title"], response.json()["title"]
    assert (await raw.get("/export/jobs")).json()["records"] == []
    assert (await raw.get("/export/jobs?offset=yesterday")).status_code == 400
    assert (await raw.get("/export/jobs/12345")).status_code == 404
