"""Conformance with Adobe's spec: schemathesis generates requests for every operation of
segmentation.yaml and sends them to the in-process sandbox with valid gateway headers.

Checked: no 5xx, and every response body matches the spec's schema for its status (after the
corrections listed in spec_defects.py). Every resource is seeded (a definition, an external
audience, a preview, a segment job, an export job, a schedule) so that reads and updates reach
real objects, not only their 404s.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from spec_contract import load_contract
from starlette.applications import Starlette

from seg_mcp.config import LOCAL_BASE_URL
from seg_mcp.sandbox import create_app
from seg_mcp.sandbox.settings import DATABASE_FILE

from .conftest import asgi, gateway_headers, make_settings
from .spec_defects import apply_fixes

BASE_URL = LOCAL_BASE_URL + "/data/core/ups"
MAX_EXAMPLES = 12


def load_schema(mode: GenerationMode) -> schemathesis.BaseSchema:
    raw = load_contract()
    raw["servers"] = [{"url": BASE_URL}]
    schema = schemathesis.openapi.from_dict(apply_fixes(raw))
    schema.config.generation.update(modes=[mode])
    if mode is GenerationMode.NEGATIVE:
        # The spec's examples are valid requests (the positive run sends them); building them
        # costs about 12 s of collection per run.
        schema.config.phases.examples.enabled = False
    return schema


schema = load_schema(GenerationMode.POSITIVE)
invalid = load_schema(GenerationMode.NEGATIVE)
NEGATIVE_EXAMPLES = 5


def without_lifespan(app: Starlette) -> Any:
    """The app minus its lifespan (the service starts on the first request and is closed by the
    fixture), so that schemathesis's lifespan runner does not outlive the test."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        await app(scope, receive, send)

    return asgi


SEED_REQUESTS: tuple[tuple[str, str, Any, str, str], ...] = (
    # (path parameter, path, body, field of the answer holding the id, operation path)
    (
        "SEGMENT_ID",
        "/segment/definitions",
        {
            "name": "conformance seed",
            "expression": {"type": "PQL", "format": "pql/text", "value": 'loyalty.tier = "gold"'},
            "schema": {"name": "_xdm.context.profile"},
        },
        "id",
        "/segment/definitions/{SEGMENT_ID}",
    ),
    (
        "AUDIENCE_ID",
        "/audiences",
        {
            "name": "conformance external",
            "type": "ExternalSegment",
            "audienceId": "seed-1",
            "namespace": "AAM",
        },
        "id",
        "/audiences/{AUDIENCE_ID}",
    ),
    (
        "PREVIEW_ID",
        "/preview",
        {
            "predicateExpression": 'loyalty.tier = "gold"',
            "predicateType": "pql/text",
            "predicateModel": "_xdm.context.profile",
            "graphType": "none",
        },
        "previewId",
        "/preview/{PREVIEW_ID}",
    ),
    (
        "SEGMENT_JOB_ID",
        "/segment/jobs",
        [{"segmentId": "{SEGMENT_ID}"}],
        "id",
        "/segment/jobs/{SEGMENT_JOB_ID}",
    ),
    (
        "EXPORT_JOB_ID",
        "/export/jobs",
        {
            "destination": {"datasetId": "conformance"},
            "schema": {"name": "_xdm.context.profile"},
            "fields": "loyalty.tier",
        },
        "id",
        "/export/jobs/{EXPORT_JOB_ID}",
    ),
    (
        "SCHEDULE_ID",
        "/config/schedules",
        {
            "name": "conformance schedule",
            "type": "batch_segmentation",
            "properties": {"segments": ["{SEGMENT_ID}"]},
            "schedule": "0 0 1 * * ?",
        },
        "id",
        "/config/schedules/{SCHEDULE_ID}",
    ),
)


async def seed(app: Starlette, headers: dict[str, str]) -> dict[str, str]:
    """Objects that exist, so that reads and updates reach them and not only their 404s."""
    ids: dict[str, str] = {}
    async with httpx2.AsyncClient(transport=asgi(app), base_url=BASE_URL, headers=headers) as http:
        for name, path, body, field, _ in SEED_REQUESTS:
            text = json.dumps(body)
            for known, value in ids.items():
                text = text.replace("{" + known + "}", value)
            response = await http.post(
                path, content=text, headers={"content-type": "application/json"}
            )
            assert response.is_success, f"seeding {path} failed: {response.text}"
            ids[name] = str(response.json()[field])
    return ids


@pytest.fixture(scope="module")
def conformance_app(
    sandbox_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, dict[str, str], dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("conformance")
    shutil.copy(sandbox_template / DATABASE_FILE, data_dir / DATABASE_FILE)
    app = create_app(make_settings(data_dir))
    headers = anyio.run(gateway_headers, app)
    ids = anyio.run(seed, app, headers)
    try:
        yield without_lifespan(app), headers, ids
    finally:
        app.state.service.close()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_conforms_to_spec(
    case: schemathesis.Case, conformance_app: tuple[Any, dict[str, str], dict[str, str]]
) -> None:
    app, gateway, ids = conformance_app
    if case.method.upper() != "DELETE":  # deleting the seeds would starve the other examples
        for name, value in ids.items():
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = value
    case.call_and_validate(
        app=app,
        headers=valid_headers(case, gateway),
        checks=[not_a_server_error, response_schema_conformance],
    )


def valid_headers(case: schemathesis.Case, gateway: dict[str, str]) -> dict[str, str]:
    headers = dict(gateway)
    if case.body is not None or case.method.upper() in ("POST", "PUT", "PATCH"):
        headers["Content-Type"] = "application/json"
    if case.path.startswith("/search/"):
        headers["x-ups-search-version"] = "1.0"
    return headers


def adobe_shaped(body: Any) -> bool:
    """One of the platform's error bodies: UPS envelope, gateway, content-type check."""
    if not isinstance(body, dict):
        return False
    ups = {"requestId", "errors", "type", "title", "status"} <= body.keys()
    gateway = {"error_code", "message"} <= body.keys()
    content_type = body.get("title") == "BadRequestError" and "detail" in body
    return ups or gateway or content_type


@invalid.parametrize()
@settings(
    max_examples=NEGATIVE_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_invalid_requests_get_adobe_shaped_4xx(
    case: schemathesis.Case, conformance_app: tuple[Any, dict[str, str], dict[str, str]]
) -> None:
    """Requests that break the spec (wrong types, missing required parts) never get a 5xx, and
    every 4xx answer is one of the platform's error bodies."""
    app, gateway, _ = conformance_app
    response = case.call(app=app, headers=valid_headers(case, gateway))
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert adobe_shaped(response.json()), response.text
