"""What a query touches and how Adobe may evaluate it (first version)."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from seg_mcp.pql import ast as a

__all__ = ["Analysis", "Eligibility", "Lookback", "analyze"]


@dataclass(frozen=True, slots=True)
class Lookback:
    amount: int
    unit: a.TimeUnit
    days: float

    @property
    def text(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class Eligibility:
    batch: bool
    streaming: bool
    edge: bool
    reasons: tuple[str, ...] = ()

    @property
    def best(self) -> t.Literal["edge", "streaming", "batch"]:
        return "edge" if self.edge else "streaming" if self.streaming else "batch"


@dataclass(frozen=True, slots=True)
class Analysis:
    profile_fields: tuple[str, ...]
    event_fields: tuple[str, ...]
    segment_ids: tuple[str, ...]
    uses_events: bool
    lookback: Lookback | None
    eligibility: Eligibility

    def as_dict(self) -> dict[str, t.Any]:
        return {
            "profile_fields": list(self.profile_fields),
            "event_fields": list(self.event_fields),
            "segment_ids": list(self.segment_ids),
            "uses_events": self.uses_events,
            "lookback": None
            if self.lookback is None
            else {
                "amount": self.lookback.amount,
                "unit": self.lookback.unit,
                "days": self.lookback.days,
                "text": self.lookback.text,
            },
            "eligibility": {
                "batch": self.eligibility.batch,
                "streaming": self.eligibility.streaming,
                "edge": self.eligibility.edge,
                "best": self.eligibility.best,
                "reasons": list(self.eligibility.reasons),
            },
        }


def analyze(query: a.Query) -> Analysis:
    segments: list[str] = []
    uses_events = False
    for node in a.walk(query):
        if isinstance(node, a.XEvent):
            uses_events = True
        elif isinstance(node, a.FnApply) and node.name == "inSegment" and node.args:
            arg = node.args[0]
            if (
                isinstance(arg, a.Literal)
                and isinstance(arg.value, str)
                and arg.value not in segments
            ):
                segments.append(arg.value)
    reasons = ("not analysed yet",)
    return Analysis(
        (), (), tuple(segments), uses_events, None, Eligibility(True, False, False, reasons)
    )
