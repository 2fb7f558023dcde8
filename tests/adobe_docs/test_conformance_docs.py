"""Adobe's documented requests, replayed against the local sandbox.

Each sample of `samples/<operationId>.json` (Adobe's Segmentation API guides, and the spec's error
examples where the guides show none) is sent as documented, with the documented ids replaced by
objects the test first creates through the API. The answer must have the documented status, and
every field of the documented body, at the same place, with the same JSON type (ids, counters and
results keyed by id are compared value by value); values the request chose must come back as the
docs show them echoed; error answers must have the documented envelope and type.

Where Adobe's documents disagree, `CHOICES` says what the sandbox does and what this suite
accepts; where a documented field cannot exist locally, `ABSENT` says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

HERE = Path(__file__).parent
Doc = dict[str, Any]


def _samples() -> Iterator[Any]:
    for path in sorted((HERE / "samples").glob("*.json")):
        spec = json.loads(path.read_text())
        for sample in spec["samples"]:
            yield pytest.param(spec["operationId"], sample, id=f"{path.stem}:{sample['name']}")


SAMPLES = list(_samples())
OPERATIONS = sorted({p.values[0] for p in SAMPLES})

#: Where Adobe's documents disagree (reference §13): operation, the question, what the
#: documents say, what the sandbox does, and the statuses or values this suite accepts.
CHOICES: list[dict[str, Any]] = [
    {
        "operation": "createAudience, updateAudience, patchAudience",
        "question": "success status",
        "documents": "guide 200, spec 201",
        "sandbox": "200 (the guide)",
        "accepted": [200],
        "client": "seg_mcp.aep accepts any 2xx",
    },
    {
        "operation": "deleteSegmentJob",
        "question": "body of the 204",
        "documents": "guide: 204 with {status, message}; spec: 204 no content",
        "sandbox": "204, no body, for a running job (cancelled) and a finished one (deleted)",
        "accepted": [204],
    },
    {
        "operation": "cancelExportJob",
        "question": "success status",
        "documents": "older guide and spec 200 {status, message}; newer guide 204",
        "sandbox": "200 with {status, message}",
        "accepted": [200, 204],
    },
    {
        "operation": "deleteSegmentDefinition",
        "question": "body",
        "documents": "guide: 200 with no message; spec: 200 MessageResponse",
        "sandbox": "200 with {status, message}",
        "accepted": [200],
    },
    {
        "operation": "createSegmentJob",
        "question": "status right after creation",
        "documents": "guide text NEW, examples PROCESSING",
        "sandbox": "NEW (then PROCESSING, SUCCEEDED)",
        "accepted": ["NEW", "QUEUED", "PROCESSING", "SUCCEEDED"],
    },
    {
        "operation": "createSegmentJob",
        "question": "metrics at creation",
        "documents": "create example shows finished counters and end times; get example of a "
        "running job shows {totalTime: {startTimeInMs}, profileSegmentationTime: {}}",
        "sandbox": "every documented metric key; counters empty and end times absent until the "
        "job has run",
        "accepted": "keys as the create example, times as the get example",
    },
    {
        "operation": "createExportJob",
        "question": "the job in the create answer",
        "documents": "older guide: a finished job (SUCCEEDED, end times, pushJob); newer guide: "
        "NEW, metrics {totalTime: {startTimeInMs}}, computeGatewayJobId {exportJob}",
        "sandbox": "the newer guide's: NEW, no end time yet",
        "accepted": "keys of either; end times once finished",
    },
    {
        "operation": "createAudience, updateAudience",
        "question": "type of an external audience",
        "documents": "guides ExternalSegment, spec enum ExternalAudience",
        "sandbox": "stores and answers what was sent",
        "accepted": ["ExternalSegment", "ExternalAudience"],
    },
    {
        "operation": "createAudience",
        "question": "namespace case",
        "documents": "guide sends aam, the field's description lists AAM",
        "sandbox": "case-insensitive; answers the value sent",
        "accepted": ["aam", "AAM"],
    },
    {
        "operation": "listFullTextIndexedObjects",
        "question": "schema parameter name",
        "documents": "guide schema.name, spec and Postman schemaClass",
        "sandbox": "either",
        "accepted": ["schema.name", "schemaClass"],
    },
    {
        "operation": "createSchedule",
        "question": "schedule required?",
        "documents": "guide optional (system-generated), spec required",
        "sandbox": "optional; a generated daily cron when absent",
        "accepted": "both",
    },
    {
        "operation": "updateSchedule",
        "question": "Content-Type",
        "documents": "guide's curl sends none; every other body operation sends application/json",
        "sandbox": "application/json required on every body operation (gateway 400 otherwise)",
        "accepted": "the suite sends application/json",
    },
    {
        "operation": "convertSegmentDefinition",
        "question": "Content-Type",
        "documents": "spec */*; guide application/json; Postman's request sends none; the "
        "troubleshooting guide: every POST/PUT/PATCH needs a valid one",
        "sandbox": "application/json required, as on every body operation (gateway 400)",
        "accepted": "application/json",
    },
    {
        "operation": "updateSchedule",
        "question": "method",
        "documents": "schedules guide and spec PATCH; the evaluate-a-segment tutorial POST",
        "sandbox": "PATCH (POST on a schedule is 405)",
        "accepted": ["PATCH"],
    },
    {
        "operation": "bulkGet*",
        "question": "id count limit",
        "documents": "example: 'Cannot be 0 or exceed 100'; spec prose: 'greater than 100 and "
        "less than 1000'",
        "sandbox": "1..100",
        "accepted": [400],
    },
    {
        "operation": "retrievePreview",
        "question": "result item shape",
        "documents": "guide {entityId: {_href, endCustomerIds}}; spec {objectId, _href, "
        "relatedObjects}",
        "sandbox": "the guide's",
        "accepted": "guide",
    },
    {
        "operation": "listExportJobs",
        "question": "offset",
        "documents": "spec: string cursor '<creationTimeMs>_<id>'; guide: the offset of pages",
        "sandbox": "the cursor, and 0 or empty for the first page",
        "accepted": ["0", "<cursor>"],
    },
    {
        "operation": "every list",
        "question": "empty next link",
        "documents": "segment jobs and schedules show _links {next: {}}; definitions link {}",
        "sandbox": "as each guide shows: _links.next always an object; link {} for definitions "
        "when on the last page",
        "accepted": "the guide's shape per operation",
    },
    {
        "operation": "timestamps",
        "question": "units",
        "documents": "examples mix ms, s and µs",
        "sandbox": "*Time ms, *Epoch s, baselineTime s",
        "accepted": "integers",
    },
]

#: Documented fields the local sandbox does not give, per operation ("*": every operation), as
#: dotted paths ("[]" for list items, "{}" for the values of a map keyed by id), with the reason.
_JOB_RUN_BY_API = "only on a job a schedule started (source scheduler); these ran by API"
_NOT_ENDED = "a job just created has not ended (CHOICES: metrics at creation)"
_SCHEDULED = {
    "properties.scheduleId": _JOB_RUN_BY_API,
    "properties.runId": _JOB_RUN_BY_API,
}
_EXPORT = {
    "destination.batches": "only with segmentPerBatch true (this example shows batchId too)",
    "errors": "only on a failed job",
}
ABSENT: dict[str, dict[str, str]] = {
    "*": {},
    "createSegmentJob": {
        **_SCHEDULED,
        "metrics.totalTime.endTimeInMs": _NOT_ENDED,
        "metrics.totalTime.totalTimeInMs": _NOT_ENDED,
        "metrics.profileSegmentationTime.startTimeInMs": _NOT_ENDED,
        "metrics.profileSegmentationTime.endTimeInMs": _NOT_ENDED,
        "metrics.profileSegmentationTime.totalTimeInMs": _NOT_ENDED,
    },
    "retrieveSegmentJob": _SCHEDULED,
    "listSegmentJobs": {f"children[].{k}": v for k, v in _SCHEDULED.items()},
    "createExportJob": {
        **_EXPORT,
        "destination.dataSetId": "the tutorial spells dataSetId; the guide, and the sandbox, "
        "datasetId",
        "metrics.totalTime.endTimeInMs": _NOT_ENDED,
        "metrics.totalTime.totalTimeInMs": _NOT_ENDED,
        "metrics.profileExportTime": _NOT_ENDED,
        "metrics.aCPDatasetWriteTime": _NOT_ENDED,
        "computeGatewayJobId.pushJob": _NOT_ENDED,
    },
    "retrieveExportJob": {
        **_EXPORT,
        "destination.dataSetId": "the segmentPerBatch example spells dataSetId; every other "
        "example, and the sandbox, datasetId",
    },
    "listExportJobs": {f"records[].{k}": v for k, v in _EXPORT.items()},
    "listAudiences": {
        "children[].definedOn[].meta: resourceType": "the list example's typo (the get example "
        "and the sandbox: meta:resourceType)",
        "children[].definedOn[].meta: containerId": "the list example's typo (meta:containerId)",
    },
    "bulkGetAudiences": {
        "results{}.ansibleUiEnabled": "an internal UI flag shown in this example only",
        "results{}.state": "an internal flag shown in this example only",
        "results{}.saveSegmentMembership": "shown in this example only, undocumented",
        "results{}.sourceId": "a field of Audience Orchestration audiences, which the sandbox "
        "does not make",
        "results{}.linkedAudienceRef.aoWorkflowId": "the seed links a dataflow (flowId), the "
        "example an Orchestration workflow",
    },
}
#: Samples the sandbox answers otherwise on purpose: sample id -> (status, text the answer
#: contains, why).
DEVIATIONS: dict[str, tuple[int, str, str]] = {
    "createSegmentDefinition:create, pql/json": (
        400,
        "unknown profile field `a`",
        "the guide's pql/json tab compares made-up fields a and b; the sandbox checks every field "
        "against the sandbox's XDM schema and names the unknown ones",
    ),
}
#: Keys whose value is a map keyed by ids (or statuses, namespaces): compared value by value.
MAPS = {
    "results",
    "segmentedProfileCounter",
    "segmentedProfileByNamespaceCounter",
    "segmentedProfileByStatusCounter",
    "totalProfilesByMergePolicy",
    "endCustomerIds",
}
#: Maps whose values are maps again (namespace or status -> count).
NESTED_MAPS = {"segmentedProfileByNamespaceCounter", "segmentedProfileByStatusCounter"}
#: The main list of each list body: documented non-empty, it must not come back empty.
MAIN_LISTS = ("segments", "children", "records", "entities", "namespaces", "taxonomy", "results")
#: Statuses by operation where the documents disagree (see CHOICES).
STATUSES: dict[str, set[int]] = {"cancelExportJob": {200, 204}}
SEGMENT_JOB_STATUSES = {"NEW", "QUEUED", "PROCESSING", "SUCCEEDED"}
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
#: Operations on audiences: a documented definition id stands for an audience made through
#: POST /audiences as the audience guide makes one (with ttlInDays and labels).
AUDIENCE_OPS = {"getAudience", "patchAudience", "bulkGetAudiences", "deleteAudience"}
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
        body = _replace(
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


def _replace(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_replace(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, ids) for k, v in value.items()}
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


async def _seed(world: World, op: str, sample: Doc) -> dict[str, str]:
    """Documented id -> the id of an object made to stand for it. A sample documenting a 404
    keeps its ids (they must not exist)."""
    for what in PRESEED.get(op, ()):
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


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _pick(documented: list[Any], item: Any) -> Any:
    """The documented item to compare `item` with: the one of the same `type` if they differ."""
    if isinstance(item, dict):
        for candidate in documented:
            if isinstance(candidate, dict) and candidate.get("type") == item.get("type"):
                return candidate
    return documented[0]


def _depth(name: str) -> int:
    """How many levels of maps keyed by id the value of field `name` has."""
    return 2 if name in NESTED_MAPS else 1 if name in MAPS else 0


def shape_problems(
    documented: Any, actual: Any, where: str, absent: dict[str, str], maps: int = 0
) -> list[str]:
    """Where `actual` lacks a field of `documented` or has another JSON type. `maps`: how many
    levels of `documented` are maps keyed by id (each actual value is compared with one of the
    documented values)."""
    if documented is None or where in absent:
        return []
    if where.endswith(".code") and _kind(actual) in ("str", "number"):
        return []  # errors[].code: a number or a string (reference §2.3)
    if _kind(documented) != _kind(actual):
        return [f"{where or 'body'}: documented {_kind(documented)}, got {_kind(actual)}"]
    problems: list[str] = []
    if isinstance(documented, dict) and maps:
        values = list(documented.values())
        for item in actual.values() if values else ():
            problems += shape_problems(_pick(values, item), item, f"{where}{{}}", absent, maps - 1)
    elif isinstance(documented, dict):
        for name, value in documented.items():
            path = f"{where}.{name}" if where else name
            if name not in actual:
                if path not in absent and value is not None:
                    problems.append(f"{path}: missing")
                continue
            problems += shape_problems(value, actual[name], path, absent, _depth(name))
    elif isinstance(documented, list) and documented:
        if where in MAIN_LISTS and not actual:
            problems.append(f"{where}: documented items, got none")
        item_maps = _depth(where.rsplit(".", 1)[-1])  # preview results: maps keyed by entity id
        for item in actual:
            problems += shape_problems(
                _pick(documented, item), item, f"{where}[]", absent, item_maps
            )
    return problems


def _absent(op: str) -> dict[str, str]:
    return {**ABSENT["*"], **ABSENT.get(op, {})}


def _echo_problems(request_body: Any, documented: Any, actual: Any) -> list[str]:
    """Top-level values the request chose that the documented answer echoes must come back."""
    if not isinstance(request_body, dict) or not isinstance(documented, dict):
        return []
    return [
        f"{name}: sent {value!r}, got {actual.get(name)!r}"
        for name, value in request_body.items()
        if isinstance(value, str | int | bool)
        and not name.endswith(("Time", "Epoch"))  # read-only, sent back as read
        and documented.get(name) == value
        and actual.get(name) != value
    ]


@pytest.mark.parametrize(("op", "sample"), SAMPLES)
async def test_documented_sample(raw: httpx2.AsyncClient, op: str, sample: Doc) -> None:
    world = World(raw)
    ids = await _seed(world, op, sample)
    request = sample["request"]
    path = "/".join(ids.get(part, part) for part in request["path"].split("/"))
    body = _replace(request.get("body"), ids)
    response = await raw.request(
        request["method"],
        path,
        params=_replace(request["query"], ids),
        headers=request.get("headers", {}),
        json=body if "body" in request else None,
    )
    documented = sample["response"]
    deviation = DEVIATIONS.get(f"{op}:{sample['name']}")
    if deviation is not None:
        assert (response.status_code, deviation[1] in response.text) == (deviation[0], True)
        return
    expected = STATUSES.get(op, {documented["status"]})
    assert response.status_code in expected, response.text
    answer = response.json() if response.content else None
    if documented["status"] == 204:
        assert not response.content
        return
    if "body" not in documented:
        return
    assert answer is not None
    problems = shape_problems(documented["body"], answer, "", _absent(op))
    if documented["status"] < 300:
        problems += _echo_problems(body, documented["body"], answer)
    else:
        assert answer["type"] == documented["body"]["type"], answer
        assert answer["status"] == documented["status"]
        assert list(answer["errors"]) == [str(documented["status"])]
    assert not problems, "\n".join(problems)


def test_every_operation_has_a_sample() -> None:
    contract = json.loads((HERE.parent.parent / "contract" / "segmentation.json").read_text())
    ops = {
        o["operationId"]
        for methods in contract["paths"].values()
        for o in methods.values()
        if isinstance(o, dict) and "operationId" in o
    }
    assert set(OPERATIONS) == ops


GATEWAY = json.loads((HERE / "gateway_errors.json").read_text())
BODY_SAMPLES = [
    p
    for p in SAMPLES
    if p.values[1]["request"]["method"] in ("POST", "PUT", "PATCH")
    and not p.values[1]["name"].startswith("error")
]


@pytest.mark.parametrize(
    "case",
    [c for c in GATEWAY["samples"] if "Content-Type" not in c.get("header", {})],
    ids=lambda c: c["name"],
)
async def test_documented_gateway_errors(raw: httpx2.AsyncClient, case: Doc) -> None:
    request = raw.build_request("GET", "/segment/definitions")
    if "omit_header" in case:
        del request.headers[case["omit_header"]]
    request.headers.update(case.get("header", {}))
    response = await raw.send(request)
    assert (response.status_code, response.json()) == (
        case["response"]["status"],
        case["response"]["body"],
    )


@pytest.mark.parametrize(("op", "sample"), BODY_SAMPLES)
async def test_every_body_operation_requires_json(
    raw: httpx2.AsyncClient, op: str, sample: Doc
) -> None:
    """The gateway's Content-Type check (help/landing/troubleshooting.md), on every operation
    with a body: the documented body sent as text/plain is refused before anything happens."""
    case = next(c for c in GATEWAY["samples"] if "Content-Type" in c.get("header", {}))
    request = sample["request"]
    response = await raw.request(
        request["method"],
        request["path"],
        content=json.dumps(request["body"]),
        headers=case["header"],
    )
    assert (response.status_code, response.json()) == (
        case["response"]["status"],
        case["response"]["body"],
    )


async def test_audience_pages_follow_the_documented_links(raw: httpx2.AsyncClient) -> None:
    """`_page.next` is the next start as text and `_links.next.href` ("@/audiences?...") is the
    next page, as the guide shows; the last page has `_links.next` {} and no `_page.next`."""
    world = World(raw)
    made = {await world.platform_audience() for _ in range(3)}
    first = (await raw.get("/audiences", params={"limit": 2})).json()
    assert first["_page"]["next"] == "2"
    href = first["_links"]["next"]["href"]
    assert href.startswith("@/audiences?")
    second = (await raw.get(href.removeprefix("@"))).json()
    seen = [a["id"] for a in first["children"] + second["children"]]
    assert set(seen) == made and len(seen) == 3
    assert second["_links"] == {"next": {}} and "next" not in second["_page"]


async def test_export_job_pages_from_offset_zero(raw: httpx2.AsyncClient) -> None:
    """`offset=0` is the first page; `link.next` carries the cursor of the next one."""
    world = World(raw)
    made = [await world.export() for _ in range(3)]
    first = await raw.get("/export/jobs", params={"limit": 2, "offset": "0"})
    assert first.status_code == 200, first.text
    page = first.json()
    assert [r["id"] for r in page["records"]] == [int(i) for i in made[::-1][:2]]
    second = (await raw.get(page["link"]["next"])).json()
    assert [r["id"] for r in second["records"]] == [int(made[0])]
    assert second["link"] == {"next": ""}


# -- the other form of each choice (CHOICES) ---------------------------------------------------


async def test_search_takes_schema_name_and_schema_class(raw: httpx2.AsyncClient) -> None:
    made = await World(raw).search_entity()
    headers = {"x-ups-search-version": "1.0"}
    answers = [
        (
            await raw.get(
                "/search/entities",
                params={name: "_xdm.context.segmentdefinition", "namespace": "AAMSegments"},
                headers=headers,
            )
        ).json()
        for name in ("schema.name", "schemaClass")
    ]
    assert answers[0] == answers[1]
    assert [e["id"] for e in answers[0]["entities"]] == [made]


async def test_schedule_without_cron_gets_a_daily_one(raw: httpx2.AsyncClient) -> None:
    body = {"name": "no cron", "type": "batch_segmentation", "properties": {"segments": ["*"]}}
    response = await raw.post("/config/schedules", json=body)
    assert response.status_code == 200, response.text
    cron = response.json()["schedule"]
    assert isinstance(cron, str) and len(cron.split()) in (6, 7)


async def test_external_audience_type_and_namespace_case(raw: httpx2.AsyncClient) -> None:
    body = {
        "audienceId": "case-test",
        "name": "Case test",
        "namespace": "aam",
        "type": "ExternalAudience",
    }
    created = await raw.post("/audiences", json=body)
    assert created.status_code == 200, created.text
    assert (created.json()["type"], created.json()["namespace"]) == ("ExternalAudience", "aam")
    again = await raw.post("/audiences", json={**body, "name": "Case test 2", "namespace": "AAM"})
    assert again.status_code == 422, again.text  # the same audienceId in the same namespace
    put = await raw.put(
        f"/audiences/{created.json()['id']}", json={**body, "namespace": "AAM", "name": "Renamed"}
    )
    assert put.status_code == 200, put.text
    assert (put.json()["namespace"], put.json()["name"]) == ("aam", "Renamed")


async def test_bulk_get_counts_1_to_100(raw: httpx2.AsyncClient) -> None:
    for path in ("/segment/definitions/bulk-get", "/audiences/bulk-get", "/segment/jobs/bulk-get"):
        too_many = {"ids": [{"id": f"id-{i}"} for i in range(101)]}
        for body in ({"ids": []}, too_many):
            response = await raw.post(path, json=body)
            assert response.status_code == 400, (path, response.text)
            assert response.json()["type"].endswith("UPAPI-113015-400")


async def test_segment_job_status_at_creation_and_cancel(raw: httpx2.AsyncClient) -> None:
    world = World(raw)
    sid = await world.definition()
    created = (await raw.post("/segment/jobs", json=[{"segmentId": sid}])).json()
    assert created["status"] in SEGMENT_JOB_STATUSES
    cancelled = await raw.delete(f"/segment/jobs/{created['id']}")
    assert (cancelled.status_code, cancelled.content) == (204, b"")
    after = await raw.get(f"/segment/jobs/{created['id']}")
    # cancelled, or (had it finished first) deleted
    assert after.status_code == 404 or after.json()["status"] in ("CANCELLING", "CANCELLED")
