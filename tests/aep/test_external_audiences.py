"""An operation Adobe documents outside the Segmentation spec, added through one `@operation`
declaration: an external audience's ingestion run (Audience Ingestion API, `/data/core/ais`).

The response is the example of Adobe's external audiences guide ("Retrieve specific audience
ingestion status"); the local sandbox has no such route, so a recording transport answers.
"""

from __future__ import annotations

import pytest

from seg_mcp.aep import REGISTRY, NotFoundError, invoke
from seg_mcp.aep.models import ExternalAudienceRun

from .helpers import ORG, Recorder, client_for, json_response

AUDIENCE_ID = "60ccea95-1435-4180-97a5-58af4aa285ab"
RUN_ID = "fb342311-725d-4b48-ab7d-c6105fbc2b8b"
DOCUMENTED_RUN = {
    "audienceId": AUDIENCE_ID,
    "runId": RUN_ID,
    "status": "SUCCESS",
    "differentialIngestion": True,
    "dataFilterStartTime": 764245635,
    "dataFilterEndTime": 3456788568,
    "ingestionTime": 1785678909,
    "details": [
        {"stage": "DATASET_INGEST", "status": "SUCCESS", "flowRunId": "{FLOW_RUN_ID}"},
        {"stage": "PROFILE_STORE_INGEST", "status": "SUCCESS", "flowRunId": "{FLOW_RUN_ID}"},
    ],
}


async def test_the_typed_method_reads_a_run_from_the_audience_ingestion_service() -> None:
    recorder = Recorder(lambda r: json_response(200, DOCUMENTED_RUN))
    async with client_for(recorder) as client:
        run = await client.get_external_audience_run(AUDIENCE_ID, RUN_ID, sandbox="dev")
    assert isinstance(run, ExternalAudienceRun)
    assert (run.status, run.run_id, run.differential_ingestion) == ("SUCCESS", RUN_ID, True)
    assert [(d.stage, d.status) for d in run.details] == [
        ("DATASET_INGEST", "SUCCESS"),
        ("PROFILE_STORE_INGEST", "SUCCESS"),
    ]
    assert run.to_wire() == DOCUMENTED_RUN
    (sent,) = recorder.requests
    assert sent.method == "GET"
    assert sent.path == f"/data/core/ais/external-audience/{AUDIENCE_ID}/runs/{RUN_ID}"
    assert sent.headers["x-gw-ims-org-id"] == ORG
    assert sent.headers["x-sandbox-name"] == "dev"
    assert sent.body is None


async def test_it_is_in_the_registry_and_invoke_takes_the_documented_names() -> None:
    op = REGISTRY.find("getExternalAudienceRun")
    assert (op.http_method, op.service.value + op.path) == (
        "GET",
        "/data/core/ais/external-audience/{AUDIENCE_ID}/runs/{RUN_ID}",
    )
    assert op.in_spec is False  # Adobe documents it; the Segmentation spec does not have it
    assert REGISTRY.find("get_external_audience_run") is op
    recorder = Recorder(lambda r: json_response(200, DOCUMENTED_RUN))
    async with client_for(recorder) as client:
        run = await invoke(
            client, "getExternalAudienceRun", path={"AUDIENCE_ID": AUDIENCE_ID, "RUN_ID": RUN_ID}
        )
    assert run == ExternalAudienceRun.model_validate(DOCUMENTED_RUN)
    assert recorder.requests[0].headers["x-sandbox-name"] == "dev"


async def test_an_unknown_run_is_not_found() -> None:
    recorder = Recorder(lambda r: json_response(404))
    async with client_for(recorder) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_external_audience_run(AUDIENCE_ID, "no-such-run")
    assert caught.value.status == 404
    assert len(recorder.requests) == 1
