"""What every job kind shares: runner keys, atomic state transitions on stored documents, the
evaluation of a PQL query into a temporary table of qualifying profile ids, and failures.

A job document is stored by the object store under its kind ("preview", "segment_job",
"export_job", "schedule"); bookkeeping the API never shows lives under `_local`. Every state
change is one `transition`: read, decide, write, in one transaction, so a cancel and a job's own
progress never overwrite each other.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import duckdb

from seg_mcp.sandbox import engine, pqlbridge
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.jobs.context import JobContext
from seg_mcp.sandbox.runner import JobKey
from seg_mcp.sandbox.store import Kind, SandboxInfo, now_ms

log = logging.getLogger("seg_mcp.sandbox.jobs")
LOCAL = "_local"
#: A job interrupted by this many restarts is failed instead of resumed again.
MAX_ATTEMPTS = 3
Change = Callable[[dict[str, Any]], bool]


UNEXPECTED = (
    "The local sandbox failed unexpectedly while running this job; see the sandbox log. Start "
    "a new job."
)


class JobFailure(Exception):
    """A job cannot complete; `message` says why, for the job's error field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def key(info: SandboxInfo, kind: Kind, oid: str) -> JobKey:
    return (info.schema, kind, oid)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the API shows it (without `_local`)."""
    return {k: v for k, v in doc.items() if k != LOCAL}


def touch(doc: dict[str, Any]) -> None:
    now = now_ms()
    doc["updateTime"] = now
    if "updateEpoch" in doc:
        doc["updateEpoch"] = now // 1000


def transition_in(
    cur: Cursor, jobs: JobContext, info: SandboxInfo, kind: Kind, oid: str, change: Change
) -> dict[str, Any] | None:
    """Inside a write: apply `change` to the stored document and save it if `change` returns
    True. Returns the document (None if it no longer exists)."""
    doc = jobs.store.get(cur, info, kind, oid)
    if doc is None:
        return None
    if change(doc):
        touch(doc)
        jobs.store.put(cur, info, kind, oid, doc)
    return doc


async def transition(
    jobs: JobContext, info: SandboxInfo, kind: Kind, oid: str, change: Change
) -> dict[str, Any] | None:
    return await jobs.store.db.awrite(transition_in, jobs, info, kind, oid, change)


async def guarded(
    jobs: JobContext,
    info: SandboxInfo,
    kind: Kind,
    oid: str,
    fail: Callable[[str], Change],
    work: Callable[[], Awaitable[None]],
    record: Callable[[Change], Awaitable[object]] | None = None,
) -> None:
    """Run `work`; a failure ends the job FAILED with its reason (an unexpected one with a
    generic reason, logged), never left in flight. `record` applies the failure (by default a
    `transition` of the stored document)."""
    if record is None:

        async def record(change: Change) -> object:
            return await transition(jobs, info, kind, oid, change)

    try:
        await work()
    except JobFailure as exc:
        await record(fail(exc.message))
    except Exception:
        log.exception("%s %s failed in sandbox %s", kind, oid, info.name)
        await record(fail(UNEXPECTED))


def time_metric(start_ms: int, end_ms: int | None = None) -> dict[str, int]:
    if end_ms is None:
        return {"startTimeInMs": start_ms}
    return {"startTimeInMs": start_ms, "endTimeInMs": end_ms, "totalTimeInMs": end_ms - start_ms}


# -- evaluation --------------------------------------------------------------------------------


def query_of(local: dict[str, Any]) -> Any:
    """The parsed query of a stored expression (`pqlText` / `pqlJson` under `_local`)."""
    query = pqlbridge.parse_stored(local.get("pqlText"), local.get("pqlJson"))
    if query is None:
        raise JobFailure("the stored expression could not be read back; recreate the object.")
    return query


@contextmanager
def members_table(
    cur: Cursor,
    info: SandboxInfo,
    query: Any,
    *,
    now: datetime,
    where: str = "",
    columns: tuple[str, ...] = (),
) -> Iterator[str]:
    """A temporary table `(_id, *columns)` of the profiles that qualify for `query` (one row
    each; optionally narrowed by `where`, a condition on `q."_id"`; `columns` are expressions
    over it, named), dropped on exit. Engine limits become `JobFailure`."""
    table = "job_members_" + uuid.uuid4().hex
    try:
        sql = engine.members_sql(info, query, now=now, cur=cur)
        narrowed = f" WHERE {where}" if where else ""
        select = ", ".join(('q."_id"', *columns))
        cur.execute(
            f'CREATE TEMP TABLE "{table}" AS SELECT {select} FROM ({sql}) AS q("_id"){narrowed}'
        )
    except engine.UnsupportedQuery as exc:
        raise JobFailure(str(exc)) from exc
    except duckdb.Error as exc:
        log.exception("evaluation failed in sandbox %s", info.name)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JobFailure(f"the local sandbox could not evaluate the query: {first}") from exc
    try:
        yield f'"{table}"'
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction drops it anyway
            cur.execute(f'DROP TABLE IF EXISTS "{table}"')


def namespace_counts(cur: Cursor, info: SandboxInfo, ids_table: str) -> dict[str, int]:
    """Profiles of `ids_table` per identity namespace (the keys of their identityMap)."""
    rows = cur.execute(
        f'SELECT ns, count(*) FROM (SELECT unnest(map_keys(p."identityMap")) AS ns '
        f'FROM {info.table("profiles")} AS p JOIN {ids_table} AS m ON p."_id" = m."_id") '
        "GROUP BY ns ORDER BY ns"
    ).fetchall()
    return {str(ns): int(n) for ns, n in rows}


def total_profiles(cur: Cursor, info: SandboxInfo) -> int:
    row = cur.execute(f"SELECT count(*) FROM {info.table('profiles')}").fetchone()
    return int(row[0]) if row else 0
