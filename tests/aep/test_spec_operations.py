"""Every operation in Adobe's spec, called through the typed client against a recording transport.

For each of the 35 operationIds: method, path (with encoded path parameters), query, headers and
body of the request the client sends are checked against the spec, and every response example the
spec documents (or one built from the response schema when it documents none) is parsed into the
operation's model without losing a field. Error examples become the right `APIError`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx2
import jsonschema
import pytest
from pydantic import BaseModel

from seg_mcp.aep import REGISTRY, APIError, invoke
from seg_mcp.aep.registry import OperationRegistry

from .helpers import ORG, PLATFORM, Recorder, client_for, load_spec
from .spec_tools import SpecOperation, assert_preserved, inline, spec_operations

#: Query parameters beyond the spec, each documented in the reference (§2.2, §3.2).
DOCUMENTED_EXTRA_QUERY = {
    "listSegmentDefinitions": {
        "evaluationInfo.continuous.enabled",
        "evaluationInfo.synchronous.enabled",
    },
}


def _operation_ids() -> list[str]:
    return sorted(spec_operations(load_spec()))


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="module")
def spec_ops(spec: dict[str, Any]) -> dict[str, SpecOperation]:
    return spec_operations(spec)


def test_the_spec_has_35_operations_and_all_are_registered(
    spec_ops: dict[str, SpecOperation],
) -> None:
    assert len(spec_ops) == 35
    registered = {op.operation_id for op in REGISTRY.spec_operations}
    assert set(spec_ops) - registered == set(), "operations in the spec without a client method"
    assert registered - set(spec_ops) == set(), "registered as spec operations but not in the spec"


def test_a_missing_operation_fails_the_coverage_check(spec_ops: dict[str, SpecOperation]) -> None:
    """The coverage check above is not vacuous: drop one operation and it reports it."""
    partial = OperationRegistry(tuple(op for op in REGISTRY if op.operation_id != "createPreview"))
    registered = {op.operation_id for op in partial.spec_operations}
    assert set(spec_ops) - registered == {"createPreview"}


def _path_values(sop: SpecOperation) -> dict[str, str]:
    values = {p["name"]: str(sop.example_value(p)) for p in sop.params("path")}
    # Exercise encoding with a value that needs it wherever the spec gives no example.
    for p in sop.params("path"):
        if "example" not in p and "example" not in p.get("schema", {}):
            values[p["name"]] = f"{p['name'].lower()}/1 a=b"
    return values


def _query_values(sop: SpecOperation) -> dict[str, Any]:
    return {p["name"]: sop.example_value(p) for p in sop.params("query")}


def _api_handler(status: int, body: Any):  # type: ignore[no-untyped-def]
    def handle(request: httpx2.Request) -> httpx2.Response:
        if body is None:
            return httpx2.Response(status)
        return httpx2.Response(status, json=body)

    return handle


@pytest.mark.parametrize("operation_id", _operation_ids())
async def test_operation_matches_the_spec(
    operation_id: str, spec: dict[str, Any], spec_ops: dict[str, SpecOperation]
) -> None:
    sop = spec_ops[operation_id]
    op = REGISTRY.find(operation_id)  # UnknownOperationError fails the test
    assert (op.http_method, op.path) == (sop.method, sop.path)

    spec_query = {p["name"] for p in sop.params("query")}
    client_query = {p.name for p in op.query}
    assert spec_query <= client_query, f"query parameters missing: {spec_query - client_query}"
    assert client_query - spec_query <= DOCUMENTED_EXTRA_QUERY.get(operation_id, set())
    for p in sop.params("query"):
        if p.get("required"):
            assert op.query_param(p["name"]).required  # type: ignore[union-attr]

    path = _path_values(sop)
    query = _query_values(sop)
    expected_path = "/data/core/ups" + re.sub(
        r"{(\w+)}", lambda m: quote(path[m.group(1)], safe=""), sop.path
    )
    bodies = sop.request_examples() or [("no body", None)]
    request_schema = sop.request_schema()
    success = [(s, name, b) for s, name, b in sop.responses() if 200 <= s < 300]
    assert success, "the spec documents no success response"
    status, _, response_body = success[0]

    for body_name, body in bodies:
        recorder = Recorder(_api_handler(status, response_body))
        async with client_for(recorder) as client:
            await invoke(client, operation_id, path=path, query=query, body=body)
        (sent,) = recorder.requests
        assert sent.method == sop.method
        assert sent.raw_path.decode() == expected_path
        assert sent.query == {k: str(v) for k, v in query.items()}
        assert sent.body == body, f"request body ({body_name}) was altered"
        if request_schema is not None:
            jsonschema.validate(sent.body, inline(spec, request_schema))
        _check_headers(sop, sent, has_body=body is not None)


def _check_headers(sop: SpecOperation, sent: Any, *, has_body: bool) -> None:
    h = sent.headers
    assert h["authorization"] == "Bearer static-token"
    assert h["x-api-key"] == "test-client-id"
    assert h["x-gw-ims-org-id"] == ORG
    assert h["x-sandbox-name"] == "dev"
    assert re.fullmatch(r"[0-9a-f]{32}", h["x-request-id"])
    assert (h.get("content-type") == "application/json") is has_body
    for p in sop.params("header"):
        if p["name"].lower() == "x-ups-search-version":
            assert h["x-ups-search-version"] == "1.0"
        # The spec also lists Content-Type on body-less schedule GET/DELETE; the gateway only
        # wants it with a body (reference §1.2, §1.4), so it is checked above instead.
        if p.get("required") and p["name"].lower() != "content-type":
            assert p["name"].lower() in h, f"required header {p['name']} not sent"


def _success_cases() -> list[tuple[str, int, str]]:
    cases = []
    for op_id, sop in sorted(spec_operations(load_spec()).items()):
        for status, name, _ in sop.responses():
            if 200 <= status < 300:
                cases.append((op_id, status, name))
    return cases


@pytest.mark.parametrize(("operation_id", "status", "example"), _success_cases())
async def test_success_examples_parse_into_the_models(
    operation_id: str, status: int, example: str, spec_ops: dict[str, SpecOperation]
) -> None:
    sop = spec_ops[operation_id]
    op = REGISTRY.find(operation_id)
    body = next(b for s, n, b in sop.responses() if s == status and n == example)
    recorder = Recorder(_api_handler(status, body))
    request_body = (sop.request_examples() or [("", None)])[0][1]
    async with client_for(recorder) as client:
        result = await invoke(
            client,
            operation_id,
            path=_path_values(sop),
            query=_query_values(sop),
            body=request_body,
        )
    if body is None:
        assert result is None, "a success without a body gives None"
        return
    assert isinstance(result, BaseModel), f"{op.operation_id} returned {type(result).__name__}"
    assert result.unparsed() == [], "every value of the example parses into its field"
    wire = result.to_wire()
    if operation_id == "listSegmentDefinitions" and "segments" not in body:
        # The spec types this list as a single definition (reference §13.6): it becomes one item.
        assert len(wire["segments"]) == 1
        wire = wire["segments"][0]
    assert_preserved(json.loads(json.dumps(body)), wire)  # YAML int keys are strings on the wire


def _error_cases() -> list[tuple[str, int, str]]:
    cases = []
    for op_id, sop in sorted(spec_operations(load_spec()).items()):
        for status, name, body in sop.responses():
            if status >= 400 and body is not None:
                cases.append((op_id, status, name))
    return cases


@pytest.mark.parametrize(("operation_id", "status", "example"), _error_cases())
async def test_error_examples_become_api_errors(
    operation_id: str, status: int, example: str, spec_ops: dict[str, SpecOperation]
) -> None:
    sop = spec_ops[operation_id]
    body = next(b for s, n, b in sop.responses() if s == status and n == example)
    recorder = Recorder(_api_handler(status, body))
    request_body = (sop.request_examples() or [("", None)])[0][1]
    async with client_for(recorder) as client:
        with pytest.raises(APIError) as caught:
            await invoke(
                client,
                operation_id,
                path=_path_values(sop),
                query=_query_values(sop),
                body=request_body,
            )
    error = caught.value
    assert len(recorder.requests) == 1, "an error example must not be retried"
    assert error.status == status
    assert error.request_id == body["requestId"]
    first_entry = next(iter(body["errors"].values()))[0]
    if "type" in body:
        assert error.code == body["type"].rsplit("/", 1)[-1]
        assert body["title"].strip().rstrip(".") in error.message
    else:  # one example nests type/title inside "errors"
        assert error.code == first_entry["code"]
    assert str(first_entry["message"]).split(".")[0][:40] in error.message
    assert error.message.startswith(f"{sop.method} /data/core/ups")
    assert PLATFORM not in error.message
