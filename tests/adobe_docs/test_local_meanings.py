"""What the sandbox does with the export fields Adobe documents but the sandbox cannot know
(jobs/exports.py): `identities` from the identityMap, ingestion time = `_repo.modifyDate` for a
profile and `timestamp` for an event. Each exported file is checked against the sandbox's own
tables, read separately."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import duckdb
import httpx2
from sandbox.jobs.conftest import sandbox_info
from starlette.applications import Starlette

Doc = dict[str, Any]
SINCE = "2026-06-01T00:00:00Z"
UNTIL = "2026-09-01T00:00:00Z"


async def _finished(raw: httpx2.AsyncClient, path: str) -> Doc:
    for _ in range(400):
        doc: Doc = (await raw.get(path)).json()
        if doc["status"] in ("SUCCEEDED", "FAILED"):
            return doc
        await anyio.sleep(0.02)
    raise AssertionError(f"{path} did not finish")


async def _export(raw: httpx2.AsyncClient, **extra: Any) -> Doc:
    body = {"destination": {"datasetId": "ds-docs"}, "schema": {"name": "_xdm.context.profile"}}
    created = await raw.post("/export/jobs", json={**body, **extra})
    assert created.status_code == 200, created.text
    done = await _finished(raw, f"/export/jobs/{created.json()['id']}")
    assert done["status"] == "SUCCEEDED", done
    return done


def _rows(app: Starlette, job: Doc, columns: str) -> list[tuple[Any, ...]]:
    folder = app.state.service.settings.data_dir / "datasets" / "ds-docs"
    path = Path(folder) / f"{job['destination']['batchId']}.parquet"
    with duckdb.connect() as con:
        return con.execute(f"SELECT {columns} FROM read_parquet('{path}') ORDER BY _id").fetchall()


def _table(app: Starlette, query: str) -> list[tuple[Any, ...]]:
    info = sandbox_info(app)
    text = query.format(profiles=info.table("profiles"), events=info.table("experience_events"))
    return app.state.service.store.db.read(lambda cur: cur.execute(text).fetchall())  # type: ignore[no-any-return]


async def test_identities_are_the_identity_map(
    raw: httpx2.AsyncClient, sandbox_app: Starlette
) -> None:
    job = await _export(raw, fields="identities.id,personalEmail.address")
    exported = {row[0]: row[1] for row in _rows(sandbox_app, job, "_id, identities")}
    expected: dict[str, list[Doc]] = {}
    for pid, identity_map in _table(sandbox_app, 'SELECT "_id", "identityMap" FROM {profiles}'):
        expected[pid] = [{"id": i["id"]} for ids in (identity_map or {}).values() for i in ids]
    assert exported == expected
    assert any(exported.values())
    whole = await _export(raw, fields="identities")
    first = next(v for _, v in _rows(sandbox_app, whole, "_id, identities") if v)
    assert set(first[0]) == {"id", "namespace"} and set(first[0]["namespace"]) == {"code"}


async def test_from_ingest_timestamp_keeps_profiles_modified_since(
    raw: httpx2.AsyncClient, sandbox_app: Starlette
) -> None:
    job = await _export(raw, fields="personalEmail", filter={"fromIngestTimestamp": SINCE})
    exported = [row[0] for row in _rows(sandbox_app, job, "_id")]
    since = datetime.fromisoformat(SINCE.replace("Z", ""))
    modified = _table(sandbox_app, 'SELECT "_id", "_repo".modifyDate FROM {profiles}')
    expected = sorted(pid for pid, when in modified if when is None or when > since)
    assert exported == expected
    assert 0 < len(exported) < len(modified)


async def test_event_list_holds_each_profiles_events_in_the_window(
    raw: httpx2.AsyncClient, sandbox_app: Starlette
) -> None:
    job = await _export(
        raw,
        fields="personalEmail",
        additionalFields={
            "eventList": {
                "fields": "eventType,string",
                "filter": {"fromIngestTimestamp": SINCE, "toIngestTimestamp": UNTIL},
            }
        },
    )
    assert job["additionalFields"]["eventList"]["fields"] == "eventType,string"
    exported = {
        pid: [(e["_id"], e["eventType"]) for e in events or []]
        for pid, events in _rows(sandbox_app, job, "_id, eventList")
    }
    rows = _table(
        sandbox_app,
        'SELECT profile_id, "_id", "eventType" FROM {events} WHERE "timestamp" >= '
        f"TIMESTAMP '{SINCE[:-1]}' AND \"timestamp\" < TIMESTAMP '{UNTIL[:-1]}' "
        'ORDER BY profile_id, "timestamp"',
    )
    expected: dict[str, list[tuple[str, str]]] = {pid: [] for pid in exported}
    for pid, eid, event_type in rows:
        expected[pid].append((eid, event_type))
    assert {p: sorted(v) for p, v in exported.items()} == {
        p: sorted(v) for p, v in expected.items()
    }
    assert any(exported.values())
    one = _rows(sandbox_app, job, "eventList")
    keys = {tuple(sorted(e)) for (events,) in one for e in events or []}
    assert keys == {("_id", "eventType", "timestamp")}
