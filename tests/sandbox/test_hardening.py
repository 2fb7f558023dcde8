"""Hostile requests get a 4xx in Adobe's error shape, never a 500, and store nothing: JSON nested
100,000 deep, search queries of 5,000 `(`, a 20 MB body (refused before it is read: the tests
count what the app consumed), names and descriptions holding NUL, ESC or RIGHT-TO-LEFT OVERRIDE.

Through the app over HTTP (httpx2's ASGI transport, and uvicorn on 127.0.0.1 where the transport
matters: a declared Content-Length the app must answer without waiting for the body).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from starlette.applications import Starlette

from seg_mcp.config import LOCAL_BASE_URL
from seg_mcp.sandbox import create_app
from seg_mcp.sandbox.app import collect_routes
from seg_mcp.sandbox.http import UPS_BASE
from seg_mcp.sandbox.settings import DATABASE_FILE

from .conftest import asgi, gateway_headers, make_settings

JSON = {"content-type": "application/json"}
SEARCH = {"x-ups-search-version": "1.0"}
MB = 1024 * 1024
DEFINITION = {
    "name": "hardening ok",
    "expression": {"type": "PQL", "format": "pql/text", "value": 'loyalty.tier = "gold"'},
    "schema": {"name": "_xdm.context.profile"},
}


@pytest.fixture(scope="module")
def shared_app(
    sandbox_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Starlette, dict[str, str]]]:
    """One sandbox for the module's tests (they refuse requests, or create objects of their own
    names), and gateway headers for `dev`."""
    data_dir = tmp_path_factory.mktemp("hardening")
    shutil.copy(sandbox_template / DATABASE_FILE, data_dir / DATABASE_FILE)
    app = create_app(make_settings(data_dir))
    try:
        yield app, anyio.run(gateway_headers, app)
    finally:
        app.state.service.close()


@pytest.fixture
async def raw(shared_app: tuple[Starlette, dict[str, str]]) -> AsyncIterator[httpx2.AsyncClient]:
    app, headers = shared_app
    async with httpx2.AsyncClient(
        transport=asgi(app), base_url=LOCAL_BASE_URL + UPS_BASE, headers=headers
    ) as http:
        yield http


def assert_adobe_error(response: httpx2.Response, status: int) -> dict[str, Any]:
    """The Segmentation service's error envelope, for `status`, with the request id echoed."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"requestId", "errors", "type", "title", "status"}, body
    assert body["status"] == status
    assert body["type"].startswith("https://ns.adobe.com/aep/errors/")
    assert body["requestId"] == response.headers["x-request-id"]
    entries = body["errors"][str(status)]
    assert entries and all(e["code"] == status and e["message"] for e in entries)
    return dict(body)


def text_of(body: dict[str, Any]) -> str:
    return " ".join([body["title"], *(e["message"] for e in body["errors"][str(body["status"])])])


def json_body_routes() -> list[tuple[str, str]]:
    """Every Segmentation operation that takes a body (POST, PUT, PATCH), path ids filled in."""
    found = []
    for route in collect_routes():
        if not route.path.startswith(UPS_BASE):
            continue
        path = re.sub(r"\{[A-Z_]+\}", "no-such-id", route.path[len(UPS_BASE) :])
        for method in sorted((route.methods or set()) & {"POST", "PUT", "PATCH"}):
            found.append((method, path))
    return found


BODY_ROUTES = json_body_routes()


async def stored_names(raw: httpx2.AsyncClient) -> set[str]:
    """The names of every definition, audience and schedule of the sandbox."""
    names: set[str] = set()
    definitions = (await raw.get("/segment/definitions", params={"limit": 1000})).json()
    names |= {d["name"] for d in definitions["segments"]}
    audiences = (await raw.get("/audiences", params={"limit": 1000})).json()
    names |= {a["name"] for a in audiences["children"]}
    schedules = (await raw.get("/config/schedules", params={"limit": 1000})).json()
    names |= {s["name"] for s in schedules["children"]}
    return names


# -- nesting -------------------------------------------------------------------------------


def test_every_body_route_is_covered() -> None:
    assert ("POST", "/segment/definitions") in BODY_ROUTES
    assert ("PATCH", "/config/schedules/no-such-id") in BODY_ROUTES
    assert len(BODY_ROUTES) >= 12


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
async def test_json_nested_100000_deep_is_a_400_at_its_position(
    raw: httpx2.AsyncClient, method: str, path: str
) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = await raw.request(method, path, content=body, headers=JSON)
    error = assert_adobe_error(response, 400)
    assert error["title"] == (
        "The JSON body nests more than 64 levels of objects and arrays: the one opening at "
        "line 1, column 65 is level 65. No request of this API nests that deep; send the "
        "documented shape."
    )


def external_audience(meta_depth: int, **fields: Any) -> str:
    """An external audience whose `audienceMeta` makes the body `meta_depth + 2` levels deep."""
    meta: Any = 1
    for _ in range(meta_depth):
        meta = {"k": meta}
    body = {"name": "deep meta", "type": "ExternalSegment", "audienceId": "deep-1"}
    return json.dumps({**body, "namespace": "AAM", **fields, "audienceMeta": {"k": meta}})


async def test_nesting_is_counted_to_the_limit_and_brackets_in_strings_do_not_count(
    raw: httpx2.AsyncClient,
) -> None:
    brackets = "[{" * 200
    # 64 levels: the body, audienceMeta, 62 objects inside it.
    accepted = await raw.post(
        "/audiences", content=external_audience(62, description=brackets), headers=JSON
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["description"] == brackets

    body = external_audience(63, audienceId="deep-2")
    refused = await raw.post("/audiences", content=body, headers=JSON)
    error = assert_adobe_error(refused, 400)
    column = body.index('{"k": 1}') + 1
    assert f"the one opening at line 1, column {column} is level 65" in error["title"]
    listed = (await raw.get("/audiences", params={"limit": 1000})).json()["children"]
    assert [a["audienceId"] for a in listed if a["name"] == "deep meta"] == ["deep-1"]


async def test_a_multiline_body_is_placed_by_line_and_column(raw: httpx2.AsyncClient) -> None:
    body = '{\n  "name": "x",\n  "expression": ' + "[" * 70 + "]" * 70 + "\n}"
    error = assert_adobe_error(
        await raw.post("/segment/definitions", content=body, headers=JSON), 400
    )
    assert "line 3, column 80 is level 65" in error["title"]


async def test_a_pql_json_expression_nested_too_deep_is_a_400(raw: httpx2.AsyncClient) -> None:
    tree = '{"nodeType": "fnApply", "fnName": "not", "params": [' * 3000 + "true" + "]}" * 3000
    definition = {**DEFINITION, "expression": {"type": "PQL", "format": "pql/json", "value": tree}}
    response = await raw.post("/segment/definitions", json=definition)
    error = assert_adobe_error(response, 400)
    assert error["title"].startswith(
        "expression.value is a pql/json tree nested more than 256 levels of objects and arrays "
        "(level 257 opens at line 1, column "
    )


def search(raw: httpx2.AsyncClient, query: str) -> Any:
    params = {
        "schema.name": "_xdm.context.segmentdefinition",
        "namespace": "AEPSegments",
        "s": query,
    }
    return raw.get("/search/entities", params=params, headers=SEARCH)


@pytest.mark.parametrize(
    ("query", "opening", "position"),
    [
        ("(" * 5000, "'('", 33),
        ("NOT " * 2000 + "gold", "'NOT'", 129),
        ("!" * 5000 + "gold", "'!'", 33),
        ("segmentName:" * 600 + "gold", "'segmentName'", 385),
    ],
)
async def test_a_search_query_nested_too_deep_is_a_400_at_its_position(
    raw: httpx2.AsyncClient, query: str, opening: str, position: int
) -> None:
    error = assert_adobe_error(await search(raw, query), 400)
    assert (
        f"the query nests more than 32 levels (parentheses, NOT and field: prefixes each add "
        f"one); {opening} here opens level 33 (at character {position})"
    ) in error["title"]
    assert f"... ({len(query)} characters) is not a valid search query" in error["title"]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (
            "gold " * 2000,
            "the query is 10000 characters long; at most 8192 are searched (at character 8193)",
        ),
        (
            "gold~ " * 65,
            "the query has 65 terms; at most 64 are searched (this one is term 65) "
            "(at character 385)",
        ),
    ],
)
async def test_a_search_query_too_long_or_with_too_many_terms_is_a_400(
    raw: httpx2.AsyncClient, query: str, problem: str
) -> None:
    """Every term is tried on every word of every audience: the work one query asks for is
    bounded (a 1 MB query kept the sandbox busy for minutes)."""
    error = assert_adobe_error(await search(raw, query), 400)
    assert f"is not a valid search query: {problem}." in error["title"]


async def test_a_search_query_nested_32_deep_is_answered(raw: httpx2.AsyncClient) -> None:
    created = await raw.post("/segment/definitions", json={**DEFINITION, "name": "nest quokka"})
    assert created.status_code == 200, created.text
    response = await search(raw, "(" * 31 + "NOT nothing AND quokka" + ")" * 31)
    assert response.status_code == 200, response.text
    assert [e["name"] for e in response.json()["entities"]] == ["nest quokka"]


# -- body size -------------------------------------------------------------------------------


class Counted:
    """A request body streamed in 64 KiB chunks, counting what the app pulled."""

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size = size
        self.chunk = chunk
        self.consumed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.consumed < self.size:
            part = b" " * min(self.chunk, self.size - self.consumed)
            self.consumed += len(part)
            yield part


async def test_a_20_mb_body_declared_is_refused_with_413_unread(raw: httpx2.AsyncClient) -> None:
    body = Counted(20 * MB)
    headers = {**JSON, "content-length": str(20 * MB)}
    response = await raw.post("/segment/definitions", content=body, headers=headers)
    error = assert_adobe_error(response, 413)
    assert error["title"] == (
        "The request body of POST /data/core/ups/segment/definitions is 20971520 bytes; at most "
        "4194304 bytes are accepted. The limit is the local sandbox's setting "
        "SEG_SANDBOX_MAX_BODY_BYTES. Send a smaller body: no request of this API needs more "
        "than a few kilobytes."
    )
    assert body.consumed == 0


async def test_a_20_mb_chunked_body_is_refused_with_413_once_past_the_limit(
    raw: httpx2.AsyncClient,
) -> None:
    body = Counted(20 * MB)
    response = await raw.post("/audiences", content=body, headers=JSON)
    error = assert_adobe_error(response, 413)
    assert (
        "is larger than 4194304 bytes, the most accepted (reading stopped there)"
        in (error["title"])
    )
    assert 4 * MB < body.consumed <= 4 * MB + body.chunk


@pytest.fixture
async def small_limit(sandbox_template: Path, tmp_path: Path) -> AsyncIterator[httpx2.AsyncClient]:
    """A sandbox that accepts bodies of at most 2048 bytes."""
    data_dir = tmp_path / "small"
    data_dir.mkdir()
    shutil.copy(sandbox_template / DATABASE_FILE, data_dir / DATABASE_FILE)
    app = create_app(make_settings(data_dir, max_body_bytes=2048))
    try:
        headers = await gateway_headers(app)
        async with httpx2.AsyncClient(
            transport=asgi(app), base_url=LOCAL_BASE_URL + UPS_BASE, headers=headers
        ) as http:
            yield http
    finally:
        app.state.service.close()


async def test_the_limit_is_a_setting_and_a_body_at_it_is_read(
    small_limit: httpx2.AsyncClient,
) -> None:
    text = json.dumps({**DEFINITION, "name": "at the limit"})
    at_limit = text + " " * (2048 - len(text))
    accepted = await small_limit.post("/segment/definitions", content=at_limit, headers=JSON)
    assert accepted.status_code == 200, accepted.text

    over = json.dumps({**DEFINITION, "name": "over the limit"})
    over += " " * (2049 - len(over))
    refused = await small_limit.post("/segment/definitions", content=over, headers=JSON)
    error = assert_adobe_error(refused, 413)
    assert "is 2049 bytes; at most 2048 bytes are accepted" in error["title"]
    names = {d["name"] for d in (await small_limit.get("/segment/definitions")).json()["segments"]}
    assert "at the limit" in names and "over the limit" not in names


# -- control characters ------------------------------------------------------------------------

NUL, ESC, RLO = "\x00", "\x1b", "\u202e"


def audience(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "ExternalSegment",
        "audienceId": name[-8:],
        "namespace": "AAM",
    } | (fields)


def schedule(name: str) -> dict[str, Any]:
    return {"name": name, "type": "batch_segmentation", "properties": {"segments": ["*"]}}


REFUSED = [
    (
        "/segment/definitions",
        {**DEFINITION, "name": f"gold{NUL}members"},
        "name",
        "U+0000 (NUL)",
        5,
    ),
    ("/segment/definitions", {**DEFINITION, "name": f"{ESC}[31mred"}, "name", "U+001B (ESC)", 1),
    (
        "/segment/definitions",
        {**DEFINITION, "name": "gold", "description": f"all{ESC}]0;pwned{NUL}"},
        "description",
        "U+001B (ESC)",
        4,
    ),
    ("/audiences", audience(f"invoice{RLO}fdp.exe"), "name", "U+202E (RIGHT-TO-LEFT OVERRIDE)", 8),
    ("/audiences", audience("tabbed\tname"), "name", "U+0009 (TAB)", 7),
    ("/audiences", audience("ok", description=f"see {RLO}below"), "description", "U+202E", 5),
    ("/audiences", audience("ok", description="over\rwritten"), "description", "U+000D", 5),
    ("/config/schedules", schedule(f"nightly{NUL}"), "name", "U+0000 (NUL)", 8),
    ("/config/schedules", schedule(f"nightly {RLO}"), "name", "U+202E", 9),
    ("/config/schedules", schedule("nightly\u2028run"), "name", "U+2028 (LINE SEPARATOR)", 8),
    ("/config/schedules", schedule("c1\x85control"), "name", "U+0085", 3),
]


@pytest.mark.parametrize(("path", "body", "field", "char", "position"), REFUSED)
async def test_control_characters_are_refused_naming_the_field(
    raw: httpx2.AsyncClient, path: str, body: dict[str, Any], field: str, char: str, position: int
) -> None:
    before = await stored_names(raw)
    error = assert_adobe_error(await raw.post(path, json=body), 400)
    assert f"{field}: contains the character {char}" in text_of(error)
    assert f"at character {position};" in text_of(error)
    assert error["title"].endswith(". Remove it.")
    assert await stored_names(raw) == before


async def test_updates_refuse_them_too_and_keep_the_stored_object(raw: httpx2.AsyncClient) -> None:
    created = await raw.post("/segment/definitions", json={**DEFINITION, "name": "clean"})
    oid = created.json()["id"]
    patched = await raw.patch(
        f"/segment/definitions/{oid}", json={**DEFINITION, "name": f"clean{ESC}[2J"}
    )
    assert "name: contains the character U+001B (ESC) at character 6" in text_of(
        assert_adobe_error(patched, 400)
    )
    ops = [{"op": "add", "path": "/description", "value": f"x{RLO}y"}]
    patched = await raw.patch(f"/audiences/{oid}", json=ops)
    assert "description: contains the character U+202E" in text_of(assert_adobe_error(patched, 400))
    put = await raw.put(f"/audiences/{oid}", json={**DEFINITION, "name": f"{NUL}"})
    assert "name: contains the character U+0000 (NUL)" in text_of(assert_adobe_error(put, 400))
    stored = (await raw.get(f"/segment/definitions/{oid}")).json()
    assert (stored["name"], stored.get("description") or "") == ("clean", "")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"name": "lone", "description": "half \\ud800 a pair"}', "in description:"),
        (b'{"name": "lone \xed\xa0\x80 raw", "expression": {}}', "in name:"),
        (
            b'{"name": "k", "audienceMeta": {"a": [1, {"\\udfff": 1}]}}',
            "in the key audienceMeta.a[1].",
        ),
    ],
)
async def test_a_lone_surrogate_is_refused_with_where_it_is(
    raw: httpx2.AsyncClient, body: bytes, where: str
) -> None:
    before = await stored_names(raw)
    for path in ("/segment/definitions", "/audiences"):
        error = assert_adobe_error(await raw.post(path, content=body, headers=JSON), 400)
        assert "The JSON body holds an unpaired surrogate U+D" in error["title"]
        assert where in error["title"], error["title"]
    assert await stored_names(raw) == before


async def test_text_that_is_only_text_is_kept(raw: httpx2.AsyncClient) -> None:
    """Tabs and line ends in a description, a character outside the BMP sent as an escaped
    surrogate pair; right-to-left names with their marks (LRM, RLM)."""
    description = "Gold members \U0001f947.\n\tFirst line indented.\r\nWindows line end."
    name = "\u05dc\u05e7\u05d5\u05d7\u05d5\u05ea \u05d6\u05d4\u05d1 \u200f(gold) \u200e2026"
    body = json.dumps({**DEFINITION, "name": name, "description": description})
    assert "\\ud83e\\udd47" in body  # the medal as an escaped surrogate pair
    created = await raw.post("/segment/definitions", content=body, headers=JSON)
    assert created.status_code == 200, created.text
    stored = (await raw.get(f"/segment/definitions/{created.json()['id']}")).json()
    assert (stored["name"], stored["description"]) == (name, description)
