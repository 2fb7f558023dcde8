"""The failure contract: every failed call is NOT SENT, FAILED or OUTCOME UNKNOWN (`outcome`), and
a non-idempotent write is never sent twice once it may have left."""

from __future__ import annotations

import httpx2
import pytest

from seg_mcp.aep import (
    AEPConnectionError,
    OutcomeUnknownError,
    RateLimitError,
    SandboxNotAllowedError,
    ServerError,
)

from .helpers import Recorder, client_for, fast_retry, json_response

DEFINITION = {
    "name": "US",
    "schema": {"name": "_xdm.context.profile"},
    "expression": {"type": "PQL", "format": "pql/text", "value": "true"},
}


def _always(item: httpx2.Response | Exception):  # type: ignore[no-untyped-def]
    def handle(request: httpx2.Request) -> httpx2.Response:
        if isinstance(item, Exception):
            raise item
        return item

    return handle


@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_on_a_create_is_an_unknown_outcome_sent_once(status: int) -> None:
    body = {"title": "Gateway Timeout", "status": status}
    recorder = Recorder(_always(json_response(status, body)))
    async with client_for(recorder) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.create_segment_definition(DEFINITION)
    assert len(recorder.requests) == 1
    error = caught.value
    assert (error.outcome, error.status, error.retryable) == ("unknown", status, False)
    assert error.request_id == recorder.requests[0].headers["x-request-id"]
    assert error.operation_id == "createSegmentDefinition"
    assert (error.method, error.path) == ("POST", "/data/core/ups/segment/definitions")
    assert f"a gateway answered HTTP {status}" in str(error)
    assert "look for the object before sending the request again" in str(error)
    assert error.to_dict()["outcome"] == "unknown"


async def test_a_reset_after_sending_a_create_is_an_unknown_outcome() -> None:
    recorder = Recorder(_always(httpx2.RemoteProtocolError("peer closed connection")))
    async with client_for(recorder) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.create_segment_job(["seg-1"])
    assert len(recorder.requests) == 1
    assert "the connection closed before the answer (RemoteProtocolError" in str(caught.value)


async def test_an_idempotent_write_is_retried_then_unknown() -> None:
    recorder = Recorder(_always(httpx2.ReadError("reset")))
    async with client_for(recorder, retry=fast_retry(max_retries=2)) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.delete_segment_definition("seg-1")
    assert len(recorder.requests) == 3
    assert caught.value.method == "DELETE"
    assert caught.value.request_id == recorder.requests[-1].headers["x-request-id"]


async def test_a_read_without_an_answer_is_failed_not_unknown() -> None:
    recorder = Recorder(_always(httpx2.ReadError("reset")))
    async with client_for(recorder, retry=fast_retry(max_retries=1)) as client:
        with pytest.raises(AEPConnectionError) as caught:
            await client.list_audiences()
    assert (caught.value.sent, caught.value.outcome) == (True, "failed")


async def test_a_connection_never_opened_is_not_sent() -> None:
    recorder = Recorder(_always(httpx2.ConnectError("connection refused")))
    async with client_for(recorder, retry=fast_retry(max_retries=1)) as client:
        with pytest.raises(AEPConnectionError) as caught:
            await client.create_segment_definition(DEFINITION)
    assert (caught.value.sent, caught.value.outcome) == (False, "not_sent")


async def test_a_refusal_before_sending_is_not_sent() -> None:
    recorder = Recorder(_always(json_response(200, {})))
    async with client_for(recorder) as client:
        with pytest.raises(SandboxNotAllowedError) as caught:
            await client.create_segment_definition(DEFINITION, sandbox="elsewhere")
    assert recorder.requests == []
    assert caught.value.outcome == "not_sent"


@pytest.mark.parametrize(
    ("status", "error_type"), [(503, ServerError), (429, RateLimitError), (500, ServerError)]
)
async def test_an_answered_error_on_a_create_is_failed(status: int, error_type: type) -> None:
    recorder = Recorder(_always(json_response(status, {"title": "no", "status": status})))
    async with client_for(recorder) as client:
        with pytest.raises(error_type) as caught:
            await client.create_segment_definition(DEFINITION)
    assert len(recorder.requests) == 1
    assert caught.value.outcome == "failed"
