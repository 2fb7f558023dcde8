"""Non-2xx bodies in each of Adobe's error shapes become one exception tree; bad 2xx bodies too."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from seg_mcp.aep import (
    AEPError,
    APIError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ResponseFormatError,
    ServerError,
)

from .helpers import Recorder, client_for, json_response


async def _error_for(response: httpx2.Response) -> APIError:
    recorder = Recorder(lambda request: response)
    async with client_for(recorder) as client:
        with pytest.raises(APIError) as caught:
            await client.retrieve_segment_definition_by_id("seg-1")
    return caught.value


@pytest.mark.parametrize(
    ("status", "body", "cls", "code", "message"),
    [
        (
            403,
            {"error_code": "403027", "message": "User region is missing"},
            ForbiddenError,
            "403027",
            "User region is missing",
        ),
        (
            400,
            {
                "type": "/placeholder/type/uri",
                "status": 400,
                "title": "BadRequestError",
                "detail": "A valid content-type must be specified",
            },
            BadRequestError,
            None,
            "BadRequestError: A valid content-type must be specified",
        ),
        (
            404,
            {
                "status": 404,
                "title": "Sandbox not found",
                "type": "http://ns.adobe.com/aep/errors/SMS-2074-400",
            },
            NotFoundError,
            "SMS-2074-400",
            "Sandbox not found",
        ),
        (
            422,
            {
                "requestId": "abc",
                "errors": {"422": [{"code": 422, "message": "Segment already exists"}]},
            },
            ConflictError,
            None,
            "Segment already exists",
        ),
        (
            500,
            {"errors": [{"code": "0100000003", "msg": "Error in Export Job", "callStack": "x"}]},
            ServerError,
            None,
            "Error in Export Job",
        ),
    ],
)
async def test_each_error_shape(
    status: int, body: dict[str, Any], cls: type[APIError], code: str | None, message: str
) -> None:
    error = await _error_for(json_response(status, body))
    assert type(error) is cls
    assert error.status == status
    assert error.code == code
    assert error.message == f"GET /data/core/ups/segment/definitions/seg-1: {message}"
    assert error.body == body


async def test_secondary_messages_are_kept() -> None:
    body = {
        "requestId": "fggdhz",
        "errors": {
            "400": [
                {"code": 400, "message": "There is a problem extracting the user JSON."},
                {"code": 400, "message": "No usable value for name"},
            ]
        },
        "type": "https://ns.adobe.com/aep/errors/UPLIB-101206-500",
        "title": "There is a problem extracting the user JSON.",
        "status": 400,
    }
    error = await _error_for(json_response(400, body))
    assert error.message.endswith(
        ": There is a problem extracting the user JSON. (No usable value for name)"
    )
    assert (error.code, error.request_id) == ("UPLIB-101206-500", "fggdhz")


async def test_non_json_error_body_and_request_id_fallback() -> None:
    response = httpx2.Response(
        502, text="<html><body>Bad Gateway</body></html>", headers={"x-request-id": "gw-77"}
    )
    recorder = Recorder(lambda request: response)
    async with client_for(recorder, retry=None) as client:
        client.retry = client.retry.__class__(max_retries=0)
        with pytest.raises(ServerError) as caught:
            await client.retrieve_segment_definition_by_id("seg-1")
    error = caught.value
    assert error.message.endswith(": <html><body>Bad Gateway</body></html>")
    assert (error.request_id, error.retryable) == ("gw-77", True)


async def test_request_id_falls_back_to_the_one_we_sent() -> None:
    recorder = Recorder(lambda request: httpx2.Response(404))
    async with client_for(recorder) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_audience("a-1")
    assert caught.value.request_id == recorder.requests[0].headers["x-request-id"]
    assert caught.value.message == "GET /data/core/ups/audiences/a-1: Not Found"
    assert caught.value.hint == "check the id and the sandbox: every resource lives in one sandbox"


def test_error_text_and_json_view() -> None:
    error = NotFoundError(
        "GET /x: gone", status=404, code="UPAPI-113430-404", request_id="r1", hint="check the id"
    )
    assert str(error) == "HTTP 404 UPAPI-113430-404: GET /x: gone (request id r1). check the id"
    assert error.to_dict() == {
        "error": "NotFoundError",
        "outcome": "failed",
        "status": 404,
        "code": "UPAPI-113430-404",
        "message": "GET /x: gone",
        "request_id": "r1",
        "retryable": False,
        "hint": "check the id",
    }
    assert isinstance(error, AEPError)


async def test_a_2xx_body_of_the_wrong_shape_without_a_model_is_a_response_format_error() -> None:
    # A model's operation returns what it could not parse as sent (test_tolerant_models.py);
    # an operation whose answer is plain JSON has nothing to hold a list in place of an object.
    recorder = Recorder(lambda request: json_response(200, ["not", "an", "object"]))
    async with client_for(recorder) as client:
        with pytest.raises(ResponseFormatError) as caught:
            await client.get_union_schema()
    assert caught.value.message == (
        "getUnionSchema: the HTTP 200 body does not parse: (body): Input should be an object"
    )


async def test_an_empty_2xx_body_is_none_only_where_the_operation_allows_it() -> None:
    recorder = Recorder(lambda request: httpx2.Response(200))
    async with client_for(recorder) as client:
        assert await client.delete_segment_definition("seg-1") is None
        with pytest.raises(ResponseFormatError, match="came with an empty body"):
            await client.retrieve_segment_definition_by_id("seg-1")


async def test_204_with_a_body_is_accepted() -> None:
    body = {"status": True, "message": "Segment job with id 'j1' has been marked for cancelling"}
    recorder = Recorder(lambda request: json_response(204, body))
    async with client_for(recorder) as client:
        result = await client.delete_segment_job("j1")
    assert result is not None and result.message == body["message"]
