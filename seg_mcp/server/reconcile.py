"""Reconcile, don't duplicate: find on the platform the object a write may have made.

After a write whose outcome is unknown (`OutcomeUnknownError`: sent, no answer), a tool looks for
what it asked for before telling anyone to retry; and before starting a segment or export job it
looks for an identical one started moments ago and still running. Everything is read back from
the platform's list endpoints (nothing is kept in server memory, so any replica answers alike):

* definitions and audiences: by exact name, newest first;
* schedules: by exact name, and for a create its segments and type;
* segment jobs: the same set of segment ids, created in the last `RECENT_SECONDS`;
* export jobs: the same target (set of segment ids and dataset), created in the last
  `RECENT_SECONDS`.

Each finder returns the object or None, and never raises: a lookup that fails leaves the outcome
unknown (the caller says so) rather than hiding the first failure behind a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from seg_mcp.aep import AEPClient, AEPError
from seg_mcp.aep.models.audiences import Audience
from seg_mcp.aep.models.export_jobs import ExportJob, ExportJobStatus
from seg_mcp.aep.models.schedules import Schedule
from seg_mcp.aep.models.segment_definitions import SegmentDefinition
from seg_mcp.aep.models.segment_jobs import SegmentJob, SegmentJobStatus

__all__ = [
    "RECENT_SECONDS",
    "audience_named",
    "definition_named",
    "export_job_for",
    "schedule_named",
    "segment_job_for",
]

logger = logging.getLogger("seg_mcp.server.reconcile")

T = TypeVar("T")

#: How far back a job counts as "started moments ago" (seconds).
RECENT_SECONDS = 300.0
#: Pages of 100 read when looking for a name (newest first: a lost create is on the first page).
_PAGES = 3
_PAGE = 100


async def _quietly(what: str, find: Callable[[], Awaitable[T | None]]) -> T | None:
    try:
        return await find()
    except AEPError as exc:
        logger.info("could not look for %s: %s", what, exc)
        return None


def _recent(created_ms: int | None, now: float) -> bool:
    return created_ms is not None and created_ms / 1000 >= now - RECENT_SECONDS


async def definition_named(client: AEPClient, name: str, sandbox: str) -> SegmentDefinition | None:
    """The newest segment definition called exactly `name`."""

    async def find() -> SegmentDefinition | None:
        for page in range(_PAGES):
            listed = await client.list_segment_definitions(
                page=page, limit=_PAGE, sort="creationTime:desc", sandbox=sandbox
            )
            found = next((d for d in listed.segments if d.name == name), None)
            total = listed.page.total_pages if listed.page else None
            if found is not None or total is None or page + 1 >= total:
                return found
        return None

    return await _quietly(f"segment definition {name!r}", find)


async def audience_named(client: AEPClient, name: str, sandbox: str) -> Audience | None:
    """The audience called exactly `name` (the platform filters by "name contains")."""

    async def find() -> Audience | None:
        listed = await client.list_audiences(name=name, limit=_PAGE, sandbox=sandbox)
        return next((a for a in listed.children if a.name == name), None)

    return await _quietly(f"audience {name!r}", find)


async def schedule_named(
    client: AEPClient, name: str, sandbox: str, segments: Iterable[str] | None = None
) -> Schedule | None:
    """The schedule called exactly `name` (and, when given, evaluating exactly `segments`)."""
    wanted = set(segments) if segments is not None else None

    def fits(s: Schedule) -> bool:
        if s.name != name:
            return False
        if wanted is None:
            return True
        have = set(s.properties.segments or []) if s.properties else set()
        return have == wanted and (s.type or "batch_segmentation") == "batch_segmentation"

    async def find() -> Schedule | None:
        found: Schedule | None = None
        start = 0
        for _ in range(_PAGES):
            listed = await client.list_schedules(start=start, limit=_PAGE, sandbox=sandbox)
            for schedule in listed.children:
                if fits(schedule):
                    found = schedule  # keep going: the newest wins (the list is oldest first)
            nxt = listed.page.next if listed.page else None
            if nxt in (None, "") or not listed.children:
                break
            start = int(nxt)
        return found

    return await _quietly(f"schedule {name!r}", find)


def _job_segments(job: SegmentJob) -> set[str]:
    return {s.segment_id or (s.segment.id if s.segment else None) or "" for s in job.segments or ()}


async def segment_job_for(
    client: AEPClient, segment_ids: Iterable[str], sandbox: str, *, running_only: bool
) -> SegmentJob | None:
    """The newest segment job over exactly `segment_ids` created in the last RECENT_SECONDS
    (with `running_only`, only one not finished yet)."""
    wanted = set(segment_ids)

    async def find() -> SegmentJob | None:
        listed = await client.list_segment_jobs(
            limit=50,
            sort="creationTime:desc",
            property_filter=f"segments~segmentId=={min(wanted)}",
            sandbox=sandbox,
        )
        now = time.time()
        for job in listed.children:
            if not _recent(job.creation_time, now) or _job_segments(job) != wanted:
                continue
            if running_only and (job.status or "NEW") in SegmentJobStatus.TERMINAL:
                continue
            return job
        return None

    return await _quietly("a segment job for the same segments", find)


def _export_target(job: ExportJob) -> tuple[str | None, set[str]]:
    segments = (
        {s.segment_id for s in (job.filter.segments or ()) if job.filter} if job.filter else set()
    )
    return (job.destination.dataset_id if job.destination else None), segments


async def export_job_for(
    client: AEPClient,
    segment_ids: Iterable[str],
    dataset_id: str,
    sandbox: str,
    *,
    running_only: bool,
) -> ExportJob | None:
    """The newest export job of exactly `segment_ids` to `dataset_id` created in the last
    RECENT_SECONDS (with `running_only`, only one not finished yet)."""
    wanted = (dataset_id, set(segment_ids))

    async def find() -> ExportJob | None:
        listed = await client.list_export_jobs(limit=50, sandbox=sandbox)
        now = time.time()
        for job in listed.records:
            if not _recent(job.creation_time, now) or _export_target(job) != wanted:
                continue
            if running_only and (job.status or "NEW") in ExportJobStatus.TERMINAL:
                continue
            return job
        return None

    return await _quietly("an export job for the same target", find)
