"""Page through list endpoints, each in its own style (reference §2.2).

| list | style |
| --- | --- |
| audiences | `start`/`limit`; next `start` from `_page.next` or `_links.next.href` |
| segment definitions | page numbers: `page` = 0, 1, ... until `page.totalPages` |
| segment jobs | follow `_links.next.href` |
| schedules | `start`/`limit`; next `start` from `_page.next` or `_links.next.href` |
| export jobs | `offset` cursor taken from `link.next` |
| preview results | `offset` cursor taken from `links.next` |
| search entities | page numbers: `page` = 0, 1, ... until `page.totalPages` |
| sandboxes | `limit`/`offset` arithmetic (`_links.next` is a URI template) |

Every iterator stops on an empty page, on a missing next marker, or when the service hands back
the same request parameters twice (a loop guard against a misbehaving server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "as_int",
    "follow_link",
    "link_href",
    "link_query",
    "next_page_number",
    "next_start",
    "paginate",
]

P = TypeVar("P")
T = TypeVar("T")
Params = dict[str, Any]


def link_href(link: Any) -> str | None:
    """The href of a `_links.next`-style value: `{"href": ...}`, a model with `.href`, or a str."""
    if link is None:
        return None
    if isinstance(link, str):
        return link or None
    href = link.get("href") if isinstance(link, dict) else getattr(link, "href", None)
    return href or None


def link_query(href: str | None, keys: Iterable[str]) -> Params | None:
    """The query parameters among `keys` in a next-page link, or None if it carries none.

    Handles full URLs, paths and Adobe's `@/audiences?start=1&limit=2` form.
    """
    if not href:
        return None
    query = urlsplit(href).query if "://" in href else href.partition("?")[2]
    wanted = set(keys)
    found = {k: v for k, v in parse_qsl(query, keep_blank_values=False) if k in wanted}
    return found or None


async def paginate(
    fetch: Callable[[Params], Awaitable[P]],
    *,
    params: Params,
    items: Callable[[P], Sequence[T]],
    next_params: Callable[[P, Params, int], Params | None],
    max_pages: int | None = None,
) -> AsyncIterator[T]:
    """Yield the items of every page: `next_params(page, current_params, item_count)` gives the
    parameters of the following request, or None when this was the last page."""
    seen: set[tuple[tuple[str, str], ...]] = set()
    pages = 0
    current = {k: v for k, v in params.items() if v is not None}
    while True:
        key = tuple(sorted((k, str(v)) for k, v in current.items()))
        if key in seen:
            return
        seen.add(key)
        page = await fetch(current)
        batch = items(page)
        for item in batch:
            yield item
        pages += 1
        if not batch or (max_pages is not None and pages >= max_pages):
            return
        following = next_params(page, current, len(batch))
        if following is None:
            return
        current = {k: v for k, v in following.items() if v is not None}


def next_page_number(
    params: Params, *, total_pages: int | None, count: int, limit: int | None
) -> Params | None:
    """Page-number style: ask for `page + 1` unless `total_pages` (or a short page) says done."""
    number = int(params.get("page") or 0) + 1
    if total_pages is not None and number >= total_pages:
        return None
    if total_pages is None and limit is not None and count < limit:
        return None
    return {**params, "page": number}


def as_int(value: Any) -> Any:
    """Digits from a next-page link become an int; anything else is passed on unchanged."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def next_start(page_next: Any, link: Any, params: Params) -> Params | None:
    """`start`/`limit` style: the next `start` is `_page.next`, else the one in `_links.next`."""
    if page_next not in (None, ""):
        return {**params, "start": as_int(page_next)}
    linked = link_query(link_href(link), ["start"])
    if linked is None:
        return None
    return {**params, "start": as_int(linked["start"])}


def follow_link(link: Any, params: Params, keys: Iterable[str], *, cursor: str) -> Params | None:
    """Link style: the next request takes `keys` from the next-page link; none without `cursor`."""
    linked = link_query(link_href(link), keys)
    if linked is None or cursor not in linked:
        return None
    return {**params, **{k: as_int(v) for k, v in linked.items()}}
