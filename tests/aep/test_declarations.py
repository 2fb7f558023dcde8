"""`@operation`: a declared stub becomes a typed call, the registry reads the declarations off the
client class, and a stub that disagrees with its path or body is refused when it is declared."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from seg_mcp.aep import REGISTRY, AEPClient
from seg_mcp.aep.models import Audience, AudienceInput
from seg_mcp.aep.operation import Query, SandboxName, operation
from seg_mcp.aep.registry import declared_operations

from .helpers import Recorder, client_for, credential, json_response


class ExtendedClient(AEPClient):
    @operation("findAudienceByName", "GET", "/audiences/by-name/{NAME}", summary="(a test)")
    async def find_audience_by_name(
        self,
        name: str,
        *,
        entity_type: Annotated[str | None, Query("e.g. _xom.context.account")] = None,
        sandbox: SandboxName = None,
    ) -> Audience:
        raise NotImplementedError


async def test_a_declaration_is_the_method_and_the_registry_entry() -> None:
    recorder = Recorder(lambda r: json_response(200, {"id": "a1", "name": "a/b"}))
    async with ExtendedClient([credential()], transport=recorder.transport) as client:
        found = await client.find_audience_by_name("a/b", entity_type="_xdm.context.profile")
    assert isinstance(found, Audience) and found.id == "a1"
    (sent,) = recorder.requests
    assert sent.raw_path == b"/data/core/ups/audiences/by-name/a%2Fb"
    assert sent.query == {"entityType": "_xdm.context.profile"}
    ops = declared_operations(ExtendedClient)
    assert [op.operation_id for op in ops] == [
        "findAudienceByName",
        *(op.operation_id for op in REGISTRY),
    ]


def test_the_registry_is_read_off_the_client_class() -> None:
    ops = declared_operations(AEPClient)
    assert tuple(REGISTRY) == ops
    assert [op.operation_id for op in ops[:2]] == ["listAudiences", "createAudience"]
    assert all(callable(getattr(AEPClient, op.method)) for op in ops)


def _declare(path: str, stub: Any, **options: Any) -> None:
    operation("brokenOp", "POST", path, summary="(a test)", **options)(stub)


def test_a_stub_that_disagrees_with_its_path_is_refused() -> None:
    async def broken(self: Any, audience_id: str, *, sandbox: SandboxName = None) -> Audience:
        raise NotImplementedError

    with pytest.raises(TypeError, match=r"broken \(brokenOp\): positional parameters fill"):
        _declare("/audiences/{SEGMENT_ID}", broken)


def test_a_body_parameter_goes_with_a_body_model() -> None:
    async def no_model(self: Any, body: dict[str, Any], *, sandbox: SandboxName = None) -> Audience:
        raise NotImplementedError

    with pytest.raises(TypeError, match="a `body` parameter goes with `body=`"):
        _declare("/audiences", no_model)

    async def no_parameter(self: Any, *, sandbox: SandboxName = None) -> Audience:
        raise NotImplementedError

    with pytest.raises(TypeError, match="a `body` parameter goes with `body=`"):
        _declare("/audiences", no_parameter, body=AudienceInput)


def test_every_stub_takes_a_keyword_only_sandbox() -> None:
    async def no_sandbox(self: Any) -> Audience:
        raise NotImplementedError

    with pytest.raises(TypeError, match="keyword-only `sandbox: SandboxName = None`"):
        _declare("/audiences", no_sandbox)


async def test_a_malformed_call_raises_the_usual_type_error_before_sending() -> None:
    recorder = Recorder()
    async with client_for(recorder) as client:
        get: Any = client.get_audience
        with pytest.raises(TypeError, match="audience_id"):
            await get()
        with pytest.raises(TypeError, match="nope"):
            await get("a1", nope=1)
        with pytest.raises(TypeError, match="multiple values"):
            await get("a1", audience_id="a2")
        with pytest.raises(TypeError, match="positional"):
            await get("a1", "dev")
    assert recorder.requests == []
