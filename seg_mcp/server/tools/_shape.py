"""Summaries of platform objects for tool outputs (cleaned text, epoch ms as ISO time)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from seg_mcp import pql as pqlkit
from seg_mcp.aep.models.audiences import Audience
from seg_mcp.aep.models.common import EvaluationInfo, Expression
from seg_mcp.aep.models.segment_definitions import SegmentDefinition
from seg_mcp.server.output import Page, Text, clean


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    if ms > 10**14:  # microseconds in some examples
        ms //= 1000
    if ms < 10**11:  # seconds
        ms *= 1000
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def evaluation(info: EvaluationInfo | None) -> str:
    if info is None:
        return "batch"
    if info.synchronous and info.synchronous.enabled:
        return "edge"
    if info.continuous and info.continuous.enabled:
        return "streaming"
    return "batch"


def _pql(expression: Expression | None) -> str | None:
    """The PQL text of an expression (None for other formats)."""
    if expression is None or expression.format != "pql/text":
        return None
    return clean(expression.value)


def pql_text(expression: Expression | None) -> str | None:
    """The PQL text of an expression, a pql/json one printed as text (None: neither)."""
    if expression is None or not expression.value:
        return None
    if expression.format == "pql/json":
        try:
            return pqlkit.to_pql_text(pqlkit.from_pql_json(json.loads(expression.value)))
        except (ValueError, pqlkit.PqlJsonError, pqlkit.PrintError):
            return None
    return expression.value if expression.format in (None, "pql/text") else None


class DefinitionItem(BaseModel):
    id: str
    name: str | None = None
    description: str | None = None
    pql: str | None = None
    evaluation: str
    updated: str | None = None


def definition(d: SegmentDefinition) -> DefinitionItem:
    return DefinitionItem(
        id=d.id or "",
        name=clean(d.name),
        description=clean(d.description) or None,
        pql=_pql(d.expression),
        evaluation=evaluation(d.evaluation_info),
        updated=iso(d.update_time),
    )


class AudienceItem(BaseModel):
    id: str
    name: str | None = None
    description: str | None = None
    type: str | None = None
    namespace: str | None = None
    state: str | None = None
    pql: str | None = None
    updated: str | None = None


def audience(a: Audience) -> AudienceItem:
    return AudienceItem(
        id=a.id or "",
        name=clean(a.name),
        description=clean(a.description) or None,
        type=a.type,
        namespace=a.namespace,
        state=a.current_lifecycle_state,
        pql=_pql(a.expression),
        updated=iso(a.update_time),
    )


def describe(t: Text, items: list[Any]) -> None:
    """One fenced line per item: id (trusted), then name, description and PQL (untrusted)."""
    for item in items:
        parts = [f"{getattr(item, 'id', '')}: {getattr(item, 'name', '') or '(no name)'}"]
        if getattr(item, "description", None):
            parts.append(f"— {item.description}")
        if getattr(item, "pql", None):
            parts.append(f"| PQL: {item.pql}")
        t.untrusted(" ".join(parts))


class FoundOut(Page):
    """A page of objects found (`items` is declared by the subclass), and the ids not found."""

    noun: ClassVar[str] = "object"
    missing: list[str] = Field(default_factory=list)

    def text(self) -> str:
        items = getattr(self, "items", [])
        t = Text().line(f"{len(items)} {self.noun}(s).")
        if self.missing:
            t.line(f"Not found: {', '.join(self.missing)}.")
        describe(t, items)
        self.paging_line(t)
        return t.render()
