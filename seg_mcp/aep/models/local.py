"""seg-mcp's own local-sandbox endpoints (`/seg-mcp/local`, not Adobe's API): a field's values
and the sandbox's evaluation clock."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from seg_mcp.aep.models.common import AEPModel

__all__ = [
    "FieldValues",
    "FieldValuesRequest",
    "LocalClock",
    "NumericSummary",
    "Sample",
    "Share",
    "ValueCount",
]


class FieldValuesRequest(AEPModel):
    field: str
    within: str | None = None
    top: int = 10


class Share(BaseModel):
    count: int
    share: float


class ValueCount(Share):
    value: Any


class NumericSummary(BaseModel):
    min: Any
    max: Any
    q1: Any
    median: Any
    q3: Any


class Sample(BaseModel):
    size: int
    of: int | None = None


class FieldValues(BaseModel):
    """A field's values (the `field_values` tool's result; exact on the local sandbox)."""

    field: str
    entity: Literal["profile", "event"]
    population: int
    missing: Share
    values: list[ValueCount]
    other: Share
    numeric: NumericSummary | None = None
    exact: bool
    sample: Sample | None = None
    evaluatedAt: str


class LocalClock(AEPModel):
    now: str
    fixed: bool
