"""Retries: 429 with Retry-After, 502/503/504 and transport failures for idempotent requests only;
a create is sent twice only when the first attempt never left. Sleep and clocks are injected."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx2
import pytest

from seg_mcp.aep import (
    AEPConnectionError,
    OutcomeUnknownError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)

from .helpers import Recorder, Sleeps, client_for, fast_retry, json_response

JOB = {"id": "job-1", "status": "NEW"}
DEFINITION = {"id": "seg-1", "name": "US"}


def _sequence(*responses: httpx2.Response | Exception):  # type: ignore[no-untyped-def]
    """A handler answering with each response in turn (raising the exceptions)."""
    queue = list(responses)

    def handle(request: httpx2.Request) -> httpx2.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handle


async def test_429_retry_after_seconds_is_honoured() -> None:
    sleeps = Sleeps()
    recorder = Recorder(
        _sequence(json_response(429, {}, **{"Retry-After": "7"}), json_response(200, DEFINITION))
    )
    async with client_for(recorder, retry=fast_retry(sleeps)) as client:
        definition = await client.retrieve_segment_definition_by_id("seg-1")
    assert definition.name == "US"
    assert sleeps.delays == [7.0]
    first, second = recorder.requests
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_429_retry_after_http_date_is_honoured() -> None:
    now = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now.replace(second=12), usegmt=True)
    sleeps = Sleeps()
    retry = RetryPolicy(sleep=sleeps, random=lambda: 0.5, wall_clock=now.timestamp)
    recorder = Recorder(
        _sequence(json_response(429, {}, **{"Retry-After": later}), json_response(200, DEFINITION))
    )
    async with client_for(recorder, retry=retry) as client:
        await client.retrieve_segment_definition_by_id("seg-1")
    assert sleeps.delays == [12.0]


async def test_retry_after_beyond_the_limit_is_raised_at_once_with_the_wait() -> None:
    sleeps = Sleeps()
    recorder = Recorder(_sequence(json_response(429, {}, **{"Retry-After": "3600"})))
    async with client_for(recorder, retry=fast_retry(sleeps)) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.list_audiences()
    assert sleeps.delays == []
    assert len(recorder.requests) == 1
    assert caught.value.retry_after == 3600
    assert caught.value.hint == "the service is throttling requests; retry after 3600 s"


async def test_429_on_a_create_is_not_resent() -> None:
    sleeps = Sleeps()
    body = {
        "requestId": "r-429",
        "title": "too many segmentation jobs in processing",
        "status": 429,
    }
    recorder = Recorder(_sequence(json_response(429, body, **{"Retry-After": "7"})))
    async with client_for(recorder, retry=fast_retry(sleeps)) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.create_segment_job(["seg-1"])
    assert len(recorder.requests) == 1
    assert sleeps.delays == []
    error = caught.value
    assert (error.status, error.retryable, error.retry_after, error.request_id) == (
        429,
        True,
        7.0,
        "r-429",
    )


async def test_get_is_retried_on_503_with_exponential_backoff() -> None:
    sleeps = Sleeps()
    recorder = Recorder(
        _sequence(json_response(503), json_response(502), json_response(200, DEFINITION))
    )
    async with client_for(recorder, retry=fast_retry(sleeps)) as client:
        definition = await client.retrieve_segment_definition_by_id("seg-1")
    assert definition.id == "seg-1"
    assert len(recorder.requests) == 3
    # equal jitter with random() = 0.5: half of min(8, 0.5 * 2**n) fixed, a quarter random
    assert sleeps.delays == [0.375, 0.75]


async def test_create_post_is_not_retried_on_503() -> None:
    sleeps = Sleeps()
    recorder = Recorder(_sequence(json_response(503), json_response(200, JOB)))
    async with client_for(recorder, retry=fast_retry(sleeps)) as client:
        with pytest.raises(ServerError) as caught:
            await client.create_segment_job(["seg-1"])
    assert len(recorder.requests) == 1
    assert sleeps.delays == []
    assert (caught.value.status, caught.value.retryable) == (503, True)


async def test_bulk_get_post_is_retried_on_504() -> None:
    recorder = Recorder(_sequence(json_response(504), json_response(207, {"results": {}})))
    async with client_for(recorder) as client:
        result = await client.bulk_get_segment_definitions(["seg-1"])
    assert result.results == {}
    assert [r.body for r in recorder.requests] == [{"ids": [{"id": "seg-1"}]}] * 2


async def test_patch_is_not_retried_on_503() -> None:
    recorder = Recorder(_sequence(json_response(503), json_response(204)))
    async with client_for(recorder) as client:
        with pytest.raises(ServerError):
            await client.update_schedule(
                "sch-1", [{"op": "add", "path": "/state", "value": "active"}]
            )
    assert len(recorder.requests) == 1


async def test_persistent_503_gives_up_after_the_configured_retries() -> None:
    sleeps = Sleeps()
    recorder = Recorder(_sequence(json_response(503, {"title": "Service Unavailable"})))
    async with client_for(recorder, retry=fast_retry(sleeps, max_retries=2)) as client:
        with pytest.raises(ServerError) as caught:
            await client.list_schedules()
    assert len(recorder.requests) == 3
    assert len(sleeps.delays) == 2
    assert caught.value.hint == "the service failed; retry later"


async def test_500_is_not_retried() -> None:
    recorder = Recorder(_sequence(json_response(500), json_response(200, DEFINITION)))
    async with client_for(recorder) as client:
        with pytest.raises(ServerError):
            await client.retrieve_segment_definition_by_id("seg-1")
    assert len(recorder.requests) == 1


async def test_create_is_resent_when_the_connection_never_opened() -> None:
    attempts = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx2.ConnectError("connection refused", request=request)
        return json_response(200, JOB)

    async with client_for(Recorder(handle)) as client:
        job = await client.create_segment_job(["seg-1"])
    assert job.id == "job-1"
    assert len(attempts) == 2


async def test_create_is_not_resent_after_a_read_timeout() -> None:
    attempts = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        attempts.append(request)
        raise httpx2.ReadTimeout("timed out", request=request)

    async with client_for(Recorder(handle)) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.create_export_job(
                {"destination": {"datasetId": "ds-1"}, "schema": {"name": "_xdm.context.profile"}}
            )
    assert len(attempts) == 1
    assert caught.value.sent is True
    assert caught.value.outcome == "unknown"
    assert caught.value.retryable is False
    assert caught.value.request_id == attempts[0].headers["x-request-id"]
    assert (caught.value.method, caught.value.path) == ("POST", "/data/core/ups/export/jobs")
    assert str(caught.value).startswith(
        "createExportJob (POST /data/core/ups/export/jobs) was sent but no answer came before the "
        "timeout (ReadTimeout: timed out): the outcome is unknown, the write may have happened"
    )


async def test_get_is_retried_after_a_dropped_connection() -> None:
    recorder = Recorder(
        _sequence(httpx2.RemoteProtocolError("peer closed"), json_response(200, DEFINITION))
    )
    async with client_for(recorder) as client:
        definition = await client.retrieve_segment_definition_by_id("seg-1")
    assert definition.id == "seg-1"
    assert len(recorder.requests) == 2


async def test_connection_failures_are_reported_after_the_last_attempt() -> None:
    recorder = Recorder(_sequence(httpx2.ConnectError("connection refused")))
    async with client_for(recorder, retry=fast_retry(max_retries=1)) as client:
        with pytest.raises(AEPConnectionError) as caught:
            await client.list_audiences()
    assert len(recorder.requests) == 2
    assert caught.value.sent is False
    assert "failed after 2 attempts (ConnectError: connection refused)" in caught.value.message


async def test_timeout_is_configurable() -> None:
    from seg_mcp.aep import AEPClient

    from .helpers import credential

    recorder = Recorder(lambda request: json_response(200, DEFINITION))
    seen = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.extensions["timeout"])
        return json_response(200, DEFINITION)

    recorder.api = capture
    async with AEPClient(
        [credential()], transport=recorder.transport, timeout=httpx2.Timeout(4.5, connect=2.0)
    ) as client:
        await client.retrieve_segment_definition_by_id("seg-1")
    assert seen == [{"connect": 2.0, "read": 4.5, "write": 4.5, "pool": 4.5}]
