"""Overhead of the typed `AEPClient` per request over a bare httpx2 call, same in-process app.

    .venv/bin/python bench/bench_client.py [--iterations 5000] [--warmup 500]

Both sides talk to one trivial Starlette app (an IMS token endpoint and `GET
/data/core/ups/segment/definitions` answering a fixed empty page) through one
`httpx2.AsyncClient` on `httpx2.ASGITransport`, so transport and app cost the same. The bare side
sends the gateway headers itself and parses the JSON; the typed side is
`AEPClient.list_segment_definitions()` (token from its IMS provider, cached after the first call;
sandbox scope, headers, request id, retry wrapper, error check, pydantic model). Calls alternate
between the two so that machine noise hits both alike. Prints the median and p95 of each and the
difference of the medians (target: under 0.2 ms).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from seg_mcp.aep import AEPClient, Credential, IMSTokenProvider

BASE = "http://bench.local"
PAGE = {"segments": [], "page": {"totalCount": 0, "totalPages": 1, "pageSize": 0, "limit": 100}}


def app() -> Starlette:
    async def token(request: Request) -> JSONResponse:
        return JSONResponse({"access_token": "tok", "token_type": "bearer", "expires_in": 86399})

    async def definitions(request: Request) -> JSONResponse:
        return JSONResponse(PAGE)

    return Starlette(
        routes=[
            Route("/ims/token/v3", token, methods=["POST"]),
            Route("/data/core/ups/segment/definitions", definitions, methods=["GET"]),
        ]
    )


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms"


async def main(iterations: int, warmup: int) -> None:
    transport = httpx2.ASGITransport(app=app())
    async with httpx2.AsyncClient(transport=transport) as http:
        credential = Credential(
            name="bench",
            org_id="BENCH@AdobeOrg",
            api_key="bench-client",
            token_provider=IMSTokenProvider(
                client_id="bench-client", client_secret="bench-secret", ims_url=BASE
            ),
            sandboxes=("dev",),
            platform_url=BASE,
        )
        client = AEPClient([credential], http_client=http)
        headers = {
            "Authorization": "Bearer tok",
            "x-api-key": "bench-client",
            "x-gw-ims-org-id": "BENCH@AdobeOrg",
            "x-sandbox-name": "dev",
        }
        url = BASE + "/data/core/ups/segment/definitions"

        async def bare() -> Any:
            response = await http.get(url, headers=headers)
            response.raise_for_status()
            return response.json()

        async def typed() -> Any:
            return await client.list_segment_definitions()

        calls: dict[str, Callable[[], Awaitable[Any]]] = {"bare httpx2": bare, "AEPClient": typed}
        times: dict[str, list[float]] = {name: [] for name in calls}
        for i in range(warmup + iterations):
            for name, call in calls.items():
                started = time.perf_counter()
                await call()
                if i >= warmup:
                    times[name].append(time.perf_counter() - started)
        await client.aclose()

    print(
        f"AEPClient overhead per request, in-process ASGI app, {iterations} calls each "
        f"(after {warmup} warm-up), Python {platform.python_version()} on {platform.machine()} "
        f"({platform.processor() or platform.system()})"
    )
    for name, samples in times.items():
        print(f"  {name:<12} {ms(samples)}")
    diff = statistics.median(times["AEPClient"]) - statistics.median(times["bare httpx2"])
    verdict = "meets" if diff < 0.0002 else "misses"
    print(f"  overhead     {diff * 1000:.3f} ms per request (median difference; {verdict} 0.2 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=500)
    options = parser.parse_args()
    anyio.run(main, options.iterations, options.warmup)
    sys.exit(0)
