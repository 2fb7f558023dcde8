"""Previews and estimates: `/preview`, `/preview/{PREVIEW_ID}`, `/estimate/{ESTIMATE_ID}`.

Creating a preview also creates an estimate with the same id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from seg_mcp.aep.models.common import AEPModel, Number

__all__ = [
    "CreatePreviewRequest",
    "Estimate",
    "EstimateError",
    "EstimateLinks",
    "NamespaceEstimate",
    "PreviewEntity",
    "PreviewJob",
    "PreviewLinks",
    "PreviewPage",
    "PreviewResults",
    "PreviewState",
]


class PreviewState:
    """Known `state` values of previews and estimates (the field itself is a plain string)."""

    NEW = "NEW"
    RUNNING = "RUNNING"
    RESULT_READY = "RESULT_READY"
    FAILED = "FAILED"
    TERMINAL = frozenset({RESULT_READY, FAILED})


class CreatePreviewRequest(AEPModel):
    predicate_expression: str
    predicate_type: str = "pql/text"  # the only accepted value
    predicate_model: str = "_xdm.context.profile"
    graph_type: str | None = None  # "none" (no stitching) | "pdg" (private identity graph)


class PreviewJob(AEPModel):
    """201 from `POST /preview`; `preview_id` fetches results (and the estimate)."""

    preview_id: str | None = None
    preview_query_id: str | None = None
    state: str | None = None
    preview_query_status: str | None = None
    preview_execution_id: int | None = None


class PreviewLinks(AEPModel):
    self_: str | None = Field(default=None, alias="_self")
    next: str | None = None
    prev: str | None = None


class PreviewPage(AEPModel):
    offset: int | str | None = None
    size: int | None = None


@dataclass(frozen=True)
class PreviewEntity:
    """One qualifying profile, whichever result shape the service used."""

    entity_id: str
    href: str | None
    related_ids: tuple[str, ...]


class PreviewResults(AEPModel):
    """A page of qualifying profiles.

    `results` is kept exactly as sent: the docs show `{<entityId>: {"_href", "endCustomerIds"}}`
    items, the spec `{"objectId", "_href", "relatedObjects"}` (reference §13.7). `entities()` reads
    either.
    """

    results: list[dict[str, Any]] = Field(default_factory=list)
    state: str | None = None
    links: PreviewLinks | None = None
    link: str | None = None
    page: PreviewPage | None = None

    def entities(self) -> Iterator[PreviewEntity]:
        for item in self.results:
            if "objectId" in item:
                related = item.get("relatedObjects") or []
                yield PreviewEntity(
                    entity_id=str(item["objectId"]),
                    href=item.get("_href"),
                    related_ids=tuple(
                        str(r["objectId"])
                        for r in related
                        if isinstance(r, dict) and "objectId" in r
                    ),
                )
                continue
            for entity_id, detail in item.items():
                # An entity has `_href` or `endCustomerIds`; an older guide also puts the page's
                # `state` and `links` inside the last item.
                if not (isinstance(detail, dict) and detail.keys() & {"_href", "endCustomerIds"}):
                    continue
                related_map = detail.get("endCustomerIds") or {}
                yield PreviewEntity(
                    entity_id=str(entity_id),
                    href=detail.get("_href"),
                    related_ids=tuple(str(k) for k in related_map),
                )


class NamespaceEstimate(AEPModel):
    namespace_id: str | None = None
    profiles_matched_so_far: int | None = None


class EstimateError(AEPModel):
    description: str | None = None
    traceback: str | None = None


class EstimateLinks(AEPModel):
    preview: str | None = None


class Estimate(AEPModel):
    """Size estimate of a preview; refine while `state` is RUNNING, final at RESULT_READY."""

    state: str | None = None
    estimated_size: int | None = None
    num_rows_to_read: int | None = None
    estimated_namespace_distribution: list[NamespaceEstimate] | None = None
    profiles_read_so_far: int | None = None
    profiles_matched_so_far: int | None = None
    total_rows: int | None = None
    standard_error: Number | None = None
    confidence_interval: str | None = None
    error: EstimateError | None = None
    links: EstimateLinks | None = Field(default=None, alias="_links")
