"""Sandbox scoping: each sandbox has one credential; any other sandbox is refused before any I/O."""

from __future__ import annotations

import httpx2
import pytest

from seg_mcp.aep import SandboxNotAllowedError, SandboxScope, StaticTokenProvider

from .helpers import Recorder, client_for, credential, ims_provider, json_response


async def test_sandbox_outside_the_profiles_is_refused_with_no_request_sent() -> None:
    recorder = Recorder()
    creds = [credential(("dev", "qa"), provider=ims_provider())]
    async with client_for(recorder, credentials=creds) as client:
        with pytest.raises(SandboxNotAllowedError) as caught:
            await client.create_segment_job(["seg-1"], sandbox="prod")
    assert recorder.requests == []
    assert recorder.ims.fetches == 0, "not even a token is fetched"
    error = caught.value
    assert error.message == (
        "sandbox 'prod' is not allowed by any credential profile; allowed sandboxes: dev, qa"
    )
    assert (error.sandbox, error.allowed) == ("prod", ("dev", "qa"))


async def test_iterators_refuse_before_any_request_too() -> None:
    recorder = Recorder()
    async with client_for(recorder) as client:
        with pytest.raises(SandboxNotAllowedError):
            async for _ in client.iter_audiences(sandbox="prod"):
                pass
    assert recorder.requests == []


async def test_default_sandbox_is_used_when_none_is_given() -> None:
    recorder = Recorder(lambda r: json_response(200, {"children": []}))
    creds = [credential(("qa", "dev"))]
    async with client_for(recorder, credentials=creds, default_sandbox="dev") as client:
        await client.list_schedules()
        await client.list_schedules(sandbox="qa")
    assert [r.headers["x-sandbox-name"] for r in recorder.requests] == ["dev", "qa"]


async def test_each_sandbox_uses_its_own_profile() -> None:
    recorder = Recorder(lambda r: json_response(200, {"children": []}))
    acme = credential(
        ("acme-dev",),
        name="acme",
        org="ACME@AdobeOrg",
        api_key="acme-key",
        provider=StaticTokenProvider("acme-token"),
    )
    globex = credential(
        ("globex-prod",),
        name="globex",
        org="GLOBEX@AdobeOrg",
        api_key="globex-key",
        provider=StaticTokenProvider("globex-token"),
        platform_url="https://platform-stage.example.test",
    )
    async with client_for(recorder, credentials=[acme, globex]) as client:
        await client.list_audiences(sandbox="globex-prod")
        await client.list_audiences(sandbox="acme-dev")
    seen = [
        (
            r.headers["host"],
            r.headers["x-gw-ims-org-id"],
            r.headers["x-api-key"],
            r.headers["authorization"],
            r.headers["x-sandbox-name"],
        )
        for r in recorder.requests
    ]
    assert seen == [
        (
            "platform-stage.example.test",
            "GLOBEX@AdobeOrg",
            "globex-key",
            "Bearer globex-token",
            "globex-prod",
        ),
        ("platform.example.test", "ACME@AdobeOrg", "acme-key", "Bearer acme-token", "acme-dev"),
    ]


def test_a_sandbox_cannot_belong_to_two_profiles() -> None:
    with pytest.raises(ValueError, match="sandbox 'dev' is allowed by two profiles"):
        SandboxScope([credential(("dev",), name="a"), credential(("dev",), name="b")])


def test_the_default_sandbox_must_be_allowed() -> None:
    with pytest.raises(SandboxNotAllowedError, match="allowed sandboxes: dev"):
        SandboxScope([credential(("dev",))], default_sandbox="prod")


async def test_client_reports_its_scope() -> None:
    async with client_for(Recorder(), credentials=[credential(("dev", "qa"))]) as client:
        assert client.sandboxes == ("dev", "qa")
        assert client.default_sandbox == "dev"
        assert repr(client) == "AEPClient(sandboxes=['dev', 'qa'], default_sandbox='dev')"


async def test_client_uses_a_caller_supplied_http_client() -> None:
    from seg_mcp.aep import AEPClient

    recorder = Recorder(lambda r: json_response(200, {"children": []}))
    async with httpx2.AsyncClient(transport=recorder.transport) as http:
        client = AEPClient([credential()], http_client=http)
        await client.list_schedules()
        await client.aclose()  # does not close a client it does not own
        assert not http.is_closed
    assert len(recorder.requests) == 1
