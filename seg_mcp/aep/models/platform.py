"""Sandbox Management (`/data/foundation/sandbox-management/`)."""

from __future__ import annotations

from pydantic import Field

from seg_mcp.aep.models.common import AEPModel, Link

__all__ = ["Sandbox", "SandboxList", "SandboxListLinks", "SandboxesPage"]


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


class SandboxesPage(AEPModel):
    limit: int | None = None
    count: int | None = None


class SandboxListLinks(AEPModel):
    next: Link | None = None
    prev: Link | None = None
    page: Link | None = None


class SandboxList(AEPModel):
    sandboxes: list[Sandbox] = Field(default_factory=list)
    page: SandboxesPage | None = Field(default=None, alias="_page")
    links: SandboxListLinks | None = Field(default=None, alias="_links")
