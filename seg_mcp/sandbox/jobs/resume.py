"""After a restart: every job a previous process left in flight is resumed or failed with a
reason, never left running forever.

Jobs write their results in one transaction at their end, so nothing half-written survives a
stop: a resumed job starts its work over. A job that has already been interrupted
`MAX_ATTEMPTS` times is failed instead (a job that brings the process down must not do so on
every start); a segment job that was being cancelled is cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.jobs import exports, previews, segment_jobs
from seg_mcp.sandbox.jobs.common import LOCAL, MAX_ATTEMPTS, key
from seg_mcp.sandbox.jobs.context import JobContext
from seg_mcp.sandbox.store import Kind, SandboxInfo

log = logging.getLogger("seg_mcp.sandbox.jobs")
REASON = (
    "The local sandbox stopped {n} times while this job ran; it was not resumed again. "
    "Start a new job."
)


def _status_field(kind: Kind) -> str:
    return "state" if kind == previews.KIND else "status"


IN_FLIGHT: dict[Kind, frozenset[str]] = {
    previews.KIND: frozenset({previews.NEW, previews.RUNNING}),
    segment_jobs.KIND: segment_jobs.IN_FLIGHT,
    exports.KIND: exports.IN_FLIGHT,
}
FAILERS: dict[Kind, Callable[[str], Any]] = {
    previews.KIND: previews.fail,
    segment_jobs.KIND: segment_jobs.fail,
    exports.KIND: exports.fail,
}
RUNNERS: dict[Kind, Callable[..., Any]] = {
    previews.KIND: previews.run,
    segment_jobs.KIND: segment_jobs.run,
    exports.KIND: exports.run,
}


def _oid(kind: Kind, doc: dict[str, Any]) -> str:
    return str(doc["previewId"] if kind == previews.KIND else doc["id"])


def _triage(cur: Cursor, jobs: JobContext, info: SandboxInfo) -> list[tuple[Kind, str]]:
    """Inside a write: count one more attempt on each job in flight, fail or cancel those that
    cannot go on, and return those to resume."""
    resume: list[tuple[Kind, str]] = []
    for kind, states in IN_FLIGHT.items():
        for doc in jobs.store.list(cur, info, kind):
            if doc[_status_field(kind)] not in states:
                continue
            oid = _oid(kind, doc)
            local = doc.setdefault(LOCAL, {})
            local["attempts"] = int(local.get("attempts", 0)) + 1
            if kind == segment_jobs.KIND and doc["status"] == segment_jobs.CANCELLING:
                segment_jobs.end(doc, segment_jobs.CANCELLED)
            elif local["attempts"] >= MAX_ATTEMPTS:
                FAILERS[kind](REASON.format(n=local["attempts"]))(doc)
            else:
                resume.append((kind, oid))
            jobs.store.put(cur, info, kind, oid, doc)
    return resume


async def resume_jobs(jobs: JobContext) -> None:
    for info in jobs.store.sandboxes():
        pending = await jobs.store.db.awrite(_triage, jobs, info)
        for kind, oid in pending:
            log.info("resuming %s %s in sandbox %s", kind, oid, info.name)
            jobs.runner.submit(key(info, kind, oid), partial(RUNNERS[kind], jobs, info, oid))
