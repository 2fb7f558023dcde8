"""Pieces shared by every endpoint family.

All models are lenient on purpose (Adobe's spec, docs and live service disagree in places, see the
reference's §13): every field is optional unless the platform cannot work without it, enums are
plain strings (an unknown value is kept as sent), numbers accept their string spelling, and unknown
fields are kept (`extra="allow"`) so nothing the service sends is lost. `to_wire()` gives back the
JSON shape.

Responses are parsed *tolerantly* (`seg_mcp.aep.tolerant`): a field whose value does not fit its
type is left unset, its value kept as sent among the extra fields (so `to_wire()` still gives it
back) and the reason recorded; `unparsed()` lists every such field of a parsed tree with its path.
Request bodies are validated strictly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "AEPModel",
    "BulkGetError",
    "BulkGetRequest",
    "BulkGetResponse",
    "ChildrenList",
    "DataGovernancePolicy",
    "ErrorEntry",
    "EvaluationInfo",
    "EvaluationToggle",
    "Expression",
    "IdRef",
    "JsonPatchOperation",
    "Link",
    "ListLinks",
    "ListPage",
    "MergePolicyRef",
    "MessageResponse",
    "Number",
    "SandboxRef",
    "SchemaRef",
    "Unparsed",
]

Number = int | float


@dataclass(frozen=True)
class Unparsed:
    """A value a model could not parse, kept as sent: where (wire path), in which model, why."""

    path: str
    model: str
    reason: str

    def __str__(self) -> str:
        # The reason of a whole body that did not parse names its place itself ("(body): ...").
        return (
            f"{self.model} at {self.path}: {self.reason}"
            if self.path
            else f"{self.model}: {self.reason}"
        )


class AEPModel(BaseModel):
    """Base of every request and response model."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        coerce_numbers_to_str=True,
    )

    # What did not parse lives in `__pydantic_private__` (None on every model that parsed): a
    # declared private attribute would cost every instance an initialiser call.

    def _note_unparsed(self, key: str, reason: str, raw: Any = None) -> None:
        private = self.__pydantic_private__ or {}
        private.setdefault("unparsed", {})[key] = reason
        if raw is not None:
            private["raw"] = raw
        object.__setattr__(self, "__pydantic_private__", private)

    @classmethod
    def as_unparsed(cls, raw: Any, reason: str) -> Self:
        """An instance holding `raw` (the whole body, which did not parse) as sent: a JSON
        object's members as extra fields, anything else in `to_wire()`; no field is set."""
        model = cls.model_construct()
        if isinstance(raw, dict):
            model.__pydantic_extra__ = dict(raw)
            raw = None
        model._note_unparsed("", reason, raw)
        return model

    def unparsed(self, at: str = "") -> list[Unparsed]:
        """Every value in this tree that did not parse (kept as sent), with its wire path."""
        notes = (self.__pydantic_private__ or {}).get("unparsed", {})
        found = [
            Unparsed(f"{at}.{key}".strip(".") if key else at, type(self).__name__, reason)
            for key, reason in notes.items()
        ]
        for name, info in type(self).model_fields.items():
            for path, value in _nested(
                f"{at}.{info.alias or name}".strip("."), self.__dict__.get(name)
            ):
                found.extend(value.unparsed(path))
        return found

    def to_wire(self) -> Any:
        """The JSON object as the platform spells it (fields that were never set are left out);
        a body that was not an object comes back as sent."""
        raw = (self.__pydantic_private__ or {}).get("raw")
        if raw is not None:
            return raw
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _nested(path: str, value: Any) -> Iterator[tuple[str, AEPModel]]:
    if isinstance(value, AEPModel):
        yield path, value
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _nested(f"{path}[{i}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nested(f"{path}.{key}", item)


class SandboxRef(AEPModel):
    """The sandbox a resource lives in, as embedded in every Segmentation object."""

    sandbox_id: str | None = None
    sandbox_name: str | None = None
    type: str | None = None  # production | development
    default: bool | None = None


class SchemaRef(AEPModel):
    """An XDM schema class, by name (`_xdm.context.profile`) or id."""

    name: str | None = None
    id: str | None = None


class Expression(AEPModel):
    """A PQL expression: `format` is `pql/text` or `pql/json`; `type` is `PQL` (spec also `ARL`)."""

    type: str = "PQL"
    format: str = "pql/text"
    value: str


class EvaluationToggle(AEPModel):
    enabled: bool | None = None


class EvaluationInfo(AEPModel):
    """batch = scheduled, continuous = streaming, synchronous = edge."""

    batch: EvaluationToggle | None = None
    continuous: EvaluationToggle | None = None
    synchronous: EvaluationToggle | None = None


class DataGovernancePolicy(AEPModel):
    exclude_opt_out: bool | None = None


class MergePolicyRef(AEPModel):
    id: str | None = None
    version: Number | None = None


class Link(AEPModel):
    href: str | None = None
    method: str | None = None
    templated: bool | None = None


class ListPage(AEPModel):
    """Paging information of a list (`_page`, or `page`); each list sends some of these."""

    total_count: int | None = None
    total_pages: int | None = None
    sort_field: str | None = None
    sort: str | None = None
    page_size: int | None = None
    limit: int | None = None
    start: int | None = None
    count: int | None = None
    #: Search: 0-based page number; export jobs: the "<creationTimeMs>_<id>" cursor.
    page_offset: int | str | None = None
    #: The `start` value of the next page.
    next: int | str | None = None


class ListLinks(AEPModel):
    """Links of a list (`_links`, or `link`); `next` is `{}` or `""` when there is no next page."""

    next: Link | str | None = None
    prev: Link | str | None = None
    page: Link | str | None = None


class MessageResponse(AEPModel):
    """`{"status": true, "message": "..."}`, returned by deletes and cancels."""

    status: bool | None = None
    message: str | None = None


class ErrorEntry(AEPModel):
    code: int | str | None = None
    message: str | None = None


class BulkGetError(AEPModel):
    """The value a bulk-get puts in place of an entity it did not find."""

    request_id: str | None = None
    errors: dict[str, list[ErrorEntry]] = Field(default_factory=dict)

    @property
    def messages(self) -> list[str]:
        return [e.message for entries in self.errors.values() for e in entries if e.message]


class IdRef(AEPModel):
    id: str


class BulkGetRequest(AEPModel):
    """`{"ids": [{"id": "..."}, ...]}` (1 to 100 ids); validates from the ids themselves too."""

    ids: list[IdRef]

    @model_validator(mode="before")
    @classmethod
    def _from_ids(cls, data: Any) -> Any:
        if isinstance(data, Iterable) and not isinstance(data, str | bytes | dict | BaseModel):
            return {"ids": [{"id": i} if isinstance(i, str) else i for i in data]}
        return data

    @classmethod
    def of(cls, ids: Iterable[str]) -> BulkGetRequest:
        return cls(ids=[IdRef(id=i) for i in ids])


class JsonPatchOperation(AEPModel):
    """A JSON Patch step; the Segmentation Service only accepts `op: "add"`."""

    op: str = "add"
    path: str
    value: Any = None


def _bulk_tag(value: Any) -> str:
    if isinstance(value, BulkGetError):
        return "error"
    if isinstance(value, dict) and "errors" in value and "id" not in value and "name" not in value:
        return "error"
    return "item"


T = TypeVar("T", bound=AEPModel)


class ChildrenList(AEPModel, Generic[T]):
    """`{"children": [...], "_page": {...}, "_links": {...}}`: audiences, jobs, schedules."""

    children: list[T] = Field(default_factory=list)
    page: ListPage | None = Field(default=None, alias="_page")
    links: ListLinks | None = Field(default=None, alias="_links")


class BulkGetResponse(AEPModel, Generic[T]):
    """A bulk-get answer (207 Multi-Status): `{"results": {"<id>": T | BulkGetError}}`."""

    results: dict[
        str,
        Annotated[
            Annotated[T, Tag("item")] | Annotated[BulkGetError, Tag("error")],
            Discriminator(_bulk_tag),
        ],
    ] = Field(default_factory=dict)

    def found(self) -> dict[str, T]:
        return {k: v for k, v in self.results.items() if not isinstance(v, BulkGetError)}

    def missing(self) -> dict[str, BulkGetError]:
        return {k: v for k, v in self.results.items() if isinstance(v, BulkGetError)}
