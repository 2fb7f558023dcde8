"""Argument types several tools share."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from seg_mcp.server.runtime import MAX_WAIT

MAX_LIMIT = 100

Cursor = Annotated[str | None, Field(description="next_cursor of the previous page.")]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Page size.")]
Ids = Annotated[list[str] | None, Field(min_length=1, max_length=100, description="Get these ids.")]
Pql = Annotated[str, Field(min_length=1, max_length=20_000, description="PQL (pql/text).")]
Wait = Annotated[float, Field(ge=0, le=MAX_WAIT, description="Seconds to wait for the result.")]
OptionalPql = Annotated[
    str | None, Field(min_length=1, max_length=20_000, description="PQL (pql/text).")
]
