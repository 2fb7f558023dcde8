"""Objects created through the API to stand for the ids Adobe's samples name."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2

HERE = Path(__file__).parent
Doc = dict[str, Any]
DOC_AO = "QU9fLTEzOTgzNTE0MzY0NzY0NDg5NzkyOTkx_6ed34f6f-fe21-4a30-934f-6ffe21fa3075"
PREVIEW_IDS = (
    "MDphcHAtMzJiZTAzMjgtM2YzMS00YjY0LThkODQtYWNkMGM0ZmJkYWQzOmU4OTAwNjhiLWY1Y2EtNGE4Zi1hNmI1LWFmODdmZjBjYWFjMzow",
    "MDoyOjRhNDVlODUzLWFjOTEtNGJiNy1hNDI2LTE1MDkzN2I2YWY1Yzo0Mg",
)
#: The documented ids and what the suite creates to stand for each.
SEEDS: dict[str, str] = {
    "4afe34ae-8c98-4513-8a1d-67ccaa54bc05": "definition",
    "54669488-03ab-4e0d-a694-37fe49e32be8": "definition",
    "60ccea95-1435-4180-97a5-58af4aa285ab": "definition",
    "60ccea95-1435-4180-97a5-58af4aa285ab5": "definition",
    "72c393ea-caed-441a-9eb6-5f66bb1bd6cd": "definition",
    "7863c010-e092-41c8-ae5e-9e533186752e": "definition",
    "52c26d0d-45f2-47a2-ab30-ed06abc981ff": "definition",
    DOC_AO: "external",
    "{EXTERNAL_AUDIENCE}": "external",
    "{DEPENDED_ON_AUDIENCE}": "depended_on",
    "d3b4a50d-dfea-43eb-9fca-557ea53771fd": "job",
    "cc3419d3-0389-47f1-b174-fead6b3c830d": "job",
    "b31aed3d-b3b1-4613-98c6-7d3846e8d48f": "job_all",
    "c527dc3f-07fe-4b96-be4e-23f38e734ff8": "job_all",
    "100": "export",
    "4e538382-dbd8-449e-988a-4ac639ebe72b": "schedule",
    PREVIEW_IDS[0]: "preview",
    PREVIEW_IDS[1]: "preview",
    "porsche11037": "search_entity",
    # the tutorial (help/segmentation/tutorials/evaluate-a-segment.md)
    "42f49f2d-edb0-474f-b29d-2799d89cd5a6": "definition",
    "54a20f19-9a0w-293a-9b82-409b1p3v0192": "definition",
    "80388706-29fa-40d3-81cf-a297d0224ad9": "job",
    "4edc8488-2c35-4f6d-b4c6-9075c68d2df4": "aam_audience",
    "1rfe8422-334d-12f4-3sd4-12cf6g990g51": "evaluated_definition",
    "24115": "export_per_batch",
}
#: (operation, sample name fragment) -> {documented id: what stands for it}, where it differs.
SEED_OVERRIDES: dict[tuple[str, str], dict[str, str]] = {
    ("updateAudience", "put, external"): {"4afe34ae-8c98-4513-8a1d-67ccaa54bc05": "external"},
    ("getAudience", "externally generated"): {"60ccea95-1435-4180-97a5-58af4aa285ab": "external"},
    ("retrieveExportJob", "segmentPerBatch"): {"100": "export_per_batch"},
    ("createExportJob", ""): {"52c26d0d-45f2-47a2-ab30-ed06abc981ff": "evaluated_definition"},
}
#: Objects created before the request, so that a list has what its documented answer shows.
PRESEED: dict[str, tuple[str, ...]] = {
    "listSegmentDefinitions": ("definition", "definition"),
    "listAudiences": ("platform_audience", "platform_audience", "external"),
    "createSegmentJob": ("definition",),
    "listSegmentJobs": ("job",),
    "listExportJobs": ("export",),
    "listSchedules": ("schedule",),
    "listSearchCounts": ("search_entity",),
    "listFullTextIndexedObjects": ("search_entity",),
}
#: (operation, sample name fragment) -> objects created before that sample's request.
SAMPLE_PRESEED: dict[tuple[str, str], tuple[str, ...]] = {
    ("listSegmentDefinitions", "streaming"): ("streaming_definition", "streaming_definition"),
    ("listSegmentDefinitions", "edge"): ("edge_definition", "edge_definition"),
}
#: Operations on audiences: a documented definition id stands for an audience made through
#: POST /audiences as the audience guide makes one (with ttlInDays and labels).
AUDIENCE_OPS = {"getAudience", "patchAudience", "bulkGetAudiences", "deleteAudience"}
STREAMING_RULE = 'homeAddress.countryCode = "US"'  # profile only: streaming-eligible
TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED", "RESULT_READY"}


class World:
    """Creates, through the API, the objects the documented requests name."""

    def __init__(self, http: httpx2.AsyncClient) -> None:
        self.http = http
        self.count = 0

    async def call(self, method: str, path: str, body: Any = None) -> Doc:
        response = await self.http.request(method, path, json=body)
        assert response.status_code < 300, (method, path, response.text)
        return response.json() if response.content else {}

    async def until_done(self, path: str, field: str = "status") -> Doc:
        for _ in range(400):
            doc = await self.call("GET", path)
            if doc.get(field) in TERMINAL:
                return doc
            await anyio.sleep(0.02)
        raise AssertionError(f"{path} did not finish: {doc}")

    async def definition(self, expression: str = 'workAddress.country = "US"') -> str:
        self.count += 1
        body = {
            "name": f"Docs seed {self.count}",
            "expression": {"type": "PQL", "format": "pql/text", "value": expression},
            "schema": {"name": "_xdm.context.profile"},
        }
        return str((await self.call("POST", "/segment/definitions", body))["id"])

    async def edge_definition(self) -> str:
        return await self.streaming_definition("synchronous")

    async def streaming_definition(self, method: str = "continuous") -> str:
        """A definition asked for streaming (or edge), with an eligible rule."""
        self.count += 1
        body = {
            "name": f"Docs {method} seed {self.count}",
            "expression": {"type": "PQL", "format": "pql/text", "value": STREAMING_RULE},
            "schema": {"name": "_xdm.context.profile"},
            "evaluationInfo": {method: {"enabled": True}},
            "ttlInDays": 30,
        }
        return str((await self.call("POST", "/segment/definitions", body))["id"])

    async def platform_audience(self) -> str:
        self.count += 1
        body = {
            "name": f"Docs audience seed {self.count}",
            "type": "SegmentDefinition",
            "expression": {
                "type": "PQL",
                "format": "pql/text",
                "value": 'workAddress.country = "US"',
            },
            "schema": {"name": "_xdm.context.profile"},
            "labels": ["core/C1"],
            "ttlInDays": 60,
        }
        return str((await self.call("POST", "/audiences", body))["id"])

    async def external(self, namespace: str = "aam") -> str:
        self.count += 1
        body = {
            "audienceId": f"docs-seed-{self.count}",
            "name": f"Docs external seed {self.count}",
            "namespace": namespace,
            "type": "ExternalSegment",
            "originName": "CUSTOM_UPLOAD",
            "lifecycleState": "published",
            "datasetId": "6254cf3c97f8e31b639fb14d",
            "labels": ["core/C1"],
            "linkedAudienceRef": {"flowId": "4685ea90-d2b6-11ec-9d64-0242ac120002"},
        }
        return str((await self.call("POST", "/audiences", body))["id"])

    async def depended_on(self) -> str:
        used = await self.definition()
        await self.definition(f'inSegment("{used}") and homeAddress.countryCode = "US"')
        return used

    async def job(self, segments: list[str] | None = None) -> str:
        body = [{"segmentId": s} for s in segments or [await self.definition()]]
        jid = str((await self.call("POST", "/segment/jobs", body))["id"])
        await self.until_done(f"/segment/jobs/{jid}")
        return jid

    async def job_all(self) -> str:
        await self.definition()
        body = {"schema": {"name": "_xdm.context.profile"}, "segments": [{"segmentId": "*"}]}
        jid = str((await self.call("POST", "/segment/jobs", body))["id"])
        await self.until_done(f"/segment/jobs/{jid}")
        return jid

    async def evaluated_definition(self) -> str:
        sid = await self.definition()
        await self.job([sid])
        return sid

    async def export(self, per_batch: bool = False) -> str:
        """An export job made with the guide's own request body, finished."""
        documented = json.loads((HERE / "samples" / "createExportJob.json").read_text())
        body = replace_ids(
            documented["samples"][0]["request"]["body"],
            {"52c26d0d-45f2-47a2-ab30-ed06abc981ff": await self.evaluated_definition()},
        )
        body["destination"]["segmentPerBatch"] = per_batch
        jid = str((await self.call("POST", "/export/jobs", body))["id"])
        await self.until_done(f"/export/jobs/{jid}")
        return jid

    async def export_per_batch(self) -> str:
        return await self.export(per_batch=True)

    async def schedule(self) -> str:
        body = {
            "name": "Docs seed schedule",
            "type": "batch_segmentation",
            "properties": {"segments": ["*"]},
            "schedule": "0 0 1 * * ?",
        }
        return str((await self.call("POST", "/config/schedules", body))["id"])

    async def preview(self) -> str:
        body = {
            "predicateExpression": 'homeAddress.countryCode = "US"',
            "predicateType": "pql/text",
            "predicateModel": "_xdm.context.profile",
        }
        pid = str((await self.call("POST", "/preview", body))["previewId"])
        await self.until_done(f"/estimate/{pid}", "state")
        return pid

    async def aam_audience(self) -> str:
        return await self.external("AAM")

    async def search_entity(self) -> str:
        return await self.external("AAMSegments")

    async def make(self, what: str) -> str:
        factory: Callable[[], Any] = getattr(self, what)
        return str(await factory())


def replace_ids(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [replace_ids(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: replace_ids(v, ids) for k, v in value.items()}
    return value


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


async def seed(world: World, op: str, sample: Doc) -> dict[str, str]:
    """Documented id -> the id of an object made to stand for it. A sample documenting a 404
    keeps its ids (they must not exist)."""
    extra = [
        kinds for (o, part), kinds in SAMPLE_PRESEED.items() if o == op and part in sample["name"]
    ]
    for what in (*PRESEED.get(op, ()), *(k for kinds in extra for k in kinds)):
        await world.make(what)
    if sample["response"]["status"] == 404:
        return {}
    request = sample["request"]
    seeds = dict(SEEDS)
    for (o, fragment), extra in SEED_OVERRIDES.items():
        if o == op and fragment in sample["name"]:
            seeds.update(extra)
    named = [
        *request["path"].split("/"),
        *request["query"].values(),
        *_strings(request.get("body")),
    ]
    ids: dict[str, str] = {}
    for doc_id in dict.fromkeys(named):
        if doc_id in seeds:
            what = seeds[doc_id]
            if op in AUDIENCE_OPS and what == "definition":
                what = "platform_audience"
            ids[doc_id] = await world.make(what)
    return ids
