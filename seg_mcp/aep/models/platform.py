"""Sandbox Management (`/data/foundation/sandbox-management/`)."""

from __future__ import annotations

from pydantic import Field

from seg_mcp.aep.models.common import AEPModel, ListLinks, ListPage

__all__ = ["Sandbox", "SandboxList"]


class Sandbox(AEPModel):
    name: str
    title: str | None = None
    type: str | None = None  # production | development
    state: str | None = None  # active, creating, resetting, deleting, deleted, failed, ...
    region: str | None = None
    is_default: bool | None = None
    #: Version tag as the docs spell it; the spec's `etag` spelling stays in the extra fields.
    e_tag: int | str | None = Field(default=None, alias="eTag")
    id: str | None = None
    created_date: str | None = None
    last_modified_date: str | None = None
    created_by: str | None = None
    modified_by: str | None = None

    @property
    def version_tag(self) -> int | str | None:
        """`eTag` (docs) or `etag` (spec)."""
        return self.e_tag if self.e_tag is not None else (self.model_extra or {}).get("etag")

    @property
    def is_production(self) -> bool:
        return self.type == "production"


class SandboxList(AEPModel):
    sandboxes: list[Sandbox] = Field(default_factory=list)
    page: ListPage | None = Field(default=None, alias="_page")
    links: ListLinks | None = Field(default=None, alias="_links")
