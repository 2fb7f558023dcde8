"""A small stand-in for Adobe's gateway and IMS, served over real loopback HTTP (uvicorn).

It checks the headers a real gateway insists on and answers a few Segmentation calls, so the CLI
can be run end to end against `AEP_PLATFORM_URL` / `AEP_IMS_URL`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FAKE_CLIENT_ID = "cli-client-id"
FAKE_SECRET = "cli-SECRET-value-4f1c"
FAKE_TOKEN = "cli-TOKEN-value-9b2e"
FAKE_ORG = "CLIORG@AdobeOrg"

DEFINITIONS = {
    "segments": [
        {
            "id": "4afe34ae-8c98-4513-8a1d-67ccaa54bc05",
            "name": "People in the US",
            "expression": {
                "type": "PQL",
                "format": "pql/text",
                "value": 'homeAddress.countryISO = "US"',
            },
            "schema": {"name": "_xdm.context.profile"},
            "creationTime": 1573253640000,
        }
    ],
    "page": {"totalCount": 1, "totalPages": 1, "pageSize": 1, "limit": 100},
    "link": {},
}

#: An export job whose creationTime is a date (the model reads epoch milliseconds).
EXPORT_JOB = {
    "id": 1,
    "status": "SUCCEEDED",
    "destination": {"datasetId": "d1", "segmentPerBatch": False},
    "creationTime": "2018-10-04T01:19:33Z",
}


@dataclass
class FakeAdobe:
    requests: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    echo_secret_on_ims_error: bool = False
    url: str = ""

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/ims/token/v3", self.token, methods=["POST"]),
                Route("/data/core/ups/segment/definitions", self.definitions, methods=["GET"]),
                Route("/data/core/ups/audiences", self.audiences, methods=["GET"]),
                Route("/data/core/ups/audiences/{audience_id}", self.audience, methods=["GET"]),
                Route("/data/core/ups/preview", self.preview, methods=["POST"]),
                Route("/data/core/ups/export/jobs/{job_id}", self.export_job, methods=["GET"]),
            ]
        )

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        if form.get("client_id") == FAKE_CLIENT_ID and form.get("client_secret") == FAKE_SECRET:
            return JSONResponse(
                {"access_token": FAKE_TOKEN, "token_type": "bearer", "expires_in": 86399}
            )
        detail = f"invalid client secret {form.get('client_secret')}"
        if not self.echo_secret_on_ims_error:
            detail = "invalid client secret"
        return JSONResponse({"error": "invalid_client", "error_description": detail}, 401)

    async def _record(self, request: Request) -> Response | None:
        body = await request.body()
        self.requests.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": dict(request.query_params),
                "headers": dict(request.headers),
                "body": body.decode() or None,
            }
        )
        h = request.headers
        if h.get("authorization") != f"Bearer {FAKE_TOKEN}":
            return JSONResponse(
                {"error_code": "401013", "message": "Oauth token is not valid"}, 401
            )
        if h.get("x-api-key") != FAKE_CLIENT_ID:
            return JSONResponse({"error_code": "403003", "message": "Api Key is invalid"}, 403)
        if h.get("x-gw-ims-org-id") != FAKE_ORG:
            return JSONResponse({"error_code": "403025", "message": "Profile is not valid"}, 403)
        if not h.get("x-sandbox-name"):
            return JSONResponse({"error_code": "400003", "message": "Missing header"}, 400)
        return None

    async def definitions(self, request: Request) -> Response:
        return await self._record(request) or JSONResponse(DEFINITIONS)

    async def audiences(self, request: Request) -> Response:
        refused = await self._record(request)
        if refused:
            return refused
        start = int(request.query_params.get("start", "0"))
        if start == 0:
            return JSONResponse({"children": [{"id": "a1"}, {"id": "a2"}], "_page": {"next": 2}})
        return JSONResponse({"children": [{"id": "a3"}], "_page": {"start": 2}})

    async def audience(self, request: Request) -> Response:
        refused = await self._record(request)
        if refused:
            return refused
        audience_id = request.path_params["audience_id"]
        message = (
            f"The audience entity {audience_id} is not found. Use a valid entity and try again."
        )
        return JSONResponse(
            {
                "requestId": "YrgXiqvCobA9neOmrzCP7kQLi4yIizoP",
                "errors": {"404": [{"code": 404, "message": message}]},
                "type": "https://ns.adobe.com/aep/errors/UPAPI-113430-404",
                "title": message,
                "status": 404,
            },
            404,
        )

    async def preview(self, request: Request) -> Response:
        refused = await self._record(request)
        if refused:
            return refused
        return JSONResponse(
            {
                "state": "NEW",
                "previewQueryId": "e890068b-f5ca-4a8f-a6b5-af87ff0caac3",
                "previewQueryStatus": "NEW",
                "previewId": "MDphcHAtMzJiZTAzMjg",
                "previewExecutionId": 0,
            },
            201,
        )

    async def export_job(self, request: Request) -> Response:
        """Export job 1 with a creation time the model cannot read; any other id: not JSON."""
        refused = await self._record(request)
        if refused:
            return refused
        if request.path_params["job_id"] != "1":
            return Response("<html>maintenance</html>", media_type="text/html")
        return JSONResponse(EXPORT_JOB)


@contextmanager
def serve(fake: FakeAdobe) -> Iterator[FakeAdobe]:
    """Serve `fake` on 127.0.0.1 (a free port) in a background thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(fake.app(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake Adobe server did not start")
        time.sleep(0.01)
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
