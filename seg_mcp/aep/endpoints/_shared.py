"""Helpers shared by several endpoint families."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from seg_mcp.aep.models.common import BulkGetRequest


def bulk_body(body: BulkGetRequest | dict[str, Any] | Iterable[str]) -> Any:
    """A bulk-get body from a `BulkGetRequest`, its JSON form, or the ids themselves."""
    if isinstance(body, BulkGetRequest | dict | str):
        return body
    return BulkGetRequest.of(body)


def as_int(value: Any) -> Any:
    """Digits from a next-page link become an int; anything else is passed on unchanged."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value
