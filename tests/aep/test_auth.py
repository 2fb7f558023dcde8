"""IMS OAuth Server-to-Server tokens: one fetch under concurrency, refresh ahead of expiry, one
re-fetch and retry on a 401; static tokens; a signed-in person's tokens (refresh_token grant)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx2
import pytest
from pydantic import SecretStr

from seg_mcp.aep import (
    AuthenticationError,
    StaticTokenProvider,
    UnauthorizedError,
    UserTokenProvider,
)

from .helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    IMS,
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


# -- a signed-in person's tokens (refresh_token grant) -------------------------------------------

REFRESH = "rt-DISTINCT-refresh-0001"


@dataclass
class RotatingIMS(FakeIMS):
    """Answers the refresh_token grant with tok-N and a new refresh token each time (IMS may
    rotate), refusing refresh tokens it has replaced."""

    current: str = REFRESH

    async def handle(self, request: httpx2.Request) -> httpx2.Response:
        form = dict(parse_qsl(request.content.decode()))
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") != self.current:
            self.forms.append(form)
            return httpx2.Response(
                400, json={"error": "invalid_grant", "error_description": "refresh token revoked"}
            )
        response = await super().handle(request)
        if self.fail_with is not None:
            return response
        self.current = f"rt-DISTINCT-refresh-{self.fetches + 1:04d}"
        body = {**response.json(), "refresh_token": self.current}
        return httpx2.Response(200, json=body)


def user_provider(kept: list[SecretStr], **kwargs: Any) -> UserTokenProvider:
    kwargs.setdefault("retry", fast_retry())
    return UserTokenProvider(
        client_id=CLIENT_ID,
        refresh_token=kwargs.pop("refresh_token", REFRESH),
        ims_url=IMS,
        user="alice@example.com",
        on_refresh_token=kept.append,
        reauth_hint="run `seg-mcp login`",
        **kwargs,
    )


async def test_user_tokens_come_from_the_refresh_token_once_under_concurrency() -> None:
    kept: list[SecretStr] = []
    ims = RotatingIMS(delay=0.01)
    recorder = Recorder(_ok, ims)
    provider = user_provider(kept)
    client = client_for(recorder, credentials=[credential(provider=provider)])
    async with client, anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(client.retrieve_segment_definition_by_id, "seg-1")
    assert ims.forms == [
        {"grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID}
    ]  # a Native App (public client): no secret
    assert _tokens(recorder) == ["Bearer tok-1"] * 20
    assert [k.get_secret_value() for k in kept] == ["rt-DISTINCT-refresh-0002"]


async def test_a_rotated_refresh_token_is_used_next_and_handed_to_the_callback() -> None:
    clock = Clock()
    kept: list[SecretStr] = []
    ims = RotatingIMS(expires_in=3600)
    recorder = Recorder(_ok, ims)
    provider = user_provider(kept, clock=clock, client_secret="web-app-SECRET-x")
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        await client.retrieve_segment_definition_by_id("seg-1")
        clock.now += 3301  # inside the 300 s margin: refreshed ahead of expiry
        await client.retrieve_segment_definition_by_id("seg-1")
    assert [f["refresh_token"] for f in ims.forms] == [REFRESH, "rt-DISTINCT-refresh-0002"]
    assert all(f["client_secret"] == "web-app-SECRET-x" for f in ims.forms)  # a Web App
    assert [k.get_secret_value() for k in kept] == [
        "rt-DISTINCT-refresh-0002",
        "rt-DISTINCT-refresh-0003",
    ]
    assert _tokens(recorder) == ["Bearer tok-1", "Bearer tok-2"]
    assert provider.expires_in() == 3600


async def test_a_refused_refresh_says_to_sign_in_again_without_quoting_the_token() -> None:
    recorder = Recorder(_ok, RotatingIMS(current="another"))
    provider = user_provider([], client_secret="web-app-SECRET-x")
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.retrieve_segment_definition_by_id("seg-1")
    error = caught.value
    assert error.code == "invalid_grant" and error.status == 400
    assert error.hint == "the sign-in has expired or was revoked: run `seg-mcp login`"
    assert "refresh the sign-in for client id test-client-id" in error.message
    text = str(error) + repr(error) + repr(provider)
    assert REFRESH not in text and "web-app-SECRET-x" not in text
    assert repr(provider) == (
        "UserTokenProvider(client_id='test-client-id', user='alice@example.com', "
        "refresh_token=SecretStr('**********'), client_secret=SecretStr('**********'), "
        "token_url='https://ims.example.test/ims/token/v3')"
    )


async def test_a_failing_store_callback_does_not_fail_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(token: SecretStr) -> None:
        raise OSError("disk full")

    recorder = Recorder(_ok, RotatingIMS())
    provider = user_provider([], retry=fast_retry())
    provider._on_refresh_token = broken
    async with client_for(recorder, credentials=[credential(provider=provider)]) as client:
        await client.retrieve_segment_definition_by_id("seg-1")
    assert "could not store the new refresh token IMS issued (OSError)" in caplog.text
    assert "rt-DISTINCT" not in caplog.text
    assert set(provider.secrets()) == {"rt-DISTINCT-refresh-0002", "tok-1"}
