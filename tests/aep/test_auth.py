"""IMS OAuth Server-to-Server tokens: one fetch under concurrency, refresh ahead of expiry, one
re-fetch and retry on a 401; static tokens."""

from __future__ import annotations

import anyio
import httpx2
import pytest

from seg_mcp.aep import AuthenticationError, StaticTokenProvider, UnauthorizedError

from .helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeIMS,
    Recorder,
    Sleeps,
    client_for,
    credential,
    fast_retry,
    ims_provider,
    json_response,
)

DEFINITION = {"id": "seg-1", "name": "US", "expression": {"value": 'homeAddress.countryISO = "US"'}}
INVALID_TOKEN = {"error_code": "401013", "message": "Oauth token is not valid"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ok(request: httpx2.Request) -> httpx2.Response:
    return json_response(200, DEFINITION)


def _tokens(recorder: Recorder) -> list[str]:
    return [r.headers["authorization"] for r in recorder.requests]


async def test_many_concurrent_calls_share_one_token_fetch() -> None:
    recorder = Recorder(_ok, FakeIMS(delay=0.01))
    provider = ims_provider()
    client = client_for(recorder, credentials=[credential(provider=provider)])
    async with client, anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(client.retrieve_segment_definition_by_id, "seg-1")
    assert recorder.ims.fetches == 1
    assert _tokens(recorder) == ["Bearer tok-1"] * 50
    assert recorder.ims.forms == [
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "openid,AdobeID,read_organizations,additional_info.projectedProductContext",
        }
    ]


async def test_token_is_refreshed_ahead_of_expiry() -> None:
    clock = Clock()
    recorder = Recorder(_ok, FakeIMS(expires_in=3600))
    provider = ims_provider(clock=clock, refresh_margin=300)
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        await client.retrieve_segment_definition_by_id("seg-1")
        clock.now += 3299  # 301 s of life left: still used
        await client.retrieve_segment_definition_by_id("seg-1")
        clock.now += 2  # inside the 300 s margin, 299 s before expiry: refreshed
        await client.retrieve_segment_definition_by_id("seg-1")
    assert recorder.ims.fetches == 2
    assert _tokens(recorder) == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


async def test_failed_refresh_keeps_using_a_still_valid_token_then_fails_once_expired() -> None:
    clock = Clock()
    ims = FakeIMS(expires_in=3600)
    recorder = Recorder(_ok, ims)
    provider = ims_provider(clock=clock, refresh_margin=300)
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        await client.retrieve_segment_definition_by_id("seg-1")
        ims.fail_with = (400, {"error": "invalid_client", "error_description": "bad secret"})
        clock.now += 3400
        await client.retrieve_segment_definition_by_id("seg-1")
        assert _tokens(recorder)[-1] == "Bearer tok-1"
        clock.now += 201  # expired now
        with pytest.raises(AuthenticationError) as caught:
            await client.retrieve_segment_definition_by_id("seg-1")
    assert caught.value.status == 400
    assert caught.value.code == "invalid_client"
    assert len(recorder.requests) == 2, "no API request goes out without a token"


async def test_401_fetches_one_new_token_and_retries() -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        if request.headers["authorization"] == "Bearer tok-1":
            return json_response(401, INVALID_TOKEN)
        return json_response(200, DEFINITION)

    recorder = Recorder(api)
    provider = ims_provider()
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        definition = await client.retrieve_segment_definition_by_id("seg-1")
    assert definition.id == "seg-1"
    assert recorder.ims.fetches == 2
    assert _tokens(recorder) == ["Bearer tok-1", "Bearer tok-2"]


async def test_401_on_a_create_is_retried_too_since_the_gateway_refused_it() -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        if request.headers["authorization"] == "Bearer tok-1":
            return json_response(401, INVALID_TOKEN)
        return json_response(200, {"id": "job-1", "status": "NEW"})

    recorder = Recorder(api)
    async with client_for(recorder, credentials=[credential(provider=ims_provider())]) as client:
        job = await client.create_segment_job(["seg-1"])
    assert job.id == "job-1"
    assert [r.body for r in recorder.requests] == [[{"segmentId": "seg-1"}]] * 2


async def test_a_second_401_is_raised_after_exactly_one_refresh() -> None:
    recorder = Recorder(lambda request: json_response(401, INVALID_TOKEN))
    async with client_for(recorder, credentials=[credential(provider=ims_provider())]) as client:
        with pytest.raises(UnauthorizedError) as caught:
            await client.retrieve_segment_definition_by_id("seg-1")
    assert recorder.ims.fetches == 2
    assert len(recorder.requests) == 2
    assert caught.value.status == 401
    assert caught.value.code == "401013"
    assert "Oauth token is not valid" in caught.value.message


async def test_concurrent_401s_cause_a_single_refresh() -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        if request.headers["authorization"] == "Bearer tok-1":
            return json_response(401, INVALID_TOKEN)
        return json_response(200, DEFINITION)

    recorder = Recorder(api, FakeIMS(delay=0.01))
    client = client_for(recorder, credentials=[credential(provider=ims_provider())])
    async with client, anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(client.retrieve_segment_definition_by_id, "seg-1")
    assert recorder.ims.fetches == 2
    assert sorted(_tokens(recorder)) == ["Bearer tok-1"] * 20 + ["Bearer tok-2"] * 20


async def test_static_token_401_is_not_retried_and_says_what_to_do() -> None:
    recorder = Recorder(lambda request: json_response(401, INVALID_TOKEN))
    provider = StaticTokenProvider("my-static-token")
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        with pytest.raises(UnauthorizedError) as caught:
            await client.list_audiences()
    assert len(recorder.requests) == 1
    assert recorder.requests[0].headers["authorization"] == "Bearer my-static-token"
    assert "static access token was rejected" in str(caught.value.hint)


async def test_ims_rejection_is_an_authentication_error_and_not_retried() -> None:
    ims = FakeIMS(fail_with=(400, {"error": "invalid_client", "error_description": "bad creds"}))
    recorder = Recorder(_ok, ims)
    async with client_for(recorder, credentials=[credential(provider=ims_provider())]) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.list_audiences()
    error = caught.value
    assert (error.status, error.code, error.retryable) == (400, "invalid_client", False)
    assert error.message == f"IMS refused the token request for client id {CLIENT_ID}: bad creds"
    assert error.hint == "check the client id and client secret of this credential"
    assert ims.fetches == 1
    assert recorder.requests == []


async def test_ims_outage_is_retried_then_reported_as_retryable() -> None:
    sleeps = Sleeps()
    ims = FakeIMS(fail_with=(503, {"error": "server_error"}))
    recorder = Recorder(_ok, ims)
    provider = ims_provider(retry=fast_retry(sleeps))
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.list_audiences()
    assert ims.fetches == 4  # 1 + 3 retries
    assert sleeps.delays == [0.375, 0.75, 1.5]
    assert caught.value.retryable is True


async def test_concurrent_callers_share_one_failed_fetch() -> None:
    ims = FakeIMS(delay=0.01, fail_with=(401, {"error": "invalid_client"}))
    recorder = Recorder(_ok, ims)
    errors: list[BaseException] = []
    async with client_for(recorder, credentials=[credential(provider=ims_provider())]) as client:

        async def call() -> None:
            try:
                await client.list_audiences()
            except AuthenticationError as exc:
                errors.append(exc)

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(call)
    assert len(errors) == 10
    assert ims.fetches == 1


async def test_millisecond_expires_in_from_the_old_jwt_exchange_is_understood() -> None:
    clock = Clock()
    recorder = Recorder(_ok, FakeIMS(expires_in=86_399_992))
    provider = ims_provider(clock=clock)
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        await client.list_audiences()
        clock.now += 86_399 - 301  # just outside the refresh margin of a ~24 h token
        await client.list_audiences()
        clock.now += 2
        await client.list_audiences()
    assert recorder.ims.fetches == 2
