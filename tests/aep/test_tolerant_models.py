"""The client never loses a response because a model is stricter than the platform (issue 15.3).

Every response Adobe's guides document (tests/adobe_docs/samples, one file per operation) parses
into its operation's model with nothing left unparsed and nothing lost; unknown fields and enum
values are kept; a value or a whole body a model cannot parse comes back as sent, with a warning
naming the model and the field. All through the real client, answered in-process.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seg_mcp.aep import REGISTRY, InvalidParametersError, ResponseFormatError, invoke
from seg_mcp.aep.base import parse_warnings
from seg_mcp.aep.models import Audience, ExportJob, SegmentDefinitionList, SegmentJob

from .helpers import Recorder, client_for, json_response
from .spec_tools import assert_preserved

SAMPLES = Path(__file__).parents[1] / "adobe_docs" / "samples"
#: Documented responses the conformance fixtures do not carry (see its README).
MORE_SAMPLES = Path(__file__).parent / "doc_samples"


def _documented() -> list[Any]:
    cases = []
    for file in sorted([*SAMPLES.glob("*.json"), *MORE_SAMPLES.glob("*.json")]):
        doc = json.loads(file.read_text(encoding="utf-8"))
        for sample in doc["samples"]:
            if not sample["name"].startswith("error:"):
                cases.append(
                    pytest.param(doc, sample, id=f"{doc['operationId']}: {sample['name']}")
                )
    return cases


def _path_values(template: str, path: str) -> dict[str, str]:
    names = re.findall(r"{(\w+)}", template)
    pattern = re.sub(
        r"{\w+}", "([^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    )
    found = re.fullmatch(pattern, path)
    assert found, f"{path} does not fit {template}"
    return dict(zip(names, found.groups(), strict=True))


def test_every_operation_has_documented_samples() -> None:
    documented = {json.loads(f.read_text())["operationId"] for f in SAMPLES.glob("*.json")}
    assert documented == {op.operation_id for op in REGISTRY.spec_operations}


@pytest.mark.parametrize(("doc", "sample"), _documented())
async def test_each_documented_response_parses_without_loss(
    doc: dict[str, Any], sample: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    request, response = sample["request"], sample["response"]
    path = request["path"].split("?")[0].rstrip("/")  # a tutorial writes /export/jobs/
    body = response.get("body")
    recorder = Recorder(lambda r: json_response(response["status"], body))
    caplog.set_level(logging.WARNING, logger="seg_mcp.aep")
    async with client_for(recorder) as client:
        result = await invoke(
            client,
            doc["operationId"],
            path=_path_values(doc["path"], path),
            query=request.get("query") or {},
            body=request.get("body"),
        )
    assert recorder.requests[0].path.endswith(path)
    if body is None:
        assert result is None
        return
    assert result.unparsed() == []
    assert caplog.records == []
    assert_preserved(body, result.to_wire())


async def _answer(body: Any, call: str = "retrieve_export_job", *args: str) -> Any:
    """What `call` returns when the platform answers 200 with `body`."""
    recorder = Recorder(lambda r: json_response(200, body))
    async with client_for(recorder) as client:
        return await getattr(client, call)(*args)


async def test_the_docs_segment_per_batch_export_job_is_typed() -> None:
    doc = json.loads((SAMPLES / "retrieveExportJob.json").read_text())
    (body,) = [s["response"]["body"] for s in doc["samples"] if "segmentPerBatch" in s["name"]]
    job = await _answer(body, "retrieve_export_job", "100")
    assert isinstance(job, ExportJob)
    assert job.destination is not None and isinstance(job.destination.batches, list)
    assert [(b.segment_id, b.status) for b in job.destination.batches] == [
        ("segment1", ["realized"]),
        ("segment2", "exited"),
    ]


async def test_unknown_fields_are_kept_at_every_level() -> None:
    body = {
        "id": "j1",
        "status": "SUCCEEDED",
        "futureField": {"a": [1, 2]},
        "metrics": {"totalTime": {"totalTimeInMs": 5, "p99InMs": 7}},
        "segments": [{"segmentId": "s1", "rank": 3}],
    }
    job = await _answer(body, "retrieve_segment_job", "j1")
    assert isinstance(job, SegmentJob)
    assert job.model_extra == {"futureField": {"a": [1, 2]}}
    assert job.metrics is not None and job.metrics.total_time is not None
    assert job.metrics.total_time.total_time_in_ms == 5
    assert job.segments is not None and job.segments[0].model_extra == {"rank": 3}
    assert job.to_wire() == body
    assert job.unparsed() == []


@pytest.mark.parametrize(
    ("call", "body", "attribute", "value"),
    [
        ("retrieve_segment_job", {"status": "QUEUED_FOR_REVIEW"}, "status", "QUEUED_FOR_REVIEW"),
        ("retrieve_export_job", {"jobType": "STREAMING_V2"}, "job_type", "STREAMING_V2"),
        ("get_audience", {"type": "ExternalAudience"}, "type", "ExternalAudience"),
        ("get_audience", {"type": "ExternalSegment"}, "type", "ExternalSegment"),
        ("get_audience", {"lifecycleState": "pending_review"}, "lifecycle_state", "pending_review"),
        ("retrieve_schedule", {"type": "export"}, "type", "export"),
        ("retrieve_estimate", {"state": "QUEUED"}, "state", "QUEUED"),
    ],
)
async def test_unknown_enum_values_are_kept(
    call: str, body: dict[str, Any], attribute: str, value: str
) -> None:
    result = await _answer(body, call, "x1")
    assert getattr(result, attribute) == value
    assert result.unparsed() == []


async def test_a_value_of_another_type_is_kept_as_sent_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = {
        "id": "a1",
        "name": "Gold members",
        "creationTime": "2024-05-01T10:00:00Z",  # the model's epoch ms, as an ISO string
        "sandbox": {"sandboxName": "dev", "default": "sometimes"},
        "expression": {"type": "PQL", "format": "pql/text", "value": "true"},
    }
    collected: list[str] = []
    token = parse_warnings.set(collected)
    try:
        audience = await _answer(body, "get_audience", "a1")
    finally:
        parse_warnings.reset(token)
    assert isinstance(audience, Audience)
    assert (audience.name, audience.creation_time) == ("Gold members", None)
    assert audience.sandbox is not None and audience.sandbox.sandbox_name == "dev"
    assert audience.expression is not None and audience.expression.value == "true"
    assert [(p.model, p.path) for p in audience.unparsed()] == [
        ("Audience", "creationTime"),
        ("SandboxRef", "sandbox.default"),
    ]
    assert audience.to_wire() == body  # nothing lost
    assert len(collected) == 2
    assert collected[0].startswith(
        "getAudience: kept as sent, did not parse: Audience at creationTime: "
        "Input should be a valid integer"
    )
    assert [r.getMessage() for r in caplog.records] == collected


async def test_a_body_that_is_not_an_object_comes_back_as_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = await _answer(["not", "a", "job"], "retrieve_export_job", "100")
    assert isinstance(job, ExportJob)
    assert job.to_wire() == ["not", "a", "job"]
    assert job.id is None and job.status is None
    (problem,) = job.unparsed()
    assert (problem.model, problem.path) == ("ExportJob", "")
    assert (
        "retrieveExportJob: kept as sent, did not parse: ExportJob: (body): "
        "Input should be an object" in caplog.text
    )


async def test_a_body_that_is_not_json_comes_back_as_text() -> None:
    recorder = Recorder(lambda r: httpx2.Response(200, text="<html>maintenance</html>"))
    async with client_for(recorder) as client:
        job = await client.retrieve_export_job("100")
    assert job.to_wire() == "<html>maintenance</html>"
    assert "Invalid JSON" in job.unparsed()[0].reason


async def test_a_list_field_of_another_shape_keeps_the_rest_of_the_page() -> None:
    body = {"segments": "not a list", "page": {"totalCount": 0}, "link": {}}
    listed = await _answer(body, "list_segment_definitions")
    assert isinstance(listed, SegmentDefinitionList)
    assert listed.segments == [] and listed.page is not None and listed.page.total_count == 0
    assert [str(p) for p in listed.unparsed()] == [
        "SegmentDefinitionList at segments: Input should be a valid list"
    ]
    assert listed.to_wire() == body


async def test_request_bodies_are_still_checked_strictly() -> None:
    recorder = Recorder()
    body = {"destination": {"datasetId": "d1"}, "schema": {"name": "_xdm.context.profile"}}
    async with client_for(recorder) as client:
        with pytest.raises(InvalidParametersError, match="mergePolicy: Input should be"):
            await client.create_export_job({**body, "mergePolicy": "not an object"})
    assert recorder.requests == []


async def test_a_model_unreadable_without_its_required_fields_is_a_format_error() -> None:
    # The local clock cannot be read without `now` and `fixed`: no instance can stand for it.
    recorder = Recorder(lambda r: json_response(200, {"now": "2026-11-01T00:00:00Z"}))
    async with client_for(recorder) as client:
        with pytest.raises(ResponseFormatError, match=r"localClock: .* fixed: Field required"):
            await client.local_clock()


@pytest.mark.parametrize("status", [200, 201, 204])
async def test_a_write_answered_without_a_body_happened(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    # Reference §13.1: audiences answer 200 or 201, deletes 200 or 204, with or without a body.
    recorder = Recorder(lambda r: json_response(status))
    async with client_for(recorder) as client:
        created = await client.create_audience({"name": "gold", "type": "ExternalSegment"})
        deleted = await client.delete_audience("a1")
    assert isinstance(created, Audience) and created.id is None and created.to_wire() == {}
    assert deleted is None
    assert [str(p) for p in created.unparsed()] == [f"Audience: HTTP {status} came with no body"]
    assert "createAudience: kept as sent, did not parse: Audience: HTTP" in caplog.text


# -- where Adobe's documents disagree (reference §13), both forms read -----------------------


@pytest.mark.parametrize(
    "results",
    [
        # the guides: {<entityId>: {"_href", "endCustomerIds"}}
        [{"e1": {"_href": "/x/e1", "endCustomerIds": {"c1": {"id": "c1"}}}}],
        # the spec: {"objectId", "_href", "relatedObjects"}
        [{"objectId": "e1", "_href": "/x/e1", "relatedObjects": [{"objectId": "c1"}]}],
    ],
    ids=["guides", "spec"],
)
async def test_preview_results_in_either_shape_name_the_same_profiles(
    results: list[dict[str, Any]],
) -> None:
    body = {"results": results, "state": "RESULT_READY"}
    preview = await _answer(body, "retrieve_preview", "p1")
    assert [(e.entity_id, e.href, e.related_ids) for e in preview.entities()] == [
        ("e1", "/x/e1", ("c1",))
    ]
    assert preview.unparsed() == [] and preview.to_wire() == body


@pytest.mark.parametrize("status", ["NEW", "PROCESSING", "QUEUED"])
async def test_a_new_segment_job_in_any_state_is_read(status: str) -> None:
    recorder = Recorder(lambda r: json_response(200, {"id": "j1", "status": status}))
    async with client_for(recorder) as client:
        job = await client.create_segment_job(["s1"])
    assert (job.id, job.status, job.unparsed()) == ("j1", status, [])


@pytest.mark.parametrize(
    "sent",
    [1538615973895, 1538615973, 1538615973895123, "1538615973895", 1538615973895.0],
    ids=["ms", "s", "µs", "digits", "float"],
)
async def test_timestamps_in_any_unit_or_spelling_are_read_as_sent(sent: Any) -> None:
    job = await _answer({"id": 1, "creationTime": sent}, "retrieve_export_job", "1")
    assert job.creation_time == int(sent) and job.unparsed() == []


async def test_the_older_guides_preview_names_its_three_profiles_only() -> None:
    doc = json.loads((MORE_SAMPLES / "retrievePreview.json").read_text())
    preview = await _answer(doc["samples"][0]["response"]["body"], "retrieve_preview", "p1")
    assert [(e.entity_id, len(e.related_ids)) for e in preview.entities()] == [
        ("XID_ADOBE-MARKETING-CLOUD-ID-1", 2),
        ("XID_COOKIE-ID-2", 2),
        ("XID_ADOBE-MARKETING-CLOUD-ID-3", 0),
    ]


async def test_a_bad_value_in_a_list_item_is_kept_in_that_item() -> None:
    body = {
        "id": 100,
        "destination": {
            "segmentPerBatch": True,
            "batches": [
                {"segmentId": "s1", "status": ["realized"]},
                {"segmentId": {"id": "s2"}, "status": "exited"},
            ],
        },
    }
    job = await _answer(body, "retrieve_export_job", "100")
    assert job.destination is not None and isinstance(job.destination.batches, list)
    first, second = job.destination.batches
    assert (first.segment_id, second.segment_id, second.status) == ("s1", None, "exited")
    assert [(p.model, p.path) for p in job.unparsed()] == [
        ("ExportBatch", "destination.batches[1].segmentId")
    ]
    assert job.to_wire() == body


async def test_a_bad_value_inside_a_plain_map_keeps_the_whole_map_as_sent() -> None:
    counters = {"s1": 10, "s2": "n/a"}
    body = {"id": "j1", "metrics": {"totalProfiles": 12, "segmentedProfileCounter": counters}}
    job = await _answer(body, "retrieve_segment_job", "j1")
    assert job.metrics is not None
    assert (job.metrics.total_profiles, job.metrics.segmented_profile_counter) == (12, None)
    assert job.metrics.model_extra == {"segmentedProfileCounter": counters}
    assert [(p.model, p.path) for p in job.unparsed()] == [
        ("SegmentJobMetrics", "metrics.segmentedProfileCounter")
    ]
    assert job.to_wire() == body


async def test_a_nested_object_missing_a_required_member_is_kept_whole() -> None:
    body = {"id": "d1", "name": "us", "expression": {"type": "PQL", "format": "pql/text"}}
    found = await _answer(body, "retrieve_segment_definition_by_id", "d1")
    assert (found.id, found.expression) == ("d1", None)
    assert [str(p) for p in found.unparsed()] == ["SegmentDefinition at expression: Field required"]
    assert found.to_wire() == body


def _nodes(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path into a JSON value, below its root."""
    found = [path] if path else []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        found.extend(_nodes(child, (*path, key)))
    return found


def _replaced(body: Any, path: tuple[str | int, ...], new: Any) -> Any:
    body = json.loads(json.dumps(body))
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return body


_SUCCESSES = [
    (doc["operationId"], sample["request"], sample["response"])
    for doc, sample in (p.values for p in _documented())
    if isinstance(sample["response"].get("body"), dict)
]
#: A value of each JSON kind that no field type reads as something else (pydantic's lax reading
#: turns `true` into 1 in a number field, as it does "3" into 3).
_OTHER_VALUES = st.sampled_from([None, 1.5, "x?", [], ["x?", {"k": 1}], {}, {"k": [1, "x?"]}])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_documented_answer_with_any_value_swapped_is_returned_whole(data: Any) -> None:
    """Whatever value of whatever kind sits anywhere in a documented answer, the client returns
    the answer whole: the swapped value is read or kept as sent, and nothing else changes."""
    operation_id, request, response = data.draw(st.sampled_from(_SUCCESSES))
    path = data.draw(st.sampled_from(_nodes(response["body"])))
    body = _replaced(response["body"], path, data.draw(_OTHER_VALUES))
    op = REGISTRY[operation_id]

    async def call() -> Any:
        recorder = Recorder(lambda r: json_response(response["status"], body))
        async with client_for(recorder) as client:
            return await invoke(
                client,
                operation_id,
                path=_path_values(op.path, request["path"].split("?")[0].rstrip("/")),
                query=request.get("query") or {},
                body=request.get("body"),
            )

    result = anyio.run(call)
    assert_preserved(body, result.to_wire())


async def test_many_unread_values_give_five_warnings_and_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = {"children": [{"id": f"a{i}", "creationTime": "today"} for i in range(8)]}
    listed = await _answer(body, "list_audiences")
    assert [a.id for a in listed.children] == [f"a{i}" for i in range(8)]
    assert len(listed.unparsed()) == 8
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 6
    assert "Audience at children[4].creationTime" in messages[4]
    assert messages[5].startswith("listAudiences: kept as sent, did not parse: and 3 more values")
