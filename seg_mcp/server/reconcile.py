"""Reconcile, don't duplicate: find on the platform the object a write may have made.

After a write whose outcome is unknown (`OutcomeUnknownError`: sent, no answer), a tool looks for
what it asked for before telling anyone to retry; and before starting a segment or export job it
looks for an identical one started moments ago and still running. Everything is read back from
the platform's list endpoints (nothing is kept in server memory, so any replica answers alike):

* definitions and audiences: by exact name, newest first;
* schedules: by exact name, and for a create its segments and type;
* segment jobs and export jobs (tools/_jobs.py, with `quietly` and `recent` from here): the
  same segment ids (and for an export the same dataset), created in the last `RECENT_SECONDS`.

Each finder returns the object or None, and never raises: a lookup that fails leaves the outcome
unknown (the caller says so) rather than hiding the first failure behind a second.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from seg_mcp.aep import AEPClient, AEPError
from seg_mcp.aep.models.audiences import Audience
from seg_mcp.aep.models.schedules import Schedule
from seg_mcp.aep.models.segment_definitions import SegmentDefinition

__all__ = [
    "RECENT_SECONDS",
    "audience_named",
    "definition_named",
    "made_since",
    "quietly",
    "recent",
    "schedule_named",
]

logger = logging.getLogger("seg_mcp.server.reconcile")

T = TypeVar("T")

#: How far back a job counts as "started moments ago" (seconds).
RECENT_SECONDS = 300.0
#: Clock difference allowed between this machine and the platform when asking "made since the
#: write was sent?" (seconds).
CLOCK_SKEW = 2.0
#: Pages of 100 read when looking for a name (newest first: a lost create is on the first page).
_PAGES = 3
_PAGE = 100


async def quietly(what: str, find: Callable[[], Awaitable[T | None]]) -> T | None:
    """`find()`, or None when the lookup itself fails (logged)."""
    try:
        return await find()
    except AEPError as exc:
        logger.info("could not look for %s: %s", what, exc)
        return None


def made_since(since: float | None, ms: int | None = None, epoch_s: int | None = None) -> bool:
    """Whether an object created at `ms` (epoch ms; µs tolerated) or `epoch_s` was made at or
    after `since` (epoch seconds, less CLOCK_SKEW). Unknown creation times pass."""
    if since is None:
        return True
    if ms is not None:
        seconds = ms / 1_000_000 if ms > 10**14 else ms / 1000
        return seconds >= since - CLOCK_SKEW
    if epoch_s is not None:
        return epoch_s >= since - CLOCK_SKEW - 1
    return True


def recent(created_ms: int | None, now: float) -> bool:
    """True when `created_ms` (epoch ms) is within the last RECENT_SECONDS of `now` (epoch s)."""
    return created_ms is not None and created_ms / 1000 >= now - RECENT_SECONDS


async def definition_named(
    client: AEPClient, name: str, sandbox: str, since: float | None = None
) -> SegmentDefinition | None:
    """The newest segment definition called exactly `name` (made since `since`, when given)."""

    def fits(d: SegmentDefinition) -> bool:
        return d.name == name and made_since(since, d.creation_time)

    async def find() -> SegmentDefinition | None:
        for page in range(_PAGES):
            listed = await client.list_segment_definitions(
                page=page, limit=_PAGE, sort="creationTime:desc", sandbox=sandbox
            )
            found = next((d for d in listed.segments if fits(d)), None)
            total = listed.page.total_pages if listed.page else None
            if found is not None or total is None or page + 1 >= total:
                return found
        return None

    return await quietly(f"segment definition {name!r}", find)


async def audience_named(
    client: AEPClient, name: str, sandbox: str, since: float | None = None
) -> Audience | None:
    """The audience called exactly `name` (made since `since`, when given); the platform filters
    by "name contains"."""

    def fits(a: Audience) -> bool:
        return a.name == name and made_since(since, a.creation_time, a.create_epoch)

    async def find() -> Audience | None:
        listed = await client.list_audiences(name=name, limit=_PAGE, sandbox=sandbox)
        return next((a for a in listed.children if fits(a)), None)

    return await quietly(f"audience {name!r}", find)


async def schedule_named(
    client: AEPClient,
    name: str,
    sandbox: str,
    segments: Iterable[str] | None = None,
    since: float | None = None,
    kind: str = "batch_segmentation",
) -> Schedule | None:
    """The schedule called exactly `name` (and, when given, of type `kind` evaluating exactly
    `segments`, made since `since`)."""
    wanted = set(segments) if segments is not None else None

    def fits(s: Schedule) -> bool:
        if s.name != name or not made_since(since, epoch_s=s.create_epoch):
            return False
        if wanted is None:
            return True
        have = set(s.properties.segments or []) if s.properties else set()
        return have == wanted and (s.type or "batch_segmentation") == kind

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

    return await quietly(f"schedule {name!r}", find)
