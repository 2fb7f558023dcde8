"""Defects of Adobe's segmentation.yaml that the conformance test corrects before running.

Each entry is a JSON-pointer edit of the loaded spec with the reason (reference §13 where it
applies). The sandbox answers as the platform does (the docs' shapes); where the spec's schema
contradicts the docs or itself, the schema is corrected here, never the sandbox bent to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_SEGMENT_LIST = {
    "type": "object",
    "required": ["segments", "page"],
    "properties": {
        "segments": {"type": "array", "items": {"$ref": "#/components/schemas/SegmentDefinition"}},
        "page": {"type": "object"},
        "link": {"type": "object"},
    },
}
_AUDIENCE_TYPES = ["SegmentDefinition", "ExternalAudience", "ExternalSegment"]


@dataclass(frozen=True)
class SpecFix:
    pointer: str  # JSON pointer into the spec; the value there is replaced
    value: Any
    reason: str


SPEC_FIXES: tuple[SpecFix, ...] = (
    SpecFix(
        "/paths/~1segment~1definitions/get/responses/200/content/application~1json/schema",
        _SEGMENT_LIST,
        "§13.6: the list is typed as one SegmentDefinition; the docs' envelope "
        "{segments, page, link} is what the service returns.",
    ),
    SpecFix(
        "/components/schemas/AudiencesList/properties/children/items",
        {
            "anyOf": [
                {"$ref": "#/components/schemas/PlatformGeneratedAudience"},
                {"$ref": "#/components/schemas/ExternallyGeneratedAudience"},
            ]
        },
        "oneOf over two schemas whose properties are all optional: every audience matches both, "
        "so no list item can satisfy oneOf. anyOf states the intent.",
    ),
    SpecFix(
        "/components/schemas/PlatformGeneratedAudience/properties/type/enum",
        _AUDIENCE_TYPES,
        "§13.2: the docs and every example call external audiences ExternalSegment.",
    ),
    SpecFix(
        "/components/schemas/ExternallyGeneratedAudience/properties/type/enum",
        _AUDIENCE_TYPES,
        "§13.2: as above.",
    ),
    SpecFix(
        "/components/schemas/SearchNamespaceObject",
        {
            "type": "object",
            "properties": {
                "namespace": {"type": "string"},
                "displayName": {"type": "string"},
                "count": {"type": "integer"},
            },
        },
        "§9: the docs (and the spec's own example) give namespace as a string with displayName "
        "and count; the schema makes namespace an array of {name, count}.",
    ),
    SpecFix(
        "/components/schemas/SearchNamespaceList/properties/totalCount",
        {"type": "integer"},
        "§9: totalCount is a number in the docs' example; the schema says string.",
    ),
    SpecFix(
        "/components/schemas/ExportJobResponse/properties/destination/properties/batches",
        {"type": "array", "items": {"type": "object"}},
        "§7.1: with segmentPerBatch the docs show destination.batches as an array of "
        "{segmentId, segmentNs, status, batchId}, one per segment; the schema makes it one object.",
    ),
    SpecFix(
        "/components/schemas/Schedule/properties/type/enum",
        ["batch_segmentation", "export"],
        "§13.4: the docs (and the spec's own request description) allow export schedules; the "
        "enum lists only batch_segmentation.",
    ),
    SpecFix(
        "/components/schemas/AudiencesList/properties/_page/properties/next",
        {"type": "string"},
        "§2.2: the audience guide's list shows _page.next as text (\"1\"), as the spec's own "
        "SchedulesPage types it; the AudiencesList schema says integer.",
    ),
    SpecFix(
        "/components/schemas/SearchEntityObject/properties/sourceId",
        {"type": "string"},
        "§9: sourceId is a string in the docs (base64EncodedSourceId is its base64); the "
        "schema says object.",
    ),
)


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def apply_fixes(spec: dict[str, Any], fixes: tuple[SpecFix, ...] = SPEC_FIXES) -> dict[str, Any]:
    """Apply `fixes` in place; a pointer that no longer resolves is an error (the spec changed:
    re-check the fix)."""
    for fix in fixes:
        parts = [_unescape(p) for p in fix.pointer.lstrip("/").split("/")]
        node: Any = spec
        for part in parts[:-1]:
            key: Any = int(part) if isinstance(node, list) else part
            if isinstance(node, dict) and key not in node and str(key).isdigit():
                key = int(key)  # YAML status codes load as ints
            node = node[key]
        last: Any = parts[-1]
        if last not in node and last.isdigit():
            last = int(last)
        if last not in node:
            raise KeyError(f"spec fix {fix.pointer} does not resolve: {fix.reason}")
        node[last] = fix.value
    return spec
