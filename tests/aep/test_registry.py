"""The operation registry: every entry points at a real typed method with matching parameters, and
`invoke` turns wire-level names and strings into typed calls (or says exactly what is wrong)."""

from __future__ import annotations

import inspect

import pytest

from seg_mcp.aep import (
    REGISTRY,
    AEPClient,
    InvalidParametersError,
    UnknownOperationError,
    invoke,
    union_schema_id,
)

from .helpers import Recorder, client_for, json_response


@pytest.mark.parametrize("op", list(REGISTRY), ids=lambda op: op.operation_id)
def test_registry_entry_matches_its_method(op) -> None:  # type: ignore[no-untyped-def]
    method = getattr(AEPClient, op.method)
    params = inspect.signature(method).parameters
    assert inspect.iscoroutinefunction(method)
    for name in op.path_params:
        assert params[op.path_arg(name)].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    for param in op.query:
        assert params[param.arg].kind is inspect.Parameter.KEYWORD_ONLY
    assert ("body" in params) is (op.body is not None)
    assert params["sandbox"].default is None
    expected = {"self", "sandbox", *map(op.path_arg, op.path_params)}
    expected |= {"body"} if op.body is not None else set()
    expected |= {p.arg for p in op.query}
    assert set(params) == expected
    if op.paginator:
        iterator = getattr(AEPClient, op.paginator)
        assert "sandbox" in inspect.signature(iterator).parameters


def test_methods_are_the_operation_ids_in_snake_case() -> None:
    import re

    for op in REGISTRY.spec_operations:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", op.operation_id).lower()
        assert op.method == snake


def test_unknown_operation_suggests_the_closest_names() -> None:
    with pytest.raises(UnknownOperationError) as caught:
        REGISTRY.find("listSegmentDefinition")
    assert caught.value.suggestions[0] == "listSegmentDefinitions"
    with pytest.raises(UnknownOperationError) as caught:
        REGISTRY.find("estimate")
    assert "retrieveEstimate" in caught.value.suggestions


def test_find_accepts_case_and_method_names() -> None:
    assert REGISTRY.find("LISTAUDIENCES").operation_id == "listAudiences"
    assert REGISTRY.find("create_preview").operation_id == "createPreview"


async def test_invoke_coerces_wire_strings() -> None:
    recorder = Recorder(lambda r: json_response(200, {"entities": []}))
    async with client_for(recorder) as client:
        await invoke(
            client,
            "listFullTextIndexedObjects",
            query={
                "schema.name": "_xdm.context.segmentdefinition",
                "namespace": "AAM",
                "page": "2",
            },
        )
    # schema.name (docs spelling) is sent as the spec's schemaClass
    assert recorder.requests[0].query == {
        "schemaClass": "_xdm.context.segmentdefinition",
        "namespace": "AAM",
        "page": "2",
    }


async def test_invoke_explains_bad_parameters() -> None:
    async with client_for(Recorder()) as client:
        with pytest.raises(InvalidParametersError) as caught:
            await invoke(client, "retrieveSegmentDefinitionById")
        assert caught.value.message == (
            "retrieveSegmentDefinitionById needs path parameter(s) SEGMENT_ID"
        )
        recorder = Recorder()
    async with client_for(recorder) as client:
        # `..` would be resolved as a relative step: DELETE .../config/schedules/.. is
        # DELETE .../config; the client refuses it before sending.
        for step in (".", ".."):
            with pytest.raises(InvalidParametersError, match=r"cannot be '\.' or '\.\.'"):
                await client.delete_schedule(step)
        assert recorder.requests == []
        with pytest.raises(InvalidParametersError, match="has no query parameter 'nope'"):
            await invoke(client, "listAudiences", query={"nope": "1"})
        with pytest.raises(InvalidParametersError, match="start='ten' is not a valid int"):
            await invoke(client, "listAudiences", query={"start": "ten"})
        with pytest.raises(InvalidParametersError, match=r"needs query parameter\(s\) namespace"):
            await invoke(client, "listFullTextIndexedObjects")
        with pytest.raises(InvalidParametersError, match="takes no request body"):
            await invoke(client, "listAudiences", body={})
        with pytest.raises(InvalidParametersError, match="needs a request body"):
            await invoke(client, "createPreview")
        with pytest.raises(
            InvalidParametersError,
            match="createSegmentDefinition: invalid request body: name: Field required",
        ):
            await invoke(
                client,
                "createSegmentDefinition",
                body={"expression": {"value": "x"}, "schema": {"name": "_xdm.context.profile"}},
            )


async def test_typed_body_models_and_plain_json_send_the_same_bytes() -> None:
    from seg_mcp.aep.models import Expression, SchemaRef, SegmentDefinitionInput

    recorder = Recorder(lambda r: json_response(200, {"id": "s1"}))
    model = SegmentDefinitionInput(
        name="US",
        expression=Expression(value='homeAddress.countryISO = "US"'),
        schema=SchemaRef(name="_xdm.context.profile"),
    )
    async with client_for(recorder) as client:
        await client.create_segment_definition(model)
        await client.create_segment_definition(
            {
                "name": "US",
                "expression": {"value": 'homeAddress.countryISO = "US"'},
                "schema": {"name": "_xdm.context.profile"},
            }
        )
    first, second = (r.body for r in recorder.requests)
    assert (
        first
        == second
        == {
            "name": "US",
            "expression": {
                "type": "PQL",
                "format": "pql/text",
                "value": 'homeAddress.countryISO = "US"',
            },
            "schema": {"name": "_xdm.context.profile"},
        }
    )


async def test_union_schema_call() -> None:
    recorder = Recorder(lambda r: json_response(200, {"$id": "x", "properties": {}}))
    async with client_for(recorder) as client:
        schema = await client.get_union_schema("_xdm.context.experienceevent")
    assert schema == {"$id": "x", "properties": {}}
    (sent,) = recorder.requests
    assert sent.raw_path == (
        b"/data/foundation/schemaregistry/tenant/schemas/"
        b"https%3A%2F%2Fns.adobe.com%2Fxdm%2Fcontext%2Fexperienceevent__union"
    )
    assert sent.headers["accept"] == "application/vnd.adobe.xed-full+json;version=1"


def test_union_schema_ids() -> None:
    profile_union = "https://ns.adobe.com/xdm/context/profile__union"
    assert union_schema_id("https://ns.adobe.com/xdm/context/profile") == profile_union
    assert union_schema_id(profile_union) == profile_union
    assert union_schema_id("_xdm.context.profile") == profile_union
    assert (
        union_schema_id("_acme.classes.abc123") == "https://ns.adobe.com/acme/classes/abc123__union"
    )
