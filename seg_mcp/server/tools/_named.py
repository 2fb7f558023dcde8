"""A name filter over a list the platform cannot filter by name (segment definitions,
schedules): pages of `SCAN_PAGE` are read in order, at most `MAX_SCAN_PAGES` a call, keeping the
items whose name contains the filter (case-insensitive); the cursor says where to go on, down to
the item within a page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from seg_mcp.server.runtime import Call

T = TypeVar("T")

SCAN_PAGE = 100
MAX_SCAN_PAGES = 10

#: Reads page `k` (of SCAN_PAGE items): its items, and whether pages follow it.
Fetch = Callable[[int], Awaitable[tuple[list[T], bool]]]


async def named(
    call: Call,
    fetch: Fetch[T],
    name_of: Callable[[T], str | None],
    name: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[T], dict[str, Any]]:
    """Up to `limit` items named like `name` from where `cursor` points, and the paging fields
    (`call.paging`) of the rest."""
    needle = name.casefold()
    page, skip = call.position(cursor, "scan"), call.position(cursor, "skip")
    found: list[T] = []
    for _ in range(MAX_SCAN_PAGES):
        items, more = await fetch(page)
        for i, item in enumerate(items):
            if i < skip or needle not in (name_of(item) or "").casefold():
                continue
            found.append(item)
            if len(found) == limit:
                if i + 1 < len(items):
                    return found, call.paging({"scan": page, "skip": i + 1})
                return found, call.paging({"scan": page + 1} if more else None)
        skip = 0
        if not more or not items:
            return found, call.paging(None)
        page += 1
    return found, call.paging({"scan": page})
