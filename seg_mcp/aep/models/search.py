"""Segment search: `/search/namespaces`, `/search/entities`, `/search/taxonomy`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from seg_mcp.aep.models.common import AEPModel, ListPage, Number

__all__ = [
    "SearchEntity",
    "SearchEntityList",
    "SearchNamespace",
    "SearchNamespaceList",
    "SearchStatus",
    "TaxonomyEntry",
    "TaxonomyResult",
]


class SearchStatus(AEPModel):
    message: str | None = None


class SearchNamespace(AEPModel):
    #: A name in the docs and examples; the spec's schema makes it an array of {name, count}.
    namespace: str | list[dict[str, Any]] | None = None
    display_name: str | None = None
    count: Number | None = None


class SearchNamespaceList(AEPModel):
    namespaces: list[SearchNamespace] = Field(default_factory=list)
    total_count: int | None = None  # the spec spells it as a string ("3")
    status: SearchStatus | None = None


class SearchEntity(AEPModel):
    id: str | None = None
    name: str | None = None
    description: str | None = None
    is_folder: bool | None = None
    parent_folder_id: str | None = None  # "root" at the top level
    source_id: str | dict[str, Any] | None = None
    base64_encoded_source_id: str | None = Field(default=None, alias="base64EncodedSourceId")


class SearchEntityList(AEPModel):
    """Folders first, then segments."""

    entities: list[SearchEntity] = Field(default_factory=list)
    page: ListPage | None = None
    status: SearchStatus | None = None


class TaxonomyEntry(AEPModel):
    id: str | None = None
    name: str | None = None
    parent_folder_id: str | None = None
    base64_encoded_source_id: str | None = Field(default=None, alias="base64EncodedSourceId")


class TaxonomyResult(AEPModel):
    """Folders from the root down to the object's parent folder."""

    taxonomy: list[TaxonomyEntry] = Field(default_factory=list)
    status: SearchStatus | None = None
